"""The offline pipeline over real public seed sets (GSM8K, MBPP): who survives, and why not."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from pipeline_helpers import REPO, config_for, read_jsonl

from groupbuild.runner import run

GSM8K_SEEDS = 600
MBPP_SEEDS = 200


def _run(tmp: Path, shared: Path) -> dict:
    sources = [
        {"format": "gsm8k", "path": str(shared / "gsm8k" / "train.jsonl"), "limit": GSM8K_SEEDS},
        {"format": "mbpp", "path": str(shared / "mbpp" / "mbpp.jsonl"), "limit": MBPP_SEEDS},
    ]
    config = config_for(tmp, f"seeds.sources={json.dumps(sources)}", "seeds.skip_invalid=true")
    return run(config, base_dir=REPO)


def test_real_seed_sets_are_fully_accounted_with_named_reasons(
    shared_data: Path, tmp_path: Path
) -> None:
    summary = _run(tmp_path, shared_data)
    assert summary["seeds_in"] == GSM8K_SEEDS + MBPP_SEEDS
    assert summary["accounted"] and summary["seeds_pending"] == 0
    assert summary["seeds_in"] == summary["groups_published"] + summary["seeds_rejected"]

    rejects = [r for r in read_jsonl(tmp_path / "dist" / "rejects.jsonl") if r["level"] == "seed"]
    assert len(rejects) == summary["seeds_rejected"]
    assert all(r["reason"] and not r["reason"].startswith("internal_error") for r in rejects)
    by_source = Counter(r["id"].split(":")[0] for r in rejects)
    math = summary["groups"].get("math", {}).get("total", 0)
    assert math >= 0.8 * GSM8K_SEEDS, summary["drop_reasons"]
    assert math + by_source["gsm8k"] == GSM8K_SEEDS
    code = summary["groups"].get("code", {}).get("total", 0)
    assert code + by_source["mbpp"] == MBPP_SEEDS
    assert code >= 1, summary["drop_reasons"]
    mbpp_reasons = {r["reason"] for r in rejects if r["id"].startswith("mbpp:")}
    assert "no_reference_plan" in mbpp_reasons
