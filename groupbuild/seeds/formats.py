"""One converter per seed format: a decoded record in, a checked `Seed` out.

Converters are pure: they see a record and where it came from, never a file. Each raises a
`SeedFormatError` naming the field at fault.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from groupbuild.hashing import problem_id
from groupbuild.schema import Domain, Seed
from groupbuild.seeds.arith import ArithError, normalize_number
from groupbuild.seeds.checks import (
    Where,
    boxed_answer,
    called_function,
    check_annotations,
    check_answer_reached,
    check_python,
    check_tests,
    split_final_answer,
)
from groupbuild.seeds.harness import check_asserts

PYTHON_FUNCTION = "python_function"


@dataclass(frozen=True)
class Context:
    """Where a record came from and what its source is called."""

    path: str
    number: int
    """1-based line (JSON Lines) or record number (JSON arrays, Parquet, Hub rows)."""
    source: str
    license: str
    default_id: str
    """The id of a record that carries none (e.g. the 0-based line index for GSM8K)."""
    domain: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)

    @property
    def where(self) -> Where:
        return Where(self.path, self.number)

    @property
    def origin(self) -> str:
        return f"{self.path}:{self.number}"


Converter = Callable[[dict[str, Any], Context], Seed]


def _math_seed(
    ctx: Context, source_id: str, problem: str, solution: str | None, answer: str
) -> Seed:
    return Seed(
        problem_id=problem_id(ctx.source, source_id),
        source=ctx.source,
        source_id=source_id,
        domain=Domain.MATH,
        task_type="math",
        problem=problem.strip(),
        answer=answer,
        solution=solution,
        license=ctx.license,
        origin=ctx.origin,
    )


def worked_answer(where: Where, field_name: str, solution: str) -> str:
    """Check a GSM8K-style worked solution and return its normalized `####` answer."""
    body, answer = split_final_answer(where, field_name, solution)
    check_annotations(where, field_name, body)
    check_answer_reached(where, field_name, body, answer)
    return answer


def gsm8k_seed(row: dict[str, Any], ctx: Context) -> Seed:
    """GSM8K has no ids: the source id is the 0-based line index, so keep the file's order.

    The solution is kept as given (its `#### N` line included); the reference stage splits
    it into steps.
    """
    where = ctx.where
    question = where.text(row, "question")
    solution = where.text(row, "answer")
    answer = worked_answer(where, "answer", solution)
    return _math_seed(ctx, ctx.default_id, question, solution, answer)


def bundled_math_seed(row: dict[str, Any], ctx: Context) -> Seed:
    where = ctx.where
    source_id = where.source_id(row, "id")
    question = where.text(row, "question")
    solution = where.text(row, "answer")
    answer = worked_answer(where, "answer", solution)
    return _math_seed(ctx, source_id, question, solution, answer)


def competition_math_seed(row: dict[str, Any], ctx: Context) -> Seed:
    """MATH: the answer is the last `\\boxed{}` content, kept as written (it may be LaTeX)."""
    where = ctx.where
    problem = where.text(row, "problem")
    solution = where.text(row, "solution")
    answer = boxed_answer(solution)
    if answer is None:
        raise where.fail("solution", "no_boxed_answer", "has no \\boxed{...} answer")
    key = next((k for k in ("unique_id", "id") if row.get(k) is not None), None)
    source_id = where.source_id(row, key) if key else ctx.default_id
    return _math_seed(ctx, source_id, problem, solution, answer)


def _code_seed(
    ctx: Context,
    source_id: str,
    problem: str,
    code: str,
    tests: tuple[str, ...],
    *,
    code_field: str,
    tests_field: str,
    **extra: Any,
) -> Seed:
    where = ctx.where
    module = check_python(where, code_field, code)
    check_tests(where, tests_field, tests)
    entry_point = extra.pop("entry_point", None) or called_function(module, tests)
    return Seed(
        problem_id=problem_id(ctx.source, source_id),
        source=ctx.source,
        source_id=source_id,
        domain=Domain.CODE,
        task_type=PYTHON_FUNCTION,
        problem=problem.strip(),
        solution=code,
        tests=tests,
        entry_point=entry_point,
        license=ctx.license,
        origin=ctx.origin,
        **extra,
    )


def bundled_code_seed(row: dict[str, Any], ctx: Context) -> Seed:
    """Bundled code seeds: statement, reference function, asserts, plan and its line links."""
    where = ctx.where
    source_id = where.source_id(row, "id")
    text = where.text(row, "text")
    code = where.text(row, "code")
    entry_point = where.text(row, "entry_point")
    tests = where.strings(row, "tests")
    plan = where.strings(row, "plan")
    if any("\n" in step for step in plan):
        raise where.fail("plan", "wrong_type", "each plan step must be one line")
    links = row.get("plan_links", [])
    if links and (
        not isinstance(links, list)
        or len(links) != len(plan)
        or not all(isinstance(s, list) and all(type(n) is int for n in s) for s in links)
    ):
        raise where.fail("plan_links", "wrong_type", "one list of line numbers per plan step")
    return _code_seed(
        ctx,
        source_id,
        text,
        code,
        tests,
        code_field="code",
        tests_field="tests",
        entry_point=entry_point,
        plan=plan,
        plan_links=tuple(tuple(step) for step in links),
        test_setup=where.optional_text(row, "test_setup"),
    )


def _lf(text: str) -> str:
    """Unix line endings: MBPP code uses CRLF, and a few programs end in a lone CR."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def mbpp_seed(row: dict[str, Any], ctx: Context) -> Seed:
    """MBPP (full): code gets LF line endings; the challenge asserts join the others."""
    where = ctx.where
    source_id = where.source_id(row, "task_id")
    text = where.text(row, "text")
    code = _lf(where.text(row, "code"))
    tests = where.strings(row, "test_list") + where.strings(
        row, "challenge_test_list", required=False
    )
    setup = _lf(where.optional_text(row, "test_setup_code"))
    return _code_seed(
        ctx,
        source_id,
        text,
        code,
        tests,
        code_field="code",
        tests_field="test_list",
        test_setup=setup,
    )


