"""People take turns on the search thread: someone who sends many (or heavy) messages delays
another person by at most one message of their own."""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from bot.telegram.state import TakingTurns


def test_a_person_with_a_long_queue_does_not_keep_others_waiting():
    ran: list[str] = []
    gate = threading.Event()

    def piece(name: str) -> str:
        if name == "flood-0":
            gate.wait(5)  # the first piece is busy while everyone else queues up
        ran.append(name)
        return name

    async def main() -> list[str]:
        turns = TakingTurns(ThreadPoolExecutor(max_workers=1))
        flood = [asyncio.create_task(turns.run("flooder", piece, f"flood-{i}")) for i in range(10)]
        await asyncio.sleep(0.05)
        others = [asyncio.create_task(turns.run(who, piece, who)) for who in ("ana", "bor")]
        await asyncio.sleep(0.05)
        gate.set()
        answers = await asyncio.gather(*flood, *others)
        await turns.close()
        return answers

    answers = asyncio.run(main())
    assert answers[-2:] == ["ana", "bor"]  # each caller gets their own result
    assert ran[:4] == ["flood-0", "flood-1", "ana", "bor"] or ran[:4] == [
        "flood-0",
        "ana",
        "bor",
        "flood-1",
    ]
    assert ran.index("bor") <= 3  # not behind the flooder's nine other messages
    assert sorted(ran) == sorted([f"flood-{i}" for i in range(10)] + ["ana", "bor"])


def test_a_failing_piece_fails_only_its_caller():
    def piece(ok: bool) -> str:
        if not ok:
            raise ValueError("bad input")
        return "fine"

    async def main() -> list[object]:
        turns = TakingTurns(ThreadPoolExecutor(max_workers=1))
        results = await asyncio.gather(
            turns.run("a", piece, False), turns.run("b", piece, True), return_exceptions=True
        )
        await turns.close()
        return results

    failed, fine = asyncio.run(main())
    assert isinstance(failed, ValueError) and fine == "fine"
