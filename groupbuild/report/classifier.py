"""A text-only artifact probe: hashed word uni/bigrams and a logistic regression, numpy only.

If a bag of n-grams can tell flawed traces from references without seeing the problem, a reward
model can learn the same shortcut (taxonomy.md G4d). The probe is deliberately simple and fully
deterministic: stable CRC32 feature hashing, n-gram counts with L2-normalized rows, balanced
class weights, L2 penalty, and a fixed number of full-batch Adam steps from zero.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

_TOKEN = re.compile(rb"[a-z]+|\d+|[^\sa-z\d]")
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_PRIME = np.uint64(0xC2B2AE3D27D4EB4F)
MAX_TRAIN = 20_000
"""Training rows the probe fits on at most (an even stride), which bounds its cost."""
FIT_WORK = 150_000_000
"""Optimizer steps times stored matrix entries the fit may spend (60 steps at the row cap)."""


class HashedNgrams:
    """Hashed word unigrams and bigrams of steps, featurized in bulk.

    `step` only records a distinct step's token hashes (CRC32 of the UTF-8 bytes) in one flat
    buffer and returns the step's id; `design` then computes every feature id with a few numpy
    operations (a bigram mixes its two token hashes) and gathers the rows of a design matrix.
    """

    def __init__(self, bits: int = 18) -> None:
        self.dim = 1 << bits
        self._steps: dict[str, int] = {}
        self._codes: list[int] = []
        self._starts: list[int] = []

    def step(self, text: str) -> int:
        found = self._steps.get(text)
        if found is not None:
            return found
        self._starts.append(len(self._codes))
        self._codes.extend(map(zlib.crc32, _TOKEN.findall(text.lower().encode())))
        found = self._steps[text] = len(self._starts) - 1
        return found

    def design(self, rows: Sequence[Sequence[int]]) -> Design:
        """The design matrix of samples given as step-id lists: n-gram counts, L2-normalized."""
        codes = np.array(self._codes, dtype=np.uint64)
        mask = np.uint64(self.dim - 1)
        unigrams = (codes & mask).astype(np.int64)
        bigrams = ((codes[:-1] * _GOLDEN + codes[1:] * _PRIME) >> np.uint64(20)) & mask
        starts = np.array([*self._starts, len(codes)], dtype=np.int64)
        lengths = np.diff(starts)
        per_row = np.fromiter((len(r) for r in rows), np.int64, len(rows))
        step_ids = np.fromiter(chain.from_iterable(rows), np.int64, int(per_row.sum()))
        step_rows = np.repeat(np.arange(len(rows)), per_row)
        uni_len = lengths[step_ids]
        bi_len = np.maximum(uni_len - 1, 0)
        cols = np.concatenate(
            [
                unigrams[_ranges(starts[step_ids], uni_len)],
                bigrams.astype(np.int64)[_ranges(starts[step_ids], bi_len)],
            ]
        )
        row_ids = np.concatenate([np.repeat(step_rows, uni_len), np.repeat(step_rows, bi_len)])
        counts = np.bincount(row_ids, minlength=len(rows))
        norms = 1.0 / np.sqrt(np.maximum(counts, 1))
        return Design(row_ids, cols, norms[row_ids], len(rows), self.dim)


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The concatenation of `arange(s, s + n)` for each (s, n), without a Python loop."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    shift = np.repeat(starts - (ends - lengths), lengths)
    ranges: np.ndarray = np.arange(total, dtype=np.int64) + shift
    return ranges


@dataclass(frozen=True)
class Design:
    """A sparse design matrix as (row, column, value) triplets; repeated pairs add up."""

    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    n: int
    dim: int

    def dot(self, w: np.ndarray) -> np.ndarray:
        return np.bincount(self.rows, self.vals * w[self.cols], minlength=self.n)

    def tdot(self, r: np.ndarray) -> np.ndarray:
        return np.bincount(self.cols, self.vals * r[self.rows], minlength=self.dim)


def fit_logistic(
    x: Design, y: np.ndarray, *, l2: float = 1e-4, steps: int = 60, lr: float = 0.1
) -> tuple[np.ndarray, float]:
    """Weights and bias minimizing the class-balanced log loss plus `l2`/2·|w|²."""
    pos = max(1, int(y.sum()))
    neg = max(1, len(y) - pos)
    weight = np.where(y == 1, 0.5 / pos, 0.5 / neg)
    w = np.zeros(x.dim)
    b = 0.0
    m = np.zeros(x.dim + 1)
    v = np.zeros(x.dim + 1)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for t in range(1, steps + 1):
        p = 1.0 / (1.0 + np.exp(-(x.dot(w) + b)))
        r = weight * (p - y)
        grad = np.append(x.tdot(r) + l2 * w, r.sum())
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad * grad
        step = lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
        w -= step[:-1]
        b -= float(step[-1])
    return w, b


def auc(scores: np.ndarray, labels: np.ndarray) -> float | None:
    """ROC AUC by the rank-sum statistic, ties counted half; None without both classes."""
    labels = np.asarray(labels, dtype=bool)
    pos = int(labels.sum())
    neg = len(labels) - pos
    if pos == 0 or neg == 0:
        return None
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    average_rank = np.cumsum(counts) - (counts - 1) / 2.0
    ranks = average_rank[inverse]
    return float((ranks[labels].sum() - pos * (pos + 1) / 2.0) / (pos * neg))


def holdout_scores(
    featurizer: HashedNgrams,
    rows: Sequence[Sequence[int]],
    labels: np.ndarray,
    held_out: np.ndarray,
    max_train: int = MAX_TRAIN,
) -> np.ndarray | None:
    """Fit on the rows not held out, return scores of the held-out rows (None if unfit).

    `rows` are samples as step-id lists of `featurizer`. At most `max_train` training rows
    are used, an even stride over them, and the number of optimizer steps shrinks from 300 to
    60 as the matrix grows: small sets need the steps to converge, large ones barely move
    after 60 (AUC within 0.01) and would cost seconds more. The fit runs over the feature
    columns the training rows use (an unseen column keeps weight 0 either way), so its cost
    follows the data rather than the hash size. Held-out rows are all scored.
    """
    train = np.flatnonzero(~held_out)
    if len(train) > max_train:
        train = train[np.linspace(0, len(train) - 1, max_train).astype(np.int64)]
    test = np.flatnonzero(held_out)
    y = labels[train]
    if len(test) == 0 or y.min(initial=1) == y.max(initial=0):
        return None
    fit = featurizer.design([rows[int(i)] for i in train])
    used, columns = np.unique(fit.cols, return_inverse=True)
    compact = Design(fit.rows, columns.reshape(-1), fit.vals, fit.n, len(used))
    steps = int(np.clip(FIT_WORK // max(1, fit.rows.size), 60, 300))
    w_used, b = fit_logistic(compact, y.astype(float), steps=steps)
    w = np.zeros(featurizer.dim)
    w[used] = w_used
    return featurizer.design([rows[int(i)] for i in test]).dot(w) + b
