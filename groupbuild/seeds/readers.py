"""Record readers: JSON Lines (plain or gzip), JSON arrays, Parquet, Hub datasets.

Each yields `RawRow`s numbered from 1 (the line for JSON Lines, the record for the others),
so a malformed record is reported where it is and the reader goes on to the next one.
A file that cannot be opened at all is an `InputError` at once.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from groupbuild.errors import InputError
from groupbuild.seeds.checks import SeedFormatError


@dataclass(frozen=True, slots=True)
class RawRow:
    """One record as read: its 1-based number and either the decoded object or the error."""

    number: int
    value: dict[str, Any] | None
    error: SeedFormatError | None = None


def _open_text(path: Path, name: str) -> IO[str]:
    try:
        if path.name.endswith(".gz"):
            return gzip.open(path, "rt", encoding="utf-8")
        return path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(name, None, None, f"cannot open: {exc.strerror or exc}") from None


def read_jsonl(path: Path, name: str | None = None) -> Iterator[RawRow]:
    """One JSON object per line; blank lines are skipped (still counted for line numbers).

    `name` is how errors refer to the file (the path as configured); default `path`.
    """
    name = name or str(path)
    with _open_text(path, name) as handle:
        try:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield _decode_line(name, number, line)
        except (OSError, EOFError, UnicodeDecodeError) as exc:
            raise InputError(name, None, None, f"cannot read: {exc}") from None


def _decode_line(path: str, number: int, line: str) -> RawRow:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        error = SeedFormatError(path, number, None, "invalid_json", f"invalid JSON: {exc.msg}")
        return RawRow(number, None, error)
    if not isinstance(value, dict):
        error = SeedFormatError(
            path, number, None, "wrong_type", f"a record must be a JSON object, not {_kind(value)}"
        )
        return RawRow(number, None, error)
    return RawRow(number, value)


def read_json(path: Path, name: str | None = None) -> Iterator[RawRow]:
    """A JSON document holding one object or an array of objects (numbered from 1)."""
    name = name or str(path)
    with _open_text(path, name) as handle:
        try:
            document = json.load(handle)
        except json.JSONDecodeError as exc:
            raise InputError(name, exc.lineno, None, f"invalid JSON: {exc.msg}") from None
        except (OSError, EOFError, UnicodeDecodeError) as exc:
            raise InputError(name, None, None, f"cannot read: {exc}") from None
    items = document if isinstance(document, list) else [document]
    for number, item in enumerate(items, start=1):
        if isinstance(item, dict):
            yield RawRow(number, item)
        else:
            reason = f"record {number} must be a JSON object, not {_kind(item)}"
            yield RawRow(number, None, SeedFormatError(name, number, None, "wrong_type", reason))


def read_records(path: Path, name: str | None = None) -> Iterator[RawRow]:
    """JSON Lines or a JSON document, chosen by extension (`.json` is a document)."""
    if path.name.endswith(".json"):
        return read_json(path, name)
    return read_jsonl(path, name)


def read_parquet(path: Path, name: str | None = None) -> Iterator[RawRow]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(name or str(path), None, None, f"cannot read Parquet: {exc}") from None
    number = 0
    for batch in parquet.iter_batches(batch_size=2048):
        for row in batch.to_pylist():
            number += 1
            yield RawRow(number, row)


def read_hub(dataset_id: str, config_name: str | None, split: str) -> Iterator[RawRow]:
    """Rows of a Hub dataset (or a local dataset directory) through `datasets.load_dataset`.

    Any failure to load (offline, unknown id, unknown split) becomes an `InputError` naming
    the dataset, so a misconfigured source never ends in a traceback.
    """
    try:
        import datasets

        dataset = datasets.load_dataset(dataset_id, config_name, split=split)
    except Exception as exc:
        reason = f"cannot load Hub dataset (split {split!r}): {type(exc).__name__}: {exc}"
        raise InputError(dataset_id, None, None, reason) from None
    for number, row in enumerate(dataset, start=1):
        yield RawRow(number, dict(row))


def _kind(value: Any) -> str:
    return {list: "an array", str: "a string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )
