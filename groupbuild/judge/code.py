"""The rules judge for code plans: a plan is scored against the reference program it should yield.

It sees the problem, the reference program and the plan under review, never a reference plan,
a perturbation kind or a role. Every signal is checkable: bounds a plan states against the
program's `range` stops, comparison phrases against the program's comparisons (category and
direction, oriented by the words of their operands), special inputs the program guards against
the plan's "If ..., return ..." sentences, case folding and sort order against the program's
calls, the program's statements covered by plan steps and in the program's order, claims about
the program's behaviour (`judge.claim_checks`), how the plan's quantities are set, updated and read
(`text.plans.flow`), and code pasted into the plan.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from groupbuild.judge import claim_checks as code_claims
from groupbuild.judge import value_checks as code_values
from groupbuild.schema import DIMENSIONS, Domain, Rubric, Seed, Trace
from groupbuild.text.code.syntax import is_guard, is_parity_test, is_plus_one
from groupbuild.text.plans import flow as code_flow

_WORD = re.compile(r"[a-z]+|\d+")
_STOP = frozenset(
    {
        "a",
        "an",
        "the",
        "is",
        "are",
        "of",
        "to",
        "and",
        "or",
        "in",
        "on",
        "at",
        "it",
        "its",
        "by",
        "for",
        "with",
        "from",
        "as",
        "be",
        "that",
        "this",
        "each",
        "every",
        "then",
        "do",
        "next",
        "step",
        "steps",
        "one",
        "two",
        "three",
        "four",
        "if",
        "while",
        "go",
        "through",
        "into",
        "than",
    }
)
_SYNONYMS = {
    "len": "length",
    "nums": "list",
    "num": "number",
    "char": "character",
    "chars": "character",
    "str": "string",
    "idx": "index",
    "i": "position",
    "j": "position",
    "max": "larger",
    "min": "smaller",
    "pop": "popped",
    "sorted": "sort",
    "startswith": "start",
    "abs": "absolute",
    "join": "join",
}
_PHRASES: tuple[tuple[re.Pattern[str], str, int], ...] = tuple(
    (re.compile(pattern), category, direction)
    for pattern, category, direction in (
        (r"\b(?:greater|more) than or equal to\b", "loose", 1),
        (r"\b(?:less|fewer) than or equal to\b", "loose", -1),
        (r"\b(?:greater|more) than\b", "strict", 1),
        (r"\b(?:less|fewer) than\b", "strict", -1),
        (r"\bat least\b", "loose", 1),
        (r"\bat most\b", "loose", -1),
        (r"\bequal to\b", "eq", 0),
        (r"\bdifferent from\b", "neq", 0),
        (r"\bis even\b", "even", 0),
        (r"\bis odd\b", "odd", 0),
        (r"\bis not in\b", "notin", 0),
        (r"\bis in\b", "in", 0),
    )
)
_FAMILY = {
    "strict": "order",
    "loose": "order",
    "eq": "equality",
    "neq": "equality",
    "even": "parity",
    "odd": "parity",
    "in": "membership",
    "notin": "membership",
}
_CODE = re.compile(
    r"`|==|!=|<=|>=|\+=|-=|\*=|\bdef\s|\brange\(|\w+\(\)|\w\[|\b[a-z]+_[a-z_]+\b|;\s*$|:\s*$"
)


def words(text: str) -> set[str]:
    """Content words, lower case, crudely singular, with code abbreviations spelled out."""
    out: set[str] = set()
    for raw in _WORD.findall(text.lower().replace("_", " ")):
        word = _SYNONYMS.get(raw, raw)
        if word in _STOP:
            continue
        out.add(word[:-1] if len(word) > 3 and word.endswith("s") else word)
    return out


@dataclass(frozen=True)
class Comparison:
    category: str
    direction: int
    """+1 when the left side is the larger one (`>`, `>=`), -1 for `<`, `<=`, else 0."""
    left: frozenset[str]
    right: frozenset[str]


def _expr_words(node: ast.AST) -> frozenset[str]:
    found: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            found |= words(sub.id)
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, int | float):
            found.add(str(sub.value))
        elif isinstance(sub, ast.Attribute):
            found |= words(sub.attr)
        elif isinstance(sub, ast.List | ast.Dict | ast.Set):
            found.add(_CONTAINER[type(sub)])
            if not getattr(sub, "elts", getattr(sub, "keys", None)):
                found.add("empty")
        elif (
            isinstance(sub, ast.Call)
            and isinstance(sub.func, ast.Name)
            and sub.func.id in {"set", "dict", "list"}
        ):
            found.add(_CONTAINER[{"set": ast.Set, "dict": ast.Dict, "list": ast.List}[sub.func.id]])
            found.update(() if sub.args else ("empty",))
    return frozenset(found)


_CONTAINER: dict[type[ast.AST], str] = {ast.List: "list", ast.Dict: "table", ast.Set: "set"}


def _comparisons(tree: ast.AST) -> list[Comparison]:
    found: list[Comparison] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare) or len(node.ops) != 1:
            continue
        op, right = node.ops[0], node.comparators[0]
        left_w, right_w = _expr_words(node.left), _expr_words(right)
        if is_parity_test(node) and isinstance(right, ast.Constant):
            even = (right.value == 0) == isinstance(op, ast.Eq)
            found.append(Comparison("even" if even else "odd", 0, left_w, right_w))
        elif isinstance(op, ast.Gt | ast.Lt | ast.GtE | ast.LtE):
            category = "strict" if isinstance(op, ast.Gt | ast.Lt) else "loose"
            direction = 1 if isinstance(op, ast.Gt | ast.GtE) else -1
            found.append(Comparison(category, direction, left_w, right_w))
        elif isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn):
            category = {ast.Eq: "eq", ast.NotEq: "neq", ast.In: "in", ast.NotIn: "notin"}[type(op)]
            found.append(Comparison(category, 0, left_w, right_w))
    return found


@dataclass
class Findings:
    """Flaws found, each tied to the plan step where it shows (None: the plan as a whole)."""

    flaws: list[tuple[str, int | None]] = field(default_factory=list)

    def add(self, name: str, step: int | None) -> None:
        self.flaws.append((name, step))

    def count(self, *names: str) -> int:
        return sum(name in names for name, _ in self.flaws)


def _phrase_flaws(steps: tuple[str, ...], comparisons: list[Comparison], out: Findings) -> None:
    """Each comparison phrase must match a program comparison of its family, same sense."""
    unused = list(comparisons)
    for index, step in enumerate(steps):
        lowered = step.lower()
        taken: list[tuple[int, int]] = []
        for pattern, category, direction in _PHRASES:
            for match in pattern.finditer(lowered):
                if any(s < match.end() and match.start() < e for s, e in taken):
                    continue
                taken.append(match.span())
                clause = re.split(r"[,.;]| or | and ", lowered[: match.start()])[-1]
                subject = words(clause)
                obj = words(" ".join(lowered[match.end() :].split()[:5]))
                family = [c for c in unused if _FAMILY[c.category] == _FAMILY[category]]
                if not family:
                    out.add("unsupported_condition", index)
                    continue
                best = max(family, key=lambda c: _overlap(c, subject, obj))
                if _overlap(best, subject, obj) == 0:
                    same = [c for c in family if c.category == category]
                    if not same:
                        out.add("condition_mismatch", index)
                    else:
                        unused.remove(same[0])
                    continue
                unused.remove(best)
                if best.category != category:
                    out.add("condition_mismatch", index)
                elif direction and _sense(best, subject, obj) != direction:
                    out.add("condition_direction", index)


def _overlap(c: Comparison, subject: set[str], obj: set[str]) -> int:
    straight = len(subject & c.left) + len(obj & c.right)
    return max(straight, len(subject & c.right) + len(obj & c.left))


def _sense(c: Comparison, subject: set[str], obj: set[str]) -> int:
    """The comparison's direction as seen from the plan's subject."""
    straight = len(subject & c.left) + len(obj & c.right)
    crossed = len(subject & c.right) + len(obj & c.left)
    return c.direction if straight >= crossed else -c.direction


def _bound_flaws(steps: tuple[str, ...], tree: ast.AST, out: Findings) -> None:
    stops = [
        node.args[-1]
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "range"
        and node.args
    ]
    inclusive = sum(is_plus_one(stop) for stop in stops)
    exclusive = len(stops) - inclusive
    said_in = [i for i, s in enumerate(steps) if "up to and including" in s.lower()]
    said_ex = [i for i, s in enumerate(steps) if "up to but not including" in s.lower()]
    if len(said_in) > inclusive:
        out.add("bound_mismatch", said_in[inclusive])
    if len(said_ex) > exclusive:
        out.add("bound_mismatch", said_ex[exclusive])
    if len(said_in) < inclusive and len(said_in) + len(said_ex) >= len(stops):
        out.add("bound_mismatch", said_ex[0] if said_ex else None)


def _spec_flaws(steps: tuple[str, ...], tree: ast.AST, out: Findings) -> None:
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    folds = any(getattr(c.func, "attr", "") in {"lower", "upper", "casefold"} for c in calls)
    sorts = [
        c
        for c in calls
        if getattr(c.func, "id", "") == "sorted" or getattr(c.func, "attr", "") == "sort"
    ]
    descending = any(
        k.arg == "reverse" and isinstance(k.value, ast.Constant) and k.value.value is True
        for c in sorts
        for k in c.keywords
    )
    plus_one = sum(
        is_plus_one(node)
        for node in ast.walk(tree)
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "range")
    )
    for index, step in enumerate(steps):
        low = step.lower()
        if ("ignoring case" in low and not folds) or ("respecting case" in low and folds):
            out.add("spec_case", index)
        says_down, says_up = "descending" in low, "ascending" in low
        if sorts and ((says_down and not descending) or (says_up and descending)):
            out.add("spec_order", index)
        if ("counting from 0" in low and plus_one) or ("counting from 1" in low and not plus_one):
            out.add("spec_index_base", index)
    if folds and not any("case" in s.lower() for s in steps):
        out.add("spec_case", None)


_GUARD_SENTENCE = re.compile(r"^if\b.*\breturn\b")


def _guard_flaws(steps: tuple[str, ...], function: ast.FunctionDef, out: Findings) -> None:
    guards = [i for i, stmt in enumerate(function.body) if is_guard(stmt)]
    said = [i for i, s in enumerate(steps) if _GUARD_SENTENCE.match(s.lower())]
    for missing in range(len(said), len(guards)):
        position = round(guards[missing] * len(steps) / max(1, len(function.body)))
        out.add("edge_case_missing", min(position, len(steps) - 1))


def _statement_words(function: ast.FunctionDef) -> list[set[str]]:
    """In source order, the words each statement should be described by: its names, its calls
    and the operation it does."""
    verbs = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.FloorDiv: "drop"}
    statements = sorted(
        (n for n in ast.walk(function) if isinstance(n, ast.stmt) and n is not function),
        key=lambda n: (n.lineno, n.col_offset),
    )
    found: list[set[str]] = []
    for node in statements:
        parts: list[ast.AST] = []
        if isinstance(node, ast.For):
            parts = [node.target, node.iter]
        elif isinstance(node, ast.While | ast.If):
            parts = [node.test]
        elif not isinstance(node, ast.FunctionDef):
            parts = [node]
        bag: set[str] = set()
        for part in parts:
            bag |= _expr_words(part)
        if isinstance(node, ast.AugAssign):
            bag.add(verbs.get(type(node.op), "update"))
        if isinstance(node, ast.Return):
            bag.add("return")
        if bag:
            found.append(bag)
    return found


def ordered_coverage(steps: tuple[str, ...], function: ast.FunctionDef) -> tuple[float, int | None]:
    """How well the steps, read in order, describe the statements in program order.

    The best monotone alignment (each statement to one step, step indices never going back) by
    the share of each statement's words its step mentions. A missing step or two steps out of
    order lose words the unordered best would find. Also the first step where that happens.
    """
    plan = [words(step) for step in steps]
    bags = _statement_words(function)
    if not bags:
        return 1.0, None
    share = [[len(bag & p) / len(bag) for p in plan] for bag in bags]
    m = len(plan)
    score = [share[0][:]]
    choice: list[list[int]] = [list(range(m))]
    for i in range(1, len(bags)):
        best, arg, row, back = -1.0, 0, [], []
        for j in range(m):
            if score[-1][j] > best:
                best, arg = score[-1][j], j
            row.append(best + share[i][j])
            back.append(arg)
        score.append(row)
        choice.append(back)
    j = max(range(m), key=lambda k: score[-1][k])
    total = score[-1][j]
    path = [j]
    for i in range(len(bags) - 1, 0, -1):
        j = choice[i][j]
        path.append(j)
    path.reverse()
    first = next(
        (path[i] for i in range(len(bags)) if share[i][path[i]] < max(share[i]) - 1e-9), None
    )
    return total / len(bags), first


def _leaks(steps: tuple[str, ...]) -> list[int]:
    return [i for i, step in enumerate(steps) for _ in _CODE.finditer(step)]


def _clamp(value: float) -> float:
    return round(min(10.0, max(0.0, value)), 1)


def _first(count: int, first: float, more: float) -> float:
    """The charge for `count` flaws of one sort: the rubric's anchor for the first, less after."""
    return first + more * (count - 1) if count else 0.0


