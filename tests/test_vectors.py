"""VectorIndex on its own: the ANN path (PQ fast scan + exact re-rank) with
tombstones, persistence, incremental adds and the flat → ANN switch, on
clustered random vectors small enough to run in a second."""

from __future__ import annotations

import numpy as np
import pytest

from index import vectors
from index.vectors import ANN_FILE, VectorIndex

DIM = 32
THRESHOLD = 1_000


def clustered(n: int, seed: int = 0, centres: int = 40) -> np.ndarray:
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(centres, DIM)).astype(np.float32)
    x = c[rng.integers(centres, size=n)] + rng.normal(0, 0.4, size=(n, DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def exact(v: VectorIndex, q: np.ndarray, k: int) -> list[int]:
    return [i for i, _ in v.search(q, k, exact=True)]


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    return clustered(3_000), clustered(60, seed=1)


def build(x: np.ndarray, first_id: int = 1) -> VectorIndex:
    v = VectorIndex(DIM, ann_threshold=THRESHOLD)
    v.add(np.arange(first_id, first_id + len(x)), x)
    return v


def test_ann_recall_and_exact_scores(data):
    x, queries = data
    v = build(x)
    assert v.is_ann
    rec = []
    for q in queries:
        got = v.search(q, 10)
        assert len(got) == 10
        assert [s for _, s in got] == sorted((s for _, s in got), reverse=True)
        for vid, s in got:  # scores are exact cosines, not code estimates
            assert s == pytest.approx(float(x[vid - 1] @ q), abs=1e-5)
        rec.append(len({i for i, _ in got} & set(exact(v, q, 10))) / 10)
    assert np.mean(rec) >= 0.98


def test_deleted_rows_never_returned_and_k_kept(data):
    x, queries = data
    v = build(x)
    q = queries[0]
    dead = exact(v, q, 400)  # the 400 best rows (13 %, below compaction)
    assert v.remove(np.array(dead)) == 400
    assert len(v) == len(x) - 400 and len(v.ids) == len(x)  # tombstones, no compaction
    got = [i for i, _ in v.search(q, 50)]
    assert len(got) == 50 and not set(got) & set(dead)
    assert got[:10] == exact(v, q, 10)


def test_too_few_live_candidates_falls_back_to_exact(data, monkeypatch):
    x, queries = data
    v = build(x)
    q = queries[1]
    v.remove(np.array(exact(v, q, 300)))
    monkeypatch.setattr(vectors, "RERANK_MIN", 10)
    monkeypatch.setattr(vectors, "RERANK_PER_K", 1)
    calls = []
    real = v._exact_subset
    monkeypatch.setattr(v, "_exact_subset", lambda *a: calls.append(1) or real(*a))
    got = v.search(q, 10)  # every one of the 10 candidates is dead
    assert calls and [i for i, _ in got] == exact(v, q, 10)


def test_filter_returns_k_when_enough_match(data):
    x, queries = data
    v = build(x)
    allowed = np.arange(1, len(x) + 1)[::7]
    got = v.search(queries[2], 20, allowed=allowed)
    assert len(got) == 20 and set(i for i, _ in got) <= set(allowed.tolist())
    few = allowed[:5]
    assert sorted(i for i, _ in v.search(queries[2], 20, allowed=few)) == sorted(few.tolist())


def test_save_load_add_and_compact(data, tmp_path):
    x, queries = data
    v = build(x[:2_000])
    before = [v.search(q, 10) for q in queries[:10]]
    v.save(tmp_path / "g1")
    assert (tmp_path / "g1" / ANN_FILE).exists()
    w = VectorIndex.load(tmp_path / "g1", DIM, ann_threshold=THRESHOLD)
    assert w._faiss is not None and w._faiss.ntotal == 2_000  # codes loaded, not rebuilt
    assert [w.search(q, 10) for q in queries[:10]] == before
    # rows added after the load are encoded with the stored codebooks
    w.add(np.arange(2_001, 3_001), x[2_000:])
    for q in queries[:10]:
        assert [i for i, _ in w.search(q, 10)][:5] == exact(w, q, 5)
    assert w.search(x[2_500], 1)[0][0] == 2_501
    # deleting past a fifth compacts the arrays and retrains on the rest
    w.remove(np.arange(1, 801))
    assert len(w.ids) == 2_200 and w._faiss is None
    assert all(i > 800 for q in queries[:10] for i, _ in w.search(q, 10))
    w.save(tmp_path / "g2")
    z = VectorIndex.load(tmp_path / "g2", DIM, ann_threshold=THRESHOLD)
    assert z._faiss.ntotal == 2_200
    assert [z.search(q, 10) for q in queries[:10]] == [w.search(q, 10) for q in queries[:10]]


def test_flat_becomes_ann_past_threshold_and_old_files_are_ignored(data, tmp_path):
    x, queries = data
    v = build(x[:900])
    assert not v.is_ann
    small = v.search(queries[0], 10)
    assert [i for i, _ in small] == exact(v, queries[0], 10)
    v.add(np.arange(901, 1_501), x[900:1_500])
    assert v.is_ann
    assert [i for i, _ in v.search(queries[0], 10)] == exact(v, queries[0], 10)
    # a generation written before the PQ index (hnsw.faiss only) loads and
    # rebuilds its ANN index on the first search
    v.save(tmp_path / "g")
    (tmp_path / "g" / ANN_FILE).rename(tmp_path / "g" / "hnsw.faiss")
    w = VectorIndex.load(tmp_path / "g", DIM, ann_threshold=THRESHOLD)
    assert w._faiss is None
    assert w.search(queries[0], 10) == v.search(queries[0], 10)
