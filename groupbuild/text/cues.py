"""The cue lexicon (taxonomy G4a): words that announce an error or fake a check.

Perturbed steps in published benchmarks give themselves away with such words ("incorrectly",
"assume", "clearly"); a text-only model learns the words instead of the flaw. Every rule, check
and gate that keeps them out of the changed steps reads this one lexicon.
"""

from __future__ import annotations

import re

from groupbuild.schema import Trace

CUE_LEXICON = re.compile(
    r"\b(?:incorrect\w*|mistak\w*|wrong\w*|errors?|erroneous\w*|assum\w*|note that|actually"
    r"|oops|verif\w*|double-check\w*|confirm\w*|clearly|certainly|obviously)\b",
    re.IGNORECASE,
)
"""Inflected forms count too: "erroneously" and "confirmed" give a step away like their stems."""


def cue_words(text: str) -> set[str]:
    """The cue words in `text`, lower-cased."""
    return {m.group(0).lower() for m in CUE_LEXICON.finditer(text)}


def new_cue_words(reference: Trace, candidate: Trace) -> list[str]:
    """Cue words in the candidate that the reference does not have, sorted."""
    before = cue_words(" ".join(reference.steps))
    return sorted(cue_words(" ".join(candidate.steps)) - before)