def score(out: Findings, coverage: float, leaks: int) -> tuple[dict[str, float], float]:
    """Per dimension 0–10 and the overall score. Each sort of flaw costs most in the dimension
    the rubric's anchors put it in, so the dimension that drops most names what is wrong: a
    wrong bound, condition, value or quantity, a missing step or update are step_coherence;
    a missing edge case or a false claim is action_support; a misread specification is
    task_understanding; redundant work is plan_quality. Every flaw that would make a program
    fail costs action_support too, less than its own dimension."""
    spec = out.count("spec_case", "spec_order", "spec_index_base")
    edges = out.count("edge_case_missing")
    wrong = out.count(
        "condition_mismatch",
        "condition_direction",
        "unsupported_condition",
        "bound_mismatch",
        "constant_mismatch",
        "operator_mismatch",
        "quantity_mismatch",
    )
    broken = out.count("undefined_quantity", "missing_update")
    redundant = out.count("redundant_step")
    claims = out.count("false_claim")
    gap = 1.0 - coverage
    failing = wrong + broken + spec + edges + claims
    dims = {
        "task_understanding": 10 - _first(spec, 6.0, 1.5) - 1.5 * edges - 1 * gap,
        "plan_quality": 10 - _first(redundant, 3.5, 1.0) - 4 * gap - 0.5 * (edges + spec),
        "step_coherence": 10
        - _first(wrong, 4.5, 1.5)
        - _first(broken, 7.0, 1.0)
        - 7 * gap
        - 1.0 * (claims + redundant),
        "action_support": 10
        - _first(edges + claims, 5.5, 1.5)
        - 2.0 * (wrong + broken + spec)
        - 5 * gap,
        "non_leakage": 10 - 2.5 * leaks,
    }
    raw = sum(max(0.0, v) for v in dims.values()) / 5 - 0.6 * gap - 0.1 * failing
    scores = {name: _clamp(v) for name, v in dims.items()}
    return scores, round(min(10.0, max(0.0, raw)), 2)


