"""The run summary: every seed and every candidate accounted for, with named reasons."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

from groupbuild.publish.records import ExportGroup
from groupbuild.schema import DIMENSIONS, Draft, Reject


class SummaryBuilder:
    """Collects the published groups and seed rejects of one publish into `summary.json`.

    `seen` holds every id the seeds stage produced (kept seeds and seed rejects); `repeated`
    counts, per journal, lines that repeat an earlier line's id.
    """

    def __init__(
        self,
        seen: set[str],
        split_seed: int,
        dev_ratio: float,
        *,
        repeated: Mapping[str, int] | None = None,
    ) -> None:
        self.seen = seen
        self.repeated = dict(repeated or {})
        self.published_ids: Counter[str] = Counter()
        self.rejected_ids: Counter[str] = Counter()
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
        self.rejected_ids[reject.id] += 1
        self.seed_drops[reject.reason] += 1
        self.seed_drops_by_stage[reject.stage][reject.reason] += 1

    def add_group(self, draft: Draft, group: ExportGroup, split: str) -> None:
        domain = group.metadata.domain
        self.published_ids[draft.seed.problem_id] += 1
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

    def build(self, deferred: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, Any]:
        """`deferred`: the store's last deferral per problem; only those still pending count."""
        counts = account(self.seen, self.published_ids, self.rejected_ids, self.repeated)
        ended = self.published_ids.keys() | self.rejected_ids.keys()
        pending = Counter(
            f"{d['stage']}:{d['reason']}"
            for pid, d in sorted((deferred or {}).items())
            if pid in self.seen and pid not in ended
        )
        untried = counts["seeds_pending"] - sum(pending.values())
        if untried > 0:
            pending["not_yet_run"] = untried
        examples = {
            f"{d['stage']}:{d['reason']}": d["detail"]
            for pid, d in sorted((deferred or {}).items(), reverse=True)
            if pid in self.seen and pid not in ended
        }
        return {
            **counts,
            "pending_reasons": dict(pending.most_common()),
            "pending_errors": dict(sorted(examples.items())),
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


def account(
    seen: set[str],
    published: Counter[str],
    rejected: Counter[str],
    repeated: Mapping[str, int],
) -> dict[str, Any]:
    """Seeds in, published, rejected and pending, each counted from its own set of ids.

    Pending is what was seen and has not ended, never a difference of totals, so a lost or
    doubled record shows up as a named problem instead of being netted out; `accounted` is
    true only when there is none.
    """
    ended = published + rejected
    counts = {
        "seeds_in": len(seen),
        "groups_published": len(published),
        "seeds_rejected": len(rejected),
        "seeds_pending": len(seen - ended.keys()),
    }
    problems = _accounting_problems(counts, seen, ended, repeated)
    return {**counts, "accounted": not problems, "accounting_problems": problems}


def _accounting_problems(
    counts: dict[str, int], seen: set[str], ended: Counter[str], repeated: Mapping[str, int]
) -> list[str]:
    problems = []
    total = counts["groups_published"] + counts["seeds_rejected"] + counts["seeds_pending"]
    if counts["seeds_in"] != total:
        problems.append(
            f"seeds_in {counts['seeds_in']} != published {counts['groups_published']} + "
            f"rejected {counts['seeds_rejected']} + pending {counts['seeds_pending']}"
        )
    twice = sorted(i for i, n in ended.items() if n > 1)
    if twice:
        problems.append(f"{len(twice)} id(s) ended twice ({_some(twice)})")
    unknown = sorted(ended.keys() - seen)
    if unknown:
        problems.append(f"{len(unknown)} id(s) ended that no seed has ({_some(unknown)})")
    for journal, lines in sorted(repeated.items()):
        if lines:
            problems.append(f"{lines} line(s) of {journal} repeat an earlier id")
    return problems


def _some(ids: list[str], shown: int = 3) -> str:
    more = f", +{len(ids) - shown} more" if len(ids) > shown else ""
    return ", ".join(ids[:shown]) + more


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
