"""What every math proof reads (taxonomy G3): the facts of one reference/candidate pair.

A proof re-parses both traces; the evidence an edit carries is only a hint (which identity was
applied) and is itself re-checked, e.g. a claimed false identity is evaluated at random points.
Each proof returns None when it holds, else a short snake_case reason.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from groupbuild.kinds.evidence import DroppedValue, Insertion, MathEvidence
from groupbuild.kinds.math.edits import splice, splice_dropped, splice_inserted
from groupbuild.kinds.math.latex_edits import LatexCase
from groupbuild.kinds.registry import Edit, KindDef, LLMOffer, ProofCase, ProofFn, RuleFn, Shape
from groupbuild.kinds.spec import Kind, KindSpec
from groupbuild.schema import Domain, Seed, Signature, Trace
from groupbuild.text import math as mt
from groupbuild.text.math import restate
from groupbuild.text.math.latex import is_latex
from groupbuild.text.traces import aligned_changes


class MathCase:
    """The facts every detector reads, computed once from the two traces."""

    def __init__(self, case: ProofCase) -> None:
        self.seed, self.ref, self.cand = case.seed, case.reference, case.candidate
        self.evidence = case.evidence
        self.pairs, self.diff = aligned_changes(self.ref, self.cand)
        self.ref_answer = mt.answer_value(self.ref)
        self.answer = mt.answer_value(self.cand)
        self.gold = mt.parse_number(self.seed.answer) if self.seed.answer else None

    def answer_changed(self) -> str | None:
        if self.answer is None or self.answer == self.ref_answer:
            return "answer_unchanged"
        if self.answer == self.gold:
            return "answer_equals_gold"
        return None

    def answer_kept(self) -> str | None:
        return None if self.answer == self.ref_answer else "answer_changed"

    def new_dangling(self) -> list[mt.Quantity]:
        before = {(q.value, q.text) for q in mt.dangling_quantities(self.ref, self.seed.problem)}
        found = mt.dangling_quantities(self.cand, self.seed.problem)
        return [q for q in found if (q.value, q.text) not in before]

    def controls_only(self, changed: tuple[int, ...]) -> bool:
        """Every one of the `changed` reference steps only lost a filler or gained an opener:
        the length-matched controls of `kinds.math.balance`, which change no claim."""
        return all(
            restate.is_trim(self.ref.steps[i], self.cand.steps[self.pairs[i]])
            or restate.is_padding(self.ref.steps[i], self.cand.steps[self.pairs[i]])
            for i in changed
        )

    def restatements_only(self, inserted: tuple[int, ...]) -> bool:
        """Every one of the `inserted` candidate steps restates what is known before it: no
        false equation, and no number that neither the problem nor an earlier step holds."""
        flow = mt.analyze(self.cand.steps, self.seed.problem)
        given = mt.problem_values(self.seed.problem)
        for j in inserted:
            if mt.count_false((self.cand.steps[j],)):
                return False
            known = {q.value for qs in flow[:j] for q in qs} | given
            written = (t.value for t in mt.tokenize(self.cand.steps[j]) if t.kind == "num")
            if any(v not in known for v in written):
                return False
        return True

    def new_false(self) -> int:
        return mt.count_false(self.cand) - mt.count_false(self.ref)

    def first_changed(self) -> int | None:
        return self.diff.changed[0] if self.diff.changed else None

    def step_pair(self) -> tuple[mt.Step, mt.Step] | None:
        """The first changed step, before and after (aligned: no insertion or deletion)."""
        j = self.first_changed()
        if j is None or self.diff.deleted or self.diff.inserted:
            return None
        return mt.parse_step(self.ref.steps[j]), mt.parse_step(self.cand.steps[j])


def operands(step: mt.Step) -> list[Fraction]:
    return [
        v
        for eq in step.equations
        for i in eq.operands()
        if step.tokens[i].kind == "num" and (v := step.tokens[i].value) is not None
    ]


def operators(step: mt.Step) -> list[str]:
    return [
        step.tokens[i].text
        for eq in step.equations
        for i in range(*eq.segments[0])
        if step.tokens[i].kind == "op"
    ]


def results(step: mt.Step) -> list[Fraction]:
    return [v for i in sorted(step.result_tokens()) if (v := step.tokens[i].value) is not None]


def consistent_edit(c: MathCase, same_ops: bool, same_operands: bool) -> tuple[str | None, Any]:
    pair = c.step_pair()
    if pair is None:
        return "no_single_step_edit", None
    if c.new_false() > 0:
        return "false_equation_added", None
    before, after = pair
    if same_ops != (operators(before) == operators(after)):
        return ("operator_changed" if same_ops else "no_operator_swapped"), None
    if same_operands != (operands(before) == operands(after)):
        return ("operand_changed" if same_operands else "no_operand_changed"), None
    return None, pair


def changed_operand(pair: tuple[mt.Step, mt.Step]) -> tuple[Fraction, Fraction] | None:
    old, new = operands(pair[0]), operands(pair[1])
    if len(old) != len(new):
        return None
    diffs = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
    return diffs[0] if len(diffs) == 1 else None


LatexDetector = Callable[[LatexCase], str | None]


@dataclass(frozen=True)
class LatexForm:
    """A kind's competition-math (LaTeX) form: its rule and its proof."""

    rule: RuleFn
    proof: LatexDetector


