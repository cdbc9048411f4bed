"""The report page: one self-contained HTML file (inline CSS, plots as PNG files beside it)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from groupbuild.report import diffview

CSS = """
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1240px; color: #212529;
  padding: 0 16px; }
h1 { margin-bottom: 4px; } h2 { border-bottom: 2px solid #dee2e6; padding-bottom: 4px; }
table.t { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
table.t th, table.t td { border: 1px solid #dee2e6; padding: 3px 7px; text-align: right; }
table.t th { background: #f1f3f5; text-align: left; } table.t td.k { text-align: left; }
td.fail { background: #ffc9c9; } td.ok { background: #d3f9d8; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; }
.card { border: 1px solid #dee2e6; border-radius: 6px; padding: 8px 14px; min-width: 120px; }
.card b { display: block; font-size: 22px; }
.plots { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
figure { margin: 0; }
img.plot { display: block; width: 100%; border: 1px solid #f1f3f5; }
.note { color: #495057; font-size: 13px; }
"""


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def table(header: list[str], rows: list[list[Any]], classes: list[list[str]] | None = None) -> str:
    """An HTML table of escaped cells: text left-aligned, numbers right; optional cell classes."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for r, row in enumerate(rows):
        cells = []
        for i, value in enumerate(row):
            css = classes[r][i] if classes and classes[r][i] else ""
            css = css or ("k" if isinstance(value, str) else "")
            cells.append(f'<td class="{css}">{escape(_fmt(value))}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="t"><tr>{head}</tr>{"".join(body)}</table>'


def headline(summary: dict[str, Any]) -> str:
    cards = [
        ("seeds in", summary.get("seeds_in")),
        ("groups published", summary.get("groups_published")),
        ("seeds rejected", summary.get("seeds_rejected")),
        ("seeds pending", summary.get("seeds_pending")),
        ("accounted", summary.get("accounted")),
        ("pairs", (summary.get("rows") or {}).get("pairs")),
    ]
    html = ['<div class="cards">']
    html += [f'<div class="card"><b>{escape(_fmt(v))}</b>{escape(k)}</div>' for k, v in cards]
    html.append("</div>")
    groups = summary.get("groups") or {}
    if groups:
        rows = [
            [d, g.get("total"), g.get("train"), g.get("dev")] for d, g in sorted(groups.items())
        ]
        html.append(table(["domain", "groups", "train", "dev"], rows))
    for key, title in (
        ("drop_reasons", "Seed drop reasons"),
        ("candidate_drop_reasons", "Candidate drop reasons"),
    ):
        reasons = summary.get(key) or {}
        if reasons:
            html.append(f"<h3>{escape(title)}</h3>")
            html.append(table(["reason", "count"], [[k, v] for k, v in reasons.items()]))
    return "\n".join(html)


def kind_counts(summary: dict[str, Any]) -> str:
    """Published negatives per kind, and why the other attempts of the kind were dropped."""
    outcomes: dict[str, dict[str, int]] = summary.get("kind_outcomes") or {}
    rows = []
    for domain, kinds in sorted((summary.get("negative_kind_counts") or {}).items()):
        for kind, n in sorted(kinds.items()):
            seen = outcomes.get(f"{domain}/{kind}", {})
            dropped = sorted(((c, r) for r, c in seen.items() if r != "published"), reverse=True)
            rows.append([domain, kind, n, ", ".join(f"{r} {c}" for c, r in dropped)])
    if not rows:
        return '<p class="note">summary.json has no negative_kind_counts.</p>'
    return table(["domain", "kind", "published", "other attempts (reason count)"], rows)


_AUDIT_COLUMNS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("n", lambda m: m["n"]),
    ("sig", lambda m: m["signature"]),
    ("longer-is-flawed acc", lambda m: m["length_shortcut_accuracy"]),
    ("length shortcut", lambda m: m["length_shortcut"]),
    ("bag-of-words pair acc", lambda m: m.get("bow_pairwise_accuracy")),
    ("template phrase rate", lambda m: m["template_phrase_rate"]),
    ("new number shape", lambda m: m["number_shape_rate"]),
    ("position AUC", lambda m: m["position_auc"]),
    ("probe AUC traces", lambda m: m.get("trace_auc")),
    ("probe AUC steps", lambda m: m.get("step_auc")),
    ("cue rate edited", lambda m: m["cue"]["cue_step_rate"]),
    ("cue rate ref match", lambda m: m["cue"]["matched_reference_cue_rate"]),
    ("added cue rate", lambda m: m["cue"]["added_cue_rate"]),
    ("answer change", lambda m: m["answer_change_rate"]),
    ("margin mean", lambda m: m["margin"]["mean"]),
    ("margin min", lambda m: m["margin"]["min"]),
    ("first error pos", lambda m: m["first_error_position"]["mean"]),
    ("judge agrees", lambda m: m["judge_first_error_agreement"]),
    ("uplift mean", lambda m: m["uplift"]["mean"]),
    ("span coverage", lambda m: m["span_coverage"]),
    ("diff as published", lambda m: m["diff_as_published_rate"]),
]
_CHECK_COLUMN = {
    "length_shortcut": "length shortcut",
    "bow_pairwise_accuracy": "bag-of-words pair acc",
    "template_phrase_rate": "template phrase rate",
    "number_shape_rate": "new number shape",
    "position_auc": "position AUC",
    "step_auc": "probe AUC steps",
    "added_cue_rate": "added cue rate",
    "answer_change_rate": "answer change",
    "span_coverage": "span coverage",
}


def audit_section(audit: dict[str, Any]) -> str:
    html = [
        f'<p class="note">Probe: {escape(audit["probe"]["model"])}; fit on the train split, '
        "scored on the dev split (no problem in both). Targets: "
        + "; ".join(f"{escape(k)} {escape(v)}" for k, v in audit["targets"].items())
        + ".</p>"
    ]
    for domain, d in audit["domains"].items():
        html.append(f"<h3>{escape(domain)}</h3>")
        probe_rows = [
            [
                name,
                p["auc"],
                p["paired_accuracy"],
                p["fit_rows"],
                p["held_out"]["reference"],
                p["held_out"]["flawed"],
            ]
            for name, p in d["probe"].items()
        ]
        probe_css = [
            ["", "ok" if (r[1] or 1) <= 0.6 else "fail", "", "", "", ""] for r in probe_rows
        ]
        html.append(
            table(
                ["probe", "AUC", "paired acc", "fit rows", "dev refs", "dev flawed"],
                probe_rows,
                probe_css,
            )
        )
        verdict = {
            (c["scope"], _CHECK_COLUMN.get(c["check"])): c["ok"]
            for c in audit["checks"]
            if c["domain"] == domain
        }
        scopes = [("all", d["negatives"]), *d["kinds"].items()]
        rows = [[scope, *(get(m) for _, get in _AUDIT_COLUMNS)] for scope, m in scopes]
        names = [name for name, _ in _AUDIT_COLUMNS]
        css = [
            ["", *(_verdict_css(verdict.get((scope, name))) for name in names)]
            for scope, _ in scopes
        ]
        html.append(table(["kind", *names], rows, css))
        ref = d["reference"]
        html.append(
            f'<p class="note">References: {ref["steps"]} steps, cue-word step rate '
            f"{escape(_fmt(ref['cue_step_rate']))}; mean uplift "
            f"{escape(_fmt(ref['uplift']['mean']))}.</p>"
        )
    return "\n".join(html)


def _verdict_css(ok: bool | None) -> str:
    return "" if ok is None else "ok" if ok else "fail"


def render(
    summary: dict[str, Any],
    audit: dict[str, Any],
    plots: list[tuple[str, str]],
    samples: dict[str, list[dict[str, Any]]],
) -> str:
    plot_html = "\n".join(
        f'<figure><img class="plot" src="{escape(name)}" alt="{escape(caption)}">'
        f"<figcaption class=note>{escape(caption)}</figcaption></figure>"
        for name, caption in plots
    )
    sample_html = "\n".join(
        diffview.render_group(g) for domain in sorted(samples) for g in samples[domain]
    )
    title = "TRACELIFT-GROUPS dataset report"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>{CSS}{diffview.CSS}</style></head>
<body>
<h1>{title}</h1>
<h2>Headline</h2>
{headline(summary)}
<h2>Negatives per kind</h2>
{kind_counts(summary)}
<h2>Plots</h2>
<div class="plots">{plot_html}</div>
<h2>Artifact audit</h2>
{audit_section(audit)}
<h2>Sample groups</h2>
<p class="note">A fixed, seeded pick of groups per domain: the reference beside each negative.</p>
{diffview.LEGEND}
{sample_html}
</body></html>
"""
