"""Model-written twins: a program a model wrote for its flawed plan counts only as the reference
with the edited step's lines rewritten, and then proves harm the way a rule's twin does."""

from __future__ import annotations

from kind_helpers import check
from seed_helpers import bundled_code_seeds

from groupbuild.kinds import Kind, StepRewrite, definition
from groupbuild.kinds.code.model_twins import MAX_UNLINKED_LINES, changed_lines, links_for
from groupbuild.schema import Domain, Seed, Trace
from groupbuild.text.plans.links import plan_to_trace


def _max_subarray() -> tuple[Seed, Trace]:
    seed = next(s for s in bundled_code_seeds() if s.entry_point == "max_subarray_sum")
    return seed, plan_to_trace(seed)


def _edited(program: str, old: str, new: str) -> str:
    assert old in program
    return program.replace(old, new, 1)


def _splice(kind: Kind, seed: Seed, reference: Trace, rewrite: StepRewrite):
    offer = definition(Domain.CODE, kind).llm
    assert offer is not None and offer.program
    return offer.splice(seed, reference, rewrite)


def test_restyled_lines_are_not_changed_lines_but_an_edited_condition_is():
    seed, _ = _max_subarray()
    reference = seed.solution or ""
    restyled = "# a comment\n\n" + reference.replace("    running = 0\n", "    running = (0)\n\n")
    assert changed_lines(reference, restyled) is None
    edited = _edited(restyled, "if running > best:", "if running < best:")
    line = reference.splitlines().index("        if running > best:") + 1
    assert changed_lines(reference, edited) == (line,)
    assert changed_lines(reference, "def max_subarray_sum(nums):\n  return (") is None


def test_a_model_condition_rewrite_with_its_program_is_an_inverted_condition_that_fails_tests():
    seed, reference = _max_subarray()
    index = next(i for i, s in enumerate(reference.steps) if "greater than the best" in s)
    text = reference.steps[index].replace("greater than", "less than")
    program = _edited(seed.solution or "", "if running > best:", "if running < best:")
    edit = _splice(Kind.INVERTED_CONDITION, seed, reference, StepRewrite(index, text, program))
    assert edit is not None
    assert edit.trace.steps[index] == text and edit.declared_span == (index,)
    assert edit.evidence.to_json()["twin_program"] == program
    assert (
        check(Domain.CODE, Kind.INVERTED_CONDITION, seed, reference, edit.trace, edit.evidence)
        is None
    )


def test_a_model_program_that_also_changes_another_steps_lines_is_refused():
    seed, reference = _max_subarray()
    index = next(i for i, s in enumerate(reference.steps) if "greater than the best" in s)
    text = reference.steps[index].replace("greater than", "less than")
    program = _edited(seed.solution or "", "if running > best:", "if running < best:")
    also = _edited(program, "    return best\n", "    return best + 1\n")
    assert _splice(Kind.INVERTED_CONDITION, seed, reference, StepRewrite(index, text, also)) is None
    unchanged = StepRewrite(index, text, seed.solution)
    assert _splice(Kind.INVERTED_CONDITION, seed, reference, unchanged) is None
    renamed = program.replace("def max_subarray_sum", "def best_run")
    assert (
        _splice(Kind.INVERTED_CONDITION, seed, reference, StepRewrite(index, text, renamed)) is None
    )


def test_a_dropped_guard_step_with_its_guard_deleted_is_a_missing_edge_case():
    seed, reference = _max_subarray()
    assert reference.steps[0].startswith("If the list is empty")
    program = _edited(seed.solution or "", "    if not nums:\n        return 0\n", "")
    edit = _splice(Kind.MISSING_EDGE_CASE, seed, reference, StepRewrite(0, "", program))
    assert edit is not None
    assert edit.trace.steps == reference.steps[1:] and edit.declared_span == (0,)
    assert (
        check(Domain.CODE, Kind.MISSING_EDGE_CASE, seed, reference, edit.trace, edit.evidence)
        is None
    )
    # The same program for a dropped step that is not the guard touches lines of another step.
    assert _splice(Kind.DROPPED_STEP, seed, reference, StepRewrite(2, "", program)) is None


def test_a_plan_without_links_allows_a_few_changed_lines_only():
    seed, reference = _max_subarray()
    own = Trace(steps=tuple(f"{step} Then go on." for step in reference.steps))
    assert links_for(seed, reference) is not None and links_for(seed, own) is None
    index = next(i for i, s in enumerate(own.steps) if "greater than the best" in s)
    text = own.steps[index].replace("greater than", "less than")
    program = _edited(seed.solution or "", "if running > best:", "if running < best:")
    assert (
        _splice(Kind.INVERTED_CONDITION, seed, own, StepRewrite(index, text, program)) is not None
    )
    # The model also rewrites every assignment: more lines than a plan of its own may touch.
    rewritten = program
    for old in ("best = nums[0]", "running = 0", "best = running"):
        rewritten = _edited(rewritten, old, f"{old} + 0")
    assert len(changed_lines(seed.solution or "", rewritten) or ()) > MAX_UNLINKED_LINES
    assert _splice(Kind.INVERTED_CONDITION, seed, own, StepRewrite(index, text, rewritten)) is None


def test_two_swapped_steps_with_their_statements_swapped_are_a_wrong_order():
    seed, reference = _max_subarray()
    index = next(i for i, s in enumerate(reference.steps) if s.startswith("Replace the running"))
    update = "        running = max(value, running + value)\n"
    store = "        if running > best:\n            best = running\n"
    program = _edited(seed.solution or "", update + store, store + update)
    edit = _splice(Kind.WRONG_ORDER, seed, reference, StepRewrite(index, "", program))
    assert edit is not None and edit.declared_span == (index, index + 1)
    steps = list(reference.steps)
    steps[index], steps[index + 1] = steps[index + 1], steps[index]
    assert edit.trace.steps == tuple(steps)
    assert check(Domain.CODE, Kind.WRONG_ORDER, seed, reference, edit.trace, edit.evidence) is None


def test_an_added_step_is_charged_to_the_steps_around_it():
    seed, reference = _max_subarray()
    text = "Make a copy of the list before going through it."
    guard = "        return 0\n"
    copied = _edited(seed.solution or "", guard, guard + "    nums = nums[:]\n")
    edit = _splice(Kind.REDUNDANT_CODE, seed, reference, StepRewrite(1, text, copied))
    assert edit is not None and edit.trace.steps[1] == text
    assert (
        check(Domain.CODE, Kind.REDUNDANT_CODE, seed, reference, edit.trace, edit.evidence) is None
    )
    # The same statement put in far from the new step changes lines of another step.
    late = _edited(
        seed.solution or "", "    return best\n", "    nums = nums[:]\n    return best\n"
    )
    assert _splice(Kind.REDUNDANT_CODE, seed, reference, StepRewrite(1, text, late)) is None
