"""A group shown as its reference beside each negative, with the edited steps highlighted.

Rows come from the same alignment the audit measures: a changed step is highlighted on both
sides (`class="changed"` on the negative's line), a deleted reference step is struck through and
an inserted step is marked with a plus.
"""

from __future__ import annotations

from html import escape
from typing import Any

from groupbuild.report.alignment import Row, align

CHANGED_COLOR = "#ffd43b"
"""Background of changed lines; the report's screenshot test looks for this exact color."""
INSERTED_COLOR = "#8ce99a"
DELETED_COLOR = "#ffa8a8"

CSS = f"""
.group {{ border: 1px solid #ced4da; border-radius: 6px; padding: 10px 14px; margin: 16px 0; }}
.problem {{ white-space: pre-wrap; background: #f8f9fa; padding: 8px; border-radius: 4px; }}
table.diff {{ border-collapse: collapse; width: 100%; table-layout: fixed; margin: 6px 0 14px; }}
table.diff th {{ text-align: left; background: #e9ecef; padding: 3px 6px; }}
table.diff td {{ vertical-align: top; padding: 2px 6px; border-bottom: 1px solid #f1f3f5;
  font-family: ui-monospace, monospace; font-size: 12.5px; white-space: pre-wrap;
  overflow-wrap: anywhere; }}
td.changed, td.was {{ background: {CHANGED_COLOR}; }}
td.inserted {{ background: {INSERTED_COLOR}; }}
td.deleted {{ background: {DELETED_COLOR}; }}
td.deleted del {{ text-decoration: line-through; }}
td.inserted ins {{ text-decoration: none; }}
.n {{ color: #868e96; display: inline-block; min-width: 2.2em; }}
.legend span {{ padding: 1px 6px; margin-right: 8px; border-radius: 3px; }}
"""


def _cell(css: str, index: int | None, text: str, wrap: str = "") -> str:
    number = "" if index is None else f'<span class="n">{index}</span>'
    body = escape(text)
    if wrap:
        body = f"<{wrap}>{body}</{wrap}>"
    return f'<td class="{css}">{number}{body}</td>'


def _row(row: Row, reference: list[str], candidate: list[str]) -> str:
    if row.tag == "equal" and row.ref is not None and row.cand is not None:
        left = _cell("same", row.ref, reference[row.ref])
        right = _cell("same", row.cand, candidate[row.cand])
    elif row.tag == "changed" and row.ref is not None and row.cand is not None:
        left = _cell("was", row.ref, reference[row.ref])
        right = _cell("changed", row.cand, candidate[row.cand])
    elif row.tag == "deleted" and row.ref is not None:
        left = _cell("deleted", row.ref, reference[row.ref], "del")
        right = '<td class="gap"></td>'
    else:
        assert row.cand is not None
        left = '<td class="gap"></td>'
        right = _cell("inserted", row.cand, "+ " + candidate[row.cand], "ins")
    return f"<tr>{left}{right}</tr>"


def _negative(reference: dict[str, Any], negative: dict[str, Any]) -> str:
    ref_steps, steps = reference["steps"], negative["steps"]
    margin = reference["rubric"]["total"] - negative["rubric"]["total"]
    head = (
        f"{negative.get('negative_kind')} · signature {negative.get('signature')} · "
        f"judge {negative['rubric_label']} ({negative['rubric']['total']:.2f}, "
        f"margin {margin:+.2f}) · first flawed step {negative.get('first_flawed_step')}"
    )
    if negative.get("answer") is not None:
        head += f" · answer {negative['answer']}"
    rows = "".join(_row(r, ref_steps, steps) for r in align(ref_steps, steps))
    return (
        f"<h4>{escape(head)}</h4>\n"
        '<table class="diff"><tr><th>reference</th><th>negative</th></tr>'
        f"{rows}</table>\n"
    )


def _answer(reference: dict[str, Any]) -> str:
    answer = reference.get("answer")
    return "" if answer is None else f"reference answer <code>{escape(str(answer))}</code> · "


def render_group(group: dict[str, Any]) -> str:
    reference = group["positive_pool"][0]
    meta = group.get("metadata") or {}
    title = f"{group['problem_id']} · {meta.get('domain', '')} · split {meta.get('split', '')}"
    parts = [
        '<div class="group">',
        f"<h3>{escape(title)}</h3>",
        f'<div class="problem">{escape(group["problem"])}</div>',
        f"<p>{_answer(reference)}reference judged {escape(reference['rubric_label'])} "
        f"({reference['rubric']['total']:.2f})</p>",
        *(_negative(reference, neg) for neg in group["negative_bank"]),
        "</div>",
    ]
    return "\n".join(parts)


LEGEND = (
    '<p class="legend">'
    f'<span style="background:{CHANGED_COLOR}">changed step</span>'
    f'<span style="background:{DELETED_COLOR}"><del>deleted reference step</del></span>'
    f'<span style="background:{INSERTED_COLOR}">+ inserted step</span></p>'
)
