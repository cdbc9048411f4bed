"""LLM implementations of the four roles (the Protocols in `groupbuild.roles`).

Steps are shown to models numbered from 1; indices in records are 0-based. The perturber asks
for one rewritten step and splices it in, so every other step stays byte-identical. The judge
sees the problem and the gold answer (math) or reference program (code), one candidate per
request, never the reference trace, the kind or the candidate's role.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections import Counter
from typing import Any

from groupbuild.aio import settle
from groupbuild.backends.llm.client import LLMClient
from groupbuild.backends.llm.prompts import Prompts
from groupbuild.backends.llm.replies import CodePerturbReply, PerturbReply, judge_reply
from groupbuild.errors import StageReject
from groupbuild.kinds import Edit, Kind, StepRewrite, offered, offered_definition
from groupbuild.roles import Executor
from groupbuild.schema import DIMENSIONS, Domain, Provenance, Rubric, Seed, Trace
from groupbuild.text.traces import parse_reasoning

_NUMBERING = re.compile(r"^\s*(?:step\s*)?\d+\s*[.):]\s+", re.IGNORECASE)
_FENCE = re.compile(r"```(?:python|py)?\s*\n(.*?)```", re.S)
_CODE_LINE = re.compile(r"^\s*(?:```|def |class |import |from \S+ import |return\b)")


class CodeOracles:
    """The stdin/stdout oracle of each code seed, built once per run and shared by the roles."""

    def __init__(self) -> None:
        self._built: dict[str, asyncio.Future[dict[str, Any] | None]] = {}

    async def get(self, seed: Seed) -> dict[str, Any] | None:
        pending = self._built.get(seed.problem_id)
        if pending is None:
            pending = asyncio.ensure_future(asyncio.to_thread(_build_oracle, seed))
            self._built[seed.problem_id] = pending
        return await pending


def _build_oracle(seed: Seed) -> dict[str, Any] | None:
    from groupbuild.execute.oracles import OracleFailure, oracle_payload

    built = oracle_payload(seed)
    return None if isinstance(built, OracleFailure) else built


def clean_step(text: str) -> str:
    """One line, without a leading step number a model added despite being asked not to."""
    return _NUMBERING.sub("", " ".join(text.split()), count=1)


def _trace_checker(domain: Domain) -> Any:
    """A reply is a trace only if it has steps, and a math trace reaches some answer: anything
    less is refused before it is cached, so a rerun does not replay it."""

    def check(reply: str) -> Trace:
        steps = tuple(s for s in (clean_step(x) for x in parse_reasoning(reply).steps) if s)
        if not steps:
            raise ValueError("the reply holds no reasoning steps")
        if domain is Domain.CODE and any(_CODE_LINE.match(s) for s in steps):
            raise ValueError("the plan contains code")
        trace = Trace(steps=steps)
        if domain is Domain.MATH:
            from groupbuild.text.math import trace_answer

            if trace_answer(trace) is None:
                raise ValueError("the solution reaches no numeric answer")
        return trace

    return check


def _answer(reply: str) -> str:
    """A math executor's reply: it must state an answer."""
    from groupbuild.execute.math_answer import extract_answer

    if extract_answer(reply) is None:
        raise ValueError("the reply states no final answer")
    return reply.strip()


