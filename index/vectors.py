"""Dense vectors in FAISS.

Vectors are L2-normalised, so inner product is cosine. The matrix itself is
kept (float32, one row per chunk) and is the source of truth; the FAISS index
is built over row positions:

- below `ann_threshold` rows: exact search (`IndexFlatIP`);
- from `ann_threshold` rows on: HNSW (`IndexHNSWFlat`, inner product), whose
  recall against exact search is measured in `bench/bench_index.py`.

Deletes are tombstones (`alive` mask) honoured through a FAISS ID selector, and
the arrays are compacted when more than a fifth of the rows are dead, so a
delete never costs a full rebuild. Filtered searches go exact over the allowed
rows (a matrix product), so a filter never returns fewer than k hits when more
match.
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

ANN_THRESHOLD = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 200
HNSW_EF_SEARCH = 512
COMPACT_DEAD_FRACTION = 0.2


class VectorIndex:
    def __init__(self, dim: int, ann_threshold: int = ANN_THRESHOLD) -> None:
        self.dim = dim
        self.ann_threshold = ann_threshold
        self.ids = np.zeros(0, dtype=np.int64)  # ascending vids
        self.matrix = np.zeros((0, dim), dtype=np.float32)
        self.alive = np.zeros(0, dtype=bool)
        self._faiss: faiss.Index | None = None
        self._faiss_rows = 0  # rows of `matrix` already in _faiss

    # -- size ---------------------------------------------------------------
    def __len__(self) -> int:
        return int(self.alive.sum())

    @property
    def is_ann(self) -> bool:
        return len(self.ids) >= self.ann_threshold

    # -- updates ------------------------------------------------------------
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise ValueError(f"expected vectors of dimension {self.dim}, got shape {vectors.shape}")
        if len(ids) != len(vectors):
            raise ValueError("ids and vectors differ in length")
        if len(ids) == 0:
            return
        if len(self.ids) and ids.min() <= self.ids[-1]:
            raise ValueError("vector ids must be added in ascending order")
        self.ids = np.concatenate([self.ids, ids])
        self.matrix = np.concatenate([self.matrix, vectors])
        self.alive = np.concatenate([self.alive, np.ones(len(ids), dtype=bool)])
        # A flat index becomes HNSW past the threshold: drop it, rebuild lazily.
        if self._faiss is not None and self.is_ann != isinstance(self._faiss, faiss.IndexHNSWFlat):
            self._faiss = None

    def remove(self, ids: np.ndarray | list[int]) -> int:
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) == 0 or len(self.ids) == 0:
            return 0
        pos = self._positions(ids)
        n = len(pos)
        self.alive[pos] = False
        dead = len(self.alive) - int(self.alive.sum())
        if dead and dead > COMPACT_DEAD_FRACTION * len(self.alive):
            self.compact()
        return n

    def compact(self) -> None:
        keep = self.alive
        self.ids, self.matrix, self.alive = self.ids[keep], self.matrix[keep], self.alive[keep]
        self._faiss = None

    # -- FAISS --------------------------------------------------------------
    def _index(self) -> faiss.Index:
        if self._faiss is None:
            if self.is_ann:
                idx = faiss.IndexHNSWFlat(self.dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
                idx.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            else:
                idx = faiss.IndexFlatIP(self.dim)
            self._faiss, self._faiss_rows = idx, 0
        if self._faiss_rows < len(self.matrix):
            self._faiss.add(self.matrix[self._faiss_rows :])
            self._faiss_rows = len(self.matrix)
        return self._faiss

    # -- search -------------------------------------------------------------
    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None, exact: bool = False
    ) -> list[tuple[int, float]]:
        """Top-k (vid, cosine) for one query vector. `allowed`: vids a filter
        admits (None = all). `exact=True` forces brute force (for recall)."""
        if k <= 0 or len(self.ids) == 0:
            return []
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        if allowed is not None:
            return self._exact_subset(q[0], k, self._positions(allowed))
        if exact and self.is_ann:
            return self._exact_subset(q[0], k, None if self.alive.all() else np.flatnonzero(self.alive))
        idx = self._index()
        if self.is_ann:
            params = faiss.SearchParametersHNSW()
            params.efSearch = max(HNSW_EF_SEARCH, 2 * k)
        else:
            params = faiss.SearchParameters()
        dead = np.flatnonzero(~self.alive)
        if len(dead):
            params.sel = faiss.IDSelectorNot(faiss.IDSelectorBatch(dead.astype(np.int64)))
        scores, pos = idx.search(q, min(k, len(self)), params=params)
        return [(int(self.ids[p]), float(s)) for p, s in zip(pos[0], scores[0]) if p >= 0]

    def _positions(self, vids: np.ndarray) -> np.ndarray:
        vids = np.asarray(vids, dtype=np.int64)
        pos = np.searchsorted(self.ids, vids)
        ok = pos < len(self.ids)
        pos = pos[ok]
        pos = pos[self.ids[pos] == vids[ok]]
        return pos[self.alive[pos]]

    def _exact_subset(self, q: np.ndarray, k: int, pos: np.ndarray | None) -> list[tuple[int, float]]:
        m = self.matrix if pos is None else self.matrix[pos]
        if len(m) == 0:
            return []
        scores = m @ q
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        ids = self.ids if pos is None else self.ids[pos]
        return [(int(ids[i]), float(scores[i])) for i in top]

    def vector(self, vid: int) -> np.ndarray | None:
        pos = self._positions(np.array([vid]))
        return self.matrix[pos[0]] if len(pos) else None

    # -- persistence --------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Write into `folder` (a fresh generation folder: see Index)."""
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "ids.npy", self.ids)
        np.save(folder / "vectors.npy", self.matrix)
        np.save(folder / "alive.npy", self.alive)
        if self.is_ann:
            faiss.write_index(self._index(), str(folder / "hnsw.faiss"))

    @classmethod
    def load(cls, folder: Path, dim: int, ann_threshold: int = ANN_THRESHOLD) -> VectorIndex:
        v = cls(dim, ann_threshold)
        if not (folder / "ids.npy").exists():
            return v
        v.ids = np.load(folder / "ids.npy")
        v.matrix = np.load(folder / "vectors.npy")
        v.alive = np.load(folder / "alive.npy")
        if v.matrix.shape[1:] != (dim,):
            raise ValueError(f"{folder}: stored vectors have dimension {v.matrix.shape[1:]}, expected {dim}")
        hnsw = folder / "hnsw.faiss"
        if v.is_ann and hnsw.exists():
            v._faiss = faiss.read_index(str(hnsw))
            v._faiss_rows = v._faiss.ntotal
        return v
