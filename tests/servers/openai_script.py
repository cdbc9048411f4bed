"""Scripted per-role replies for the local OpenAI-compatible server."""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Sequence
from typing import Any

from kind_helpers import model_rewrite

from groupbuild.kinds import Kind, definition
from groupbuild.schema import Domain, Seed, Trace
from tests.servers.profiles import requested_schema

_NUMBERED = re.compile(r"^(\d+)\. (.*)$", re.M)
_FLAW = re.compile(r"The flaw to introduce:\n([A-Z][\w -]*?):")
_KIND_NAMES = {
    "specification misread": Kind.SPEC_MISREAD,
    "inconsistent carry-over": Kind.INCONSISTENT_CARRY,
}


def user_text(body: dict[str, Any]) -> str:
    return str(body["messages"][-1]["content"])


def shown_steps(body: dict[str, Any]) -> list[str]:
    """The numbered steps a perturber or judge prompt shows, in order."""
    return [text for _, text in _NUMBERED.findall(user_text(body))]


def asked_kind(body: dict[str, Any]) -> Kind | None:
    """The kind a perturber prompt asks for, read from the name its flaw description opens with."""
    found = _FLAW.search(str(body["messages"][0]["content"]))
    if found is None:
        return None
    name = found.group(1).lower()
    known = {k.value for k in Kind}
    return _KIND_NAMES.get(name) or (
        Kind(name.replace(" ", "_")) if name.replace(" ", "_") in known else None
    )


def reference_plan(seed: Seed) -> Trace:
    """The plan a careful model would write for `seed`: its gold solution's steps (math) or its
    bundled plan (code)."""
    from groupbuild.text.math.gold import solution_to_trace
    from groupbuild.text.plans.links import plan_to_trace

    if seed.domain is Domain.MATH:
        return solution_to_trace(seed.solution or "")
    return plan_to_trace(seed)


def stdio_program(seed: Seed) -> str:
    """The reference program in the executor's stdin/stdout form."""
    from groupbuild.execute.oracles import oracle_payload

    built = oracle_payload(seed)
    assert isinstance(built, dict), f"{seed.problem_id} has no oracle: {built}"
    return str(built["program"])


class RoleScript:
    """Plausible replies per role, so a whole pipeline can run against the server.

    `answers` maps a substring of a problem to its final answer (math planner and executor);
    `programs` maps a substring of a task to a program (code executor). Given `seeds`, the
    script knows them as a careful model would: the planner writes each seed's reference plan,
    the executor answers with the gold answer or the reference program, and the perturber makes
    a real edit of the kind its prompt asks for (the kind's rule applied to the shown trace,
    replied as a model replies: the step, its new text, and for a code kind the program
    following the flawed plan). Otherwise, or when the kind does not apply, the perturber
    rewrites the step `edit_step` (1-based, clamped) by raising its last number by an amount
    that depends on the kind's prompt, so kinds give distinct edits. The judge gives every
    dimension `score` (0.5 less per sample index), or 2.0 to a trace holding a step this
    script's perturber wrote (or one it made by dropping or swapping steps), so references
    outrank their negatives.
    """

    def __init__(
        self,
        answers: dict[str, str] | None = None,
        programs: dict[str, str] | None = None,
        *,
        seeds: Sequence[Seed] = (),
        edit_step: int = 1,
        score: float = 8.0,
    ) -> None:
        self.answers = dict(answers or {})
        self.programs = dict(programs or {})
        self.seeds = list(seeds)
        self.plans = {seed.problem: reference_plan(seed) for seed in self.seeds}
        for seed in self.seeds:
            if seed.domain is Domain.MATH and seed.answer:
                self.answers.setdefault(seed.problem, seed.answer)
        self.edit_step = edit_step
        self.score = score
        self.edited: set[str] = set()
        self.reordered: set[tuple[str, ...]] = set()
        """Traces the perturber made by dropping or swapping steps, holding no new text."""
        self.real_edits: list[Kind] = []
        """The kind of every real edit the perturber replied with, in order."""

    def __call__(self, role: str, body: dict[str, Any]) -> str | dict[str, Any]:
        handler = getattr(self, f"_{role}", None)
        if handler is None:
            return f"no script for role {role}"
        return handler(body)  # type: ignore[no-any-return]

    def _lookup(self, table: dict[str, str], body: dict[str, Any]) -> str | None:
        text = user_text(body)
        return next((value for key, value in table.items() if key in text), None)

    def _seed(self, body: dict[str, Any]) -> Seed | None:
        text = user_text(body)
        return next((seed for seed in self.seeds if seed.problem in text), None)

    def _planner(self, body: dict[str, Any]) -> str:
        if "```python" in str(body["messages"][0]["content"]):
            return self._executor(body)
        seed = self._seed(body)
        if seed is not None:
            return "<reasoning>\n" + "\n".join(self.plans[seed.problem].steps) + "\n</reasoning>"
        answer = self._lookup(self.answers, body) or "0"
        return f"<reasoning>\nRead the numbers given.\nThe result is {answer}.\n</reasoning>"

    def _executor(self, body: dict[str, Any]) -> str:
        program = self._lookup(self.programs, body)
        seed = self._seed(body)
        if program is None and seed is not None and seed.domain is Domain.CODE:
            program = self.programs[seed.problem] = stdio_program(seed)
        if program is not None:
            return f"```python\n{program}\n```"
        return self._lookup(self.answers, body) or "0"

    def _perturber(self, body: dict[str, Any]) -> dict[str, Any]:
        steps = shown_steps(body)
        real = self._real_edit(body, steps)
        if real is not None:
            return real
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
        reply: dict[str, Any] = {"step_index": index, "new_text": new}
        if "Reference program:" in user_text(body):
            reply["program"] = "def unchanged():\n    pass\n"
        return reply

    def _real_edit(self, body: dict[str, Any], steps: list[str]) -> dict[str, Any] | None:
        """The reply of a model that makes the edit the prompt asks for, or None when the seed
        or kind is unknown to the script or the kind does not apply to this trace."""
        seed, kind = self._seed(body), asked_kind(body)
        if seed is None or kind is None:
            return None
        found = definition(seed.domain, kind)
        if found.rule is None or found.llm is None:
            return None
        reference = Trace(steps=tuple(steps))
        for attempt in range(3):
            edit = found.rule(seed, reference, random.Random(attempt))
            if edit is None:
                continue
            rewrite = model_rewrite(found, edit)
            if found.llm.writes_step:
                self.edited.add(rewrite.text)
            else:
                self.reordered.add(edit.trace.steps)
            self.real_edits.append(kind)
            reply: dict[str, Any] = {"step_index": rewrite.index + 1, "new_text": rewrite.text}
            if rewrite.program is not None:
                reply["program"] = rewrite.program
            return reply
        return None

    def _judge(self, body: dict[str, Any]) -> dict[str, Any]:
        names = [n for n in requested_schema(body).get("required", []) if n not in _JUDGE_REST]
        sample = int(body.get("seed") or 0)
        shown = shown_steps(body)
        flawed = any(step in self.edited for step in shown) or tuple(shown) in self.reordered
        score = 2.0 if flawed else max(0.0, self.score - 0.5 * sample)
        return {
            **{name: score for name in names},
            "rubric_score": score,
            "reason": "The steps follow from the problem.",
            "first_flawed_step": None,
        }


_JUDGE_REST = {"rubric_score", "reason", "first_flawed_step"}
