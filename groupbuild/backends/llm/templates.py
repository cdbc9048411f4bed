"""Which prompt and rubric files each stage reads, under the run's configured folders.

The runner fingerprints a stage by the content of these files (edit one template and only the
stages that read it redo their work), checks they all exist before any work starts, and the card
records the hashes of exactly these files.
"""

from __future__ import annotations

import re
from pathlib import Path

from groupbuild.config import Config
from groupbuild.hashing import digest
from groupbuild.kinds import offered
from groupbuild.resources import MissingResource, resolve_dir
from groupbuild.schema import Domain

STAGE_ROLES: dict[str, tuple[str, ...]] = {
    "reference": ("planner", "executor"),
    "perturb": ("perturber",),
    "annotate": ("judge", "executor"),
}
"""The LLM roles whose words shape each stage's output (the planner's references are checked
by the executor; uplift is measured by it)."""

_EXTENDS = re.compile(r"""\{%-?\s*(?:extends|include)\s+["']([^"']+)["']""")


def role_files(role: str) -> list[str]:
    """The files a role reads, as `prompts/<name>` or `rubrics/<name>`."""
    if role == "perturber":
        return [
            f"prompts/{d.llm.template}"
            for domain in Domain
            for d in offered("llm", domain)
            if d.llm is not None
        ]
    files = [f"prompts/{role}_{domain.value}.j2" for domain in Domain]
    if role == "judge":
        files += [f"rubrics/{domain.value}.yaml" for domain in Domain]
    return files


def folders(config: Config, base: Path) -> dict[str, Path]:
    return {
        "prompts": resolve_dir(config.prompts_dir, "prompts", base),
        "rubrics": resolve_dir(config.rubrics_dir, "rubrics", base),
    }


def stage_files(config: Config, base: Path) -> dict[str, dict[str, str]]:
    """Per stage, the content digest of every file its `llm` roles read (parents included).

    Raises `MissingResource` naming the first file that is not there, so a run stops before
    doing any work rather than failing record by record.
    """
    roots = folders(config, base)
    out: dict[str, dict[str, str]] = {}
    for stage, roles in STAGE_ROLES.items():
        found: dict[str, str] = {}
        for role in roles:
            if getattr(config.roles, role).backend != "llm":
                continue
            pending = role_files(role)
            while pending:
                name = pending.pop()
                if name in found:
                    continue
                folder, _, rel = name.partition("/")
                path = roots[folder] / rel
                try:
                    text = path.read_text(encoding="utf-8")
                except OSError:
                    raise MissingResource(f"{role} needs {rel} in {roots[folder]}") from None
                found[name] = digest(text)
                if folder == "prompts":
                    pending.extend(f"prompts/{parent}" for parent in _EXTENDS.findall(text))
        out[stage] = dict(sorted(found.items()))
    return out
