"""The fixed tune/test split of the knowledge questions (`python -m bench.kb_split`): about 40%
"tune" (may be used to choose the matcher's settings), 60% "test" (only ever read as totals),
stratified by language group and answerable/abstain, spread over languages and entries, with a
fixed seed. Run once; running it again gives the same split."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "data" / "eval" / "kb-questions.jsonl"
SEED = 13
TUNE_SHARE = 0.4


def assign(rows: list[dict], seed: int = SEED, share: float = TUNE_SHARE) -> dict[str, str]:
    """Question id → "tune" or "test". Within each stratum (group, answerable) the questions are
    shuffled, ordered by language and entry (the shuffle breaks ties), then every 1/share-th
    from a random start is "tune": each stratum gets its share, each language and entry about
    theirs."""
    rng = random.Random(seed)
    strata: dict[tuple[str, bool], list[dict]] = defaultdict(list)
    for row in rows:
        strata[(row["group"], row["expected"] is None)].append(row)
    split: dict[str, str] = {}
    for key in sorted(strata):
        members = strata[key][:]
        rng.shuffle(members)
        members.sort(key=lambda r: (r["lang"], r["expected"] or ""))
        start = rng.random()
        for i, row in enumerate(members):
            chosen = int((i + 1) * share + start) - int(i * share + start) == 1
            split[row["id"]] = "tune" if chosen else "test"
    return split


def main(path: Path = QUESTIONS) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    parsed = [json.loads(line) for line in lines if line.strip()]
    rows = [p for p in parsed if "meta" not in p]
    split = assign(rows)
    out = []
    for data in parsed:
        if "meta" in data:
            data["meta"]["split"] = (
                f"split: tune ≈{TUNE_SHARE:.0%} (may be used to choose settings), test the rest "
                "(totals only), stratified by group and answerable/abstain, seed "
                f"{SEED} (bench/kb_split.py)"
            )
        else:
            data["split"] = split[data["id"]]
        out.append(json.dumps(data, ensure_ascii=False))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
