"""Parquet shards sized by bytes, as the Hub recommends: row groups and files capped in size."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


class ShardWriter:
    """Streams rows of one config split into `{split}-NNNNN-of-NNNNN.parquet` files.

    Rows are turned into Arrow batches of `CHUNK_ROWS` as they come (compact columnar memory,
    not Python objects), the batches are written as one row group once they hold about
    `row_group_bytes`, and a file is closed once it holds about `max_shard_bytes`. Memory stays
    at one row group per writer whatever the dataset size.
    """

    CHUNK_ROWS = 512

    def __init__(
        self,
        directory: Path,
        split: str,
        schema: pa.Schema,
        *,
        max_shard_bytes: int,
        row_group_bytes: int,
    ) -> None:
        self.directory, self.split, self.schema = directory, split, schema
        self.max_shard_bytes, self.row_group_bytes = max_shard_bytes, row_group_bytes
        self.rows = 0
        self._pending: list[dict[str, Any]] = []
        self._batches: list[pa.RecordBatch] = []
        self._buffer_bytes = 0
        self._file_bytes = 0
        self._writer: pq.ParquetWriter | None = None
        self._parts: list[Path] = []

    def write(self, row: dict[str, Any]) -> None:
        self._pending.append(row)
        self.rows += 1
        if len(self._pending) >= self.CHUNK_ROWS:
            self._to_arrow()
            if self._buffer_bytes >= self.row_group_bytes:
                self._flush()

    def _to_arrow(self) -> None:
        if self._pending:
            batch = pa.RecordBatch.from_pylist(self._pending, schema=self.schema)
            self._batches.append(batch)
            self._buffer_bytes += batch.nbytes
            self._pending = []

    def end_row_group(self) -> None:
        """Write what is buffered as a row group now (no more rows are coming for a while)."""
        self._flush()

    def _flush(self) -> None:
        self._to_arrow()
        if not self._batches:
            return
        if self._writer is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            part = self.directory / f".{self.split}-{len(self._parts):05d}.parquet.partial"
            self._parts.append(part)
            self._writer = pq.ParquetWriter(
                part,
                self.schema,
                compression="snappy",
                write_page_index=True,
                use_content_defined_chunking=True,
            )
        table = pa.Table.from_batches(self._batches, schema=self.schema)
        self._writer.write_table(table, row_group_size=table.num_rows)
        self._file_bytes += self._buffer_bytes
        self._batches, self._buffer_bytes = [], 0
        if self._file_bytes >= self.max_shard_bytes:
            self._writer.close()
            self._writer, self._file_bytes = None, 0

    def abort(self) -> None:
        """Drop the open shard after a failed write (a full disk), without writing more."""
        writer, self._writer = self._writer, None
        if writer is not None:
            with contextlib.suppress(OSError):
                writer.close()

    def close(self) -> list[Path]:
        """Finish the last shard and give every shard its final `-of-N` name."""
        self._flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        total = len(self._parts)
        final = []
        for i, part in enumerate(self._parts):
            target = self.directory / f"{self.split}-{i:05d}-of-{total:05d}.parquet"
            os.replace(part, target)
            final.append(target)
        return final
