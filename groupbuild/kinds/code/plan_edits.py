"""Rule perturbations of code plans, each paired with the same mutation of the reference program.

A code trace is a plan in natural language. A rule edits one phrase or one step of the plan
(a bound, a condition, an edge case, an order, a reading of the spec) and builds the program
twin that follows the edited plan (`kinds.code.twins`); when no faithful twin exists the kind does
not apply. The twin goes into `Edit.evidence` so its proof can show the harm by running it.
"""

from __future__ import annotations

import ast
import random
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from groupbuild.kinds.code import twins as pt
from groupbuild.kinds.code.harm import twin_kind, unimplemented
from groupbuild.kinds.code.model_twins import twin_offer
from groupbuild.kinds.registry import Edit, register
from groupbuild.kinds.spec import Kind
from groupbuild.schema import Seed, Trace
from groupbuild.text.code.syntax import is_guard, is_parity_test
from groupbuild.text.plans.links import plan_links

TwinBuilder = Callable[[str, Collection[int], re.Match[str]], "pt.Twin | None"]
_WORD = re.compile(r"[a-z]+")
_STRICT = {ast.Gt, ast.Lt}
_LOOSE = {ast.GtE, ast.LtE}


@dataclass(frozen=True)
class Rewrite:
    """Replace `pattern` in a plan step by `replacement`; `twin` mutates the linked lines."""

    pattern: re.Pattern[str]
    replacement: Callable[[re.Match[str]], str]
    twin: TwinBuilder


def _near(match: re.Match[str]) -> set[str]:
    """Words right after a comparison phrase: its object, used to pick the compared operand."""
    words = _WORD.findall(match.string[match.end() :].lower())[:4]
    return {w for word in words for w in (word, word.rstrip("s"))}


def _compare(
    ops: set[type[ast.cmpop]],
    flip: dict[type[ast.cmpop], type[ast.cmpop]],
    only: Callable[[ast.Compare], bool] | None = None,
) -> TwinBuilder:
    def build(program: str, lines: Collection[int], match: re.Match[str]) -> pt.Twin | None:
        return pt.mutate_compare(program, lines, ops, flip, near=_near(match), only=only)

    return build


def _not_parity(node: ast.Compare) -> bool:
    return not is_parity_test(node)


def _const(text: str) -> Callable[[re.Match[str]], str]:
    return lambda _match: text


def _swap_word(pairs: dict[str, str]) -> Callable[[re.Match[str]], str]:
    return lambda match: pairs[match.group(1)] + " than"


def _rw(pattern: str, replacement: Callable[[re.Match[str]], str], twin: TwinBuilder) -> Rewrite:
    return Rewrite(re.compile(pattern), replacement, twin)


_LOWER = {"greater": "less", "more": "fewer"}
_HIGHER = {"less": "greater", "fewer": "more"}

OFF_BY_ONE_REWRITES = (
    _rw(
        r"\bup to and including\b",
        _const("up to but not including"),
        lambda p, lines, m: pt.shift_range_stop(p, lines, inclusive=True),
    ),
    _rw(
        r"\bup to but not including\b",
        _const("up to and including"),
        lambda p, lines, m: pt.shift_range_stop(p, lines, inclusive=False),
    ),
    _rw(
        r"(?<!strictly )\b(?:greater|more) than\b",
        _const("at least"),
        _compare(_STRICT, pt.STRICT_FLIP),
    ),
    _rw(
        r"(?<!strictly )\b(?:less|fewer) than\b",
        _const("at most"),
        _compare(_STRICT, pt.STRICT_FLIP),
    ),
    _rw(r"\bat least\b", _const("greater than"), _compare(_LOOSE, pt.STRICT_FLIP)),
    _rw(r"\bat most\b", _const("less than"), _compare(_LOOSE, pt.STRICT_FLIP)),
)

