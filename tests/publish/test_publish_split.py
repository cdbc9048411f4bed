"""The dev/train split and the Arrow schemas of the published configs."""

from __future__ import annotations

import hashlib

import pyarrow as pa

from groupbuild.publish.arrow import arrow_schema
from groupbuild.publish.records import PairRow, group_model
from groupbuild.publish.split import assign_splits, dev_count
from groupbuild.schema import DIMENSIONS, Domain


def test_dev_count_is_rounded_at_least_one_and_never_everything() -> None:
    assert dev_count(100, 0.1) == 10
    assert dev_count(3, 0.1) == 1
    assert dev_count(1, 0.1) == 0
    assert dev_count(10, 0.0) == 0
    assert dev_count(2, 0.9) == 1


def test_split_depends_on_ids_not_on_their_order() -> None:
    ids = [f"gsm8k:{i}" for i in range(50)]
    forward = list(assign_splits(((p, i) for i, p in enumerate(ids)), 18, 0.1))
    backward = list(assign_splits([(p, i) for i, p in enumerate(ids)][::-1], 18, 0.1))
    assert forward == backward
    ranked = sorted(ids, key=lambda p: int(hashlib.sha256(f"18\0{p}".encode()).hexdigest(), 16))
    assert [pid for pid, _, split in forward if split == "dev"] == ranked[:5]
    assert all(ids[i] == pid for pid, i, _ in forward)  # each id keeps the value it came with


def test_group_schema_spells_out_the_domain_rubric_as_int_labels() -> None:
    schema = arrow_schema(group_model(Domain.CODE))
    candidate = schema.field("negative_bank").type.value_type
    rubric = candidate.field("rubric").type
    assert [rubric.field(i).name for i in range(rubric.num_fields)] == [
        "total",
        *DIMENSIONS[Domain.CODE],
    ]
    assert rubric.field("non_leakage").type == pa.int64()
    assert rubric.field("total").type == pa.float64()


def test_pairs_schema_is_conversational() -> None:
    schema = arrow_schema(PairRow)
    message = schema.field("chosen").type.value_type
    assert {message.field(i).name for i in range(message.num_fields)} == {"role", "content"}
    assert schema.field("margin").type == pa.float64()
    assert arrow_schema(PairRow, overrides={"margin": pa.float32()}).field("margin").type == (
        pa.float32()
    )


def test_shards_split_by_bytes_and_keep_every_row_in_order(tmp_path) -> None:
    import pyarrow.parquet as pq

    from groupbuild.publish.shards import ShardWriter

    schema = pa.schema([pa.field("i", pa.int64()), pa.field("text", pa.string())])
    writer = ShardWriter(tmp_path, "train", schema, max_shard_bytes=60_000, row_group_bytes=20_000)
    for i in range(3000):
        writer.write({"i": i, "text": "x" * 40})
    paths = writer.close()
    assert len(paths) > 1
    assert [p.name for p in paths] == [
        f"train-{i:05d}-of-{len(paths):05d}.parquet" for i in range(len(paths))
    ]
    files = [pq.ParquetFile(p) for p in paths]
    assert sum(f.metadata.num_row_groups for f in files) > len(paths)
    rows = [i for p in paths for i in pq.read_table(p).column("i").to_pylist()]
    assert rows == list(range(3000))
