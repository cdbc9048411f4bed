"""Prompt templates: jinja2 files rendered into chat messages, each with a stable hash.

A template renders a system part and a user part separated by a line holding only `<<<user>>>`.
The hash covers the template and every template it extends, so provenance changes whenever
the words a model saw change.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Any

from groupbuild.hashing import digest
from groupbuild.resources import data_dir

USER_MARK = "<<<user>>>"
_EXTENDS = re.compile(r"""\{%-?\s*extends\s+["']([^"']+)["']""")


def default_prompts_dir() -> Path:
    return data_dir("prompts")


def default_rubrics_dir() -> Path:
    return data_dir("rubrics")


class Prompts:
    """The templates under one directory."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @cached_property
    def _env(self) -> Any:
        import jinja2

        return jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(self.root)),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=False,
        )

    def exists(self, name: str) -> bool:
        return (self.root / name).is_file()

    def render(self, name: str, **variables: Any) -> list[dict[str, str]]:
        text = self._env.get_template(name).render(**variables)
        system, sep, user = text.partition(f"\n{USER_MARK}\n")
        if not sep:
            raise ValueError(f"prompt {name} has no line {USER_MARK!r} between system and user")
        return [
            {"role": "system", "content": system.strip()},
            {"role": "user", "content": user.strip()},
        ]

    def hash(self, name: str, *extra: str) -> str:
        """Digest of the template, its parents, and any `extra` text it embeds (a rubric)."""
        sources: list[str] = []
        pending = [name]
        while pending:
            current = pending.pop()
            source = (self.root / current).read_text(encoding="utf-8")
            sources.append(source)
            pending.extend(_EXTENDS.findall(source))
        return digest([*sources, *extra])