def _program(reply: str) -> str:
    """The program in a reply (the last fenced block, else the whole reply); it must compile."""
    blocks = _FENCE.findall(reply)
    program = (blocks[-1] if blocks else reply).strip()
    if not program:
        raise ValueError("the reply holds no program")
    try:
        compile(program, "<reply>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        raise ValueError(f"the program does not compile: {exc}") from None
    return program + "\n"


class LLMExecutor:
    """TraceLift's executor: math answers with the final answer only; code writes a program."""

    def __init__(self, client: LLMClient, prompts: Prompts, oracles: CodeOracles) -> None:
        self.client, self.prompts, self.oracles = client, prompts, oracles

    def supports(self, domain: Domain) -> bool:
        return self.prompts.exists(f"executor_{domain.value}.j2")

    async def solve(self, seed: Seed, trace: Trace | None, attempt: int) -> str:
        reasoning = trace.render() if trace is not None else None
        problem = seed.problem
        if seed.domain is Domain.CODE:
            oracle = await self.oracles.get(seed)
            if oracle and oracle["io_note"] and oracle["io_note"] not in problem:
                problem = f"{problem.rstrip()}\n\n{oracle['io_note']}"
        name = f"executor_{seed.domain.value}.j2"
        messages = self.prompts.render(name, problem=problem, reasoning=reasoning)
        check = _answer if seed.domain is Domain.MATH else _program
        return await self.client.text(messages, check, sample=attempt)


class LLMPlanner:
    """Samples reference traces until one passes the executor check, up to `max_attempts`."""

    def __init__(
        self,
        client: LLMClient,
        prompts: Prompts,
        executor: Executor,
        oracles: CodeOracles,
    ) -> None:
        self.client, self.prompts, self.executor, self.oracles = client, prompts, executor, oracles

    async def plan(self, seed: Seed) -> tuple[Trace, Provenance]:
        name = f"planner_{seed.domain.value}.j2"
        messages = self.prompts.render(name, problem=seed.problem)
        provenance = Provenance(
            backend="llm", model=self.client.model, prompt_hash=self.prompts.hash(name)
        )
        outcomes: list[str] = []
        for attempt in range(max(1, self.client.config.max_attempts)):
            try:
                trace = await self.client.text(
                    messages, _trace_checker(seed.domain), sample=attempt
                )
            except StageReject as exc:
                outcomes.append(exc.reason)
                continue
            if await self._accepted(seed, trace, attempt):
                return trace, provenance.model_copy(update={"rule": f"attempt_{attempt}"})
            outcomes.append("rejected_by_executor_check")
        raise StageReject("no_accepted_reference", f"attempts: {', '.join(outcomes)}")

    async def _accepted(self, seed: Seed, trace: Trace, attempt: int) -> bool:
        if seed.domain is Domain.MATH:
            from groupbuild.execute.math_answer import equivalent, extract_answer

            answer = extract_answer("\n".join(trace.steps))
            gold = seed.answer
            return answer is not None and gold is not None and equivalent(answer, gold)
        from groupbuild.execute.uplift import succeeded

        oracle = await self.oracles.get(seed)
        if oracle is None:
            return False
        program = await self.executor.solve(seed, trace, attempt)
        return await succeeded(seed, program, oracle)


class LLMPerturber:
    """A kind the LLM path offers names its template and the shape of its edit; the model
    rewrites, drops or adds exactly one step (or swaps one with the next), for a code kind
    proven by execution also writing the program that follows the flawed plan, and the kind's
    `splice` turns the reply into an edit with the evidence its proof reads."""

    def __init__(self, client: LLMClient, prompts: Prompts) -> None:
        self.client, self.prompts = client, prompts

    def kinds(self, domain: Domain) -> list[Kind]:
        return [d.kind for d in offered("llm", domain)]

    async def perturb(
        self, seed: Seed, reference: Trace, kind: Kind, rng: random.Random
    ) -> tuple[Edit, Provenance] | None:
        offer = offered_definition("llm", seed.domain, kind).llm
        assert offer is not None, "offered by llm means it has an LLM offer"
        messages = self.prompts.render(
            offer.template,
            problem=seed.problem,
            answer=seed.answer if seed.domain is Domain.MATH else None,
            steps=reference.steps,
            trace_name="solution" if seed.domain is Domain.MATH else "plan",
            suggested=rng.randrange(len(reference.steps)) + 1,
            shape=offer.shape,
            program=seed.solution if offer.program else None,
        )
        reply_model = CodePerturbReply if offer.program else PerturbReply
        reply = await self.client.structured(messages, reply_model)
        index = reply.step_index - 1
        if not 0 <= index < offer.positions(len(reference.steps)):
            raise StageReject("llm_bad_edit", f"step {reply.step_index} is not in the trace")
        text = clean_step(reply.new_text) if offer.writes_step else ""
        if offer.writes_step and not text:
            raise StageReject("llm_no_edit", f"step {reply.step_index} came back empty")
        if offer.shape == "rewrite" and text == clean_step(reference.steps[index]):
            raise StageReject("llm_no_edit", f"step {reply.step_index} came back unchanged")
        program = None
        if isinstance(reply, CodePerturbReply):
            try:
                program = _program(reply.program)
            except ValueError:
                raise StageReject("llm_no_program", "the reply holds no program") from None
        edit = offer.splice(seed, reference, StepRewrite(index, text, program))
        if edit is None:
            raise StageReject("llm_edit_unusable", f"step {reply.step_index} cannot be carried on")
        provenance = Provenance(
            backend="llm", model=self.client.model, prompt_hash=self.prompts.hash(offer.template)
        )
        return edit, provenance


class LLMJudge:
    """Rubric scores from `samples` independent requests, with per-dimension agreement."""

    def __init__(
        self, client: LLMClient, prompts: Prompts, rubrics: dict[Domain, dict[str, Any]]
    ) -> None:
        self.client, self.prompts, self.rubrics = client, prompts, rubrics

    async def score(self, seed: Seed, trace: Trace) -> Rubric:
        domain = seed.domain
        name = f"judge_{domain.value}.j2"
        reply_model = judge_reply(domain)
        gold = seed.answer if domain is Domain.MATH else seed.solution
        if not gold:
            raise StageReject("no_gold_for_judge", f"{seed.problem_id} has no gold to show")
        messages = self.prompts.render(
            name,
            problem=seed.problem,
            gold=gold,
            steps=trace.steps,
            rubric=self.rubrics[domain],
            keys=list(reply_model.model_fields),
        )
        samples = max(1, self.client.config.samples)
        replies = await settle(
            *(self.client.structured(messages, reply_model, sample=i) for i in range(samples))
        )
        dumped = [r.model_dump() for r in replies]
        return aggregate(dumped, DIMENSIONS[domain], len(trace.steps), self.client.model)


def aggregate(
    replies: list[dict[str, Any]], dimensions: tuple[str, ...], n_steps: int, judge: str
) -> Rubric:
    """One rubric from k judge replies: mean scores, majority first flaw, label agreement."""
    scores = {d: round(sum(_clip(r[d]) for r in replies) / len(replies), 1) for d in dimensions}
    overall = round(sum(_clip(r["rubric_score"]) for r in replies) / len(replies), 1)
    flaws = [_flaw_index(r.get("first_flawed_step"), n_steps) for r in replies]
    first, _ = Counter(flaws).most_common(1)[0]
    agreement = {d: _agreement([_clip(r[d]) for r in replies]) for d in dimensions}
    return Rubric(
        scores=scores,
        rubric_score=overall,
        reason=str(replies[0]["reason"]).strip(),
        first_flawed_step=first,
        judge=judge,
        samples=len(replies),
        agreement=agreement if len(replies) > 1 else {},
    )


def _clip(value: float) -> float:
    return min(10.0, max(0.0, float(value)))


def _flaw_index(shown: int | None, n_steps: int) -> int | None:
    if shown is None or not 1 <= shown <= n_steps:
        return None
    return shown - 1


def _agreement(values: list[float]) -> float:
    """Share of samples whose label is within one of the most common label."""
    labels = [min(4, max(0, int(v // 2))) for v in values]
    majority = Counter(labels).most_common(1)[0][0]
    return round(sum(abs(label - majority) <= 1 for label in labels) / len(labels), 6)
