"""The run summary: every seed and every candidate accounted for, with named reasons."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from groupbuild.publish.records import ExportGroup
from groupbuild.schema import DIMENSIONS, Draft, Reject


class SummaryBuilder:
    def __init__(self, seeds_in: int, split_seed: int, dev_ratio: float) -> None:
        self.seeds_in = seeds_in
        self.split_seed, self.dev_ratio = split_seed, dev_ratio
        self.groups: Counter[str] = Counter()
        self.groups_by_split: dict[str, Counter[str]] = defaultdict(Counter)
        self.kinds: dict[str, Counter[str]] = defaultdict(Counter)
        self.negatives_histogram: dict[str, Counter[int]] = defaultdict(Counter)
        self.seed_drops: Counter[str] = Counter()
        self.seed_drops_by_stage: dict[str, Counter[str]] = defaultdict(Counter)
        self.candidate_drops: Counter[str] = Counter()
        self.kind_attempts: dict[str, Counter[str]] = defaultdict(Counter)
        self.rubric_labels: dict[str, Counter[str]] = defaultdict(Counter)
        self.sources: Counter[str] = Counter()
        self.licenses: dict[str, str] = {}
        self.executor_insensitive: Counter[str] = Counter()
        self.lengths: dict[str, list[int]] = defaultdict(list)
        self.answer_changed: dict[str, Counter[bool]] = defaultdict(Counter)
        self.pairs = 0
        self.step_rows = 0

    def add_seed_reject(self, reject: Reject) -> None:
        self.seed_drops[reject.reason] += 1
        self.seed_drops_by_stage[reject.stage][reject.reason] += 1

    def add_group(self, draft: Draft, group: ExportGroup, split: str) -> None:
        domain = group.metadata.domain
        self.groups[domain] += 1
        self.groups_by_split[domain][split] += 1
        self.sources[group.source] += 1
        self.licenses[group.source] = group.metadata.license
        self.negatives_histogram[domain][len(group.negative_bank)] += 1
        reference_answer = group.positive_pool[0].answer
        for neg in group.negative_bank:
            self.kinds[domain][neg.negative_kind or ""] += 1
            self.rubric_labels[f"{domain}/negative"][neg.rubric_label] += 1
            self.lengths[f"{domain}/negative"].append(len(neg.reasoning))
            if domain == "math":
                changed = neg.answer != reference_answer
                self.answer_changed[f"{neg.signature}/{neg.negative_kind}"][changed] += 1
        for pos in group.positive_pool:
            self.rubric_labels[f"{domain}/reference"][pos.rubric_label] += 1
            self.lengths[f"{domain}/reference"].append(len(pos.reasoning))
        for drop in draft.dropped:
            kind = drop.id.rsplit("/", 1)[-1] if drop.stage == "perturb" else drop.detail
            self.kind_attempts[f"{domain}/{kind}"][drop.reason] += 1
            if drop.reason != "not_applicable":
                self.candidate_drops[f"{drop.stage}:{drop.reason}"] += 1
        for neg in group.negative_bank:
            self.kind_attempts[f"{domain}/{neg.negative_kind}"]["published"] += 1
            if neg.executor_insensitive:
                self.executor_insensitive[f"{domain}/{neg.negative_kind}"] += 1
        self.pairs += len(group.negative_bank)
        self.step_rows += len(group.negative_bank) + len(group.positive_pool)

    def build(self, pending: int) -> dict[str, Any]:
        published = sum(self.groups.values())
        rejected = sum(self.seed_drops.values())
        return {
            "seeds_in": self.seeds_in,
            "groups_published": published,
            "seeds_rejected": rejected,
            "seeds_pending": pending,
            "accounted": self.seeds_in == published + rejected + pending,
            "groups": {
                d: {"total": n, **dict(self.groups_by_split[d])} for d, n in self.groups.items()
            },
            "drop_reasons": dict(self.seed_drops.most_common()),
            "drop_reasons_by_stage": {s: dict(c) for s, c in self.seed_drops_by_stage.items()},
            "candidate_drop_reasons": dict(self.candidate_drops.most_common()),
            "negative_kind_counts": {d: dict(c.most_common()) for d, c in self.kinds.items()},
            "negative_count_histogram": {
                d: {str(k): v for k, v in sorted(c.items())}
                for d, c in self.negatives_histogram.items()
            },
            "executor_insensitive": dict(sorted(self.executor_insensitive.items())),
            "kind_outcomes": {k: dict(c) for k, c in sorted(self.kind_attempts.items())},
            "rubric_labels": {k: dict(c) for k, c in sorted(self.rubric_labels.items())},
            "dimension_names": {d.value: list(names) for d, names in DIMENSIONS.items()},
            "split": {"seed": self.split_seed, "dev_ratio": self.dev_ratio},
            "sources": dict(self.sources),
            "licenses": dict(sorted(self.licenses.items())),
            "rows": {"pairs": self.pairs, "steps": self.step_rows},
            "length_chars": {k: _stats(v) for k, v in sorted(self.lengths.items())},
            "math_answer_change_rate": {
                k: round(c[True] / (c[True] + c[False]), 4)
                for k, c in sorted(self.answer_changed.items())
            },
        }


def _stats(values: list[int]) -> dict[str, float]:
    ordered = sorted(values)
    n = len(ordered)
    return {
        "n": n,
        "mean": round(sum(ordered) / n, 1),
        "p10": ordered[n // 10],
        "median": ordered[n // 2],
        "p90": ordered[(9 * n) // 10],
    }
