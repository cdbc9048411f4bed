"""The journals: an index on disk that answers as the file reads, across reopening and rewrites."""

from __future__ import annotations

from pathlib import Path

from groupbuild.schema import Reject
from groupbuild.store import Journal, Store
from groupbuild.tempdb import CHUNK


def _reject(i: int, stage: str = "seeds") -> Reject:
    return Reject(stage=stage, id=f"p{i}", reason="exact_duplicate", detail=str(i))


def test_journal_index_gives_each_key_its_first_record_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "rejects.jsonl"
    journal = Journal(path, Reject, ("id",))
    for i in range(CHUNK + 5):  # more than one chunk of the reopening scan
        journal.append(_reject(i))
    journal.append(_reject(3))  # a known key: ignored
    journal.close()
    with path.open("a", encoding="utf-8") as fh:  # a second writer's repeat, on disk
        fh.write(_reject(4).model_copy(update={"detail": "late"}).model_dump_json() + "\n")

    reopened = Journal(path, Reject, ("id",))
    assert len(reopened) == CHUNK + 5
    assert reopened.repeated == 1
    late = reopened.get("p4")
    assert late is not None and late.detail == "4"
    assert "p9" in reopened and "p-1" not in reopened and reopened.get("p-1") is None
    offsets = dict(reopened.index())
    assert len(offsets) == CHUNK + 5
    with path.open("rb") as fh:
        fh.seek(offsets["p7"])
        assert Reject.model_validate_json(fh.readline()).detail == "7"


def test_retain_rewrites_the_journal_with_only_the_kept_records(tmp_path: Path) -> None:
    path = tmp_path / "rejects.jsonl"
    journal = Journal(path, Reject, ("id",))
    for i in range(10):
        journal.append(_reject(i, "seeds" if i % 2 else "perturb"))
    journal.retain(lambda r: r.stage == "seeds")
    assert [r.id for r in journal] == ["p1", "p3", "p5", "p7", "p9"]
    assert len(journal) == 5 and "p2" not in journal
    journal.append(_reject(2))  # a dropped key may be journaled again
    assert [r.id for r in Journal(path, Reject, ("id",))][-1] == "p2"


def test_reset_from_a_stage_keeps_the_rejects_of_earlier_stages(tmp_path: Path) -> None:
    store = Store(tmp_path / "run")
    for i, stage in enumerate(["seeds", "reference", "perturb", "validate"]):
        store.rejects.append(_reject(i, stage))
    store.reset_from("perturb")
    assert [r.stage for r in store.rejects] == ["seeds", "reference"]
    store.close()
