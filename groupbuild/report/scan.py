"""One streaming pass over a published dataset, keeping the compact facts audit and report need.

Each negative becomes a `NegativeFacts` (numbers and flags, no text); each trace and each edited
step becomes a hashed-feature sample for the artifact probe; a few whole groups per domain are
kept for display, picked by a seeded hash of their problem id so the pick is stable and
independent of file order.
"""

from __future__ import annotations

import dataclasses
import heapq
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from groupbuild.execute.math_answer import equivalent
from groupbuild.hashing import split_rank
from groupbuild.report.alignment import Row, align, edited_pairs, measured_diff
from groupbuild.report.classifier import HashedNgrams
from groupbuild.report.dataset import group_files, iter_groups
from groupbuild.stages.validate import numeric_only_change
from groupbuild.text.cues import cue_words
from groupbuild.text.math import number_shapes

SAMPLE_SEED = 7


@dataclass(frozen=True, slots=True)
class NegativeFacts:
    problem_id: str
    split: str
    kind: str
    signature: str | None
    ref_chars: int
    chars: int
    margin: float
    """Reference rubric total minus this negative's."""
    rubric_label: str
    answer_changed: bool | None
    first_error: float | None
    """Relative position of the first flawed step: (index + 0.5) / steps; 0.5 is mid-trace."""
    judge_agrees: bool | None
    uplift: float | None
    executor_insensitive: bool
    edited_steps: int
    cue_steps: int
    """Edited candidate steps holding any cue word."""
    cue_matched: int
    """Their matching reference steps holding any cue word."""
    added_cues: tuple[str, ...]
    """Cue words in edited steps that their matching reference step lacks."""
    diff_as_published: bool
    span_covers: bool
    """Every measured change is in the declared span or is numeric-only fallout."""
    phrases: frozenset[int] = frozenset()
    """Hashed word 2-4-grams of the edited steps that their reference steps lack."""
    edited_at: tuple[int, ...] = ()
    """Candidate indices of the edited steps, propagated fallout included."""
    flawed_at: int | None = None
    """Candidate index of the first flawed step (None for quality-only kinds)."""
    judge: str = ""
    sample_agreement: float | None = None
    """A sampled model judge: mean share of its samples within one label of the majority."""
    rule_margin: float | None = None
    """The rule judge's reference total minus this negative's, when a model judged."""
    rule_label_agreement: float | None = None
    """Share of dimensions whose model label is within one of the rule judge's."""
    steps: int = 0
    new_number_shape: bool = False
    """An edited step writes a number of a shape (sign, decimals, fraction) the reference lacks."""
    total: float = 0.0
    """The judge's total for this negative (0..1)."""
    drops: tuple[tuple[str, float], ...] = ()
    """Per dimension, the reference's raw 0–10 judge score minus this negative's."""
    judge_found_flaw: bool = False
    """The judge located a flawed step in this negative."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One probe sample: its step ids in the featurizer, label (1 = flawed), split, kind."""

    steps: tuple[int, ...]
    label: int
    held_out: bool
    kind: str | None
    group: int
    """Index of its group in the domain, to compare a negative with its own reference."""


@dataclass
class DomainScan:
    groups: int = 0
    splits: Counter[str] = field(default_factory=Counter)
    negatives: list[NegativeFacts] = field(default_factory=list)
    reference_steps: int = 0
    reference_cue_steps: int = 0
    reference_chars: list[int] = field(default_factory=list)
    reference_labels: Counter[str] = field(default_factory=Counter)
    reference_uplifts: list[float] = field(default_factory=list)
    traces: list[Sample] = field(default_factory=list)
    steps: list[Sample] = field(default_factory=list)
    reference_phrases: Counter[int] = field(default_factory=Counter)
    """Per hashed 2-4-gram, how many reference steps hold it."""
    phrase_text: dict[int, str] = field(default_factory=dict)
    shown: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    """Heap of (−rank, problem id, group): the groups with the smallest sample rank."""


@dataclass
class Scan:
    domains: dict[str, DomainScan]
    featurizer: HashedNgrams

    def sample_groups(self, domain: str) -> list[dict[str, Any]]:
        shown = self.domains[domain].shown
        return [group for _, _, group in sorted(shown, key=lambda item: (-item[0], item[1]))]


class _Cues:
    def __init__(self) -> None:
        self._cache: dict[str, frozenset[str]] = {}

    def __call__(self, text: str) -> frozenset[str]:
        found = self._cache.get(text)
        if found is None:
            found = self._cache[text] = frozenset(cue_words(text))
        return found


