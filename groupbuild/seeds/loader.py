"""Read one configured source into checked seeds, or into rejects when invalid records are skipped.

The format registry says, per `SeedSource.format`, how records are read, how one becomes a
`Seed`, and the source name and licence used when the config gives none.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from groupbuild.config import SeedLimits, SeedSource
from groupbuild.errors import InputError
from groupbuild.hashing import problem_id
from groupbuild.schema import Domain, Reject, Seed
from groupbuild.seeds import formats
from groupbuild.seeds.checks import SeedFormatError, Where
from groupbuild.seeds.ids import record_reject_id
from groupbuild.seeds.readers import RawRow, read_hub, read_json, read_jsonl, read_parquet

Result = Seed | Reject


@dataclass(frozen=True)
class Format:
    converter: formats.Converter
    source: str | None
    """Default source name; None means the file stem (or the Hub id)."""
    license: str
    domain: str | None
    id_keys: tuple[str, ...] = ()
    """Record keys holding the source id (generic formats: `fields["id"]`, default `id`)."""
    ids_required: bool = False
    """Whether a record must carry its id; if not, the 0-based record index stands in."""


FORMATS: dict[str, Format] = {
    "gsm8k": Format(formats.gsm8k_seed, "gsm8k", "mit", "math"),
    "math": Format(formats.competition_math_seed, "math", "mit", "math", ("unique_id", "id")),
    "mbpp": Format(formats.mbpp_seed, "mbpp", "cc-by-4.0", "code", ("task_id",), True),
    "mbpp_sanitized": Format(
        formats.mbpp_sanitized_seed, "mbpp", "cc-by-4.0", "code", ("task_id",), True
    ),
    "humaneval": Format(formats.humaneval_seed, "humaneval", "mit", "code", ("task_id",), True),
    "jsonl": Format(formats.mapped_seed, None, "unknown", None),
    "parquet": Format(formats.mapped_seed, None, "unknown", None),
    "hub": Format(formats.mapped_seed, None, "unknown", None),
}
BUNDLED = {
    "math.jsonl": Format(formats.bundled_math_seed, "bundled", "apache-2.0", "math", ("id",), True),
    "code.jsonl": Format(formats.bundled_code_seed, "bundled", "apache-2.0", "code", ("id",), True),
}


def resolve(path: str, base_dir: Path) -> Path:
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else base_dir / candidate


def iter_source(
    source: SeedSource,
    *,
    base_dir: Path,
    skip_invalid: bool = False,
    limits: SeedLimits | None = None,
) -> Iterator[Result]:
    """Seeds of one source in file order; with `skip_invalid`, a `Reject` per malformed record.

    `limit` caps the records read (valid or not), so a limited run reads a fixed prefix.
    A record over `limits` is malformed. Raises `InputError` for a source that cannot be read
    at all or holds no record, and, unless `skip_invalid`, for the first malformed record.
    """
    limits = limits or SeedLimits()
    parts = list(_parts(source, base_dir, limits.max_record_bytes))
    rows_and_formats = itertools.chain.from_iterable(
        ((row, fmt, shown) for row in rows) for rows, fmt, shown in parts
    )
    count = 0
    for row, fmt, shown in itertools.islice(rows_and_formats, source.limit):
        count += 1
        yield _convert(row, fmt, shown, source, skip_invalid, limits)
    if count == 0 and source.limit != 0:
        raise InputError(
            source.path or "seeds", None, None, "no seeds in this source: it holds no record"
        )


Part = tuple[Iterator[RawRow], Format, Callable[[RawRow], tuple[str, str]]]


def _parts(source: SeedSource, base_dir: Path, max_bytes: int) -> Iterator[Part]:
    """(rows, format, row -> (shown path, default id)) for each file the source covers."""
    if source.format == "bundled":
        if source.path is None:
            from groupbuild.resources import data_dir

            yield from _bundled_parts("seeds", data_dir("seeds"), max_bytes)
        else:
            yield from _bundled_parts(source.path, resolve(source.path, base_dir), max_bytes)
        return
    assert source.path is not None, "SeedSource requires a path for this format"
    path = resolve(source.path, base_dir)
    fmt = FORMATS[source.format]
    if fmt.domain is None and source.domain is None:
        raise InputError(source.path, None, "domain", f"format {source.format!r} needs a domain")
    positional = _positional(source.path)
    if source.format == "hub":
        dataset = str(path) if path.exists() else source.path
        split = source.split if source.limit is None else f"{source.split}[:{source.limit}]"
        rows = read_hub(dataset, source.config_name, split, max_record_bytes=max_bytes)
        yield rows, fmt, _positional(f"{source.path}@{source.split}")
    elif source.format == "math" and path.is_dir():
        yield from _math_dir_parts(source.path, path, fmt, max_bytes)
    else:
        _require_file(path, source.path)
        if source.format == "parquet":
            yield read_parquet(path, source.path, max_record_bytes=max_bytes), fmt, positional
        elif source.format in ("mbpp_sanitized", "math") and path.name.endswith(".json"):
            yield read_json(path, source.path, max_record_bytes=max_bytes), fmt, positional
        else:
            yield read_jsonl(path, source.path, max_record_bytes=max_bytes), fmt, positional


def _positional(shown: str) -> Callable[[RawRow], tuple[str, str]]:
    return lambda row: (shown, str(row.number - 1))


def _require_file(path: Path, shown: str) -> None:
    if path.is_dir():
        raise InputError(shown, None, None, "is a directory, not a file")
    if not path.is_file():
        raise InputError(shown, None, None, "no such file")


def _bundled_parts(shown: str, directory: Path, max_bytes: int) -> Iterator[Part]:
    """`math.jsonl` then `code.jsonl`; a bundled directory may hold either or both."""
    if not directory.is_dir():
        raise InputError(shown, None, None, "bundled seeds must be a directory")
    present = [name for name in BUNDLED if (directory / name).is_file()]
    if not present:
        raise InputError(shown, None, None, f"holds none of {', '.join(BUNDLED)}")
    for name in present:
        shown_file = f"{shown}/{name}"
        rows = read_jsonl(directory / name, shown_file, max_record_bytes=max_bytes)
        yield rows, BUNDLED[name], _positional(shown_file)


def _math_dir_parts(shown: str, directory: Path, fmt: Format, max_bytes: int) -> Iterator[Part]:
    """The original MATH layout: one JSON file per problem; the id is its relative path."""
    for file in sorted(directory.rglob("*.json")):
        relative = file.relative_to(directory).with_suffix("").as_posix()
        shown_file = f"{shown}/{relative}.json"

        def locate(row: RawRow, name: str = shown_file, rel: str = relative) -> tuple[str, str]:
            return name, rel

        yield read_json(file, shown_file, max_record_bytes=max_bytes), fmt, locate


def _convert(
    row: RawRow,
    fmt: Format,
    locate: Callable[[RawRow], tuple[str, str]],
    source: SeedSource,
    skip_invalid: bool,
    limits: SeedLimits,
) -> Result:
    shown, default_id = locate(row)
    ctx = formats.Context(
        path=shown,
        number=row.number,
        source=source.source
        or fmt.source
        or Path(source.path or "seeds").stem
        or (source.path or ""),
        license=source.license or fmt.license,
        default_id=default_id,
        domain=source.domain or fmt.domain,
        fields=source.fields,
    )
    try:
        if row.error is not None:
            raise row.error
        assert row.value is not None
        seed = _converted(row.value, fmt, ctx)
        _check_limits(ctx.where, seed, limits)
        return seed
    except SeedFormatError as exc:
        if not skip_invalid:
            raise
        return Reject(
            stage="seeds",
            id=record_reject_id(ctx.source, ctx.origin),
            reason=exc.code,
            detail=exc.detail,
            problem_id=_known_id(row, fmt, ctx),
        )


def _converted(value: dict[str, Any], fmt: Format, ctx: formats.Context) -> Seed:
    """The converter's seed; any failure of its own is a located `SeedFormatError`.

    A converter error that is not a named check (a bug, or input nobody foresaw) still names
    file and line, like the runner's `internal_error` rejects, instead of ending the run.
    MemoryError is among them because CPython's parser raises it for deeply nested input.
    """
    try:
        return fmt.converter(value, ctx)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        reason = first["msg"]
        raise SeedFormatError(ctx.path, ctx.number, field, "invalid_record", reason) from None
    except (ValueError, ArithmeticError, RecursionError, MemoryError) as exc:
        code = f"internal_error:{type(exc).__name__}"
        reason = f"cannot be read: {type(exc).__name__}: {str(exc)[:200]}"
        raise SeedFormatError(ctx.path, ctx.number, None, code, reason) from None


def _check_limits(where: Where, seed: Seed, limits: SeedLimits) -> None:
    """Reject a seed whose fields exceed `seeds.limits`, naming the field and the limit."""
    lengths = {
        "problem": (len(seed.problem), limits.max_problem_chars, "max_problem_chars"),
        "solution": (len(seed.solution or ""), limits.max_solution_chars, "max_solution_chars"),
        "answer": (len(seed.answer or ""), limits.max_answer_chars, "max_answer_chars"),
    }
    for field, (size, limit, key) in lengths.items():
        if size > limit:
            reason = f"is {size} characters, over seeds.limits.{key} ({limit})"
            raise where.fail(field, f"field_too_long:{field}", reason)
    counts = {
        "steps": (_steps(seed), limits.max_steps, "max_steps"),
        "tests": (len(seed.tests), limits.max_tests, "max_tests"),
    }
    for field, (size, limit, key) in counts.items():
        if size > limit:
            reason = f"has {size} {field}, over seeds.limits.{key} ({limit})"
            raise where.fail(field, f"too_many_{field}", reason)


def _steps(seed: Seed) -> int:
    if seed.domain is Domain.CODE:
        return len(seed.plan)
    return sum(1 for line in (seed.solution or "").splitlines() if line.strip())


def _known_id(row: RawRow, fmt: Format, ctx: formats.Context) -> str | None:
    """The problem id of a record that failed its checks, when it can still be told."""
    if row.value is None:
        return None if fmt.ids_required else problem_id(ctx.source, ctx.default_id)
    for key in fmt.id_keys or (ctx.fields.get("id", "id"),):
        value = row.value.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return problem_id(ctx.source, str(value).strip())
    return None if fmt.ids_required else problem_id(ctx.source, ctx.default_id)


def _source_name(path: str) -> str:
    return Path(path).stem or path
