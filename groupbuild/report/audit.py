"""The artifact audit of a published dataset (taxonomy.md, "What published perturbation data
gets wrong", and gate G4): can a reward model tell flawed traces from references by a shortcut?

Measured per domain and per kind: cue words in edited steps against the reference, the
"longer trace is the flawed one" accuracy, a text-only n-gram probe's held-out AUC (whole traces,
and edited steps against their reference steps), answer-change rates against each kind's
signature, rubric margins, first-error positions, executor uplift, and whether the published
diff and declared span match what is measured from the texts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from groupbuild.config import AuditThresholds
from groupbuild.report.classifier import MAX_TRAIN, HashedNgrams, auc, holdout_scores
from groupbuild.report.judge_measures import judge_measures, rate
from groupbuild.report.scan import DomainScan, NegativeFacts, Sample, Scan, scan
from groupbuild.report.shortcuts import (
    length_shortcut,
    number_shape_rate,
    position_auc,
    template_phrases,
)


def targets(t: AuditThresholds) -> dict[str, str]:
    return {
        "bow_pairwise_accuracy": (
            f"≤ {t.bow_pairwise_accuracy} overall, ≤ {t.bow_pairwise_accuracy_per_kind} per kind"
        ),
        "template_phrase_rate": f"≤ {t.template_phrase_rate}",
        "number_shape_rate": f"≤ {t.number_shape_rate}",
        "length_shortcut": f"≤ {t.length_shortcut} (PRMBench: 0.716)",
        "position_auc": f"≤ {t.position_auc} (the first flawed step's position)",
        "trace_auc": f"≤ {t.text_auc} (PRMBench steps: 0.85)",
        "step_auc": f"≤ {t.text_auc}",
        "added_cue_rate": "0 (PRMBench error steps: 6–47%)",
        "answer_change_rate": "1.0 for A kinds, 0.0 for S and Q kinds (PRMBench A kinds: 28–63%)",
        "span_coverage": "1.0 (PRMBench: 28–67%)",
        "judge_target_rate": (
            f"≥ {t.judge_target_rate}: the dimension the kind hurts drops most (ties miss)"
        ),
        "judge_band_share": f"≤ {t.judge_band_share} of negatives in one 0.01 band of the total",
        "judge_quality_tie_rate": f"≤ {t.judge_quality_tie_rate} for quality-only (Q) kinds",
        "judge_strong_unmeasured": (
            f"≤ {t.judge_strong_unmeasured} negatives labelled strong with no flaw located"
        ),
    }


PROBE = "hashed word uni+bigrams (2^18, CRC32), L2-penalized logistic regression, numpy"


SAMPLE_GROUPS = 2000
"""Groups per domain the audit reads at most (a fixed hash sample): bounded memory at scale."""


def audit(
    dataset_dir: Path,
    *,
    max_groups: int | None = SAMPLE_GROUPS,
    thresholds: AuditThresholds | None = None,
) -> dict[str, Any]:
    """The audit of the dataset published in `dataset_dir`, as a JSON-able dict."""
    found = scan(dataset_dir, shown_per_domain=0, max_groups=max_groups)
    return audit_scan(found, thresholds)


def audit_scan(result: Scan, thresholds: AuditThresholds | None = None) -> dict[str, Any]:
    limits = thresholds or AuditThresholds()
    domains = {
        name: _domain(name, ds, result.featurizer) for name, ds in sorted(result.domains.items())
    }
    return {
        "targets": targets(limits),
        "probe": {"model": PROBE, "trained_on": "train split", "evaluated_on": "dev split"},
        "domains": domains,
        "checks": [c for name, d in domains.items() for c in _checks(name, d, limits)],
    }


def _domain(name: str, ds: DomainScan, featurizer: HashedNgrams) -> dict[str, Any]:
    trace_scores = _probe(ds.traces, featurizer)
    step_scores = _probe(ds.steps, featurizer)
    by_kind: dict[str, list[NegativeFacts]] = defaultdict(list)
    for facts in ds.negatives:
        by_kind[facts.kind].append(facts)
    kinds = {
        kind: {
            **_negatives(items),
            **_wording(ds, items),
            "bow_pairwise_accuracy": _kind_paired(ds.traces, trace_scores, kind),
            "trace_auc": _kind_auc(ds.traces, trace_scores, kind),
            "step_auc": _kind_auc(ds.steps, step_scores, kind),
            "judge": judge_measures(name, items),
        }
        for kind, items in sorted(by_kind.items())
    }
    return {
        "groups": ds.groups,
        "splits": dict(sorted(ds.splits.items())),
        "reference": {
            "steps": ds.reference_steps,
            "cue_step_rate": rate(ds.reference_cue_steps, ds.reference_steps),
            "chars": _stats(ds.reference_chars),
            "rubric_labels": dict(ds.reference_labels.most_common()),
            "uplift": _stats(ds.reference_uplifts),
        },
        "negatives": {
            **_negatives(ds.negatives),
            **_wording(ds, ds.negatives),
            "judge": judge_measures(name, ds.negatives),
        },
        "probe": {
            "traces": _probe_summary(ds.traces, trace_scores, paired=True),
            "edited_steps": _probe_summary(ds.steps, step_scores, paired=False),
        },
        "kinds": kinds,
    }


def _negatives(items: list[NegativeFacts]) -> dict[str, Any]:
    """Everything measured over a set of negatives (a whole domain or one kind)."""
    signatures = Counter(f.signature for f in items)
    edited = sum(f.edited_steps for f in items)
    answers = [f.answer_changed for f in items if f.answer_changed is not None]
    first = [f.first_error for f in items if f.first_error is not None]
    agree = [f.judge_agrees for f in items if f.judge_agrees is not None]
    uplifts = [f.uplift for f in items if f.uplift is not None]
    labels = Counter(f.rubric_label for f in items)
    return {
        "n": len(items),
        "signature": signatures.most_common(1)[0][0] if len(signatures) == 1 else None,
        "length_shortcut_accuracy": _length_shortcut(items),
        "length_ratio": _stats([f.chars / max(1, f.ref_chars) for f in items]),
        "cue": {
            "edited_steps": edited,
            "cue_step_rate": rate(sum(f.cue_steps for f in items), edited),
            "matched_reference_cue_rate": rate(sum(f.cue_matched for f in items), edited),
            "added_cue_rate": rate(sum(1 for f in items if f.added_cues), len(items)),
            "added_words": dict(Counter(w for f in items for w in f.added_cues).most_common(8)),
        },
        "answer_change_rate": rate(sum(answers), len(answers)),
        "margin": {
            **_stats([f.margin for f in items]),
            "nonpositive_rate": rate(sum(1 for f in items if f.margin <= 0), len(items)),
        },
        "first_error_position": _stats(first),
        "first_error_thirds": _thirds(first),
        "judge_first_error_agreement": rate(sum(agree), len(agree)),
        "uplift": _stats(uplifts),
        "executor_insensitive": sum(f.executor_insensitive for f in items),
        "rubric_labels": dict(labels.most_common()),
        "diff_as_published_rate": rate(sum(f.diff_as_published for f in items), len(items)),
        "span_coverage": rate(sum(f.span_covers for f in items), len(items)),
    }


def _wording(ds: DomainScan, items: list[NegativeFacts]) -> dict[str, Any]:
    """The shortcut-hunter's measures of one set of negatives."""
    templates = template_phrases(items, ds.reference_phrases, ds.reference_steps, ds.phrase_text)
    return {
        "template_phrase_rate": templates["rate"],
        "template_phrases": templates["phrases"],
        "number_shape_rate": number_shape_rate(items),
        "length_shortcut": length_shortcut(_length_shortcut(items)),
        "position_auc": position_auc(items),
        "edited_position_auc": position_auc(items, fallout=True),
    }


def _kind_paired(samples: list[Sample], scores: np.ndarray | None, kind: str) -> float | None:
    """The trace probe's pairwise accuracy on this kind's dev pairs."""
    if scores is None:
        return None
    held = _held(samples)
    keep = [i for i, s in enumerate(held) if s.label == 0 or s.kind == kind]
    return _paired_accuracy([held[i] for i in keep], scores[keep])


def _length_shortcut(items: Iterable[NegativeFacts]) -> float | None:
    """How often "the longer trace of a (reference, negative) pair is flawed" is right."""
    votes = [
        1.0 if f.chars > f.ref_chars else 0.5 if f.chars == f.ref_chars else 0.0 for f in items
    ]
    return round(sum(votes) / len(votes), 4) if votes else None


def _probe(samples: list[Sample], featurizer: HashedNgrams) -> np.ndarray | None:
    if not samples:
        return None
    labels = np.fromiter((s.label for s in samples), np.int64, len(samples))
    held = np.fromiter((s.held_out for s in samples), bool, len(samples))
    return holdout_scores(featurizer, [s.steps for s in samples], labels, held)


def _held(samples: list[Sample]) -> list[Sample]:
    return [s for s in samples if s.held_out]


def _probe_summary(
    samples: list[Sample], scores: np.ndarray | None, *, paired: bool
) -> dict[str, Any]:
    held = _held(samples)
    labels = np.fromiter((s.label for s in held), np.int64, len(held))
    value = None if scores is None else auc(scores, labels)
    train = {"flawed": _count(samples, 1, False), "reference": _count(samples, 0, False)}
    pairwise = _paired_accuracy(held, scores) if paired and scores is not None else None
    return {
        "auc": None if value is None else round(value, 4),
        "paired_accuracy": pairwise,
        "train": train,
        "fit_rows": min(MAX_TRAIN, sum(train.values())),
        "held_out": {"flawed": int(labels.sum()), "reference": int(len(labels) - labels.sum())},
    }


