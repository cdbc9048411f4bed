"""Record readers: JSON Lines (plain or gzip), JSON arrays, Parquet, Hub datasets.

Each yields `RawRow`s numbered from 1 (the line for JSON Lines, the record for the others),
so a malformed record is reported where it is and the reader goes on to the next one.
A file that cannot be opened at all is an `InputError` at once.

JSON Lines are read as bytes and decoded line by line, so a bad byte, a line nested too deep
for the parser or a line over `max_record_bytes` spoils that line only; an over-long line is
measured in chunks and skipped, never held in memory whole. A leading UTF-8 BOM is ignored.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from groupbuild.errors import InputError
from groupbuild.seeds.checks import SeedFormatError

BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 20
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class RawRow:
    """One record as read: its 1-based number and either the decoded object or the error."""

    number: int
    value: dict[str, Any] | None
    error: SeedFormatError | None = None


Binary = BinaryIO | gzip.GzipFile


def _open_binary(path: Path, name: str) -> Binary:
    try:
        if path.name.endswith(".gz"):
            return gzip.open(path, "rb")
        return path.open("rb")
    except OSError as exc:
        raise InputError(name, None, None, f"cannot open: {exc.strerror or exc}") from None


def read_jsonl(
    path: Path, name: str | None = None, *, max_record_bytes: int | None = None
) -> Iterator[RawRow]:
    """One JSON object per line; blank lines are skipped (still counted for line numbers).

    `name` is how errors refer to the file (the path as configured); default `path`.
    """
    name = name or str(path)
    with _open_binary(path, name) as handle:
        number = 0
        while True:
            number += 1
            try:
                read = _next_line(handle, max_record_bytes)
            except (OSError, EOFError) as exc:
                raise InputError(name, number, None, f"cannot read: {exc}") from None
            if read is None:
                return
            line, size = read
            if line is None:
                yield RawRow(number, None, _too_large(name, number, size, max_record_bytes))
            elif line.strip():
                yield _decode_line(name, number, line.removeprefix(BOM) if number == 1 else line)


def _next_line(handle: Binary, limit: int | None) -> tuple[bytes | None, int] | None:
    """The next line and its size in bytes; None at the end; no bytes for a line over `limit`."""
    line = handle.readline(-1 if limit is None else limit + 1)
    if not line:
        return None
    if limit is None or line.endswith(b"\n") or len(line) <= limit:
        return line, len(line)
    size = len(line)
    while not line.endswith(b"\n"):
        line = handle.readline(_CHUNK)
        if not line:
            break
        size += len(line)
    return None, size


def _too_large(name: str, number: int, size: int, limit: int | None) -> SeedFormatError:
    reason = f"is {size} bytes, over seeds.limits.max_record_bytes ({limit})"
    return SeedFormatError(name, number, None, "record_too_large", reason)


def _decode_line(path: str, number: int, line: bytes) -> RawRow:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        reason = f"is not UTF-8: byte 0x{line[exc.start]:02x} at byte {exc.start + 1} of the line"
        return RawRow(number, None, SeedFormatError(path, number, None, "invalid_utf8", reason))
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        error = SeedFormatError(path, number, None, "invalid_json", f"invalid JSON: {exc.msg}")
        return RawRow(number, None, error)
    except RecursionError:
        error = SeedFormatError(path, number, None, "invalid_json", "invalid JSON: nested too deep")
        return RawRow(number, None, error)
    if not isinstance(value, dict):
        error = SeedFormatError(
            path, number, None, "wrong_type", f"a record must be a JSON object, not {_kind(value)}"
        )
        return RawRow(number, None, error)
    return _checked_text(path, number, value, text)


def _checked_text(path: str, number: int, value: dict[str, Any], text: str | None) -> RawRow:
    """`value`, unless a string in it holds a lone surrogate (`\\ud800`), which is not text.

    Only an escape can put one there, so a line without `\\uD8..`-`\\uDF..` is not searched.
    """
    if text is not None and not _SURROGATE_ESCAPE.search(text):
        return RawRow(number, value)
    field = _surrogate_field(value)
    if field is None:
        return RawRow(number, value)
    reason = "holds an unpaired surrogate escape (\\ud800-\\udfff), which is not Unicode text"
    return RawRow(number, None, SeedFormatError(path, number, field, "invalid_text", reason))


def _surrogate_field(record: dict[str, Any]) -> str | None:
    """The top-level key under which a lone surrogate sits, searched without recursion."""
    for key, value in record.items():
        stack: list[Any] = [key, value]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                if _SURROGATE.search(item):
                    return key if not _SURROGATE.search(key) else repr(key)
            elif isinstance(item, dict):
                stack.extend(item.keys())
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
    return None


def read_json(
    path: Path, name: str | None = None, *, max_record_bytes: int | None = None
) -> Iterator[RawRow]:
    """A JSON document holding one object or an array of objects (numbered from 1)."""
    name = name or str(path)
    with _open_binary(path, name) as handle:
        try:
            data = handle.read()
        except (OSError, EOFError) as exc:
            raise InputError(name, None, None, f"cannot read: {exc}") from None
    document = _parse_document(name, data)
    items = document if isinstance(document, list) else [document]
    for number, item in enumerate(items, start=1):
        if isinstance(item, dict):
            row = _sized(name, number, item, max_record_bytes)
            yield row if row.error else _checked_text(name, number, item, None)
        else:
            reason = f"record {number} must be a JSON object, not {_kind(item)}"
            yield RawRow(number, None, SeedFormatError(name, number, None, "wrong_type", reason))


def _parse_document(name: str, data: bytes) -> Any:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(name, line, None, f"is not UTF-8: byte 0x{data[exc.start]:02x}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(name, exc.lineno, None, f"invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise InputError(name, None, None, "invalid JSON: nested too deep") from None


def _sized(name: str, number: int, value: dict[str, Any], limit: int | None) -> RawRow:
    """A record parsed whole (JSON document, Parquet, Hub), rejected if its text is too large."""
    if limit is not None:
        size = _text_size(value)
        if size > limit:
            return RawRow(number, None, _too_large(name, number, size, limit))
    return RawRow(number, value)


def _text_size(value: Any) -> int:
    """About the bytes `value` takes as JSON: its strings' lengths plus a little per item."""
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str | bytes):
            total += len(item) + 2
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        else:
            total += 8
    return total


def read_records(path: Path, name: str | None = None) -> Iterator[RawRow]:
    """JSON Lines or a JSON document, chosen by extension (`.json` is a document)."""
    if path.name.endswith(".json"):
        return read_json(path, name)
    return read_jsonl(path, name)


def read_parquet(
    path: Path, name: str | None = None, *, max_record_bytes: int | None = None
) -> Iterator[RawRow]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    name = name or str(path)
    try:
        parquet = pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(name, None, None, f"cannot read Parquet: {exc}") from None
    number = 0
    for batch in parquet.iter_batches(batch_size=2048):
        for row in batch.to_pylist():
            number += 1
            yield _sized(name, number, row, max_record_bytes)


def read_hub(
    dataset_id: str, config_name: str | None, split: str, *, max_record_bytes: int | None = None
) -> Iterator[RawRow]:
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
        yield _sized(dataset_id, number, dict(row), max_record_bytes)


def _kind(value: Any) -> str:
    return {list: "an array", str: "a string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )
