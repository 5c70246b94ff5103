"""The update processor: one person's updates are handled in the order they came, each after
the one before is done, while other people's go on beside them; a person's flood past
MAX_WAITING is handled at once rather than holding the slots everyone shares."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.telegram import in_order
from bot.telegram.in_order import PersonInOrder


def update_from(user_id: int, update_id: int) -> Update:
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": user_id, "type": "private"},
                "from": {"id": user_id, "is_bot": False, "first_name": "A"},
                "text": f"message {update_id}",
            },
        },
        None,
    )


def test_one_persons_updates_are_handled_in_order_and_others_beside_them() -> None:
    log: list[str] = []

    async def handled(name: str, slow: float, release: asyncio.Event | None = None) -> None:
        log.append(f"{name} starts")
        if release is not None:
            await release.wait()
        await asyncio.sleep(slow)
        log.append(f"{name} ends")

    async def main() -> None:
        processor = PersonInOrder()
        release = asyncio.Event()
        first = asyncio.create_task(
            processor.process_update(update_from(1, 1), handled("a1", 0, release))
        )
        await asyncio.sleep(0.01)
        second = asyncio.create_task(processor.process_update(update_from(1, 2), handled("a2", 0)))
        other = asyncio.create_task(processor.process_update(update_from(2, 3), handled("b1", 0)))
        await asyncio.sleep(0.05)
        # the other person was handled while the first person's first update still runs
        assert log == ["a1 starts", "b1 starts", "b1 ends"]
        assert processor.waiting(("user", 1)) == 2
        release.set()
        await asyncio.gather(first, second, other)
        assert log[3:] == ["a1 ends", "a2 starts", "a2 ends"]
        assert processor.waiting(("user", 1)) == 0  # its line is gone with its last update

    asyncio.run(main())


def test_a_flood_past_max_waiting_is_handled_at_once(monkeypatch) -> None:
    monkeypatch.setattr(in_order, "MAX_WAITING", 2)
    started: list[int] = []

    async def handled(number: int, release: asyncio.Event) -> None:
        started.append(number)
        await release.wait()

    async def main() -> None:
        processor = PersonInOrder()
        release = asyncio.Event()
        tasks = []
        for number in range(6):
            update = update_from(1, number)
            tasks.append(
                asyncio.create_task(processor.process_update(update, handled(number, release)))
            )
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.05)
        # the first runs and the next two wait in line (MAX_WAITING); the rest were not made to
        assert started == [0, 3, 4, 5]
        release.set()
        await asyncio.gather(*tasks)
        assert sorted(started) == list(range(6))

    asyncio.run(main())


def test_an_update_from_no_one_is_handled_at_once() -> None:
    async def main() -> None:
        processor = PersonInOrder()
        done = []

        async def handled() -> None:
            done.append(True)

        await processor.process_update(Update.de_json({"update_id": 9}, None), handled())
        await processor.process_update(object(), handled())
        assert done == [True, True]

    asyncio.run(main())
