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
    configs: list[dict[str, Any]] = []
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


def dataset_info(files: dict[str, dict[str, Any]], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    """Exact features and split sizes per config (the Hub shows them; `datasets` checks them)."""
    import datasets

    infos: list[dict[str, Any]] = []
    for name in CONFIG_NAMES:
        splits = {s: i for s, i in files.get(name, {}).items() if i["rows"]}
        if not splits:
            continue
        split_dict = datasets.SplitDict()
        for split, info in sorted(splits.items()):
            split_dict.add(datasets.SplitInfo(name=split, num_examples=info["rows"]))
        features = datasets.Features.from_arrow_schema(schemas[name])
        info = datasets.DatasetInfo(features=features, splits=split_dict, config_name=name)
        infos.append(_card_info(name, info))
    return infos


def _card_info(name: str, info: Any) -> dict[str, Any]:
    """`info` as `datasets` writes it into a card's `dataset_info`, with `features` first."""
    from datasets.info import DatasetInfosDict
    from huggingface_hub import DatasetCardData

    card_data = DatasetCardData()
    DatasetInfosDict({name: info}).to_dataset_card_data(card_data)
    entry: dict[str, Any] = card_data["dataset_info"]
    return {"features": entry.pop("features"), **entry}


def front_matter(
    config: Config, summary: dict[str, Any], schemas: dict[str, Any]
) -> dict[str, Any]:
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
        "dataset_info": dataset_info(summary["files"], schemas),
    }


def _table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_card(
    config: Config, summary: dict[str, Any], schemas: dict[str, Any], provenance: dict[str, Any]
) -> str:
    meta = yaml.safe_dump(
        front_matter(config, summary, schemas), sort_keys=False, allow_unicode=True
    )
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
        "**TraceLift.** Its reward-model trainer reads "
        "`tracelift/{math,code}/{train,dev}_groups.jsonl` unchanged (one group per line: "
        "`problem_id`, `problem`, `reference_solution`, `positive_pool`, `negative_bank`, "
        "`metadata`); point its math and code runs at the matching files. "
        "Code test oracles for its GRPO scripts are in "
        "`tracelift/code/code_test_oracles.jsonl`.\n\n"
        "**TRL.** `pairs` is in TRL's conversational preference format "
        "(`prompt`/`chosen`/`rejected`, plus `margin` = reference total − negative total), "
        "ready for `trl.RewardTrainer(train_dataset=pairs['train'], ...)`.",
        "## Rows per config and split",
        _table(("config", "split", "rows", "shards"), counts),
        "## Accounting",
        f"{summary['seeds_in']} seeds in; {summary['groups_published']} groups published; "
        f"{summary['seeds_rejected']} seeds rejected with a named reason; "
        f"{summary['seeds_pending']} pending{_pending(summary)}. Every seed is accounted for: "
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
        "## Decontamination",
        _decontamination(config, summary),
        "## Trace lengths (characters)",
        _table(
            ("domain/role", "n", "mean", "p10", "median", "p90"),
            [
                (k, v["n"], v["mean"], v["p10"], v["median"], v["p90"])
                for k, v in summary["length_chars"].items()
            ],
        ),
        "## Artifact audit",
        _audit(summary.get("audit")),
        "## Answer-change rate per kind (math)",
        "Share of negatives whose recomputed final answer differs from the reference's, by "
        "outcome signature (A: must change; S and Q: must not).\n\n"
        + _table(("signature/kind", "rate"), list(summary["math_answer_change_rate"].items())),
        "## Provenance",
        _provenance(provenance),
    ]
    return "\n\n".join(sections) + "\n"


def _pending(summary: dict[str, Any]) -> str:
    """Why seeds are pending (an endpoint that kept failing, say): a rerun retries them."""
    reasons = summary.get("pending_reasons") or {}
    if not reasons:
        return ""
    listed = ", ".join(f"{reason} {n}" for reason, n in reasons.items())
    return f" ({listed}; a rerun retries them)"


def _audit(found: dict[str, Any] | None) -> str:
    """Shortcut checks a reward model could exploit, against the targets from published data."""
    if not found:
        return "Not measured for this build."
    overall = [
        (c["domain"], c["check"], c["value"], "yes" if c["ok"] else "no")
        for c in found["checks"]
        if c["scope"] == "all"
    ]
    failing = [
        (c["domain"], c["scope"], c["check"], c["value"])
        for c in found["checks"]
        if c["scope"] != "all" and not c["ok"]
    ]
    targets = "\n".join(f"- `{name}`: {text}" for name, text in found["targets"].items())
    parts = [
        "Measured on the published data (the text-only classifier trains on train and is "
        "scored on dev, by problem). Targets, with what PRMBench's released data shows:\n\n"
        + targets,
        _table(("domain", "check", "value", "meets target"), overall),
    ]
    if failing:
        parts.append(
            "Kinds that miss a target (a known shortcut to watch when training on them):\n\n"
            + _table(("domain", "kind", "check", "value"), failing)
        )
    return "\n\n".join(parts)


def _decontamination(config: Config, summary: dict[str, Any]) -> str:
    decon = config.seeds.decontaminate
    dropped = summary["drop_reasons"].get("contaminated", 0)
    if not decon.files:
        return "No evaluation sets were given, so no seed was checked for overlap."
    files = ", ".join(f"`{Path(f).name}`" for f in decon.files)
    return (
        f"Seeds were checked against {files} by word {decon.ngram}-gram overlap (threshold "
        f"{decon.threshold}); {dropped} seeds were dropped as contaminated."
    )


def _provenance(prov: dict[str, Any]) -> str:
    roles = [(name, r["backend"], r.get("model") or "-") for name, r in prov["roles"].items()]
    templates = list(prov["templates"].items())
    return "\n\n".join(
        [
            f"groupbuild {prov['package_version']}, commit `{prov['git_commit'] or 'unknown'}`.",
            _table(("role", "backend", "model"), roles),
            _table(("prompt or rubric", "sha256[:16]"), templates) if templates else "",
            "Resolved config:\n\n```yaml\n"
            + yaml.safe_dump(prov["config"], sort_keys=False)
            + "```",
        ]
    )


def write_card(
    out: Path,
    config: Config,
    summary: dict[str, Any],
    schemas: dict[str, Any],
    provenance: dict[str, Any],
) -> None:
    text = render_card(config, summary, schemas, provenance)
    (out / "README.md").write_text(text, encoding="utf-8")