def scan(
    dataset_dir: Path,
    *,
    shown_per_domain: int = 3,
    bits: int = 18,
    max_groups: int | None = None,
) -> Scan:
    """One pass over the export; with `max_groups`, a fixed hash-chosen sample per domain, so
    memory stays bounded whatever the dataset's size."""
    result = Scan(domains={}, featurizer=HashedNgrams(bits))
    cues = _Cues()
    keep = _sample_share(dataset_dir, max_groups)

    def wanted(domain: str, problem_id: str) -> bool:
        share = keep.get(domain, 1.0)
        return share >= 1.0 or split_rank(SAMPLE_SEED + 1, problem_id) % 10**6 < share * 10**6

    for domain, split, group in iter_groups(dataset_dir, wanted if keep else None):
        ds = result.domains.setdefault(domain, DomainScan())
        _add_group(ds, domain, split, group, result.featurizer, cues)
        rank = split_rank(SAMPLE_SEED, group["problem_id"])
        item = (-rank, group["problem_id"], group)
        if len(ds.shown) < shown_per_domain:
            heapq.heappush(ds.shown, item)
        elif shown_per_domain and item > ds.shown[0]:
            heapq.heapreplace(ds.shown, item)
    return result


def _sample_share(dataset_dir: Path, max_groups: int | None) -> dict[str, float]:
    """Per domain, the share of groups to keep so about `max_groups` remain."""
    if max_groups is None:
        return {}
    counts: dict[str, int] = {}
    for domain, _split, path in group_files(dataset_dir):
        with path.open("rb") as handle:
            counts[domain] = counts.get(domain, 0) + sum(1 for line in handle if line.strip())
    return {d: min(1.0, max_groups / n) for d, n in counts.items() if n}


def _add_group(
    ds: DomainScan,
    domain: str,
    split: str,
    group: dict[str, Any],
    featurizer: HashedNgrams,
    cues: _Cues,
) -> None:
    ref = group["positive_pool"][0]
    ref_steps: list[str] = ref["steps"]
    held_out = split != "train"
    gid = ds.groups
    ds.groups += 1
    ds.splits[split] += 1
    ds.reference_steps += len(ref_steps)
    ds.reference_cue_steps += sum(1 for s in ref_steps if cues(s))
    for step in ref_steps:
        ds.reference_phrases.update(phrases(step))
    ds.reference_chars.append(len(ref["reasoning"]))
    ds.reference_labels[ref["rubric_label"]] += 1
    if ref.get("uplift") is not None:
        ds.reference_uplifts.append(float(ref["uplift"]))
    ds.traces.append(Sample(tuple(map(featurizer.step, ref_steps)), 0, held_out, None, gid))
    shown_ref_steps: set[int] = set()
    for neg in group["negative_bank"]:
        steps: list[str] = neg["steps"]
        kind = neg.get("negative_kind") or ""
        rows = align(ref_steps, steps)
        pairs = edited_pairs(rows, len(ref_steps))
        ds.traces.append(Sample(tuple(map(featurizer.step, steps)), 1, held_out, kind, gid))
        for i, j in pairs:
            ds.steps.append(Sample((featurizer.step(steps[j]),), 1, held_out, kind, gid))
            if i not in shown_ref_steps:
                shown_ref_steps.add(i)
                ds.steps.append(Sample((featurizer.step(ref_steps[i]),), 0, held_out, None, gid))
        facts = _facts(domain, split, group, ref, neg, rows, pairs, cues)
        ds.negatives.append(_with_wording(facts, ref_steps, steps, pairs, ds.phrase_text))


def _facts(
    domain: str,
    split: str,
    group: dict[str, Any],
    ref: dict[str, Any],
    neg: dict[str, Any],
    rows: list[Row],
    pairs: list[tuple[int, int]],
    cues: _Cues,
) -> NegativeFacts:
    ref_steps, steps = ref["steps"], neg["steps"]
    added: list[str] = []
    for i, j in pairs:
        added.extend(sorted(cues(steps[j]) - cues(ref_steps[i])))
    changed, deleted, inserted = measured_diff(rows)
    published = (neg["changed_steps"], neg["deleted_steps"], neg["inserted_steps"])
    flawed = neg.get("first_flawed_step")
    judge = neg.get("judge_first_flawed_step")
    span = set(neg.get("declared_span") or ())
    outside = [r for r in rows if r.tag in ("changed", "deleted") and r.ref not in span]
    return NegativeFacts(
        problem_id=group["problem_id"],
        split=split,
        kind=neg.get("negative_kind") or "",
        signature=neg.get("signature"),
        ref_chars=len(ref["reasoning"]),
        chars=len(neg["reasoning"]),
        margin=round(float(ref["rubric"]["total"]) - float(neg["rubric"]["total"]), 6),
        rubric_label=neg["rubric_label"],
        answer_changed=_answer_changed(domain, ref.get("answer"), neg.get("answer")),
        first_error=None if flawed is None else (flawed + 0.5) / max(len(ref_steps), len(steps)),
        flawed_at=flawed,
        judge_agrees=None if flawed is None else judge == flawed,
        uplift=None if neg.get("uplift") is None else float(neg["uplift"]),
        executor_insensitive=bool(neg.get("executor_insensitive")),
        edited_steps=len(pairs),
        cue_steps=sum(1 for _, j in pairs if cues(steps[j])),
        cue_matched=sum(1 for i, _ in pairs if cues(ref_steps[i])),
        added_cues=tuple(added),
        diff_as_published=(changed, deleted, inserted) == tuple(map(list, published)),
        span_covers=all(_is_fallout(r, ref_steps, steps) for r in outside),
        total=float(neg["rubric"]["total"]),
        drops=_drops(ref.get("rubric_scores") or {}, neg.get("rubric_scores") or {}),
        judge_found_flaw=judge is not None,
        **_second_opinion(ref, neg),
    )


