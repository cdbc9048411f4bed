"""The shortcut-hunter's measures find the tells they name, and stay quiet without them."""

from __future__ import annotations

from pathlib import Path

from report.test_audit import _reference, _split, group, negative, write_dataset

from groupbuild.config import AuditThresholds
from groupbuild.report.audit import audit
from groupbuild.text.math import number_shapes


def _detours(count: int, phrase: str | None) -> list[dict[str, object]]:
    """Detours opening with `phrase`, or (None) restating a reference step in its own words."""
    groups = []
    for i in range(count):
        ref = _reference(i)
        restated = f"{phrase} {i + 2} apples." if phrase else ref[0]
        detour = [ref[0], restated, *ref[1:]]
        groups.append(
            group(
                f"s:{i}",
                ref,
                [negative(ref, detour, "redundant_detour", signature="Q")],
                split=_split(i),
            )
        )
    return groups


def test_a_fixed_opening_phrase_is_found_and_flagged_in_the_card_checks(tmp_path: Path) -> None:
    result = audit(write_dataset(tmp_path, _detours(40, "In other words, Ann has")))
    kind = result["domains"]["math"]["kinds"]["redundant_detour"]
    assert kind["template_phrase_rate"] == 1.0
    assert "in other words" in kind["template_phrases"]
    flagged = {
        c["check"] for c in result["checks"] if c["scope"] == "redundant_detour" and not c["ok"]
    }
    assert "template_phrase_rate" in flagged


def test_varied_wording_carries_no_template(tmp_path: Path) -> None:
    result = audit(write_dataset(tmp_path, _detours(40, None)))
    assert result["domains"]["math"]["kinds"]["redundant_detour"]["template_phrase_rate"] == 0.0


def test_a_phrase_references_use_too_is_not_a_template(tmp_path: Path) -> None:
    groups = _detours(40, "She buys")  # every reference's second step opens the same way
    result = audit(write_dataset(tmp_path, groups))
    phrases = result["domains"]["math"]["kinds"]["redundant_detour"]["template_phrases"]
    assert "she buys" not in phrases


def test_edits_always_in_the_last_step_give_position_away(tmp_path: Path) -> None:
    groups = []
    for i in range(40):
        ref = _reference(i)
        slip = [*ref[:-1], f"{i + 2} + {i + 3} = {2 * i + 6}."]
        groups.append(
            group(
                f"s:{i}", ref, [negative(ref, slip, "arithmetic_slip", answer="x")], split=_split(i)
            )
        )
    result = audit(write_dataset(tmp_path, groups))
    kind = result["domains"]["math"]["kinds"]["arithmetic_slip"]
    assert kind["position_auc"] == 1.0
    assert kind["length_shortcut"] <= 0.55 and kind["number_shape_rate"] == 0.0


def test_edits_spread_over_the_trace_leave_position_near_chance(tmp_path: Path) -> None:
    groups = []
    for i in range(60):
        ref = _reference(i)
        at = i % 3
        steps = [s if k != at else s.replace(".", " in all.") for k, s in enumerate(ref)]
        groups.append(
            group(
                f"s:{i}", ref, [negative(ref, steps, "misread_value", answer="x")], split=_split(i)
            )
        )
    result = audit(write_dataset(tmp_path, groups))
    assert abs(result["domains"]["math"]["kinds"]["misread_value"]["position_auc"] - 0.5) < 0.1


def test_always_shorter_negatives_are_a_length_shortcut_too(tmp_path: Path) -> None:
    groups = []
    for i in range(12):
        ref = _reference(i)
        groups.append(group(f"s:{i}", ref, [negative(ref, [ref[0], ref[2]], "dropped_step")]))
    result = audit(write_dataset(tmp_path, groups))
    kind = result["domains"]["math"]["kinds"]["dropped_step"]
    assert kind["length_shortcut_accuracy"] == 0.0 and kind["length_shortcut"] == 1.0


def test_a_decimal_where_the_reference_writes_integers_is_a_new_number_shape(
    tmp_path: Path,
) -> None:
    groups = []
    for i in range(10):
        ref = _reference(i)
        swapped = [*ref[:-1], f"{i + 2} / {i + 3} = {(i + 2) / (i + 3):.2f}."]
        groups.append(group(f"s:{i}", ref, [negative(ref, swapped, "operator_swap")]))
    result = audit(write_dataset(tmp_path, groups))
    assert result["domains"]["math"]["kinds"]["operator_swap"]["number_shape_rate"] == 1.0
    assert number_shapes("pay $3.50 for 1/2 of -4") == {
        (False, 2, False),
        (False, 0, True),
        (True, 0, False),
    }


def test_thresholds_come_from_the_config(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path, _detours(40, "In other words, Ann has"))
    lenient = audit(dataset, thresholds=AuditThresholds(template_phrase_rate=1.0))
    checks = [c for c in lenient["checks"] if c["check"] == "template_phrase_rate"]
    assert checks and all(c["ok"] for c in checks)
    assert lenient["targets"]["template_phrase_rate"] == "≤ 1.0"