def math_proof(
    detector: Callable[[MathCase], str | None], latex: LatexForm | None = None
) -> ProofFn:
    """The kind's proof, read in the shape of the reference: a LaTeX reference is proven by
    its LaTeX form (or refused when the kind has none)."""

    def prove(case: ProofCase) -> str | None:
        if is_latex(case.reference.steps):
            return "no_latex_form" if latex is None else latex.proof(LatexCase(case))
        return detector(MathCase(case))

    return prove


def shaped_rule(rule: RuleFn, latex: LatexForm | None) -> RuleFn:
    """The kind's rule for the reference's shape: GSM8K arithmetic text or LaTeX."""

    def apply(seed: Seed, reference: Trace, rng: random.Random) -> Edit | None:
        if is_latex(reference.steps):
            return None if latex is None else latex.rule(seed, reference, rng)
        return rule(seed, reference, rng)

    return apply


@dataclass(frozen=True)
class MathKind:
    """How a math kind is declared in its family module; `define` makes the registry entry."""

    kind: Kind
    taxonomy_id: str
    signature: Signature
    max_steps: int = 1
    propagates: bool = False
    length_exempt: bool = False
    evidence: type[MathEvidence] = MathEvidence

    def define(
        self,
        rule: RuleFn | None = None,
        proof: Callable[[MathCase], str | None] | None = None,
        llm_template: str | None = None,
        llm_shape: Shape = "rewrite",
        latex: LatexForm | None = None,
    ) -> KindDef:
        spec = KindSpec(
            self.kind,
            Domain.MATH,
            self.taxonomy_id,
            self.signature,
            self.max_steps,
            self.propagates,
            self.length_exempt,
        )
        llm = None if llm_template is None else self._offer(llm_template, llm_shape)
        shaped = shaped_rule(rule, latex) if rule is not None else None
        return KindDef(
            spec, self.evidence, shaped, math_proof(proof, latex) if proof else None, llm
        )

    def _offer(self, template: str, shape: Shape) -> LLMOffer:
        """The LLM offer, refused when the reply of `shape` cannot supply the evidence."""
        if shape == "delete" and self.evidence is DroppedValue and not self.propagates:
            return LLMOffer(template, splice_dropped, shape="delete")
        if shape == "insert" and self.evidence is Insertion:
            return LLMOffer(template, splice_inserted, shape="insert")
        if shape != "rewrite":
            raise ValueError(f"{self.kind}: no {shape} splice supplies {self.evidence.__name__}")
        extra = set(self.evidence.model_fields) - set(MathEvidence.model_fields)
        required = sorted(n for n in extra if self.evidence.model_fields[n].is_required())
        if required:
            raise ValueError(f"{self.kind}: a one-step rewrite cannot supply {required}")
        return LLMOffer(template, splice(self.evidence, propagates=self.propagates))