def _paired_accuracy(held: list[Sample], scores: np.ndarray) -> float | None:
    """How often the probe scores a negative above its own group's reference (ties: half)."""
    pairs = list(zip(held, scores.tolist(), strict=True))
    reference = {s.group: score for s, score in pairs if not s.label}
    votes = [
        1.0 if score > reference[s.group] else 0.5 if score == reference[s.group] else 0.0
        for s, score in pairs
        if s.label and s.group in reference
    ]
    return round(sum(votes) / len(votes), 4) if votes else None


def _kind_auc(samples: list[Sample], scores: np.ndarray | None, kind: str) -> float | None:
    """Held-out AUC of this kind's flawed samples against all held-out references."""
    if scores is None:
        return None
    held = _held(samples)
    keep = np.fromiter((s.label == 0 or s.kind == kind for s in held), bool, len(held))
    labels = np.fromiter((s.label for s in held), np.int64, len(held))[keep]
    value = auc(scores[keep], labels)
    return None if value is None else round(value, 4)


def _count(samples: list[Sample], label: int, held_out: bool) -> int:
    return sum(1 for s in samples if s.label == label and s.held_out == held_out)


def _stats(values: list[float] | list[int]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0, "mean": None, "min": None, "p10": None, "median": None, "max": None}
    ordered = np.sort(np.asarray(values, dtype=float))
    n = len(ordered)
    return {
        "n": n,
        "mean": round(float(ordered.mean()), 4),
        "min": round(float(ordered[0]), 4),
        "p10": round(float(ordered[n // 10]), 4),
        "median": round(float(ordered[n // 2]), 4),
        "max": round(float(ordered[-1]), 4),
    }


def _thirds(positions: list[float]) -> dict[str, int]:
    early = sum(1 for p in positions if p < 1 / 3)
    late = sum(1 for p in positions if p >= 2 / 3)
    return {"early": early, "middle": len(positions) - early - late, "late": late}


def _checks(domain: str, d: dict[str, Any], t: AuditThresholds) -> list[dict[str, Any]]:
    """Pass/fail of each target, for the domain as a whole and for every kind."""
    out = []

    def check(scope: str, name: str, value: float | None, limit: float) -> None:
        out.append(
            {
                "domain": domain,
                "scope": scope,
                "check": name,
                "value": value,
                "ok": None if value is None else value <= limit,
            }
        )

    check(
        "all",
        "bow_pairwise_accuracy",
        d["probe"]["traces"]["paired_accuracy"],
        t.bow_pairwise_accuracy,
    )
    for name, key in (("trace_auc", "traces"), ("step_auc", "edited_steps")):
        check("all", name, d["probe"][key]["auc"], t.text_auc)
    for scope, m in [("all", d["negatives"]), *d["kinds"].items()]:
        if scope != "all":
            check(
                scope,
                "bow_pairwise_accuracy",
                m["bow_pairwise_accuracy"],
                t.bow_pairwise_accuracy_per_kind,
            )
            check(scope, "step_auc", m["step_auc"], t.text_auc)
        check(scope, "template_phrase_rate", m["template_phrase_rate"], t.template_phrase_rate)
        check(scope, "number_shape_rate", m["number_shape_rate"], t.number_shape_rate)
        check(scope, "length_shortcut", m["length_shortcut"], t.length_shortcut)
        check(scope, "position_auc", m["position_auc"], t.position_auc)
        added = m["cue"]["added_cue_rate"]
        out.append(_exact(domain, scope, "added_cue_rate", added, 0.0))
        out.append(_exact(domain, scope, "span_coverage", m["span_coverage"], 1.0))
        _judge_checks(scope, m["judge"], m["signature"], t, check, out, domain)
        rate, sig = m["answer_change_rate"], m["signature"]
        if rate is not None and sig is not None:
            out.append(
                _exact(domain, scope, "answer_change_rate", rate, 1.0 if sig == "A" else 0.0)
            )
    return out


def _judge_checks(
    scope: str,
    j: dict[str, Any],
    signature: str | None,
    t: AuditThresholds,
    check: Any,
    out: list[dict[str, Any]],
    domain: str,
) -> None:
    """The judge reads the process: per kind its target dimension drops most; everywhere its
    totals spread; quality-only kinds never tie their reference; no unmeasured strong label."""
    if scope != "all":
        value = j["target_rate"]
        ok = None if value is None else value >= t.judge_target_rate
        out.append(
            {
                "domain": domain,
                "scope": scope,
                "check": "judge_target_rate",
                "value": value,
                "ok": ok,
            }
        )
    check(scope, "judge_band_share", j["band_share"], t.judge_band_share)
    if signature == "Q":
        check(scope, "judge_quality_tie_rate", j["tie_rate"], t.judge_quality_tie_rate)
    check(scope, "judge_strong_unmeasured", j["strong_unmeasured"], t.judge_strong_unmeasured)


def _exact(domain: str, scope: str, name: str, value: float | None, want: float) -> dict[str, Any]:
    ok = None if value is None else value == want
    return {"domain": domain, "scope": scope, "check": name, "value": value, "ok": ok}
