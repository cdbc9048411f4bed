"""Peak memory of the seeds stage (load, check, deduplicate) as the seed set grows.

    .venv/bin/python bench/seeds_memory.py --sizes 10000 100000

Each size is one `groupbuild seeds` run, as a user runs it, on generated GSM8K-form seeds
(`gsm8k_form_seeds.py`, all distinct, so every seed enters the near-duplicate index). Printed:
wall seconds and the run's peak RSS, and the growth from the smallest size to the largest.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from gsm8k_form_seeds import write as write_seeds  # noqa: E402


def peak_mb(size: int, work: Path) -> tuple[float, float]:
    seeds = write_seeds(size, work / f"seeds-{size}.jsonl")
    command = [
        sys.executable, "-m", "groupbuild.cli", "seeds", "--quiet",
        "--set", f"seeds.sources=[{{format: gsm8k, path: {seeds}}}]",
        "--set", f"runner.runs_dir={work / f'runs-{size}'}",
    ]  # fmt: skip
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage, not all children's
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"the seeds stage failed at {size} seeds")
    return time.perf_counter() - started, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]), flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="groupbuild-seeds-") as tmp:
        for size in args.sizes:
            wall, peak = peak_mb(size, Path(tmp))
            rows.append((size, peak))
            print(f"{size:>8} seeds  {wall:6.1f} s  peak {peak:6.0f} MB", flush=True)
    (n0, small), (n1, big) = rows[0], rows[-1]
    print(f"peak growth {n0} -> {n1}: {big / small:.2f}x")


if __name__ == "__main__":
    main()
