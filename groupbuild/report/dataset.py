"""Reading a published dataset folder: its summary and its TraceLift group lines, streamed.

Groups are read one line at a time so a report over a large release holds one group in memory
plus what the caller chooses to keep.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

DOMAINS = ("math", "code")
SPLITS = ("train", "dev")


def load_summary(dataset_dir: Path) -> dict[str, Any]:
    path = dataset_dir / "summary.json"
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def group_files(dataset_dir: Path) -> list[tuple[str, str, Path]]:
    """(domain, split, path) of every TraceLift export file present, in a fixed order."""
    found = []
    for domain in DOMAINS:
        for split in SPLITS:
            path = dataset_dir / "tracelift" / domain / f"{split}_groups.jsonl"
            if path.is_file():
                found.append((domain, split, path))
    return found


def iter_groups(
    dataset_dir: Path, wanted: Callable[[str, str], bool] | None = None
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(domain, split, group) for every group line of the export, or those `wanted(domain,
    problem_id)` keeps; the id is read at the line's start, so skipped lines are not parsed."""
    files = group_files(dataset_dir)
    if not files:
        raise FileNotFoundError(f"no tracelift/<domain>/<split>_groups.jsonl under {dataset_dir}")
    for domain, split, path in files:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                if wanted is not None:
                    head = _ID.match(line)
                    pid = (
                        json.loads(f'"{head.group(1)}"') if head else json.loads(line)["problem_id"]
                    )
                    if not wanted(domain, pid):
                        continue
                yield domain, split, json.loads(line)


_ID = re.compile(r'\{"problem_id":"((?:[^"\\]|\\.)*)"')
