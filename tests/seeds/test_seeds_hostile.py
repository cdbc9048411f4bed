"""Hostile seed input ends as a located error, or a named reject under skip_invalid; never a crash.

Each bad record sits between two good ones, so a test also shows that only its own line is
lost: the records around it still load.
"""

from __future__ import annotations

import dataclasses
import json
import tracemalloc
from pathlib import Path

import pytest

from groupbuild.config import ConfigError, SeedLimits, SeedsConfig, SeedSource, load_config
from groupbuild.errors import InputError
from groupbuild.schema import Reject, Seed
from groupbuild.seeds import FORMATS, iter_source, load_seeds

GOOD = {
    "question": "Tea costs $3 a cup. What do 4 cups cost?",
    "answer": "Four cups cost 4 * 3 = $<<4*3=12>>12.\n#### 12",
}
OTHER = {
    "question": "A pen costs $2. What do 5 pens cost together at the shop?",
    "answer": "Five pens cost 5 * 2 = $<<5*2=10>>10.\n#### 10",
}


def line(**changes: str) -> bytes:
    return json.dumps({**GOOD, **changes}).encode()


HOSTILE = [
    pytest.param(b"[" * 200_000, None, "invalid_json", id="deep_nesting"),
    pytest.param(
        b'{"question": "A \\ud800 costs 3. What do 4 cost?", "answer": "#### 12"}',
        "question",
        "invalid_text",
        id="lone_surrogate",
    ),
    pytest.param(
        line(answer="It is 1.\n#### " + "9" * 5000), "answer", "answer_not_numeric", id="digits"
    ),
    pytest.param(
        line(answer="It is <<1e999=1>>1.\n#### 1"), "answer", "annotation_unparsable", id="inf"
    ),
    pytest.param(
        b'{"question": "Caf\xe9 prices?", "answer": "#### 2"}', None, "invalid_utf8", id="latin1"
    ),
    pytest.param(
        line(answer="It is <<(10**29)**63.5=1>>1.\n#### 1"),
        "answer",
        "annotation_unparsable",
        id="float_overflow",
    ),
    pytest.param(
        line(answer="It is <<" + "-" * 100_000 + "1=-1>>-1.\n#### -1"),
        "answer",
        "annotation_unparsable",
        id="deep_expression",
    ),
]


def three_lines(tmp_path: Path, bad: bytes) -> str:
    body = json.dumps(GOOD).encode() + b"\n" + bad + b"\n" + json.dumps(OTHER).encode() + b"\n"
    (tmp_path / "train.jsonl").write_bytes(body)
    return "train.jsonl"


@pytest.mark.parametrize(("bad", "field", "code"), HOSTILE)
def test_hostile_line_stops_the_load_naming_file_line_and_field(
    tmp_path: Path, bad: bytes, field: str | None, code: str
) -> None:
    name = three_lines(tmp_path, bad)
    with pytest.raises(InputError) as info:
        list(iter_source(SeedSource(format="gsm8k", path=name), base_dir=tmp_path))
    assert (info.value.path, info.value.line, info.value.field) == (name, 2, field)
    assert info.value.code == code  # type: ignore[attr-defined]
    assert "\n" not in str(info.value) and len(str(info.value)) < 300


@pytest.mark.parametrize(("bad", "field", "code"), HOSTILE)
def test_hostile_line_is_one_reject_when_skipping(
    tmp_path: Path, bad: bytes, field: str | None, code: str
) -> None:
    name = three_lines(tmp_path, bad)
    source = SeedSource(format="gsm8k", path=name)
    results = list(iter_source(source, base_dir=tmp_path, skip_invalid=True))
    assert [type(r) for r in results] == [Seed, Reject, Seed]
    reject = results[1]
    assert isinstance(reject, Reject) and reject.reason == code
    assert reject.id == f"gsm8k:{name}:2#reject"
    reject.model_dump_json()  # the journal can hold it


def test_a_utf8_bom_does_not_spoil_the_first_record(tmp_path: Path) -> None:
    (tmp_path / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode() + b"\n")
    (seed,) = iter_source(SeedSource(format="gsm8k", path="bom.jsonl"), base_dir=tmp_path)
    assert isinstance(seed, Seed) and seed.answer == "12"


def test_a_bom_in_a_json_document_is_accepted(tmp_path: Path) -> None:
    row = {"task_id": 2, "prompt": "Negate x.", "code": "def neg(x):\n    return -x"}
    row |= {"test_imports": [], "test_list": ["assert neg(1) == -1"]}
    (tmp_path / "s.json").write_bytes(b"\xef\xbb\xbf" + json.dumps([row]).encode())
    source = SeedSource(format="mbpp_sanitized", path="s.json")
    (seed,) = iter_source(source, base_dir=tmp_path)
    assert isinstance(seed, Seed) and seed.problem_id == "mbpp:2"


