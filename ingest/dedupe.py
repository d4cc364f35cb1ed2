"""Document identity and near-duplicate fingerprints.

* ``document_id(path)``: the content hash; re-ingesting unchanged bytes gives
  the same id, so the index can skip it.
* ``fingerprint(text)``: a 128-value MinHash signature over 5-word shingles of
  the normalised text. Deterministic across processes and machines (CRC32 word
  hashes, fixed-seed permutations), vectorised with numpy.
* ``similarity(a, b)``: estimated Jaccard similarity of the shingle sets.
* ``containment(a, b)``: estimated share of a's shingles that are also in b.
  The set sizes are estimated from the signatures themselves (the k minima of
  uniform hashes), so a fingerprint stays a plain ``list[int]``.
* ``find_duplicate(fp, candidates, threshold)``: the best known document that
  the new one is a (near-)copy of.

What counts as a duplicate: a document whose text is, for the most part,
contained in one already known — the same plan as PDF and as a web
transcript (which adds site boilerplate), or a web page and its cleaned text.
Containment is directional: a partial copy (e.g. four scanned pages of a plan)
arriving after the full plan links to it, while the full plan arriving after
the excerpt does not link to the excerpt (it holds far more). Documents of
different municipalities written from the same template share phrases but
few 5-word runs, and stay apart. Measured values: tests/test_pipeline.py.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from pathlib import Path
from typing import Iterable

import numpy as np

NUM_PERM = 128
SHINGLE = 5
DUPLICATE_THRESHOLD = 0.5
"""Default containment for `find_duplicate` (see the measurements in the tests)."""
MIN_SHINGLES = 30
"""Texts with fewer estimated shingles than this never count as duplicates."""

_MASK32 = np.uint64(0xFFFFFFFF)
_rng = np.random.default_rng(20240917)
_A = (_rng.integers(1, 2**63, NUM_PERM, dtype=np.uint64) | np.uint64(1)).reshape(1, -1)
_B = _rng.integers(0, 2**63, NUM_PERM, dtype=np.uint64).reshape(1, -1)
_EMPTY = [0xFFFFFFFF] * NUM_PERM
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def document_id(path: Path) -> tuple[str, str]:
    """(doc_id, sha256) of the file bytes; doc_id is the first 16 hex digits."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    sha = h.hexdigest()
    return sha[:16], sha


def normalise_words(text: str) -> list[str]:
    """Lower-cased word tokens; soft hyphens and hyphenated line breaks are
    joined, numbers are dropped (page numbers and "Side 3 av 25" footers differ
    between formats of the same document)."""
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text)
    return [w for w in _WORD.findall(text.lower()) if not w.isdigit()]


def _shingle_hashes(words: list[str]) -> np.ndarray:
    if not words:
        return np.zeros(0, dtype=np.uint64)
    vocab: dict[str, int] = {}
    ids = np.fromiter(
        (vocab.setdefault(w, zlib.crc32(w.encode("utf-8"))) for w in words), dtype=np.uint64, count=len(words)
    )
    k = min(SHINGLE, len(ids))
    n = len(ids) - k + 1
    h = np.zeros(n, dtype=np.uint64)
    mult = np.uint64(0x100000001B3)
    for j in range(k):
        h = h * mult + ids[j : j + n]  # wraps mod 2**64
    h ^= h >> np.uint64(29)
    return np.unique(h)


def fingerprint(text: str) -> list[int]:
    """MinHash signature (NUM_PERM values in [0, 2**32)) of the word shingles."""
    hashes = _shingle_hashes(normalise_words(text))
    if hashes.size == 0:
        return list(_EMPTY)
    sig = np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint64)
    for i in range(0, hashes.size, 8192):
        block = hashes[i : i + 8192].reshape(-1, 1)
        vals = ((block * _A + _B) >> np.uint64(32)) & _MASK32  # multiply-shift hash
        sig = np.minimum(sig, vals.min(axis=0))
    return [int(v) for v in sig]


def similarity(a: list[int], b: list[int]) -> float:
    """Estimated Jaccard similarity of two fingerprints' shingle sets."""
    if not a or not b or len(a) != len(b):
        return 0.0
    if a == _EMPTY or b == _EMPTY:
        return 0.0
    return float(np.mean(np.asarray(a) == np.asarray(b)))


def estimated_size(fp: list[int]) -> float:
    """Estimated number of distinct shingles behind a fingerprint."""
    if not fp or fp == _EMPTY:
        return 0.0
    u = (np.asarray(fp, dtype=np.float64) + 1.0) / 2.0**32
    return max(1.0, (len(fp) - 1) / float(u.sum()))


def containment(a: list[int], b: list[int]) -> float:
    """Estimated share of a's shingles that also occur in b (0..1)."""
    j = similarity(a, b)
    if j == 0.0:
        return 0.0
    na, nb = estimated_size(a), estimated_size(b)
    inter = j * (na + nb) / (1.0 + j)
    return float(min(1.0, inter / na))


def find_duplicate(
    fp: list[int],
    candidates: Iterable[tuple[str, list[int]]],
    threshold: float = DUPLICATE_THRESHOLD,
) -> str | None:
    """doc_id of the candidate that contains most of ``fp``'s text, if that share
    reaches ``threshold``; else None. Tiny texts never match."""
    if estimated_size(fp) < MIN_SHINGLES:
        return None
    best, best_score = None, threshold
    for doc_id, other in candidates:
        score = containment(fp, other)
        if score >= best_score:
            best, best_score = doc_id, score
    return best