def mbpp_sanitized_seed(row: dict[str, Any], ctx: Context) -> Seed:
    where = ctx.where
    source_id = where.source_id(row, "task_id")
    prompt = where.text(row, "prompt")
    code = _lf(where.text(row, "code"))
    tests = where.strings(row, "test_list")
    imports = where.strings(row, "test_imports", required=False)
    return _code_seed(
        ctx,
        source_id,
        prompt,
        code,
        tests,
        code_field="code",
        tests_field="test_list",
        test_setup="\n".join(imports),
    )


def humaneval_seed(row: dict[str, Any], ctx: Context) -> Seed:
    """HumanEval: the program is prompt + canonical solution; the tests are the asserts of
    `check` read as plain asserts (`seeds.harness`), or `check` and its call kept whole when it
    does more than assert."""
    where = ctx.where
    source_id = where.source_id(row, "task_id")
    prompt = where.text(row, "prompt")
    body = where.text(row, "canonical_solution")
    check = where.text(row, "test")
    entry_point = where.text(row, "entry_point")
    if "def check" not in check:
        raise where.fail("test", "no_tests", "defines no check(candidate) function")
    plain = check_asserts(check, entry_point)
    if isinstance(plain, list):
        tests = tuple(plain)
    else:
        tests = (f"{check.rstrip()}\n\n\ncheck({entry_point})\n",)
    return _code_seed(
        ctx,
        source_id,
        prompt,
        prompt + body,
        tests,
        code_field="canonical_solution",
        tests_field="test",
        entry_point=entry_point,
    )


_PROBLEM_KEYS = ("problem", "question", "prompt", "text")


def mapped_seed(row: dict[str, Any], ctx: Context) -> Seed:
    """A generic record: `ctx.fields` maps our names to the record's; `domain` says which kind.

    Our names: `id`, `problem`, `answer`, `solution`, and for code `tests`, `entry_point`,
    `test_setup`, `plan`. Without `id` the source id is the 0-based record index. `problem`
    falls back to the first of problem/question/prompt/text the record has. A math `answer`
    holding a GSM8K worked solution (`... #### N`, as on the Hub's `openai/gsm8k`) is
    checked and kept as the solution.
    """
    where = ctx.where
    names = dict(ctx.fields)
    if "problem" not in names:
        names["problem"] = next((k for k in _PROBLEM_KEYS if k in row), "problem")
    name = {
        ours: names.get(ours, ours)
        for ours in (
            "id",
            "problem",
            "answer",
            "solution",
            "tests",
            "entry_point",
            "test_setup",
            "plan",
        )
    }
    source_id = where.source_id(row, name["id"]) if name["id"] in row else ctx.default_id
    problem = where.text(row, "problem", key=name["problem"])
    if ctx.domain == Domain.CODE:
        code = where.text(row, "solution", key=name["solution"])
        return _code_seed(
            ctx,
            source_id,
            problem,
            code,
            where.strings(row, name["tests"]),
            code_field=name["solution"],
            tests_field=name["tests"],
            entry_point=where.optional_text(row, name["entry_point"]) or None,
            test_setup=where.optional_text(row, name["test_setup"]),
            plan=where.strings(row, name["plan"], required=False),
        )
    solution_key = name["solution"]
    solution = where.optional_text(row, solution_key)
    worked = row.get(name["answer"])
    if not solution and isinstance(worked, str) and "####" in worked:
        solution, solution_key = worked, name["answer"]
    answer = _mapped_answer(where, row, name["answer"], solution_key, solution)
    return _math_seed(ctx, source_id, problem, solution or None, answer)


def _mapped_answer(
    where: Where, row: dict[str, Any], answer_key: str, solution_key: str, solution: str
) -> str:
    """The answer field if present (numbers normalized), else derived from the solution."""
    derived: str | None
    if "####" in solution:
        derived = worked_answer(where, solution_key, solution)
    else:
        derived = boxed_answer(solution) if solution else None
    raw = row.get(answer_key)
    if raw is None:
        if derived is None:
            raise where.fail(answer_key, "missing_field", "is missing and no solution gives one")
        return derived
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise where.fail(answer_key, "wrong_type", "must be a string or a number")
    text = str(raw).strip()
    if not text:
        raise where.fail(answer_key, "empty_field", "is empty")
    try:
        return normalize_number(text.rpartition("####")[2] if "####" in text else text)
    except ArithError:
        return text