INVERTED_REWRITES = (
    _rw(r"\b(greater|more) than\b", _swap_word(_LOWER), _compare(_STRICT, pt.DIRECTION_FLIP)),
    _rw(r"\b(less|fewer) than\b", _swap_word(_HIGHER), _compare(_STRICT, pt.DIRECTION_FLIP)),
    _rw(r"\bat least\b", _const("at most"), _compare(_LOOSE, pt.DIRECTION_FLIP)),
    _rw(r"\bat most\b", _const("at least"), _compare(_LOOSE, pt.DIRECTION_FLIP)),
    _rw(r"\bequal to\b", _const("different from"), _compare({ast.Eq}, pt.TRUTH_FLIP, _not_parity)),
    _rw(
        r"\bdifferent from\b", _const("equal to"), _compare({ast.NotEq}, pt.TRUTH_FLIP, _not_parity)
    ),
    _rw(
        r"\bis even\b",
        _const("is odd"),
        _compare({ast.Eq, ast.NotEq}, pt.TRUTH_FLIP, is_parity_test),
    ),
    _rw(
        r"\bis odd\b",
        _const("is even"),
        _compare({ast.Eq, ast.NotEq}, pt.TRUTH_FLIP, is_parity_test),
    ),
    _rw(r"\bis in\b", _const("is not in"), _compare({ast.In}, pt.TRUTH_FLIP)),
    _rw(r"\bis not in\b", _const("is in"), _compare({ast.NotIn}, pt.TRUTH_FLIP)),
)

SPEC_REWRITES = (
    _rw(
        r"\bstrictly (?:greater|more) than\b",
        _const("greater than or equal to"),
        _compare(_STRICT, pt.STRICT_FLIP),
    ),
    _rw(
        r"\bstrictly (?:less|fewer) than\b",
        _const("less than or equal to"),
        _compare(_STRICT, pt.STRICT_FLIP),
    ),
    _rw(
        r"\bignoring case\b",
        _const("respecting case"),
        lambda p, lines, m: pt.drop_case_folding(p, lines),
    ),
    _rw(
        r"\bcounting from 1\b",
        _const("counting from 0"),
        lambda p, lines, m: pt.drop_plus_one(p, lines),
    ),
    _rw(r"\bascending\b", _const("descending"), lambda p, lines, m: pt.toggle_sort_order(p, lines)),
    _rw(r"\bdescending\b", _const("ascending"), lambda p, lines, m: pt.toggle_sort_order(p, lines)),
)

_GUARD_STEP = re.compile(r"^If\b.*\breturn\b", re.IGNORECASE)


def _rewrite(
    seed: Seed, reference: Trace, rng: random.Random, rewrites: tuple[Rewrite, ...]
) -> Edit | None:
    """One phrase replaced in one step, chosen at random among the sites with a program twin."""
    links = plan_links(seed)
    if links is None or not seed.solution:
        return None
    sites: list[tuple[int, str, pt.Twin]] = []
    for index, step in enumerate(reference.steps):
        for rewrite in rewrites:
            for match in rewrite.pattern.finditer(step):
                twin = rewrite.twin(seed.solution, links[index], match)
                if twin is not None:
                    new = step[: match.start()] + rewrite.replacement(match) + step[match.end() :]
                    sites.append((index, new, twin))
    if not sites:
        return None
    index, new, twin = rng.choice(sites)
    steps = list(reference.steps)
    steps[index] = new
    return Edit(
        trace=Trace(steps=tuple(steps)),
        declared_span=(index,),
        evidence=twin.evidence(index, reference.steps[index], new),
    )


def _delete_step(seed: Seed, reference: Trace, rng: random.Random, *, guards: bool) -> Edit | None:
    links = plan_links(seed)
    if links is None or not seed.solution or len(reference.steps) < 3:
        return None
    sites: list[tuple[int, pt.Twin]] = []
    for index, step in enumerate(reference.steps):
        is_guard_step = bool(_GUARD_STEP.match(step))
        if is_guard_step != guards:
            continue
        if guards:
            twin = pt.delete_guard(seed.solution, links[index])
        elif _deletable(seed.solution, links[index]):
            twin = pt.delete_statements(seed.solution, links[index])
        else:
            twin = None
        if twin is not None:
            sites.append((index, twin))
    if not sites:
        return None
    index, twin = rng.choice(sites)
    steps = reference.steps[:index] + reference.steps[index + 1 :]
    return Edit(
        trace=Trace(steps=steps),
        declared_span=(index,),
        evidence=twin.evidence(index, reference.steps[index], None),
    )


