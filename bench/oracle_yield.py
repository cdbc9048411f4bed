"""How many MBPP seeds convert into verified stdin/stdout oracles, and why the rest do not.

Usage: python bench/oracle_yield.py [DATA_DIR] [--workers N] [--limit N]
DATA_DIR defaults to ../shared/data relative to the repository root.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from groupbuild.execute.oracles import OracleFailure, build_oracle
from groupbuild.schema import Domain, Seed

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def mbpp_seeds(path: Path) -> list[Seed]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [
        _seed(
            "mbpp",
            row["task_id"],
            row["text"],
            row["code"],
            row["test_list"],
            row["test_setup_code"],
        )
        for row in rows
    ]


def sanitized_seeds(path: Path) -> list[Seed]:
    rows = json.loads(path.read_text())
    return [
        _seed(
            "mbpp_sanitized",
            row["task_id"],
            row["prompt"],
            row["code"],
            row["test_list"],
            "\n".join(row["test_imports"]),
        )
        for row in rows
    ]


def _seed(source: str, task_id: int, text: str, code: str, tests: list[str], setup: str) -> Seed:
    return Seed(
        problem_id=f"{source}:{task_id}",
        source=source,
        source_id=str(task_id),
        domain=Domain.CODE,
        task_type="python_function",
        problem=text,
        solution=code,
        tests=tuple(tests),
        test_setup=setup,
    )


def measure(name: str, seeds: list[Seed], workers: int) -> None:
    start = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(build_oracle, seeds))
    elapsed = time.monotonic() - start
    reasons = Counter(r.reason for r in results if isinstance(r, OracleFailure))
    verified = len(results) - sum(reasons.values())
    print(f"{name}: {verified}/{len(results)} verified in {elapsed:.1f}s")
    for reason, count in reasons.most_common():
        example = next(
            (s.problem_id, r.detail[:90])
            for s, r in zip(seeds, results, strict=True)
            if isinstance(r, OracleFailure) and r.reason == reason
        )
        print(f"  {count:4d}  {reason:32s} e.g. {example[0]}: {example[1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    sets = {
        "mbpp.jsonl": mbpp_seeds(args.data / "mbpp" / "mbpp.jsonl"),
        "sanitized-mbpp.json": sanitized_seeds(args.data / "mbpp" / "sanitized-mbpp.json"),
    }
    for name, seeds in sets.items():
        measure(name, seeds[: args.limit] if args.limit else seeds, args.workers)


if __name__ == "__main__":
    main()
