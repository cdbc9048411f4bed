"""What a shortcut-hunter measures: wording templates, where edits sit, and edit length.

A reward model trained on pairs learns whatever separates negatives from references most
cheaply. These measures ask, per kind, whether that is a fixed phrase the perturber writes,
the position of the edit in the trace, or its length, instead of the flaw itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from groupbuild.report.classifier import auc
from groupbuild.report.scan import NegativeFacts

MIN_TEMPLATE_SHARE = 0.05
"""A phrase is a template of a kind when at least this share of its negatives add it..."""
MIN_TEMPLATE_COUNT = 3
MAX_REFERENCE_SHARE = 0.01
"""...and at most this share of the domain's reference steps hold it."""
POSITION_BINS = 10


def template_phrases(
    items: Sequence[NegativeFacts],
    reference_phrases: Counter[int],
    reference_steps: int,
    names: dict[int, str],
) -> dict[str, Any]:
    """The phrases a kind's edits keep adding and references rarely hold, and the share of
    the kind's negatives that carry one."""
    if not items:
        return {"rate": None, "phrases": {}}
    counts = Counter(code for f in items for code in f.phrases)
    floor = max(MIN_TEMPLATE_COUNT, MIN_TEMPLATE_SHARE * len(items))
    ceiling = MAX_REFERENCE_SHARE * max(1, reference_steps)
    templates = {
        code: n
        for code, n in counts.items()
        if n >= floor and reference_phrases.get(code, 0) <= ceiling
    }
    carrying = sum(1 for f in items if f.phrases & templates.keys())
    top = sorted(templates.items(), key=lambda item: (-item[1], names.get(item[0], "")))[:5]
    return {
        "rate": round(carrying / len(items), 4),
        "phrases": {names.get(code, str(code)): round(n / len(items), 4) for code, n in top},
    }


def length_shortcut(accuracy: float | None) -> float | None:
    """How well "the longer one is flawed" or "the shorter one is flawed" does, whichever wins:
    a kind whose negatives are always shorter is as easy a shortcut as one always longer."""
    return None if accuracy is None else round(max(accuracy, 1 - accuracy), 4)


def position_auc(items: Sequence[NegativeFacts], *, fallout: bool = False) -> float | None:
    """Held-out AUC of telling where a flaw sits from the step's relative position alone.

    Each candidate step of a negative is a sample; its score is the flaw rate of its position
    bin among training negatives. 0.5 means flaws sit anywhere; near 1, always in one place.
    The site is the first flawed step, where a process reward model must find the error (what
    follows it re-states its consequence), or the edited steps of a quality-only kind; with
    `fallout`, every edited step, the numeric fallout of an answer-changing edit included.
    """
    trained = np.zeros((POSITION_BINS, 2))
    for f in items:
        if f.split == "train":
            sites = _sites(f, fallout)
            for j in range(f.steps):
                trained[_bin(j, f.steps), int(j in sites)] += 1
    rate = (trained[:, 1] + 0.5) / (trained.sum(axis=1) + 1.0)
    scores, labels = [], []
    for f in items:
        sites = _sites(f, fallout)
        if f.split != "train" and sites:
            for j in range(f.steps):
                scores.append(rate[_bin(j, f.steps)])
                labels.append(j in sites)
    if not scores:
        return None
    value = auc(np.asarray(scores), np.asarray(labels))
    return None if value is None else round(value, 4)


def _sites(f: NegativeFacts, fallout: bool) -> tuple[int, ...]:
    if fallout or f.flawed_at is None:
        return f.edited_at
    return (f.flawed_at,) if f.flawed_at < f.steps else ()


def _bin(index: int, steps: int) -> int:
    return min(POSITION_BINS - 1, int((index + 0.5) / steps * POSITION_BINS))


def number_shape_rate(items: Sequence[NegativeFacts]) -> float | None:
    """Share of negatives whose edit writes a number of a shape the reference never writes."""
    if not items:
        return None
    return round(sum(f.new_number_shape for f in items) / len(items), 4)
