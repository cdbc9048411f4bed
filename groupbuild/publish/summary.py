"""The run summary: every seed and every candidate accounted for, with named reasons."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from groupbuild.publish.records import ExportGroup
from groupbuild.schema import DIMENSIONS, Draft, Reject
from groupbuild.tempdb import temporary_db


class SummaryBuilder:
    """Collects the published groups and seed rejects of one publish into `summary.json`.

    `see` is given every id the seeds stage produced (kept seeds and seed rejects); `repeated`
    counts, per journal, lines that repeat an earlier line's id. Ids go to an `IdLedger` on
    disk and lengths into counts per value, so memory does not grow with the dataset.
    """

    def __init__(
        self,
        split_seed: int,
        dev_ratio: float,
        *,
        repeated: Mapping[str, int] | None = None,
    ) -> None:
        self.ledger = IdLedger()
        self.repeated = dict(repeated or {})
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
        self.lengths: dict[str, Counter[int]] = defaultdict(Counter)
        self.answer_changed: dict[str, Counter[bool]] = defaultdict(Counter)
        self.pairs = 0
        self.step_rows = 0

    def see(self, ids: Iterable[str]) -> None:
        self.ledger.see(ids)

    def add_seed_reject(self, reject: Reject) -> None:
        self.ledger.end(reject.id, published=False)
        self.seed_drops[reject.reason] += 1
        self.seed_drops_by_stage[reject.stage][reject.reason] += 1

    def add_group(self, draft: Draft, group: ExportGroup, split: str) -> None:
        domain = group.metadata.domain
        self.ledger.end(draft.seed.problem_id, published=True)
        self.groups[domain] += 1
        self.groups_by_split[domain][split] += 1
        self.sources[group.source] += 1
        self.licenses[group.source] = group.metadata.license
        self.negatives_histogram[domain][len(group.negative_bank)] += 1
        reference_answer = group.positive_pool[0].answer
        for neg in group.negative_bank:
            self.kinds[domain][neg.negative_kind or ""] += 1
            self.rubric_labels[f"{domain}/negative"][neg.rubric_label] += 1
            self.lengths[f"{domain}/negative"][len(neg.reasoning)] += 1
            if domain == "math":
                changed = neg.answer != reference_answer
                self.answer_changed[f"{neg.signature}/{neg.negative_kind}"][changed] += 1
        for pos in group.positive_pool:
            self.rubric_labels[f"{domain}/reference"][pos.rubric_label] += 1
            self.lengths[f"{domain}/reference"][len(pos.reasoning)] += 1
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
        counts = self.ledger.account(self.repeated)
        still = {
            pid: d for pid, d in sorted((deferred or {}).items()) if self.ledger.is_pending(pid)
        }
        pending = Counter(f"{d['stage']}:{d['reason']}" for d in still.values())
        untried = counts["seeds_pending"] - sum(pending.values())
        if untried > 0:
            pending["not_yet_run"] = untried
        examples = {
            f"{d['stage']}:{d['reason']}": d["detail"]
            for _, d in sorted(still.items(), reverse=True)
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


class IdLedger:
    """Every id the seeds stage produced and how often each ended, in a temporary SQLite file.

    Pending is what was seen and has not ended, never a difference of totals, so a lost or
    doubled record shows up as a named problem instead of being netted out.
    """

    def __init__(self) -> None:
        self._db = temporary_db(
            "CREATE TABLE ids(id TEXT PRIMARY KEY, seen INTEGER NOT NULL DEFAULT 0,"
            " published INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0)"
            " WITHOUT ROWID;",
            cache_kb=4096,
        )

    def see(self, ids: Iterable[str]) -> None:
        self._db.executemany(
            "INSERT INTO ids(id, seen) VALUES (?, 1) ON CONFLICT(id) DO UPDATE SET seen = 1",
            ((i,) for i in ids),
        )

    def end(self, problem_id: str, *, published: bool) -> None:
        column = "published" if published else "rejected"
        self._db.execute(
            f"INSERT INTO ids(id, {column}) VALUES (?, 1)"
            f" ON CONFLICT(id) DO UPDATE SET {column} = {column} + 1",
            (problem_id,),
        )

    def is_pending(self, problem_id: str) -> bool:
        row = self._db.execute(
            "SELECT seen AND published + rejected = 0 FROM ids WHERE id = ?", (problem_id,)
        ).fetchone()
        return bool(row and row[0])

    def account(self, repeated: Mapping[str, int]) -> dict[str, Any]:
        """Seeds in, published, rejected and pending, each counted from its own ids;
        `accounted` is true only when there is no problem."""
        seeds_in, published, rejected, pending = self._db.execute(
            "SELECT COALESCE(SUM(seen), 0), COALESCE(SUM(published > 0), 0),"
            " COALESCE(SUM(rejected > 0), 0),"
            " COALESCE(SUM(seen AND published + rejected = 0), 0) FROM ids"
        ).fetchone()
        counts = {
            "seeds_in": seeds_in,
            "groups_published": published,
            "seeds_rejected": rejected,
            "seeds_pending": pending,
        }
        problems = []
        if seeds_in != published + rejected + pending:
            problems.append(
                f"seeds_in {seeds_in} != published {published} + "
                f"rejected {rejected} + pending {pending}"
            )
        twice = self._ids("published + rejected > 1")
        if twice[0]:
            problems.append(f"{twice[0]} id(s) ended twice ({_some(twice)})")
        unknown = self._ids("NOT seen AND published + rejected > 0")
        if unknown[0]:
            problems.append(f"{unknown[0]} id(s) ended that no seed has ({_some(unknown)})")
        for journal, lines in sorted(repeated.items()):
            if lines:
                problems.append(f"{lines} line(s) of {journal} repeat an earlier id")
        return {**counts, "accounted": not problems, "accounting_problems": problems}

    def _ids(self, where: str, shown: int = 3) -> tuple[int, list[str]]:
        """How many ids match `where`, and the first few of them in order."""
        (n,) = self._db.execute(f"SELECT COUNT(*) FROM ids WHERE {where}").fetchone()
        rows = self._db.execute(f"SELECT id FROM ids WHERE {where} ORDER BY id LIMIT ?", (shown,))
        return n, [r[0] for r in rows]


def _some(found: tuple[int, list[str]]) -> str:
    n, ids = found
    more = f", +{n - len(ids)} more" if n > len(ids) else ""
    return ", ".join(ids) + more


def _stats(counts: Counter[int]) -> dict[str, float]:
    """Mean and exact deciles of values given as counts per value."""
    n = sum(counts.values())
    return {
        "n": n,
        "mean": round(sum(v * c for v, c in counts.items()) / n, 1),
        "p10": _nth(counts, n // 10),
        "median": _nth(counts, n // 2),
        "p90": _nth(counts, (9 * n) // 10),
    }


def _nth(counts: Counter[int], index: int) -> int:
    """The value at `index` of the values in ascending order."""
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if index < seen:
            return value
    raise IndexError(index)
