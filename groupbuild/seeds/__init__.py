"""The seeds stage: load, check, deduplicate and decontaminate seed problems.

`load_seeds` streams every configured source in order and yields a `Seed` for each problem
kept and a `Reject` (stage `seeds`) for each one dropped, so nothing disappears unrecorded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from groupbuild.config import SeedsConfig
from groupbuild.schema import Reject, Seed
from groupbuild.seeds.checks import SeedFormatError
from groupbuild.seeds.decontam import Contamination, read_eval_items
from groupbuild.seeds.dedup import Deduplicator
from groupbuild.seeds.ids import record_reject_id
from groupbuild.seeds.loader import FORMATS, iter_source, resolve
from groupbuild.seeds.seen import SeenKeys

__all__ = ["FORMATS", "SeedFormatError", "SeedStream", "iter_source", "load_seeds"]


class SeedStream(Iterator[Seed | Reject]):
    """An iterator over seeds and rejects that counts what it yielded.

    `counts["seeds"]` is the number of seeds kept; every other key is a reject reason.
    Evaluation files are read when iteration starts, not when the stream is made.
    """

    def __init__(self, cfg: SeedsConfig, base_dir: Path) -> None:
        self.counts: Counter[str] = Counter()
        self._results = self._run(cfg, base_dir)

    def __next__(self) -> Seed | Reject:
        result = next(self._results)
        self.counts["seeds" if isinstance(result, Seed) else result.reason] += 1
        return result

    @staticmethod
    def _run(cfg: SeedsConfig, base_dir: Path) -> Iterator[Seed | Reject]:
        decon = cfg.decontaminate
        contamination = None
        if decon.files:
            items = read_eval_items((resolve(f, base_dir), f) for f in decon.files)
            contamination = Contamination(items, ngram=decon.ngram, threshold=decon.threshold)
        dedup = Deduplicator(cfg.near_duplicate_threshold)
        claimed = SeenKeys()
        for source in cfg.sources:
            results = iter_source(
                source, base_dir=base_dir, skip_invalid=cfg.skip_invalid, limits=cfg.limits
            )
            for result in results:
                if isinstance(result, Seed):
                    rejected = _taken(result, claimed)
                    if rejected is None and contamination is not None:
                        rejected = contamination.check(result)
                    result = rejected or dedup.check(result) or result
                yield _claim(result, claimed)


def _taken(seed: Seed, claimed: SeenKeys) -> Reject | None:
    """A seed whose id a record before it already holds cannot be kept under that id."""
    if seed.problem_id not in claimed:
        return None
    return Reject(
        stage="seeds",
        id=record_reject_id(seed.source, seed.origin),
        reason="duplicate_id",
        detail=f"{seed.problem_id} was already loaded",
        problem_id=seed.problem_id,
    )


def _claim(result: Seed | Reject, claimed: SeenKeys) -> Seed | Reject:
    """Record `result`'s id as used; a reject whose id is used already gets a `#n` suffix.

    So every id the stage yields is distinct (the same file listed twice included), and the
    journals, which keep one record per id, lose none.
    """
    if isinstance(result, Seed):
        claimed.add(result.problem_id)
        return result
    ident, n = result.id, 1
    while ident in claimed:
        n += 1
        ident = f"{result.id}#{n}"
    claimed.add(ident)
    return result if ident == result.id else result.model_copy(update={"id": ident})


def load_seeds(cfg: SeedsConfig, *, base_dir: Path) -> SeedStream:
    """Stream seeds from every source of `cfg` in order (paths relative to `base_dir`).

    Each seed is checked, then tested against the evaluation sets, then against the seeds
    kept before it (ids, exact text, near-duplicate text): the first seen wins.
    Raises `InputError` for an unreadable source, and for a malformed record unless
    `cfg.skip_invalid`, in which case that record becomes a `Reject`.
    """
    return SeedStream(cfg, base_dir)