LIMITS = SeedLimits(
    max_record_bytes=2_000,
    max_problem_chars=200,
    max_solution_chars=300,
    max_answer_chars=10,
    max_steps=4,
    max_tests=2,
)
STEPS = "".join(f"Step {i} adds 1 = <<{i}+1={i + 1}>>{i + 1}.\n" for i in range(6)) + "#### 6"
OVER_LIMITS = [
    pytest.param(line(question="Q" * 3_000), None, "record_too_large", id="record"),
    pytest.param(line(question="What? " * 50), "problem", "field_too_long:problem", id="problem"),
    pytest.param(
        line(answer="It is 1 + 1 = <<1+1=2>>2." + " Indeed." * 40 + "\n#### 2"),
        "solution",
        "field_too_long:solution",
        id="solution",
    ),
    pytest.param(line(answer=STEPS), "steps", "too_many_steps", id="steps"),
]


@pytest.mark.parametrize(("bad", "field", "code"), OVER_LIMITS)
def test_a_record_over_the_limits_is_rejected_with_the_limit_named(
    tmp_path: Path, bad: bytes, field: str | None, code: str
) -> None:
    name = three_lines(tmp_path, bad)
    source = SeedSource(format="gsm8k", path=name)
    with pytest.raises(InputError, match=r"seeds\.limits\.max_") as info:
        list(iter_source(source, base_dir=tmp_path, limits=LIMITS))
    assert (info.value.line, info.value.field) == (2, field)
    results = list(iter_source(source, base_dir=tmp_path, skip_invalid=True, limits=LIMITS))
    assert [type(r) for r in results] == [Seed, Reject, Seed]
    assert isinstance(results[1], Reject) and results[1].reason == code


def test_too_many_tests_is_rejected(tmp_path: Path) -> None:
    row = {"text": "Negate x.", "code": "def neg(x):\n    return -x", "task_id": 1}
    row |= {"test_list": [f"assert neg({i}) == -{i}" for i in range(3)]}
    (tmp_path / "mbpp.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    source = SeedSource(format="mbpp", path="mbpp.jsonl")
    (reject,) = iter_source(source, base_dir=tmp_path, skip_invalid=True, limits=LIMITS)
    assert isinstance(reject, Reject) and reject.reason == "too_many_tests"


def test_a_50_mb_line_is_rejected_unparsed_in_bounded_memory(tmp_path: Path) -> None:
    huge = b'{"question": "' + b"x" * 50_000_000 + b'", "answer": "#### 1"}'
    name = three_lines(tmp_path, huge)
    source = SeedSource(format="gsm8k", path=name)
    tracemalloc.start()
    try:
        results = list(iter_source(source, base_dir=tmp_path, skip_invalid=True))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [type(r) for r in results] == [Seed, Reject, Seed]
    assert isinstance(results[1], Reject) and results[1].reason == "record_too_large"
    assert peak < 8_000_000, f"reading the line took {peak / 1e6:.0f} MB"


def test_the_default_limits_reject_a_million_character_problem(tmp_path: Path) -> None:
    name = three_lines(tmp_path, line(question="How much? " * 99_000))
    source = SeedSource(format="gsm8k", path=name)
    results = list(iter_source(source, base_dir=tmp_path, skip_invalid=True))
    assert isinstance(results[1], Reject) and results[1].reason == "field_too_long:problem"


def test_a_converter_failure_nobody_foresaw_is_located(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(row: dict[str, object], ctx: object) -> Seed:
        raise ValueError("unforeseen")

    monkeypatch.setitem(FORMATS, "gsm8k", dataclasses.replace(FORMATS["gsm8k"], converter=broken))
    name = three_lines(tmp_path, json.dumps(GOOD).encode())
    with pytest.raises(InputError, match=r"train\.jsonl:1: .*ValueError: unforeseen"):
        list(iter_source(SeedSource(format="gsm8k", path=name), base_dir=tmp_path))


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"], ids=["empty", "blank_lines"])
def test_a_source_without_records_is_an_error(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "empty.jsonl").write_bytes(content)
    cfg = SeedsConfig(sources=[SeedSource(format="gsm8k", path="empty.jsonl")], skip_invalid=True)
    with pytest.raises(InputError, match=r"^empty\.jsonl: no seeds in this source"):
        list(load_seeds(cfg, base_dir=tmp_path))


@pytest.mark.parametrize("fmt", ["gsm8k", "parquet", "mbpp_sanitized"])
def test_a_folder_given_as_a_file_is_named_as_such(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "data.json").mkdir()
    source = SeedSource(format=fmt, path="data.json", domain="math")
    with pytest.raises(InputError, match=r"^data\.json: is a directory, not a file$"):
        list(iter_source(source, base_dir=tmp_path))


def test_a_negative_limit_names_its_key(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("seeds: {sources: [{format: gsm8k, path: x.jsonl, limit: -1}]}\n")
    expected = r"c\.yaml: seeds\.sources\[0\]\.limit: Input should be greater than or equal to 0"
    with pytest.raises(ConfigError, match=expected):
        load_config(config, env={})
