"""Private temporary SQLite files: state a stage needs for a whole pass, kept off the heap.

Memory must not grow with the dataset, yet the seeds stage must remember what it kept, a journal
where each record sits, and publish which ids ended. Each of those lives in a SQLite file of its
own (SQLite's `""` name: deleted when its connection closes), of which only a bounded page
cache is held in memory.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

CACHE_KB = 16_384
CHUNK = 4096


def temporary_db(schema: str, *, cache_kb: int = CACHE_KB) -> sqlite3.Connection:
    """A private temporary on-disk database with `schema` made."""
    db = sqlite3.connect("")
    db.executescript(
        f"PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-{cache_kb};" + schema
    )
    return db


def sorted_on_disk(rows: Iterable[tuple[Any, ...]], width: int) -> Iterator[tuple[Any, ...]]:
    """`rows` (tuples of `width` SQLite values) in ascending order, sorted in a temporary file.

    Every row is read before this returns (so whatever the rows' generator counts is complete
    by then); the sorted rows stream from the file. The order is SQLite's: integers by value,
    text by code point, blobs byte by byte, over the whole tuple.
    """
    columns = ", ".join(f"c{i}" for i in range(width))
    db = temporary_db(f"CREATE TABLE rows({columns});", cache_kb=4096)
    insert = f"INSERT INTO rows VALUES ({', '.join('?' * width)})"
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            db.executemany(insert, chunk)
            chunk = []
    db.executemany(insert, chunk)
    return _drain(db, db.execute(f"SELECT {columns} FROM rows ORDER BY {columns}"))


def _drain(db: sqlite3.Connection, cursor: sqlite3.Cursor) -> Iterator[tuple[Any, ...]]:
    try:
        while batch := cursor.fetchmany(CHUNK):
            yield from batch
    finally:
        db.close()
