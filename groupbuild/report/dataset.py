"""Reading a published dataset folder: its summary and its TraceLift group lines, streamed.

Groups are read one line at a time so a report over a large release holds one group in memory
plus what the caller chooses to keep.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
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


def iter_groups(dataset_dir: Path) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(domain, split, group) for every group line of the export."""
    files = group_files(dataset_dir)
    if not files:
        raise FileNotFoundError(f"no tracelift/<domain>/<split>_groups.jsonl under {dataset_dir}")
    for domain, split, path in files:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield domain, split, json.loads(line)
