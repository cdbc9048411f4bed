"""Plans written from programs with helper functions: the helper is planned first, under a
sentence that introduces it, and the entry function reads its calls by the helper's name."""

from __future__ import annotations

from groupbuild.text.plans.from_code import explain

_COPRIME = (
    "def find_gcd(p, q):\n"
    "    while q != 0:\n"
    "        p, q = q, p % q\n"
    "    return p\n"
    "def is_coprime(x, y):\n"
    "    return find_gcd(x, y) == 1\n"
)


def test_a_helper_is_planned_before_the_entry_function_that_calls_it() -> None:
    found = explain(_COPRIME, "is_coprime")
    assert not isinstance(found, str), found
    steps, links = found
    assert steps[0] == "To find the gcd of p and q, do the next two steps."
    assert steps[-1] == "Return whether the gcd of x and y is equal to 1."
    assert links[0] == (1,) and links[-1] == (6,)
    assert all(set(lines) <= {2, 3, 4} for lines in links[1:-1])


def test_the_entry_point_is_the_function_planned_even_when_defined_first() -> None:
    program = "def check(n):\n    return is_small(n) and n > 0\n" + (
        "def is_small(v):\n    if v < 10:\n        return True\n    return False\n"
    )
    found = explain(program, "check")
    assert not isinstance(found, str), found
    steps, _ = found
    assert steps[0] == "To check whether v is small, do the next two steps."
    assert steps[-1].startswith("Return whether n is small and n is greater than 0")


def test_a_helper_nothing_calls_is_left_out_of_the_plan() -> None:
    program = _COPRIME + "def unused_helper(z):\n    return z * 2\n"
    found = explain(program, "is_coprime")
    assert not isinstance(found, str), found
    assert not any("unused" in step for step in found[0])
    assert explain(program, "is_coprime") == explain(_COPRIME, "is_coprime")


def test_a_helper_whose_name_has_no_words_gets_a_named_reject() -> None:
    program = "def nCr(n, r):\n    return n * r\n" + (
        "def ways(n):\n    total = nCr(n, 2)\n    total += 1\n    return total\n"
    )
    assert explain(program, "ways") == "helper_name"


def test_a_condition_reads_without_a_doubled_whether() -> None:
    program = (
        "def has_long(words, n):\n"
        "    lengths = [len(w) for w in words]\n"
        "    if any(x > n for x in lengths):\n"
        "        return True\n"
        "    return False\n"
    )
    found = explain(program, "has_long")
    assert not isinstance(found, str), found
    assert not any("whether" in step for step in found[0] if step.startswith("If"))
    assert any(step.startswith("If any of") for step in found[0])


def test_set_operators_are_worded_as_set_operations() -> None:
    program = (
        "def common(a, b):\n"
        "    seen = set(a)\n"
        "    common_items = seen & set(b)\n"
        "    rest = seen - common_items\n"
        "    return sorted(rest)\n"
    )
    found = explain(program, "common")
    assert not isinstance(found, str), found
    text = " ".join(found[0])
    assert "bitwise" not in text and "minus" not in text
    assert "the values shared by the seen and the distinct values of b" in text
    assert "the values of the seen not in the common items" in text


def test_numbers_keep_their_bitwise_wording() -> None:
    program = "def low_bits(n, m):\n    masked = n & m\n    masked &= 3\n    return masked\n"
    found = explain(program, "low_bits")
    assert not isinstance(found, str), found
    assert "bitwise and" in " ".join(found[0])


def test_a_pattern_held_in_a_variable_is_not_called_the_pattern_twice() -> None:
    program = (
        "import re\n"
        "def has_word(text):\n"
        "    patterns = 'ab'\n"
        "    matches = re.findall(patterns, text)\n"
        "    return len(matches) > 1\n"
    )
    found = explain(program, "has_word")
    assert not isinstance(found, str), found
    assert "Set the matches to every match of the patterns in the text." in found[0]


def test_a_range_a_paired_map_and_a_default_table_are_worded() -> None:
    program = (
        "from collections import defaultdict\n"
        "def tally(xs, ys, n):\n"
        "    counts = defaultdict(int)\n"
        "    sums = list(map(lambda a, b: a + b, xs, ys))\n"
        "    for s in sums:\n"
        "        counts[s] += 1\n"
        "    return list(range(n)) + [counts[n]]\n"
    )
    found = explain(program, "tally")
    assert not isinstance(found, str), found
    text = " ".join(found[0])
    assert "an empty table whose entries start at 0" in text
    assert "for each pair of a and b of the xs and the ys side by side" in text
    assert "the whole numbers from 0 up to but not including n" in text


def test_a_range_a_comprehension_loops_over_gets_no_step_of_its_own() -> None:
    program = "def grid(n):\n    return [[0] * n for _ in range(n)]\n"
    found = explain(program, "grid")
    assert isinstance(found, str) or not any("whole numbers" in s for s in found[0])
