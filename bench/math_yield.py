"""Offline yield on competition math (MATH train form): published groups per seed, with reasons.

    .venv/bin/python bench/math_yield.py [--math PATH] [--start 0] [--stop 1000]

Rows `start:stop` of the file (JSON Lines, `problem`/`solution` with a `\\boxed{}` answer) are
copied to a temporary file and built by the CLI exactly as a user runs it, on the rules
backend with every validation gate on. Prints the yield, the seed-level reject reasons and, per
kind, how many negatives were published and why the others were dropped (perturb drops are
listed for published groups only: a rejected seed's rejects name its gate failures).
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
DEFAULT_MATH = REPO.parent / "shared" / "data" / "math" / "train.jsonl"


def run(rows: list[str], workdir: Path) -> dict[str, object]:
    seeds = workdir / "math.jsonl"
    seeds.write_text("".join(rows))
    summary, wall = build([{"format": "math", "path": str(seeds)}], workdir)
    dist = workdir / "dist"
    rejects = [json.loads(line) for line in (dist / "rejects.jsonl").read_text().splitlines()]
    published: Counter[str] = Counter()
    for path in sorted((dist / "tracelift" / "math").glob("*_groups.jsonl")):
        for line in path.read_text().splitlines():
            group = json.loads(line)
            for kind in group.get("metadata", {}).get("negative_kinds", []):
                published[kind] += 1
    return {"summary": summary, "rejects": rejects, "published": published, "wall": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--math", type=Path, default=DEFAULT_MATH)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--stop", type=int, default=1000)
    args = parser.parse_args()
    if not args.math.exists():
        sys.exit(f"MATH train file not found at {args.math}; pass --math PATH")
    with args.math.open() as handle:
        rows = [line for i, line in enumerate(handle) if args.start <= i < args.stop]
    with tempfile.TemporaryDirectory(prefix="groupbuild-math-") as tmp:
        result = run(rows, Path(tmp))
    summary = result["summary"]
    assert isinstance(summary, dict)
    seeds, groups = summary["seeds_in"], summary["groups_published"]
    print(f"rows {args.start}:{args.stop}  seeds {seeds}  groups {groups}  "
          f"yield {groups / max(1, seeds):.1%}  wall {result['wall']:.0f}s  "
          f"accounted {summary['accounted']}")  # fmt: skip
    rejects = result["rejects"]
    assert isinstance(rejects, list)
    seed_level = Counter(r["reason"] for r in rejects if r.get("level") == "seed")
    print("seed rejects:", ", ".join(f"{k} {v}" for k, v in seed_level.most_common()))
    dropped: dict[str, Counter[str]] = {}
    for r in rejects:
        if r.get("level") == "candidate":
            kind = r.get("detail") if r.get("stage") == "validate" else r["id"].rsplit("/", 1)[-1]
            dropped.setdefault(str(kind), Counter())[f"{r['stage']}:{r['reason']}"] += 1
        elif r.get("reason") == "too_few_negatives":
            # "k of n passed the gates; dropped: kind=reason, ..." names each gate failure
            for item in r.get("detail", "").partition("dropped: ")[2].split(", "):
                kind, _, reason = item.partition("=")
                if reason:
                    dropped.setdefault(kind, Counter())[f"validate:{reason}"] += 1
    published = result["published"]
    assert isinstance(published, Counter)
    print(f"{'kind':<22} {'published':>9}  dropped (stage:reason count)")
    for kind in sorted(set(dropped) | set(published)):
        reasons = dropped.get(kind, Counter()).most_common(4)
        shown = ", ".join(f"{k} {v}" for k, v in reasons)
        print(f"{kind:<22} {published.get(kind, 0):>9}  {shown}")


if __name__ == "__main__":
    main()
