"""The artifact audit and the HTML report of a published TRACELIFT-GROUPS folder.

`audit(dataset_dir)` measures the shortcuts a reward model could learn from the data;
`build_report(dataset_dir, out_dir)` writes `index.html` with the counts, plots, the audit and a
seeded sample of groups shown as reference-versus-negative diffs, plus `audit.json` and
`plots/*.png`.
"""

from __future__ import annotations

import json
from pathlib import Path

from groupbuild.report.audit import SAMPLE_GROUPS, audit, audit_scan
from groupbuild.report.dataset import load_summary
from groupbuild.report.scan import scan

__all__ = ["audit", "build_report"]

SHOWN_PER_DOMAIN = 3
PLOT_DIR = "plots"
"""Subdirectory of the report holding its PNGs (emptied of old PNGs on every build)."""


def build_report(dataset_dir: Path, out_dir: Path) -> Path:
    """Write the report of the dataset in `dataset_dir` into `out_dir`; the path of index.html."""
    from groupbuild.report import page, plots

    result = scan(dataset_dir, shown_per_domain=SHOWN_PER_DOMAIN, max_groups=SAMPLE_GROUPS)
    findings = audit_scan(result)
    plot_dir = out_dir / PLOT_DIR
    plot_dir.mkdir(parents=True, exist_ok=True)
    for stale in plot_dir.glob("*.png"):
        stale.unlink()
    captions = []
    for name, (caption, figure) in plots.figures(result, findings).items():
        plots.save(figure, plot_dir / name)
        captions.append((f"{PLOT_DIR}/{name}", caption))
    samples = {domain: result.sample_groups(domain) for domain in sorted(result.domains)}
    html = page.render(load_summary(dataset_dir), findings, captions, samples)
    (out_dir / "audit.json").write_text(json.dumps(findings, indent=1, sort_keys=True) + "\n")
    index = out_dir / "index.html"
    index.write_text(html, encoding="utf-8")
    return index
