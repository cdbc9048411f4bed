"""Judge signals for the values a code plan computes with, and for steps that do no work.

A number the plan states must be a constant of the program; an operator word ("plus", "minus",
"remainder", "quotient", "twice") must match a program operation of that kind whose operands are
the quantities named on each side of the word; a step that only restates an earlier one, or asks
for a copy the program never makes, costs economy.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

Words = Callable[[str], set[str]]

_DIGIT = re.compile(r"(?<![\w.,-])(\d{1,3})(?![\w.,]\w)")
_MULTIPLIERS = {"twice": 2, "three times": 3, "four times": 4}
_OPERATOR_WORDS: dict[str, tuple[type[ast.operator], ...]] = {
    "plus": (ast.Add,),
    "minus": (ast.Sub,),
    "remainder": (ast.Mod,),
    "quotient": (ast.FloorDiv, ast.Div),
}
_OPERATOR = re.compile(r"\b(plus|minus|remainder|quotient)\b(?! \d)")
_CLAUSE = re.compile(r"[,.;]| and | then | if | or ")
_SIDE = 4
_FILLER = frozenset(
    {
        "set",
        "start",
        "make",
        "keep",
        "once",
        "more",
        "again",
        "empty",
        "put",
        "take",
        "store",
        "a",
        "an",
        "the",
        "to",
        "at",
        "of",
        "with",
        "as",
        "is",
        "it",
        "its",
        "for",
        "and",
        "in",
        "on",
        "by",
    }
)
_NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4"}


def _constants(function: ast.FunctionDef) -> set[int]:
    return {
        n.value for n in ast.walk(function) if isinstance(n, ast.Constant) and type(n.value) is int
    }


def stated_numbers(step: str) -> list[int]:
    low = step.lower()
    found = [int(m.group(1)) for m in _DIGIT.finditer(low)]
    return found + [v for word, v in _MULTIPLIERS.items() if re.search(rf"\b{word}\b", low)]


def constant_flaws(steps: tuple[str, ...], function: ast.FunctionDef) -> list[int]:
    """Steps stating a number the program never uses (0 is implied, e.g. as `range`'s start)."""
    known = _constants(function) | {0}
    return [i for i, step in enumerate(steps) if any(v not in known for v in stated_numbers(step))]


def _operations(function: ast.FunctionDef) -> list[tuple[type[ast.operator], ast.AST, ast.AST]]:
    found: list[tuple[type[ast.operator], ast.AST, ast.AST]] = []
    for node in ast.walk(function):
        if isinstance(node, ast.BinOp):
            found.append((type(node.op), node.left, node.right))
        elif isinstance(node, ast.AugAssign):
            found.append((type(node.op), node.target, node.value))
    return found


def operator_flaws(steps: tuple[str, ...], function: ast.FunctionDef, words: Words) -> list[int]:
    """Steps whose operator word has no program operation of that kind between the quantities
    named on its two sides ("the running sum minus the value" needs `running - value`)."""
    operations = _operations(function)
    vocabulary = set().union(*(_operand_words(n, words) for n in ast.walk(function)))
    flawed: list[int] = []
    for index, step in enumerate(steps):
        low = step.lower()
        for match in _OPERATOR.finditer(low):
            before = _CLAUSE.split(low[: match.start()])[-1]
            after = _CLAUSE.split(low[match.end() :])[0]
            left, right = _last_words(before, words), _first_words(after, words)
            if match.group(1) in {"remainder", "quotient"} and " divided by " in after:
                dividend, divisor = after.split(" divided by ", 1)
                left, right = _last_words(dividend, words), _first_words(divisor, words)
            left, right = left & vocabulary, right & vocabulary
            ops = _OPERATOR_WORDS[match.group(1)]
            if not any(
                op in ops and _sides_match(words, a, b, left, right) for op, a, b in operations
            ):
                flawed.append(index)
                break
    return flawed


def _spelled(tokens: list[str]) -> str:
    return " ".join(_NUMBER_WORDS.get(t, t) for t in tokens)


def _last_words(text: str, words: Words) -> set[str]:
    return words(_spelled(text.split()[-_SIDE:]))


def _first_words(text: str, words: Words) -> set[str]:
    return words(_spelled(text.split()[:_SIDE]))


def _operand_words(node: ast.AST, words: Words) -> set[str]:
    found: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            found |= words(sub.id)
        elif isinstance(sub, ast.Constant) and type(sub.value) is int:
            found.add(str(abs(sub.value)))
    return found


def _sides_match(words: Words, a: ast.AST, b: ast.AST, left: set[str], right: set[str]) -> bool:
    """Each side of the phrase that names a program quantity names an operand; a side naming
    none ("the first divided by the second" for `a % b`) matches anything."""
    wa, wb = _operand_words(a, words), _operand_words(b, words)
    straight = (not left or bool(left & wa)) and (not right or bool(right & wb))
    crossed = (not left or bool(left & wb)) and (not right or bool(right & wa))
    return straight or crossed


def _content(step: str) -> set[str]:
    tokens = re.findall(r"[a-z]+|\d+", step.lower())
    return {t[:-1] if len(t) > 3 and t.endswith("s") else t for t in tokens} - _FILLER


def restated_steps(steps: tuple[str, ...]) -> list[int]:
    """Steps saying again what an earlier step says (the same words, bar verbs and articles)."""
    content = [_content(step) for step in steps]
    return [
        j
        for j in range(len(steps))
        if content[j]
        and any(content[j] <= content[i] and len(content[i] - content[j]) <= 1 for i in range(j))
    ]


def _copies(function: ast.FunctionDef) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            s = node.slice
            if s.lower is None and s.upper is None and s.step is None:
                return True
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in {"copy", "deepcopy"} or (name in {"list", "dict"} and node.args):
                return True
    return False


def unneeded_copies(steps: tuple[str, ...], function: ast.FunctionDef) -> list[int]:
    """Steps asking for a copy when the program needs none."""
    if _copies(function):
        return []
    return [i for i, step in enumerate(steps) if re.search(r"\bcopy\b", step.lower())]
