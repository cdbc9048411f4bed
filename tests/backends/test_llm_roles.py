"""The four LLM roles against the local server: splicing, blindness, sampling, rejection."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from kind_helpers import check, gate_failure
from paths import REPO
from seed_helpers import bundled_code_seeds

from groupbuild.backends.llm.client import LLMConfigError
from groupbuild.backends.llm.prompts import Prompts, default_prompts_dir
from groupbuild.backends.llm.retry import Backoff
from groupbuild.backends.llm.session import LLMSession, load_rubric
from groupbuild.config import Config, RoleConfig, RolesConfig, SeedsConfig
from groupbuild.errors import StageReject
from groupbuild.kinds import Kind, KindDef, definition, offered
from groupbuild.schema import DIMENSIONS, Domain, Seed, Trace
from groupbuild.seeds import load_seeds
from groupbuild.text.plans.links import plan_to_trace
from tests.servers.openai_script import RoleScript, shown_steps

pytest_plugins = ["tests.servers.openai_fixtures"]

T = TypeVar("T")

MATH = Seed(
    problem_id="unit:1",
    source="unit",
    source_id="1",
    domain=Domain.MATH,
    task_type="math",
    problem="Ann has 3 boxes of 4 pens and buys 5 more pens. How many pens does she have?",
    answer="17",
    solution="3 boxes of 4 pens is 3*4=12 pens.\nWith 5 more she has 12+5=17 pens.\n#### 17",
)
REFERENCE = Trace(steps=("3 boxes of 4 pens is 3*4=12 pens.", "With 5 more she has 12+5=17 pens."))
ADD = "def add(a, b):\n    return a + b\n"
CODE = Seed(
    problem_id="unit:2",
    source="unit",
    source_id="2",
    domain=Domain.CODE,
    task_type="python_function",
    problem="Write a function add(a, b) that returns the sum of two integers.",
    solution=ADD,
    tests=("assert add(1, 2) == 3", "assert add(-4, 4) == 0", "assert add(10, 5) == 15"),
    entry_point="add",
)


def session_for(url: str, tmp: Path, **roles: RoleConfig) -> LLMSession:
    llm = {"backend": "llm", "model": "local-model", "timeout": 2.0}
    config = Config(
        roles=RolesConfig(
            **{name: roles.get(name, RoleConfig(**llm)) for name in RolesConfig.model_fields}
        )
    )
    env = {"OPENAI_BASE_URL": url, "OPENAI_API_KEY": "sk-unit"}
    return LLMSession(config, tmp / "cache", env=env, backoff=Backoff(0.01))


def run(session: LLMSession, job: Callable[[LLMSession], Awaitable[T]]) -> T:
    async def go() -> T:
        try:
            return await job(session)
        finally:
            await session.aclose()

    return asyncio.run(go())


def test_the_perturber_rewrites_exactly_one_step_and_splices_it_in(openai_server, tmp_path):
    server = openai_server(RoleScript(edit_step=2))
    session = session_for(server.base_url, tmp_path)
    edit, provenance = run(
        session,
        lambda s: s.perturber().perturb(MATH, REFERENCE, Kind.MISREAD_VALUE, random.Random(1)),
    )
    assert edit.declared_span == (1,)
    assert edit.trace.steps[0] == REFERENCE.steps[0]
    assert edit.trace.steps[1] != REFERENCE.steps[1]
    assert edit.trace.steps[1].startswith("With 5 more she has 12+5=")
    assert provenance.backend == "llm" and provenance.model == "local-model"
    assert provenance.prompt_hash == Prompts(default_prompts_dir()).hash(
        "perturb/math/misread_value.j2"
    )
    assert shown_steps(server.work[0].body) == list(REFERENCE.steps)


def test_perturber_offers_only_kinds_whose_proof_its_splice_feeds(tmp_path):
    session = session_for("http://127.0.0.1:9/v1", tmp_path)
    math_kinds = session.perturber().kinds(Domain.MATH)
    code_kinds = session.perturber().kinds(Domain.CODE)
    # A proof that reads a false identity, or a rewiring of the steps after a dropped one,
    # cannot be fed by one step edit (and, for code, the program that follows it).
    assert Kind.WRONG_LEMMA not in math_kinds and Kind.CIRCULAR_REASONING not in math_kinds
    assert Kind.DROPPED_STEP_REWIRED not in math_kinds
    assert {Kind.MISREAD_VALUE, Kind.OVERCLAIM, Kind.OPERATOR_SWAP} <= set(math_kinds)
    assert {Kind.DROPPED_STEP, Kind.REDUNDANT_DETOUR} <= set(math_kinds)
    assert {Kind.FALSE_CLAIM, Kind.OFF_BY_ONE, Kind.MISSING_EDGE_CASE} <= set(code_kinds)
    assert {Kind.WRONG_ORDER, Kind.REDUNDANT_CODE} <= set(code_kinds)
    for kind in code_kinds:
        offer = definition(Domain.CODE, kind).llm
        assert offer is not None and offer.program == (kind is not Kind.FALSE_CLAIM)
    for domain, kinds in ((Domain.MATH, math_kinds), (Domain.CODE, code_kinds)):
        for kind in kinds:
            found = definition(domain, kind)
            assert found.proof is not None and found.llm is not None
            assert (default_prompts_dir() / found.llm.template).is_file()
    assert math_kinds == sorted(math_kinds, key=list(Kind).index)
    assert code_kinds == sorted(code_kinds, key=list(Kind).index)


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ({"step_index": 7, "new_text": "x"}, "llm_bad_edit"),
        ({"step_index": 1, "new_text": " 3 boxes of 4 pens is  3*4=12 pens. "}, "llm_no_edit"),
    ],
)
def test_an_edit_outside_the_trace_or_without_change_is_rejected(
    openai_server, tmp_path, reply, reason
):
    server = openai_server(lambda role, body: reply)
    session = session_for(server.base_url, tmp_path)
    with pytest.raises(StageReject) as caught:
        run(
            session,
            lambda s: s.perturber().perturb(MATH, REFERENCE, Kind.OVERCLAIM, random.Random(1)),
        )
    assert caught.value.reason == reason


def test_the_judge_is_blind_to_reference_and_kind_and_samples_k_times(openai_server, tmp_path):
    server = openai_server(RoleScript(score=8.0))
    judge_role = RoleConfig(backend="llm", model="judge-model", samples=3, timeout=2.0)
    session = session_for(server.base_url, tmp_path, judge=judge_role)
    flawed = Trace(steps=("3 boxes of 4 pens is 3*4=13 pens.", "With 5 more she has 13+5=18."))
    rubric = run(session, lambda s: s.judge().score(MATH, flawed))
    assert len(server.work) == 3
    assert sorted(r.body.get("seed", 0) for r in server.work) == [0, 1, 2]
    prompt = "\n".join(m["content"] for m in server.work[0].body["messages"])
    assert MATH.problem in prompt and "17" in prompt and flawed.steps[0] in prompt
    assert REFERENCE.steps[0] not in prompt and "12+5=17" not in prompt
    assert not any(kind.value in prompt for kind in Kind)
    assert set(rubric.scores) == set(DIMENSIONS[Domain.MATH])
    assert rubric.samples == 3 and rubric.judge == "judge-model"
    assert rubric.rubric_score == pytest.approx((8.0 + 7.5 + 7.0) / 3, abs=0.05)
    assert rubric.agreement == dict.fromkeys(DIMENSIONS[Domain.MATH], 1.0)


def test_the_judge_reports_the_first_flawed_step_zero_based(openai_server, tmp_path):
    def reply(role: str, body: dict[str, Any]) -> dict[str, Any]:
        dims = dict.fromkeys(DIMENSIONS[Domain.CODE], 3.0)
        return {**dims, "rubric_score": 3.0, "reason": "Step 2 is off.", "first_flawed_step": 2}

    server = openai_server(reply)
    session = session_for(server.base_url, tmp_path)
    plan = Trace(steps=("Read a and b.", "Print a minus b."))
    rubric = run(session, lambda s: s.judge().score(CODE, plan))
    assert rubric.first_flawed_step == 1 and rubric.labels()["plan_quality"] == 1
    assert ADD.strip() in server.work[0].body["messages"][-1]["content"]


def test_the_math_planner_keeps_sampling_until_the_answer_matches(openai_server, tmp_path):
    def planner(role: str, body: dict[str, Any]) -> str:
        result = "17" if body.get("seed") == 2 else "16"
        return f"<reasoning>\n1. 3*4=12 pens.\n2. 12+5={result} pens.\n</reasoning>"

    server = openai_server(planner)
    session = session_for(server.base_url, tmp_path)
    trace, provenance = run(session, lambda s: s.planner().plan(MATH))
    assert trace.steps == ("3*4=12 pens.", "12+5=17 pens.")
    assert provenance.rule == "attempt_2" and len(server.work) == 3


def test_a_seed_without_an_accepted_reference_is_rejected(openai_server, tmp_path):
    server = openai_server(lambda role, body: "<reasoning>\nThe total is 99.\n</reasoning>")
    role = RoleConfig(backend="llm", model="m", max_attempts=2, timeout=2.0)
    session = session_for(server.base_url, tmp_path, planner=role)
    with pytest.raises(StageReject) as caught:
        run(session, lambda s: s.planner().plan(MATH))
    assert caught.value.reason == "no_accepted_reference" and len(server.work) == 2


def test_the_code_planner_accepts_a_plan_whose_program_passes_the_tests(openai_server, tmp_path):
    program = "import json\na, b = json.loads(input())\nprint(json.dumps(a + b))"
    script = RoleScript(programs={"sum of two integers": program})

    def reply(role: str, body: dict[str, Any]) -> str | dict[str, Any]:
        if role == "planner":
            return "<reasoning>\nRead the two integers.\nPrint their sum.\n</reasoning>"
        return script(role, body)

    server = openai_server(reply)
    session = session_for(server.base_url, tmp_path)
    trace, _ = run(session, lambda s: s.planner().plan(CODE))
    assert trace.steps == ("Read the two integers.", "Print their sum.")
    executor_prompt = server.requests_for("executor")[0].body["messages"][-1]["content"]
    assert "Print their sum." in executor_prompt


def test_the_code_executor_returns_the_program_from_a_fenced_reply(openai_server, tmp_path):
    server = openai_server(RoleScript(programs={"sum of two": "print(1)"}))
    session = session_for(server.base_url, tmp_path)
    program = run(session, lambda s: s.executor().solve(CODE, None, 0))
    assert program == "print(1)\n"
    assert "Plan to follow" not in server.work[0].body["messages"][-1]["content"]


def test_rubrics_hold_the_contract_dimensions_and_a_wrong_one_is_refused(tmp_path):
    rubrics = default_prompts_dir().parent / "rubrics"
    for domain in Domain:
        assert tuple(load_rubric(rubrics, domain)["dimensions"]) == DIMENSIONS[domain]
    (tmp_path / "math.yaml").write_text("dimensions:\n  clarity: {question: q, anchors: {a: 1}}\n")
    with pytest.raises(LLMConfigError, match="dimensions"):
        load_rubric(tmp_path, Domain.MATH)


def test_every_template_renders_with_its_variables():
    prompts = Prompts(default_prompts_dir())
    steps = ("one", "two")
    rubric = load_rubric(default_prompts_dir().parent / "rubrics", Domain.MATH)
    rendered = [
        prompts.render("planner_math.j2", problem="p"),
        prompts.render("planner_code.j2", problem="p"),
        prompts.render("executor_math.j2", problem="p", reasoning=None),
        prompts.render("executor_code.j2", problem="p", reasoning="r"),
        prompts.render("judge_math.j2", problem="p", gold="1", steps=steps, rubric=rubric, keys=[]),
    ]
    for domain in Domain:
        for path in sorted((default_prompts_dir() / "perturb" / domain.value).glob("*.j2")):
            name = f"perturb/{domain.value}/{path.name}"
            rendered.append(
                prompts.render(
                    name, problem="p", answer="1", steps=steps, trace_name="plan", suggested=2
                )
            )
    assert all(m[0]["content"] and m[1]["content"] for m in rendered)


def test_shipped_llm_configs_put_every_role_on_the_llm_backend(tmp_path):
    from groupbuild.backends.llm.client import Endpoint
    from groupbuild.config import load_config

    configs = default_prompts_dir().parent / "configs"
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "OPENAI_API_KEY": "sk-unit"}
    for name in ("openai", "vllm"):
        config = load_config(configs / f"{name}.yaml", env={})
        roles = [getattr(config.roles, role) for role in RolesConfig.model_fields]
        assert all(role.backend == "llm" and role.model for role in roles)
    openai = load_config(configs / "openai.yaml", env={})
    assert Endpoint.resolve("judge", openai.roles.judge, env).base_url == env["OPENAI_BASE_URL"]
    vllm = load_config(configs / "vllm.yaml", env={})
    assert Endpoint.resolve("judge", vllm.roles.judge, env).base_url.endswith(":8000/v1")


def _max_subarray() -> tuple[Seed, Trace]:
    seed = next(s for s in bundled_code_seeds() if s.entry_point == "max_subarray_sum")
    return seed, plan_to_trace(seed)


def _perturb(server_url: str, tmp: Path, seed: Seed, reference: Trace, kind: Kind):
    session = session_for(server_url, tmp)
    return run(session, lambda s: s.perturber().perturb(seed, reference, kind, random.Random(1)))


def test_the_code_perturber_shows_the_program_and_runs_the_one_the_model_wrote(
    openai_server, tmp_path
):
    seed, reference = _max_subarray()
    index = next(i for i, s in enumerate(reference.steps) if "greater than the best" in s)
    program = (seed.solution or "").replace("if running > best:", "if running < best:")
    text = reference.steps[index].replace("greater than", "less than")
    reply = {"step_index": index + 1, "new_text": text, "program": f"```python\n{program}```"}
    server = openai_server(lambda role, body: reply)
    edit, _ = _perturb(server.base_url, tmp_path, seed, reference, Kind.INVERTED_CONDITION)
    assert edit.trace.steps == (*reference.steps[:index], text, *reference.steps[index + 1 :])
    evidence = edit.evidence.to_json()
    assert evidence["twin_program"] == program and evidence["plan_step"] == index
    assert (
        check(Domain.CODE, Kind.INVERTED_CONDITION, seed, reference, edit.trace, evidence) is None
    )
    prompt = server.work[0].body["messages"][-1]["content"]
    assert (seed.solution or "").strip() in prompt
    assert not any(test in prompt for test in seed.tests)


def test_a_dropped_code_step_keeps_the_other_steps_and_runs_the_program_without_its_guard(
    openai_server, tmp_path
):
    seed, reference = _max_subarray()
    program = (seed.solution or "").replace("    if not nums:\n        return 0\n", "")
    reply = {"step_index": 1, "new_text": "", "program": program}
    server = openai_server(lambda role, body: reply)
    edit, _ = _perturb(server.base_url, tmp_path, seed, reference, Kind.MISSING_EDGE_CASE)
    assert edit.trace.steps == reference.steps[1:] and edit.declared_span == (0,)
    assert (
        check(Domain.CODE, Kind.MISSING_EDGE_CASE, seed, reference, edit.trace, edit.evidence)
        is None
    )


@pytest.mark.parametrize(
    ("program", "reason"),
    [
        ("def max_subarray_sum(nums):\n    return 0\n", "llm_edit_unusable"),
        ("```python\n```", "llm_no_program"),
    ],
)
def test_a_code_program_rewriting_other_lines_or_missing_is_rejected(
    openai_server, tmp_path, program, reason
):
    seed, reference = _max_subarray()
    index = next(i for i, s in enumerate(reference.steps) if "greater than the best" in s)
    text = reference.steps[index].replace("greater than", "less than")
    reply = {"step_index": index + 1, "new_text": text, "program": program}
    server = openai_server(lambda role, body: reply)
    with pytest.raises(StageReject) as caught:
        _perturb(server.base_url, tmp_path, seed, reference, Kind.INVERTED_CONDITION)
    assert caught.value.reason == reason


def test_the_scripted_model_makes_a_real_edit_of_every_kind_the_llm_path_offers(
    openai_server, tmp_path
):
    """Template, script, perturber and splice together: each offered kind's prompt is answered
    with an edit of that kind that passes every gate on some bundled seed."""
    seeds = [s for s in load_seeds(SeedsConfig(), base_dir=REPO) if isinstance(s, Seed)]
    script = RoleScript(seeds=seeds)
    server = openai_server(script)
    session = session_for(server.base_url, tmp_path)

    async def first_passing(kind: KindDef) -> str | None:
        failures: list[str] = []
        for seed in (s for s in seeds if s.domain is kind.domain):
            reference = script.plans[seed.problem]
            try:
                edit, _ = await session.perturber().perturb(
                    seed, reference, kind.kind, random.Random(0)
                )
            except StageReject as exc:
                failures.append(exc.reason)
                continue
            reason = gate_failure(seed, reference, edit, kind)
            if reason is None:
                return None
            failures.append(reason)
        return f"{kind.domain.value}/{kind.kind}: {failures[:5]}"

    async def every() -> list[str]:
        try:
            kinds = [d for domain in Domain for d in offered("llm", domain)]
            found = [await first_passing(kind) for kind in kinds]
            return [f for f in found if f is not None]
        finally:
            await session.aclose()

    assert asyncio.run(every()) == []
    assert {k for k in script.real_edits} == {d.kind for d in offered("llm", Domain.MATH)} | {
        d.kind for d in offered("llm", Domain.CODE)
    }
