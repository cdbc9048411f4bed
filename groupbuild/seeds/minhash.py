"""MinHash signatures and an LSH band index for near-duplicate search over a stream.

Each shingle is hashed with CRC-32 (stable across processes, unlike `hash()`), then mapped
through `num_perm` multiply-shift hashes `((a * x + b) mod 2**64) >> 32`; a signature keeps
the minimum per hash.

Banding finds candidates; a candidate counts as a duplicate only when the exact Jaccard of
the two shingle-hash sets reaches the threshold. The MinHash estimate alone is too noisy
for short texts (one-sentence MBPP tasks have 5 to 10 shingles; with 128 hashes its
standard deviation near 0.8 is about 0.04), so the index keeps each kept item's sorted
shingle hashes (4 bytes per distinct shingle) and its band keys, never the text, on disk.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

import numpy as np

from groupbuild.tempdb import temporary_db

_SHIFT = np.uint64(32)


class MinHasher:
    """Signatures of shingle sets; the same `seed` gives the same signatures in any process."""

    def __init__(self, num_perm: int = 128, seed: int = 18) -> None:
        rng = np.random.default_rng(seed)
        high = np.iinfo(np.uint64).max
        self.num_perm = num_perm
        self._a = rng.integers(1, high, size=(num_perm, 1), dtype=np.uint64) | np.uint64(1)
        self._b = rng.integers(0, high, size=(num_perm, 1), dtype=np.uint64)

    def signature(self, hashes: np.ndarray) -> np.ndarray:
        """The uint32 signature of a non-empty set of shingle hashes."""
        mixed = (self._a * hashes.astype(np.uint64)[np.newaxis, :] + self._b) >> _SHIFT
        signature: np.ndarray = mixed.min(axis=1).astype(np.uint32)
        return signature


def shingle_hashes(shingles: Iterable[str]) -> np.ndarray:
    """Sorted distinct CRC-32 hashes of the shingles."""
    return np.unique(np.fromiter((zlib.crc32(s.encode("utf-8")) for s in shingles), np.uint32))


def estimate(a: np.ndarray, b: np.ndarray) -> float:
    """The MinHash estimate of Jaccard similarity: the share of equal signature positions."""
    return float(np.count_nonzero(a == b)) / a.size


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted distinct hash arrays."""
    shared = np.intersect1d(a, b, assume_unique=True).size
    union = a.size + b.size - shared
    return shared / union if union else 1.0


def band_layout(threshold: float, num_perm: int, max_miss: float = 0.01) -> tuple[int, int]:
    """(bands, rows): the longest bands that still miss a pair at the threshold < `max_miss`.

    A pair of Jaccard s shares at least one band with probability `1 - (1 - s**r)**b`.
    Longer bands mean fewer false candidates to check, but a missed pair is never
    recovered, so recall at the threshold decides.
    """
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if (1 - threshold**rows) ** bands < max_miss:
            return bands, rows
    return num_perm, 1


class LSHIndex:
    """Kept items, banded by MinHash; `find` returns the first kept item at least as similar.

    The bands and the kept items' shingle hashes live in a temporary SQLite file
    (`groupbuild.tempdb`), not in Python objects: a kept item cost about 4 KB of dicts and lists in
    memory (430 MB at 100k seeds).
    """

    def __init__(self, threshold: float, num_perm: int = 128, seed: int = 18) -> None:
        self.threshold = threshold
        self.hasher = MinHasher(num_perm, seed)
        self.bands, self.rows = band_layout(threshold, num_perm)
        self._db = temporary_db(
            "CREATE TABLE items(id INTEGER PRIMARY KEY, key TEXT NOT NULL, hashes BLOB NOT NULL);"
            "CREATE TABLE bands(band INTEGER, item INTEGER, PRIMARY KEY(band, item)) WITHOUT ROWID;"
        )
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def _band_keys(self, hashes: np.ndarray) -> list[int]:
        """One 64-bit key per band, its band's number mixed in (all bands share one table)."""
        signature, rows = self.hasher.signature(hashes), self.rows
        return [
            hash((i, signature[i * rows : (i + 1) * rows].tobytes())) for i in range(self.bands)
        ]

    def _find(self, hashes: np.ndarray, bands: list[int]) -> tuple[str, float] | None:
        marks = ",".join("?" * len(bands))
        candidates = self._db.execute(
            f"SELECT DISTINCT item FROM bands WHERE band IN ({marks}) ORDER BY item", bands
        ).fetchall()
        for (index,) in candidates:
            key, blob = self._db.execute(
                "SELECT key, hashes FROM items WHERE id = ?", (index,)
            ).fetchone()
            score = jaccard(hashes, np.frombuffer(blob, dtype=np.uint32))
            if score >= self.threshold:
                return key, score
        return None

    def _add(self, key: str, hashes: np.ndarray, bands: list[int]) -> None:
        index = self._size
        self._db.execute("INSERT INTO items VALUES (?, ?, ?)", (index, key, hashes.tobytes()))
        self._db.executemany(
            "INSERT OR IGNORE INTO bands VALUES (?, ?)", [(b, index) for b in bands]
        )
        self._size += 1

    def find(self, hashes: np.ndarray) -> tuple[str, float] | None:
        """The earliest kept item whose Jaccard with `hashes` is at least the threshold."""
        return self._find(hashes, self._band_keys(hashes)) if hashes.size else None

    def find_or_add(self, key: str, hashes: np.ndarray) -> tuple[str, float] | None:
        """`find`, and keep the item under `key` when nothing similar is kept yet.

        An empty set of hashes (an empty text) is neither matched nor kept.
        """
        if hashes.size == 0:
            return None
        bands = self._band_keys(hashes)
        found = self._find(hashes, bands)
        if found is None:
            self._add(key, hashes, bands)
        return found