def judge_code(seed: Seed, trace: Trace) -> Rubric:
    """Score a code plan on the five contract dimensions against the seed's reference program."""
    tree = ast.parse(seed.solution or "")
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    # The plan describes the function the tests call, not a helper defined before it.
    called = [n for n in functions if n.name == seed.entry_point]
    function = next(iter(called or functions), None)
    steps = trace.steps
    out = Findings()
    coverage, order_step = 1.0, None
    if function is not None:
        _phrase_flaws(steps, _comparisons(function), out)
        _bound_flaws(steps, function, out)
        _spec_flaws(steps, function, out)
        _guard_flaws(steps, function, out)
        coverage, order_step = ordered_coverage(steps, function)
        for index in code_values.constant_flaws(steps, function):
            out.add("constant_mismatch", index)
        for index in code_values.operator_flaws(steps, function, words):
            out.add("operator_mismatch", index)
        for index in code_values.restated_steps(steps):
            out.add("redundant_step", index)
        for index in code_values.unneeded_copies(steps, function):
            out.add("redundant_step", index)
        for index in code_claims.claim_flaws(seed, steps, function):
            out.add("false_claim", index)
        for name, indices in code_flow.flow_flaws(steps, function).items():
            for index in dict.fromkeys(indices):
                out.add(_FLOW[name], index)
    if order_step is not None:
        out.add("order", order_step)
    leaks = _leaks(steps)
    scores, raw = score(out, coverage, len(leaks))
    assert tuple(scores) == DIMENSIONS[Domain.CODE]
    located = [step for _, step in out.flaws if step is not None] + leaks
    return Rubric(
        scores=scores,
        rubric_score=raw,
        reason=_reason(out, coverage, leaks),
        first_flawed_step=min(located) if located else None,
        judge="rules",
    )


