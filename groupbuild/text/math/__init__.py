"""Arithmetic in plain-text math steps: tokens, equations, exact evaluation, number formatting.

A step such as `She earned 0.2 x 50 = $10 in total.` holds the equation `0.2 x 50 = 10`. This
package finds such equations (`x`, `×`, `*`, `÷`, `/`, `^`, parentheses, `$`, `%`, thousands
commas, decimals, chains `a = b = c`) and evaluates them exactly with `Fraction` through a small
recursive-descent parser: no `eval`, no sympy, so a trace parses in well under a millisecond.
On top of that sit whole-trace views: where each number comes from (`analyze`), the answer a
trace reaches (`trace_answer`), false equations, dangling quantities, and `propagate`, the
numeric fallout of one changed value.
"""

from groupbuild.text.math.answers import (
    answer_value,
    count_false,
    false_equations,
    same_value,
    trace_answer,
)
from groupbuild.text.math.equations import Equation, Step, bare, parse_step, replace_tokens
from groupbuild.text.math.expressions import evaluate, evaluate_text
from groupbuild.text.math.grounding import Quantity, analyze, dangling_quantities, problem_values
from groupbuild.text.math.numerals import (
    MAX_DECIMALS,
    canonical,
    format_number,
    number_shapes,
    parse_number,
    render,
    tolerance,
)
from groupbuild.text.math.propagate import propagate, recompute_step
from groupbuild.text.math.tokens import Tok, tokenize
from groupbuild.text.math.units import (
    ALWAYS_KNOWN,
    constants_for,
    known_constants,
    unit_factors_in,
    unit_facts,
)

__all__ = [
    "ALWAYS_KNOWN",
    "MAX_DECIMALS",
    "Equation",
    "Quantity",
    "Step",
    "Tok",
    "analyze",
    "answer_value",
    "bare",
    "canonical",
    "constants_for",
    "count_false",
    "dangling_quantities",
    "evaluate",
    "evaluate_text",
    "false_equations",
    "format_number",
    "known_constants",
    "number_shapes",
    "parse_number",
    "parse_step",
    "problem_values",
    "propagate",
    "recompute_step",
    "render",
    "replace_tokens",
    "same_value",
    "tokenize",
    "tolerance",
    "trace_answer",
    "unit_factors_in",
    "unit_facts",
]
