"""Step alignment of a flawed trace against its reference, row by row, for audit and display.

The classification is the one `groupbuild.text.traces.aligned_changes` measures (a replaced block
pairs steps one to one, the surplus counts as deleted or inserted), kept here as ordered rows so
a reader can show the two traces side by side and find the reference step an inserted one sits
after.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

Tag = Literal["equal", "changed", "deleted", "inserted"]


@dataclass(frozen=True, slots=True)
class Row:
    tag: Tag
    ref: int | None
    """Reference step index (None for an inserted step)."""
    cand: int | None
    """Candidate step index (None for a deleted step)."""


def align(reference: list[str], candidate: list[str]) -> list[Row]:
    rows = _align_distinct(reference, candidate)
    if rows is not None:
        return rows
    rows = []
    matcher = difflib.SequenceMatcher(a=reference, b=candidate, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        rows.extend(_block(tag, i1, i2, j1, j2))
    return rows


def _block(tag: str, i1: int, i2: int, j1: int, j2: int) -> list[Row]:
    if tag == "equal":
        return [Row("equal", i1 + k, j1 + k) for k in range(i2 - i1)]
    paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
    return [
        *(Row("changed", i1 + k, j1 + k) for k in range(paired)),
        *(Row("deleted", i, None) for i in range(i1 + paired, i2)),
        *(Row("inserted", None, j) for j in range(j1 + paired, j2)),
    ]


def _align_distinct(reference: list[str], candidate: list[str]) -> list[Row] | None:
    """The same rows without difflib when no step repeats and the edited middles share none.

    Then the only equal pairs are the common prefix and the common suffix, so difflib's
    matching blocks are exactly those two and everything between is one replaced block.
    """
    n, m = len(reference), len(candidate)
    if len(set(reference)) != n or len(set(candidate)) != m:
        return None
    p = 0
    while p < min(n, m) and reference[p] == candidate[p]:
        p += 1
    q = 0
    while q < min(n, m) - p and reference[n - 1 - q] == candidate[m - 1 - q]:
        q += 1
    if not set(reference[p : n - q]).isdisjoint(candidate[p : m - q]):
        return None
    tag = "replace" if n - q > p and m - q > p else "delete" if n - q > p else "insert"
    return [
        *_block("equal", 0, p, 0, p),
        *_block(tag, p, n - q, p, m - q),
        *_block("equal", n - q, n, m - q, m),
    ]


def measured_diff(rows: list[Row]) -> tuple[list[int], list[int], list[int]]:
    """(changed reference indices, deleted reference indices, inserted candidate indices)."""
    changed = [r.ref for r in rows if r.tag == "changed" and r.ref is not None]
    deleted = [r.ref for r in rows if r.tag == "deleted" and r.ref is not None]
    inserted = [r.cand for r in rows if r.tag == "inserted" and r.cand is not None]
    return changed, deleted, inserted


def edited_pairs(rows: list[Row], n_reference: int) -> list[tuple[int, int]]:
    """(reference index, candidate index) of each changed or inserted candidate step.

    An inserted step is matched with the reference step it follows (the first one when it
    opens the trace), so every edited step has a same-position reference step to compare with.
    """
    pairs: list[tuple[int, int]] = []
    last_ref = 0
    for row in rows:
        if row.ref is not None:
            last_ref = row.ref
        if row.tag == "changed" and row.ref is not None and row.cand is not None:
            pairs.append((row.ref, row.cand))
        elif row.tag == "inserted" and row.cand is not None and n_reference:
            pairs.append((min(last_ref, n_reference - 1), row.cand))
    return pairs
