"""Offline pipeline over GSM8K train: wall time, groups per second, peak memory per input size.

    .venv/bin/python bench/pipeline_bench.py [--gsm8k PATH] [--fractions 0.1 0.5 1.0]

Each size runs in a fresh process (the CLI, as a user runs it); peak RSS is the largest of that
process and its workers. Streaming means the peak levels off as the input grows: what remains is
imports, bounded caches and one Parquet row group per output config.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_GSM8K = REPO.parent / "shared" / "data" / "gsm8k" / "train.jsonl"


def run_once(gsm8k: Path, limit: int | None, workdir: Path) -> dict[str, float]:
    config = workdir / "bench.yaml"
    source = {"format": "gsm8k", "path": str(gsm8k)}
    if limit is not None:
        source["limit"] = limit
    seeds = {"sources": [source], "skip_invalid": True}
    config.write_text(json.dumps({"name": "bench", "seeds": seeds}))
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "groupbuild.cli", "run", "--quiet", "--config", str(config),
         "--set", f"runner.runs_dir={workdir / 'runs'}",
         "--set", f"publish.out_dir={workdir / 'dist'}"],
        cwd=REPO, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"the pipeline failed with exit code {proc.returncode}")
    summary = json.loads((workdir / "dist" / "summary.json").read_text())
    return {
        "seeds": summary["seeds_in"],
        "groups": summary["groups_published"],
        "wall_s": wall,
        "groups_per_s": summary["groups_published"] / wall,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "accounted": summary["accounted"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gsm8k", type=Path, default=DEFAULT_GSM8K)
    parser.add_argument(
        "--fractions", type=float, nargs="+", default=[0.1, 0.5, 1.0], help="input sizes to run"
    )
    args = parser.parse_args()
    if not args.gsm8k.exists():
        sys.exit(f"GSM8K train file not found at {args.gsm8k}; pass --gsm8k PATH")
    total = sum(1 for _ in args.gsm8k.open())
    rows = []
    for fraction in args.fractions:
        limit = None if fraction >= 1 else int(total * fraction)
        with tempfile.TemporaryDirectory(prefix="groupbuild-bench-") as tmp:
            rows.append(run_once(args.gsm8k, limit, Path(tmp)))
    print(f"{'seeds':>6} {'groups':>6} {'wall s':>7} {'groups/s':>9} {'peak MB':>8} accounted")
    for r in rows:
        print(f"{r['seeds']:>6} {r['groups']:>6} {r['wall_s']:>7.1f} {r['groups_per_s']:>9.1f} "
              f"{r['peak_rss_mb']:>8.0f} {r['accounted']}")  # fmt: skip


if __name__ == "__main__":
    main()
