"""Where a dataset came from: package, commit, config, models, prompt and rubric hashes."""

from __future__ import annotations

import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from groupbuild.config import Config


def package_version() -> str:
    try:
        return version("groupbuild")
    except PackageNotFoundError:
        return "0+unknown"


def git_commit(base: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=base, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return (out.stdout.strip() or None) if out.returncode == 0 else None


def template_hashes(config: Config, base: Path) -> dict[str, str]:
    """A content hash per prompt and rubric file the run's LLM roles read, so a card pins the
    exact instructions used (none for an all-rules run)."""
    from groupbuild.backends.llm.templates import stage_files

    found: dict[str, str] = {}
    for files in stage_files(config, base).values():
        found.update(files)
    return dict(sorted(found.items()))


def roles(config: Config) -> dict[str, dict[str, Any]]:
    """Backend and model per role; endpoints are kept, key variable names are not needed."""
    out = {}
    for name in ("planner", "perturber", "judge", "executor"):
        role = getattr(config.roles, name)
        entry: dict[str, Any] = {"backend": role.backend}
        if role.backend == "llm":
            entry.update(model=role.model, temperature=role.temperature, samples=role.samples)
        out[name] = entry
    return out


def provenance(config: Config, base: Path) -> dict[str, Any]:
    """What the card records. Not the `runner` section nor the output folder: an engine, a
    worker count or a folder says how a run went, not what it made; the same data, the same
    card."""
    return {
        "package_version": package_version(),
        "git_commit": git_commit(base),
        "roles": roles(config),
        "templates": template_hashes(config, base),
        "config": config.model_dump(
            mode="json", by_alias=True, exclude={"runner": True, "publish": {"out_dir"}}
        ),
    }
