"""What the seeds stage has seen so far, kept on disk: its memory must not grow with the set.

A kept seed's id, text hash and near-duplicate bands are needed until the stream ends, so they
live in a private temporary SQLite file (`groupbuild.tempdb`).
"""

from __future__ import annotations

from groupbuild.tempdb import temporary_db


class SeenKeys:
    """Keys, each with the value first stored under it (`exact text hash -> first seed id`)."""

    def __init__(self) -> None:
        self._db = temporary_db(
            "CREATE TABLE seen(key BLOB PRIMARY KEY, value TEXT) WITHOUT ROWID;"
        )

    def get(self, key: str | bytes) -> str | None:
        row = self._db.execute("SELECT value FROM seen WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def __contains__(self, key: str | bytes) -> bool:
        return self.get(key) is not None

    def add(self, key: str | bytes, value: str = "") -> None:
        """Store `value` under `key` unless the key is there already (the first one wins)."""
        self._db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (key, value))
