"""Offline yield and speed per seed set: published groups / seeds, s/seed, and why seeds drop.

    .venv/bin/python bench/code_yield.py [--source mbpp|humaneval|gsm8k ...] [--limit N]

Each source runs the offline (rules) pipeline once through the CLI, as a user runs it, with
every validation gate of the default config. `mbpp` reads ../shared/data/mbpp/mbpp.jsonl,
`gsm8k` ../shared/data/gsm8k/train.jsonl (the speed baseline), `humaneval` the HumanEval-format
toy fixture of the tests (or `--humaneval PATH`). Printed per source: seeds, groups, yield, wall
seconds per seed, the share of seeds with a plan (code), and the reject reasons by stage.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

from offline_build import build

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
SOURCES = {
    "mbpp": ("mbpp", DATA / "mbpp" / "mbpp.jsonl"),
    "gsm8k": ("gsm8k", DATA / "gsm8k" / "train.jsonl"),
    "humaneval": ("humaneval", REPO / "tests" / "seeds" / "data" / "humaneval_toy.jsonl"),
}


def run(fmt: str, path: Path, limit: int | None, workdir: Path) -> dict[str, object]:
    source: dict[str, object] = {"format": fmt, "path": str(path)}
    if limit:
        source["limit"] = limit
    summary, wall = build([source], workdir)
    rejects = [json.loads(line) for line in (workdir / "dist" / "rejects.jsonl").open()]
    seed_level = [r for r in rejects if r.get("level") != "candidate"]
    reasons = Counter(f"{r['stage']}:{r['reason']}" for r in seed_level)
    dropped = Counter(
        f"{r['detail']}={r['reason']}"
        for r in rejects
        if r.get("level") == "candidate" and r["reason"] != "not_applicable"
    )
    plans = Counter(
        r["detail"].removeprefix("no faithful plan from code: ")
        for r in seed_level
        if r["reason"] == "no_reference_plan"
    )
    return {
        "seeds": summary["seeds_in"],
        "groups": summary["groups_published"],
        "wall": wall,
        "reasons": reasons,
        "plans": plans,
        "dropped": dropped,
        "accounted": summary["accounted"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", nargs="+", choices=sorted(SOURCES), default=["mbpp"])
    parser.add_argument("--limit", type=int, default=0, help="first N records of each source")
    parser.add_argument("--humaneval", type=Path, help="a HumanEval-format JSONL file")
    args = parser.parse_args()
    print("command:", " ".join(sys.argv))
    for name in args.source:
        fmt, path = SOURCES[name]
        if name == "humaneval" and args.humaneval:
            path = args.humaneval
        if not path.exists():
            sys.exit(f"{name}: {path} not found")
        with tempfile.TemporaryDirectory(prefix="groupbuild-yield-") as tmp:
            r = run(fmt, path, args.limit or None, Path(tmp))
        seeds, groups = int(r["seeds"]), int(r["groups"])  # type: ignore[call-overload]
        wall = float(r["wall"])  # type: ignore[arg-type]
        per_seed = wall / max(seeds, 1)
        print(f"\n{name}: {groups}/{seeds} groups, yield {groups / max(seeds, 1):.1%}, "
              f"{per_seed:.3f} s/seed ({wall:.0f} s), accounted {r['accounted']}")  # fmt: skip
        plans: Counter[str] = r["plans"]  # type: ignore[assignment]
        if name != "gsm8k":
            planned = seeds - sum(plans.values())
            print(f"  with a plan: {planned}/{seeds} ({planned / max(seeds, 1):.1%})")
        reasons: Counter[str] = r["reasons"]  # type: ignore[assignment]
        for reason, count in reasons.most_common():
            print(f"  {count:5d}  {reason}")
        for reason, count in plans.most_common(8):
            print(f"  {count:5d}    no plan: {reason}")
        dropped: Counter[str] = r["dropped"]  # type: ignore[assignment]
        for reason, count in dropped.most_common(8):
            print(f"  {count:5d}    candidate dropped: {reason}")


if __name__ == "__main__":
    main()
