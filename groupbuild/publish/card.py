"""The dataset card (README.md): Hub YAML front matter plus what a researcher checks first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from groupbuild.config import Config
from groupbuild.schema import DIMENSIONS, Domain

CONFIG_NAMES = ("math", "code", "pairs", "steps")
KNOWN_LICENSES = {"mit", "apache-2.0", "cc-by-4.0", "cc-by-sa-4.0", "cc0-1.0"}


def card_configs(files: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """YAML `configs`: one per published config, listing only splits that have rows."""
    configs = []
    for name in CONFIG_NAMES:
        splits = files.get(name, {})
        data_files = [
            {"split": split, "path": f"data/{name}/{split}-*"}
            for split in ("train", "dev")
            if splits.get(split, {}).get("rows")
        ]
        if data_files:
            configs.append({"config_name": name, "data_files": data_files})
    if configs:
        configs[0]["default"] = True
    return configs


def card_license(licenses: dict[str, str]) -> dict[str, Any]:
    """One licence when every source agrees, else `other` with the list in the card body."""
    distinct = sorted(set(licenses.values()))
    if len(distinct) == 1 and distinct[0] in KNOWN_LICENSES:
        return {"license": distinct[0]}
    return {"license": "other", "license_name": "mixed-sources", "license_link": "LICENSE.md"}


def size_category(n: int) -> str:
    for bound, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if n < bound:
            return name
    return "100K<n<1M"


def front_matter(config: Config, summary: dict[str, Any]) -> dict[str, Any]:
    return {
        "pretty_name": config.publish.pretty_name,
        **card_license(summary["licenses"]),
        "language": ["en"],
        "task_categories": ["text-classification", "text-generation"],
        "size_categories": [size_category(summary["groups_published"])],
        "tags": ["reward-modeling", "process-reward-model", "reasoning", "synthetic"],
        "annotations_creators": ["machine-generated"],
        "source_datasets": sorted(summary["sources"]),
        "configs": card_configs(summary["files"]),
    }


def _table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_card(config: Config, summary: dict[str, Any]) -> str:
    meta = yaml.safe_dump(front_matter(config, summary), sort_keys=False, allow_unicode=True)
    files = summary["files"]
    counts = [
        (name, split, info["rows"], len(info["files"]))
        for name in CONFIG_NAMES
        for split, info in sorted(files.get(name, {}).items())
    ]
    kinds = [
        (domain, kind, n)
        for domain, table in summary["negative_kind_counts"].items()
        for kind, n in table.items()
    ]
    drops = list(summary["drop_reasons"].items())
    cand_drops = list(summary["candidate_drop_reasons"].items())
    labels = [
        (key, ", ".join(f"{k}: {v}" for k, v in sorted(c.items())))
        for key, c in summary["rubric_labels"].items()
    ]
    licences = list(summary["licenses"].items())
    dims = "\n".join(f"- **{d.value}**: {', '.join(DIMENSIONS[d])}" for d in Domain)
    split = summary["split"]
    sections = [
        f"---\n{meta}---",
        f"# {config.publish.pretty_name}",
        "Same-problem groups for training reasoning reward models and planners: one verified "
        "reference trace and several typed, localized flawed traces per problem, every trace "
        "scored against a five-dimension rubric. Each flaw is one perturbation of the reference "
        "whose effect was measured, not declared: the step diff is recomputed, the answer is "
        "re-derived, and each kind's harm is proven by its own check.",
        "## Load it",
        "```python\nfrom datasets import load_dataset\n\n"
        'groups = load_dataset("<repo>", "math")      # or "code"\n'
        'pairs = load_dataset("<repo>", "pairs")  # TRL RewardTrainer\n'
        'steps = load_dataset("<repo>", "steps")  # step-level labels\n```\n'
        "The TraceLift reward-model trainer reads `tracelift/{math,code}/{train,dev}_groups.jsonl` "
        "unchanged; code test oracles are in `tracelift/code/code_test_oracles.jsonl`.",
        "## Rows per config and split",
        _table(("config", "split", "rows", "shards"), counts),
        "## Accounting",
        f"{summary['seeds_in']} seeds in; {summary['groups_published']} groups published; "
        f"{summary['seeds_rejected']} seeds rejected with a named reason; "
        f"{summary['seeds_pending']} pending. Every seed is accounted for: "
        f"{'yes' if summary['accounted'] else 'NO'}.",
        "### Seed drop reasons",
        _table(("reason", "seeds"), drops) if drops else "None.",
        "### Candidate drop reasons",
        _table(("stage:reason", "candidates"), cand_drops) if cand_drops else "None.",
        "## Negative kinds",
        _table(("domain", "kind", "negatives"), kinds) if kinds else "None.",
        "## Rubric labels",
        _table(("domain/role", "labels"), labels) if labels else "None.",
        "## Rubric dimensions",
        "Labels are `min(4, max(0, floor(score / 2)))` of the judge's 0–10 score per dimension; "
        "`total` is the judge's overall score / 10.\n\n" + dims,
        "## Split",
        f'By problem: groups sorted by `sha256(f"{{seed}}\\0{{problem_id}}")`, the first '
        f"`round(n * {split['dev_ratio']})` are dev (seed {split['seed']}).",
        "## Sources and licences",
        _table(("source", "licence"), licences) if licences else "None.",
    ]
    return "\n\n".join(sections) + "\n"


def write_card(out: Path, config: Config, summary: dict[str, Any]) -> None:
    (out / "README.md").write_text(render_card(config, summary), encoding="utf-8")
