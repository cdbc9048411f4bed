"""Does the judge read the process? Its labels measured against what each kind is known to break.

Over a set of negatives (one kind, or a whole domain), from the published scores only, so the
measures apply to whichever judge annotated:

- `target_rate`: the share in which the contract dimension the kind hurts (`kinds.spec.HURTS`)
  drops most against the reference. A tie for the largest drop is a miss: a label that drops
  two dimensions alike does not say which one the flaw is in. No drop at all is a miss too.
- `band_share`: the largest share of negatives whose total falls in one 0.01-wide band; a judge
  that gives every wrong answer the same total grades no severity.
- `tie_rate`: the share scoring a total equal to the reference's.
- `quality_drop_rate` (quality-only kinds, signature Q): the share in which a quality dimension
  (`kinds.spec.QUALITY`) drops at all.
- `strong_rate`, and `strong_unmeasured`: negatives labelled strong although the judge located
  no flaw in them, so nothing it measured backs the label.

Where a model judged (the rule judge scores beside it): `sample_agreement`, the mean share of
its samples within one label of their majority (when it sampled more than once);
`rule_order_agreement`, the share of negatives both judges put on the same side of their
reference (below it, level, or above); `rule_label_agreement`, the mean share of dimensions
whose labels are within one of each other.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from groupbuild.kinds.spec import QUALITY, hurts
from groupbuild.report.scan import NegativeFacts


def judge_measures(domain: str, items: list[NegativeFacts]) -> dict[str, Any]:
    """The judge measures of one set of negatives (see the module docstring)."""
    scored = [f for f in items if f.drops]
    targeted = [(f, hurts(domain, f.kind)) for f in scored]
    aimed = [(f, t) for f, t in targeted if t is not None]
    bands = Counter(int(round(f.total * 100, 6)) for f in items)
    quality = [f for f in scored if f.signature == "Q"]
    strong = [f for f in items if f.rubric_label == "strong"]
    measures: dict[str, Any] = {
        "target_rate": rate(sum(target_drops_most(f, t) for f, t in aimed), len(aimed)),
        "band_share": rate(bands.most_common(1)[0][1], len(items)) if items else None,
        "tie_rate": rate(sum(1 for f in items if f.margin == 0), len(items)),
        "strong_rate": rate(len(strong), len(items)),
        "strong_unmeasured": sum(1 for f in strong if not f.judge_found_flaw),
    }
    sampled = [f.sample_agreement for f in items if f.sample_agreement is not None]
    if sampled:
        measures["sample_agreement"] = round(sum(sampled) / len(sampled), 4)
    paired = [f for f in items if f.rule_margin is not None]
    if paired:
        same = sum(1 for f in paired if _side(f.margin) == _side(f.rule_margin or 0.0))
        measures["rule_order_agreement"] = rate(same, len(paired))
    labels = [f.rule_label_agreement for f in items if f.rule_label_agreement is not None]
    if labels:
        measures["rule_label_agreement"] = round(sum(labels) / len(labels), 4)
    if quality and len(quality) == len(scored):
        dims = QUALITY.get(domain, frozenset())
        dropped = sum(1 for f in quality if any(d > 0 for n, d in f.drops if n in dims))
        measures["quality_drop_rate"] = rate(dropped, len(quality))
    return measures


def target_drops_most(facts: NegativeFacts, target: str) -> bool:
    """The target dimension drops, and strictly more than every other dimension."""
    drops = dict(facts.drops)
    if target not in drops or drops[target] <= 0:
        return False
    return all(drop < drops[target] for name, drop in drops.items() if name != target)


def _side(margin: float) -> int:
    return (margin > 0) - (margin < 0)


def rate(hits: int, total: int) -> float | None:
    """`hits / total` to 4 places; None for an empty set."""
    return round(hits / total, 4) if total else None
