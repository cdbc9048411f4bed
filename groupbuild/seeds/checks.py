"""Field checks shared by the loaders: each failure names its field and a snake_case reason.

A `SeedFormatError` is an `InputError` that also carries `code`, the reason a reject gets
when the run skips invalid records instead of stopping.
"""

from __future__ import annotations

import ast
import re
import warnings
from typing import Any

from groupbuild.errors import InputError
from groupbuild.seeds.arith import (
    ANNOTATION,
    NUMBER,
    ArithError,
    clip,
    close,
    evaluate,
    normalize_number,
    parse_number,
    rounds_to,
)
from groupbuild.seeds.arith import annotations as calculator_annotations

_SPACED_THOUSANDS = re.compile(r"-?\d{1,3}(?: \d{3})+(?:\.\d+)?")


class SeedFormatError(InputError):
    """A malformed seed record, located by file, line and field, with a reject code."""

    def __init__(self, path: str, line: int | None, field: str | None, code: str, reason: str):
        self.code = code
        super().__init__(path, line, field, reason)

    @property
    def detail(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where} {self.field or 'record'}: {self.reason}"


class Where:
    """The file and line a record came from, so every check can point at it."""

    __slots__ = ("line", "path")

    def __init__(self, path: str, line: int | None) -> None:
        self.path, self.line = path, line

    def fail(self, field: str | None, code: str, reason: str) -> SeedFormatError:
        return SeedFormatError(self.path, self.line, field, code, reason)

    def text(self, row: dict[str, Any], field: str, *, key: str | None = None) -> str:
        """A required non-empty string field (`key` is the file's name for it, if different)."""
        name = key or field
        if name not in row or row[name] is None:
            raise self.fail(name, "missing_field", "is missing")
        value = row[name]
        if not isinstance(value, str):
            raise self.fail(name, "wrong_type", f"must be a string, not {type(value).__name__}")
        if not value.strip():
            raise self.fail(name, "empty_field", "is empty")
        return value

    def optional_text(self, row: dict[str, Any], key: str) -> str:
        value = row.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self.fail(key, "wrong_type", f"must be a string, not {type(value).__name__}")
        return value

    def strings(self, row: dict[str, Any], key: str, *, required: bool = True) -> tuple[str, ...]:
        """A list of non-empty strings (a single string is accepted as a one-item list)."""
        value = row.get(key)
        if value is None:
            if required:
                raise self.fail(key, "missing_field", "is missing")
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "wrong_type", "must be a list of strings")
        items = tuple(v for v in value if v.strip())
        if len(items) != len(value):
            raise self.fail(key, "empty_field", "contains an empty string")
        return items

    def source_id(self, row: dict[str, Any], key: str) -> str:
        value = row.get(key)
        if value is None:
            raise self.fail(key, "missing_field", "is missing")
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.fail(key, "wrong_type", "must be a string or an integer")
        text = str(value).strip()
        if not text:
            raise self.fail(key, "empty_field", "is empty")
        return text


def split_final_answer(where: Where, field: str, solution: str) -> tuple[str, str]:
    """(worked steps, normalized answer) of a GSM8K-style solution ending in `#### N`."""
    body, sep, final = solution.rpartition("####")
    if not sep:
        raise where.fail(field, "missing_final_answer", "has no final '#### N' line")
    if not final.strip():
        raise where.fail(field, "missing_final_answer", "the '####' line is empty")
    try:
        answer = normalize_number(final)
    except ArithError:
        raise where.fail(
            field, "answer_not_numeric", f"final answer {clip(final.strip())!r} is not a number"
        ) from None
    if not body.strip():
        raise where.fail(field, "empty_field", "has no worked steps before '####'")
    return body, answer


def check_annotations(where: Where, field: str, body: str) -> list[str]:
    """Check every `<<expr=value>>`; returns the written values in order.

    A value that is `expr` rounded to the decimals it shows (`<<10/3=3.33>>`) is accepted:
    word problems round money and counts, and that is not an arithmetic error.
    """
    values: list[str] = []
    for ann in calculator_annotations(body):
        shown_ann = clip(f"<<{ann.expr}={ann.value}>>", 80)
        try:
            exact = evaluate(ann.expr)
        except ArithError as exc:
            raise where.fail(
                field, "annotation_unparsable", f"annotation {shown_ann} is not arithmetic: {exc}"
            ) from None
        try:
            shown = parse_number(ann.value)
        except ArithError:
            raise where.fail(
                field, "annotation_unparsable", f"annotation {shown_ann} has no numeric value"
            ) from None
        if not close(exact, shown) and not rounds_to(exact, ann.value):
            raise where.fail(
                field,
                "annotation_mismatch",
                f"annotation {shown_ann} is wrong: {clip(ann.expr)} is {float(exact):g}",
            )
        values.append(ann.value)
    return values


def check_answer_reached(where: Where, field: str, body: str, answer: str) -> None:
    """The worked steps must reach the answer: the last annotation, or a number on the last line.

    The last line is searched as a whole because GSM8K often ends with a sentence such as
    "He spends $50 because 50 < 52", where the final number is a comparison, not the answer.
    """
    try:
        target = parse_number(answer)
    except ArithError as exc:
        raise where.fail(field, "answer_not_numeric", f"final answer {exc}") from None
    values = [ann.value for ann in calculator_annotations(body)]
    if values and _equals(values[-1], target):
        return
    lines = [line for line in body.splitlines() if line.strip()]
    last = ANNOTATION.sub(" ", lines[-1]) if lines else ""
    found = NUMBER.findall(last) + _SPACED_THOUSANDS.findall(last)
    if any(_equals(number.replace(" ", ""), target) for number in found):
        return
    raise where.fail(
        field, "answer_not_reached", f"the worked steps do not reach the answer {clip(answer)}"
    )


def _equals(text: str, target: Any) -> bool:
    try:
        return close(parse_number(text), target)
    except ArithError:
        return False


def boxed_answer(solution: str) -> str | None:
    """The content of the last `\\boxed{...}` (or `\\fbox{...}`), braces balanced."""
    start = max(solution.rfind("\\boxed"), solution.rfind("\\fbox"))
    if start < 0:
        return None
    brace = solution.find("{", start)
    if brace < 0:
        inline = solution[start + len("\\boxed") :].lstrip()
        return inline.split("$")[0].strip() or None
    depth = 0
    for i in range(brace, len(solution)):
        char = solution[i]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return solution[brace + 1 : i].strip() or None
    return None


def check_python(where: Where, field: str, code: str) -> ast.Module:
    """Parse code; warnings such as invalid escapes in old MBPP strings are not failures."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(code)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        at = f" (line {line} of the code)" if line else ""
        raise where.fail(field, "syntax_error", f"does not parse{at}: {exc.args[0]}") from None
    except (RecursionError, MemoryError):
        raise where.fail(field, "syntax_error", "is nested too deep to parse") from None


def check_tests(where: Where, field: str, tests: tuple[str, ...]) -> None:
    if not tests:
        raise where.fail(field, "no_tests", "has no tests")
    for i, test in enumerate(tests):
        check_python(where, f"{field}[{i}]", test)


def called_function(code: ast.Module, tests: tuple[str, ...]) -> str | None:
    """The function the tests call: the first top-level function of `code` called in a test."""
    defined = [n.name for n in code.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for test in tests:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(test)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in defined
            ):
                return node.func.id
    return defined[-1] if defined else None
