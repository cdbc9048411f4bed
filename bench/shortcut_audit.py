"""The shortcut audit of an offline build, per domain and per kind, as a table.

    .venv/bin/python bench/shortcut_audit.py [--gsm8k 1500] [--mbpp 0] [--math 0] [--keep DIR]

Builds the first rows of each seed set through the CLI exactly as a user runs it (rules
backend, every gate on), then runs `groupbuild.report.audit` over the published folder with no
sample cap and prints, per kind: negatives, bag-of-words pairwise accuracy on dev, template
phrase rate (with the commonest phrase), new number shapes, length shortcut, position-only AUC,
edited-step AUC, and whatever judge measures the audit reports. A ✗ marks a breach of the
configured threshold. `--json` prints the whole audit instead.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from offline_build import build

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
SETS = {
    "gsm8k": ("gsm8k", DATA / "gsm8k" / "train.jsonl"),
    "mbpp": ("mbpp", DATA / "mbpp" / "mbpp.jsonl"),
    "math": ("math", DATA / "math" / "train.jsonl"),
}
COLUMNS = (
    ("n", "n", None),
    ("bow", "bow_pairwise_accuracy", "bow_pairwise_accuracy_per_kind"),
    ("tmpl", "template_phrase_rate", "template_phrase_rate"),
    ("shape", "number_shape_rate", "number_shape_rate"),
    ("len", "length_shortcut", "length_shortcut"),
    ("pos", "position_auc", "position_auc"),
    ("step", "step_auc", "text_auc"),
)


def build_sets(limits: dict[str, int], workdir: Path) -> tuple[dict[str, Any], float]:
    sources = [
        {"format": fmt, "path": str(path), "limit": limits[name]}
        for name, (fmt, path) in SETS.items()
        if limits[name] > 0
    ]
    missing = [s["path"] for s in sources if not Path(str(s["path"])).exists()]
    if missing:
        sys.exit(f"seed file not found: {missing[0]}")
    return build(sources, workdir, "publish.audit=false")


JUDGE_LIMITS = {
    "band_share": ("judge_band_share", False),
    "target_rate": ("judge_target_rate", True),
    "strong_unmeasured": ("judge_strong_unmeasured", False),
}
"""Judge columns with a threshold: (its `AuditThresholds` field, whether it is a minimum)."""


def _cell(value: Any, limit: float | None, at_least: bool = False) -> str:
    if value is None:
        return "—"
    breach = limit is not None and (value < limit if at_least else value > limit)
    mark = " ✗" if breach else ""
    if isinstance(value, int):
        return f"{value}{mark}"
    return f"{value:.2f}{mark}"


def table(found: dict[str, Any], thresholds: dict[str, float]) -> str:
    lines = []
    for domain, d in found["domains"].items():
        lines.append(f"\n## {domain}: {d['groups']} groups, {d['negatives']['n']} negatives")
        judge_keys = sorted(
            {k for m in d["kinds"].values() for k in m.get("judge", {}) if k != "n"}
        )
        head = [c for c, _, _ in COLUMNS] + judge_keys + ["top phrase"]
        lines.append("| kind | " + " | ".join(head) + " |")
        lines.append("|---" * (len(head) + 1) + "|")
        overall = dict(d["negatives"])
        overall["bow_pairwise_accuracy"] = d["probe"]["traces"]["paired_accuracy"]
        overall["step_auc"] = d["probe"]["edited_steps"]["auc"]
        for kind, m in [("all", overall), *d["kinds"].items()]:
            cells = []
            for _, key, limit_key in COLUMNS:
                limit = thresholds.get(limit_key) if limit_key else None
                if kind == "all" and key == "bow_pairwise_accuracy":
                    limit = thresholds.get("bow_pairwise_accuracy")
                cells.append(_cell(m.get(key), limit))
            judge = m.get("judge", {})
            for k in judge_keys:
                field, at_least = JUDGE_LIMITS.get(k, ("", False))
                limit = thresholds.get(field) if not (at_least and kind == "all") else None
                cells.append(_cell(judge.get(k), limit, at_least))
            phrases = list(m.get("template_phrases") or ())
            cells.append(str(phrases[0]) if phrases else "")
            lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, default in (("gsm8k", 1500), ("mbpp", 0), ("math", 0)):
        parser.add_argument(f"--{name}", type=int, default=default, help="first N rows (0: none)")
    parser.add_argument("--keep", type=Path, help="keep the build in this folder")
    parser.add_argument("--json", action="store_true", help="print the whole audit as JSON")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from groupbuild.config import AuditThresholds
    from groupbuild.report.audit import audit

    limits = {name: getattr(args, name) for name in SETS}
    workdir = Path(tempfile.mkdtemp(prefix="groupbuild-audit-"))
    try:
        summary, wall = build_sets(limits, workdir)
        thresholds = AuditThresholds()
        found = audit(workdir / "dist", max_groups=None, thresholds=thresholds)
        if args.keep:
            shutil.copytree(workdir, args.keep, dirs_exist_ok=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps(found, indent=1, default=str))
        return
    seeds, groups = summary["seeds_in"], summary["groups_published"]
    print(f"{' '.join(sys.argv)}\nseeds {seeds}  groups {groups}  "
          f"yield {groups / max(1, seeds):.1%}  build {wall:.0f}s")  # fmt: skip
    print(table(found, thresholds.model_dump()))
    breaches = [c for c in found["checks"] if c["ok"] is False]
    print(f"\n{len(breaches)} of {len(found['checks'])} checks breached")


if __name__ == "__main__":
    main()
