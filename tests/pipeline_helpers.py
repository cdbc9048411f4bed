"""Shared helpers for tests that run the whole pipeline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from groupbuild.config import Config, load_config

REPO = Path(__file__).resolve().parents[1]


def config_for(tmp: Path, *overrides: str, path: Path | None = None) -> Config:
    return load_config(
        path or REPO / "configs" / "default.yaml",
        overrides=[
            f"runner.runs_dir={tmp / 'runs'}",
            f"publish.out_dir={tmp / 'dist'}",
            "runner.progress=false",
            *overrides,
        ],
        env={},
    )


def read_jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def exported_groups(dist: Path, domain: str) -> dict[str, list[dict]]:
    return {
        split: list(read_jsonl(dist / "tracelift" / domain / f"{split}_groups.jsonl"))
        for split in ("train", "dev")
        if (dist / "tracelift" / domain / f"{split}_groups.jsonl").exists()
    }
