"""One cue lexicon (taxonomy G4a) serves the math rules, the code checks and the artifact gate."""

from __future__ import annotations

import pytest

from groupbuild.kinds.code import harm as code_checks
from groupbuild.schema import Trace
from groupbuild.text.cues import CUE_LEXICON, cue_words, new_cue_words

INFLECTED = (
    "The errors cancel out.",
    "It was erroneously doubled.",
    "This is confirmed by 3 + 4 = 7.",
    "We verified that 6 * 2 = 12.",
    "I double-checked the sum.",
)


@pytest.mark.parametrize("text", INFLECTED)
def test_inflected_cue_words_are_caught_like_their_stems(text: str) -> None:
    assert CUE_LEXICON.search(text)
    plain = Trace(steps=("The total is 7.",))
    assert new_cue_words(plain, Trace(steps=(text,)))


def test_a_cue_inside_a_longer_word_is_not_a_cue() -> None:
    assert cue_words("No terror here: uncertainly reconfirmed, unclearly worded.") == set()
    assert cue_words("Note that it was assumed wrong.") == {"note that", "assumed", "wrong"}


def test_a_cue_the_reference_already_has_is_not_new() -> None:
    reference = Trace(steps=("Clearly 2 + 2 = 4.", "Return 4."))
    candidate = Trace(steps=("Clearly 2 + 2 = 5.", "Oops, return 5."))
    assert new_cue_words(reference, candidate) == ["oops"]


def test_the_code_checks_read_the_same_lexicon() -> None:
    assert code_checks.new_cue_words is new_cue_words