def _deletable(program: str, lines: Collection[int]) -> bool:
    """A step whose statements hold no return and no guard: dropping it leaves a plan that ends."""
    tree = ast.parse(program)
    sites = pt.covered_statements(tree, lines, program)
    if not sites:
        return False
    stmts = [getattr(owner, name)[i] for owner, name, i in sites]
    return not any(
        isinstance(node, ast.Return) for stmt in stmts for node in ast.walk(stmt)
    ) and not any(is_guard(stmt) for stmt in stmts)


def off_by_one(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """A loop bound turned inclusive/exclusive, or a comparison made strict/non-strict (C1)."""
    return _rewrite(seed, reference, rng, OFF_BY_ONE_REWRITES)


def inverted_condition(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """A condition turned around: greater/less, equal/different, even/odd, in/not in (C3)."""
    return _rewrite(seed, reference, rng, INVERTED_REWRITES)


def spec_misread(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """The spec read wrongly: strictness, case, index base or sort order (C10)."""
    return _rewrite(seed, reference, rng, SPEC_REWRITES)


def missing_edge_case(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """The sentence handling a special input deleted with its guard (C2)."""
    return _delete_step(seed, reference, rng, guards=True)


def dropped_step(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """An initialization, update or sort left out of the plan and the program (C6)."""
    return _delete_step(seed, reference, rng, guards=False)


def wrong_order(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
    """Two adjacent dependent steps swapped, e.g. a value used before it is updated (C7)."""
    links = plan_links(seed)
    if links is None or not seed.solution:
        return None
    sites: list[tuple[int, pt.Twin]] = []
    for index in range(len(reference.steps) - 1):
        twin = pt.swap_statements(seed.solution, links[index], links[index + 1])
        if twin is not None:
            sites.append((index, twin))
    if not sites:
        return None
    index, twin = rng.choice(sites)
    steps = list(reference.steps)
    steps[index], steps[index + 1] = steps[index + 1], steps[index]
    return Edit(
        trace=Trace(steps=tuple(steps)),
        declared_span=(index, index + 1),
        evidence=twin.evidence(index, reference.steps[index], reference.steps[index + 1]),
    )


_T = "perturb/code/{}.j2"
register(twin_kind(Kind.OFF_BY_ONE, "C1", off_by_one, llm=twin_offer(_T.format("off_by_one"))))
register(
    twin_kind(
        Kind.MISSING_EDGE_CASE,
        "C2",
        missing_edge_case,
        length_exempt=True,
        edge_only=True,
        llm=twin_offer(_T.format("missing_edge_case"), "delete"),
    )
)
register(
    twin_kind(
        Kind.INVERTED_CONDITION,
        "C3",
        inverted_condition,
        llm=twin_offer(_T.format("inverted_condition")),
    )
)
register(
    twin_kind(
        Kind.DROPPED_STEP,
        "C6",
        dropped_step,
        length_exempt=True,
        llm=twin_offer(_T.format("dropped_step"), "delete"),
    )
)
register(
    twin_kind(
        Kind.WRONG_ORDER,
        "C7",
        wrong_order,
        max_steps=2,
        llm=twin_offer(_T.format("wrong_order"), "swap"),
    )
)
register(unimplemented(Kind.WRONG_ALGORITHM_CHOICE, "C8"))
register(unimplemented(Kind.INFEASIBLE_COMPLEXITY, "C9"))
register(
    twin_kind(Kind.SPEC_MISREAD, "C10", spec_misread, llm=twin_offer(_T.format("spec_misread")))
)