_REASONS = {
    "condition_mismatch": "a condition does not match the comparison the program needs",
    "condition_direction": "a condition points the wrong way",
    "unsupported_condition": "a condition has no counterpart in a correct program",
    "bound_mismatch": "a loop bound is inclusive where it should be exclusive or the reverse",
    "spec_case": "the handling of letter case disagrees with the task",
    "spec_order": "the sort order disagrees with the task",
    "spec_index_base": "positions are counted from the wrong base",
    "edge_case_missing": "a special input the task needs handled is not handled",
    "order": "steps appear out of the order their data dependencies need",
    "constant_mismatch": "a stated number is not one a correct program uses",
    "operator_mismatch": "a computation uses an operation the task does not call for",
    "redundant_step": "a step repeats earlier work or does work nothing needs",
    "false_claim": "a claim about the program's behaviour is false",
    "undefined_quantity": "a quantity is used before any step produces it",
    "missing_update": "a running quantity is never started or never updated",
    "quantity_mismatch": "a step names a quantity the program does not use there",
}
_FLOW = {
    "undefined": "undefined_quantity",
    "no_update": "missing_update",
    "misused": "quantity_mismatch",
}


def _reason(out: Findings, coverage: float, leaks: list[int]) -> str:
    parts = list(dict.fromkeys(_REASONS[name] for name, _ in out.flaws))[:2]
    if coverage < 0.75:
        parts.append(f"part of the needed work is not described ({coverage:.0%} covered)")
    if leaks:
        parts.append("the plan contains code")
    if not parts:
        return "The plan states the bounds, conditions and special cases a correct program needs."
    sentence = "; ".join(parts[:3])
    return sentence[0].upper() + sentence[1:] + "."
