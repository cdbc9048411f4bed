"""Scripted per-role replies for the local OpenAI-compatible server."""

from __future__ import annotations

import re
import zlib
from typing import Any

from tests.servers.profiles import requested_schema

_NUMBERED = re.compile(r"^(\d+)\. (.*)$", re.M)


def user_text(body: dict[str, Any]) -> str:
    return str(body["messages"][-1]["content"])


def shown_steps(body: dict[str, Any]) -> list[str]:
    """The numbered steps a perturber or judge prompt shows, in order."""
    return [text for _, text in _NUMBERED.findall(user_text(body))]


class RoleScript:
    """Plausible replies per role, so a whole pipeline can run against the server.

    `answers` maps a substring of a problem to its final answer (math planner and executor);
    `programs` maps a substring of a task to a program (code executor). The perturber rewrites
    the step `edit_step` (1-based, clamped) by raising its last number by an amount that
    depends on the kind's prompt, so kinds give distinct edits. The judge gives every
    dimension `score` (0.5 less per sample index), or 2.0 to a trace holding a step this
    script's perturber wrote, so references outrank their negatives.
    """

    def __init__(
        self,
        answers: dict[str, str] | None = None,
        programs: dict[str, str] | None = None,
        *,
        edit_step: int = 1,
        score: float = 8.0,
    ) -> None:
        self.answers = answers or {}
        self.programs = programs or {}
        self.edit_step = edit_step
        self.score = score
        self.edited: set[str] = set()

    def __call__(self, role: str, body: dict[str, Any]) -> str | dict[str, Any]:
        handler = getattr(self, f"_{role}", None)
        if handler is None:
            return f"no script for role {role}"
        return handler(body)  # type: ignore[no-any-return]

    def _lookup(self, table: dict[str, str], body: dict[str, Any]) -> str | None:
        text = user_text(body)
        return next((value for key, value in table.items() if key in text), None)

    def _planner(self, body: dict[str, Any]) -> str:
        if "```python" in str(body["messages"][0]["content"]):
            return self._executor(body)
        answer = self._lookup(self.answers, body) or "0"
        return f"<reasoning>\nRead the numbers given.\nThe result is {answer}.\n</reasoning>"

    def _executor(self, body: dict[str, Any]) -> str:
        program = self._lookup(self.programs, body)
        if program is not None:
            return f"```python\n{program}\n```"
        return self._lookup(self.answers, body) or "0"

    def _perturber(self, body: dict[str, Any]) -> dict[str, Any]:
        steps = shown_steps(body)
        shift = 1 + zlib.crc32(str(body["messages"][0]["content"]).encode()) % 7
        index = min(max(1, self.edit_step), len(steps))
        old = steps[index - 1]
        numbers = re.findall(r"\d+", old)
        if numbers:
            last = numbers[-1]
            cut = old.rfind(last)
            new = old[:cut] + str(int(last) + shift) + old[cut + len(last) :]
        else:
            new = old + " again"
        self.edited.add(new)
        return {"step_index": index, "new_text": new}

    def _judge(self, body: dict[str, Any]) -> dict[str, Any]:
        schema = requested_schema(body)
        names = [n for n in schema.get("required", []) if n not in _JUDGE_REST]
        sample = int(body.get("seed") or 0)
        flawed = any(step in self.edited for step in shown_steps(body))
        score = 2.0 if flawed else max(0.0, self.score - 0.5 * sample)
        return {
            **{name: score for name in names},
            "rubric_score": score,
            "reason": "The steps follow from the problem.",
            "first_flawed_step": None,
        }


_JUDGE_REST = {"rubric_score", "reason", "first_flawed_step"}