def _second_opinion(ref: dict[str, Any], neg: dict[str, Any]) -> dict[str, Any]:
    """How a model judge's verdict on this negative stands against its samples and against
    the rule judge (nothing when the rules judged)."""
    out: dict[str, Any] = {
        "judge": neg.get("judge") or "",
        "sample_agreement": neg.get("judge_agreement"),
    }
    rule_ref, rule_neg = ref.get("rule_rubric_score_raw"), neg.get("rule_rubric_score_raw")
    if rule_ref is not None and rule_neg is not None:
        out["rule_margin"] = round((float(rule_ref) - float(rule_neg)) / 10, 6)
    model, rules = neg.get("rubric_scores") or {}, neg.get("rule_rubric_scores") or {}
    shared = [name for name in model if name in rules]
    if shared:
        near = sum(1 for n in shared if abs(_label(model[n]) - _label(rules[n])) <= 1)
        out["rule_label_agreement"] = round(near / len(shared), 6)
    return out


def _label(score: float) -> int:
    return min(4, max(0, int(float(score) // 2)))


def _drops(
    reference: dict[str, float], negative: dict[str, float]
) -> tuple[tuple[str, float], ...]:
    return tuple(
        (name, round(float(reference[name]) - float(negative[name]), 6))
        for name in reference
        if name in negative
    )


_WORD = re.compile(r"[a-z]+|\d+(?:[.,/]\d+)*|[^\sa-z\d]")


def phrases(text: str, names: dict[int, str] | None = None) -> frozenset[int]:
    """The step's word 2- to 4-grams, hashed (CRC32); `names` collects their text."""
    words = _WORD.findall(text.lower())
    found = set()
    for n in (2, 3, 4):
        for k in range(len(words) - n + 1):
            gram = " ".join(words[k : k + n])
            code = zlib.crc32(gram.encode())
            found.add(code)
            if names is not None:
                names.setdefault(code, gram)
    return frozenset(found)


def _with_wording(
    facts: NegativeFacts,
    ref_steps: list[str],
    steps: list[str],
    pairs: list[tuple[int, int]],
    names: dict[int, str],
) -> NegativeFacts:
    """The facts a shortcut-hunter reads off the wording of an edit: new phrases, where the
    edit sits, and numbers of a shape the reference never writes."""
    added: set[int] = set()
    for i, j in pairs:
        added |= phrases(steps[j], names) - phrases(ref_steps[i])
    reference_shapes = set().union(*(number_shapes(s) for s in ref_steps))
    new_shape = any(number_shapes(steps[j]) - reference_shapes for _, j in pairs)
    return dataclasses.replace(
        facts,
        phrases=frozenset(added),
        edited_at=tuple(sorted({j for _, j in pairs})),
        steps=len(steps),
        new_number_shape=new_shape,
    )


def _is_fallout(row: Row, ref_steps: list[str], steps: list[str]) -> bool:
    if row.tag != "changed" or row.ref is None or row.cand is None:
        return False
    return numeric_only_change(ref_steps[row.ref], steps[row.cand])


def _answer_changed(domain: str, reference: str | None, answer: str | None) -> bool | None:
    if domain != "math" or reference is None:
        return None
    if answer is None:
        return True
    same = _same_plain_number(answer, reference)
    return not (equivalent(answer, reference) if same is None else same)


def _same_plain_number(a: str, b: str) -> bool | None:
    """Decided without the full equivalence check when both are plain numbers (most are)."""
    try:
        x, y = float(a.replace(",", "")), float(b.replace(",", ""))
    except ValueError:
        return None
    if x == y:
        return True
    return False if "." not in a + b else None
