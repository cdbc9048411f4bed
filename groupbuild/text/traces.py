"""Steps as text: parsing `<reasoning>` blocks and the measured step diff against the reference."""

from __future__ import annotations

import difflib
import re

from groupbuild.schema import StepDiff, Trace

_REASONING = re.compile(r"<reasoning>(.*?)</reasoning>", re.S)


def parse_reasoning(text: str) -> Trace:
    """The steps of a `<reasoning>` block (or of plain text), one per non-empty line."""
    match = _REASONING.search(text)
    body = match.group(1) if match else text
    return Trace(steps=tuple(line.strip() for line in body.splitlines() if line.strip()))


def aligned_changes(reference: Trace, candidate: Trace) -> tuple[dict[int, int], StepDiff]:
    """Align steps exactly (formatting drift counts as a change) and classify what differs.

    Returns the reference -> candidate index pairs of changed steps, and the diff. A replaced
    block pairs steps one to one; the surplus on either side counts as deleted or inserted.
    """
    changed: dict[int, int] = {}
    deleted: list[int] = []
    inserted: list[int] = []
    matcher = difflib.SequenceMatcher(a=reference.steps, b=candidate.steps, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        changed.update({i1 + k: j1 + k for k in range(paired)})
        deleted.extend(range(i1 + paired, i2))
        inserted.extend(range(j1 + paired, j2))
    diff = StepDiff(changed=tuple(changed), deleted=tuple(deleted), inserted=tuple(inserted))
    return changed, diff


def step_diff(reference: Trace, candidate: Trace) -> StepDiff:
    return aligned_changes(reference, candidate)[1]


def length_ratio(reference: Trace, candidate: Trace) -> float:
    return len(candidate.render()) / max(1, len(reference.render()))
