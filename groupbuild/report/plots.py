"""The report's figures, drawn with matplotlib's object API on the Agg canvas.

No pyplot: figures are plain objects rendered off-screen, so building a report never touches a
display, a global figure registry or process-wide state.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from groupbuild.report.scan import DomainScan, NegativeFacts, Scan

REFERENCE_COLOR = "#1c7ed6"
NEGATIVE_COLOR = "#f76707"
LABEL_COLORS = {"strong": "#2f9e44", "acceptable": "#94d82d", "weak": "#fcc419", "bad": "#e03131"}
DPI = 100


def save(figure: Figure, path: Path) -> None:
    FigureCanvasAgg(figure)
    figure.savefig(path, dpi=DPI)


def _by_kind(facts: list[NegativeFacts]) -> dict[str, list[NegativeFacts]]:
    grouped: dict[str, list[NegativeFacts]] = defaultdict(list)
    for f in facts:
        grouped[f.kind].append(f)
    return dict(sorted(grouped.items()))


def _axes(rows: int = 1) -> tuple[Figure, Any]:
    figure = Figure(figsize=(6.4, 1.1 + 0.3 * max(rows, 8)), layout="constrained")
    return figure, figure.subplots()


def lengths(ds: DomainScan, domain: str) -> Figure:
    """Trace length (characters) of references and negatives."""
    figure, ax = _axes()
    negatives = [f.chars for f in ds.negatives]
    bins = _bins(ds.reference_chars + negatives)
    ax.hist(
        ds.reference_chars,
        bins=bins,
        density=True,
        alpha=0.75,
        label="reference",
        color=REFERENCE_COLOR,
    )
    ax.hist(negatives, bins=bins, density=True, alpha=0.6, label="negative", color=NEGATIVE_COLOR)
    ax.set_title(f"{domain}: trace length by role")
    ax.set_xlabel("characters")
    ax.set_ylabel("density")
    ax.legend()
    return figure


def _bins(values: list[int]) -> list[float]:
    low, high = (min(values), max(values)) if values else (0, 1)
    if high <= low:
        high = low + 1
    width = (high - low) / 30
    return [low + i * width for i in range(31)]


def rubric_labels(ds: DomainScan, domain: str) -> Figure:
    """Share of rubric labels (strong … bad) for references and for each kind's negatives."""
    counts = {"reference": ds.reference_labels}
    counts.update(
        {k: Counter(f.rubric_label for f in v) for k, v in _by_kind(ds.negatives).items()}
    )
    names = list(counts)[::-1]
    figure, ax = _axes(len(names))
    left = [0.0] * len(names)
    for label, color in LABEL_COLORS.items():
        shares = [counts[n][label] / max(1, sum(counts[n].values())) for n in names]
        ax.barh(names, shares, left=left, color=color, label=label)
        left = [a + b for a, b in zip(left, shares, strict=True)]
    ax.set_xlim(0, 1)
    ax.set_title(f"{domain}: rubric label share")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), fontsize="small", ncols=4)
    return figure


def margins(ds: DomainScan, domain: str) -> Figure:
    """Reference total minus negative total, per kind (above 0 means correctly ordered)."""
    kinds = _by_kind(ds.negatives)
    names = list(kinds)[::-1]
    figure, ax = _axes(len(names))
    if names:
        ax.boxplot(
            [[f.margin for f in kinds[n]] for n in names],
            orientation="horizontal",
            tick_labels=names,
            patch_artist=True,
            boxprops={"facecolor": NEGATIVE_COLOR, "alpha": 0.6},
        )
    ax.axvline(0, color="black", linewidth=1)
    ax.set_title(f"{domain}: rubric margin (reference − negative)")
    return figure


def shortcuts(findings: dict[str, Any], domain: str) -> Figure:
    """Per kind: length-shortcut accuracy and the text probe's AUC, against their targets."""
    kinds = findings["kinds"]
    names = list(kinds)[::-1]
    figure, ax = _axes(len(names))
    ys = range(len(names))
    length = [kinds[n]["length_shortcut_accuracy"] or 0 for n in names]
    probe = [kinds[n]["trace_auc"] or 0 for n in names]
    ax.barh(
        [y + 0.2 for y in ys],
        length,
        height=0.4,
        color=REFERENCE_COLOR,
        label="longer-is-flawed accuracy",
    )
    ax.barh(
        [y - 0.2 for y in ys],
        probe,
        height=0.4,
        color=NEGATIVE_COLOR,
        label="text probe AUC (traces)",
    )
    ax.set_yticks(list(ys), names)
    ax.axvline(0.5, color="black", linewidth=1)
    ax.axvline(0.6, color="black", linewidth=1, linestyle="--")
    ax.set_xlim(0, 1)
    ax.set_title(f"{domain}: shortcuts (ideal 0.5; probe target ≤ 0.6)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), fontsize="small", ncols=2)
    return figure


def figures(result: Scan, audit: dict[str, Any]) -> dict[str, tuple[str, Figure]]:
    """File name -> (caption, figure): each plot once per domain, domains side by side."""
    draw: dict[str, tuple[str, Callable[[str], Figure]]] = {
        "shortcuts": ("shortcut probes per kind", lambda d: shortcuts(audit["domains"][d], d)),
        "lengths": ("trace length by role", lambda d: lengths(result.domains[d], d)),
        "rubric_labels": ("rubric labels by kind", lambda d: rubric_labels(result.domains[d], d)),
        "margins": ("rubric margins by kind", lambda d: margins(result.domains[d], d)),
    }
    return {
        f"{name}-{domain}.png": (f"{domain}: {caption}", plot(domain))
        for name, (caption, plot) in draw.items()
        for domain in sorted(result.domains)
    }
