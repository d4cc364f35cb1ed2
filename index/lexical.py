"""BM25 lexical index over Norwegian-analysed tokens (bm25s).

    idx = LexicalIndex()                       # NorwegianAnalyzer with defaults
    idx.build(ids, texts)                      # learns the compound vocabulary too
    idx.add(["c9"], ["ny tekst"])              # upsert; BM25 is recomputed lazily
    idx.remove(["c3"])
    idx.search("ventelister tiltak", k=10, allowed_ids={"c1", "c9"})
    idx.save(dir); LexicalIndex.load(dir)

bm25s has no incremental update, so the index keeps every document's token
ids and recomputes the BM25 matrix from them (no re-analysis) on the first
search after a change. The analyzer's learnt vocabulary is saved with the
index so that queries are analysed exactly like the stored documents.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import bm25s
import numpy as np

from index.analysis import NorwegianAnalyzer

log = logging.getLogger(__name__)

FILENAME = "lexical.npz"
FORMAT_VERSION = 1


DocId = str | int


class LexicalIndex:
    """BM25 over `NorwegianAnalyzer` tokens. Ids are opaque: all strings
    (chunk ids "doc:0003") or all ints (vector ids); `save`/`load` keep the type."""

    def __init__(
        self,
        analyzer: NorwegianAnalyzer | None = None,
        *,
        k1: float = 1.2,
        b: float = 0.75,
        method: str = "lucene",
    ) -> None:
        self.analyzer = analyzer if analyzer is not None else NorwegianAnalyzer()
        self.k1, self.b, self.method = k1, b, method
        self.stale = False
        """True when loaded from disk with different analysis data files than
        it was built with: rebuild it from the texts."""
        self._vocab: dict[str, int] = {}
        self._docs: dict[DocId, np.ndarray] = {}
        self._bm25: bm25s.BM25 | None = None
        self._row_ids: list[DocId] = []
        self._rows: dict[DocId, int] = {}
        self._int_ids: np.ndarray | None = None
        self._int_order = np.zeros(0, dtype=np.int64)
        self._dirty = True

    # ------------------------------------------------------------- contents
    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._docs

    @property
    def ids(self) -> list[DocId]:
        return list(self._docs)

    def _token_ids(self, text: str) -> np.ndarray:
        vocab = self._vocab
        ids = [vocab.setdefault(t, len(vocab)) for t in self.analyzer.tokens(text)]
        return np.asarray(ids, dtype=np.int32)

    def build(
        self,
        ids: Sequence[DocId],
        texts: Sequence[str],
        *,
        learn_vocabulary: bool = True,
        min_count: int = 2,
    ) -> None:
        """Replace the whole index with these documents. With
        `learn_vocabulary`, the analyzer first learns compound parts from the
        texts (words seen at least `min_count` times)."""
        ids, texts = list(ids), list(texts)
        _check(ids, texts)
        if learn_vocabulary:
            self.analyzer.learn_vocabulary(texts, min_count=min_count, replace=True)
        self._vocab = {}
        self._docs = {}
        self.stale = False
        self.add(ids, texts)
        self._rebuild()

    def add(self, ids: Sequence[DocId], texts: Sequence[str]) -> None:
        """Add documents, replacing any with the same id."""
        ids, texts = list(ids), list(texts)
        _check(ids, texts)
        for doc_id, text in zip(ids, texts):
            self._docs.pop(doc_id, None)  # re-added ids move to the end
            self._docs[doc_id] = self._token_ids(text)
        self._dirty = True

    def remove(self, ids: Iterable[DocId]) -> int:
        """Remove documents by id; returns how many were present."""
        n = 0
        for doc_id in ids:
            if self._docs.pop(doc_id, None) is not None:
                n += 1
        if n:
            self._dirty = True
        return n

    def _rebuild(self) -> None:
        self._row_ids = list(self._docs)
        self._index_rows()
        self._dirty = False
        if not self._row_ids:
            self._bm25 = None
            return
        bm25 = bm25s.BM25(k1=self.k1, b=self.b, method=self.method)
        corpus = [arr.tolist() for arr in self._docs.values()]
        bm25.index((corpus, self._vocab), create_empty_token=False, show_progress=False)
        self._bm25 = bm25

    def _index_rows(self) -> None:
        self._rows = {doc_id: i for i, doc_id in enumerate(self._row_ids)}
        self._int_ids: np.ndarray | None = None
        if self._row_ids and all(type(i) is int for i in self._row_ids):
            ids = np.asarray(self._row_ids, dtype=np.int64)
            order = np.argsort(ids, kind="stable")
            self._int_ids, self._int_order = ids[order], order

    def _allowed_rows(self, allowed_ids: set[DocId]) -> np.ndarray:
        """Row numbers of the allowed ids that are in the index."""
        if self._int_ids is not None and allowed_ids:
            try:
                wanted = np.fromiter(allowed_ids, dtype=np.int64, count=len(allowed_ids))
            except (TypeError, ValueError, OverflowError):
                wanted = None
            if wanted is not None:  # vectorised lookup for integer ids
                pos = np.searchsorted(self._int_ids, wanted)
                found = pos < len(self._int_ids)
                found[found] = self._int_ids[pos[found]] == wanted[found]
                return self._int_order[pos[found]]
        rows = self._rows
        return np.fromiter((r for r in map(rows.get, allowed_ids) if r is not None), dtype=np.int64)

    # --------------------------------------------------------------- search
    def search(
        self, query: str, k: int = 10, allowed_ids: set[DocId] | None = None
    ) -> list[tuple[DocId, float]]:
        """Top `k` (id, BM25 score) for `query`, best first; only documents
        sharing at least one term with the query. With `allowed_ids`, the
        filter is applied to the scores of all documents before the top-k
        cut, so up to k allowed documents come back whenever that many match."""
        if k <= 0:
            return []
        if self._dirty:
            self._rebuild()
        if self._bm25 is None:
            return []
        token_ids = sorted({self._vocab[t] for t in self.analyzer.query_tokens(query) if t in self._vocab})
        if not token_ids:
            return []
        scores = self._bm25.get_scores_from_ids(token_ids)
        if allowed_ids is None:
            rows = np.flatnonzero(scores > 0)
        else:
            rows = self._allowed_rows(allowed_ids)
            rows = rows[scores[rows] > 0]
        if rows.size > k:
            rows = rows[np.argpartition(-scores[rows], k - 1)[:k]]
        # best first; equal scores in insertion order
        rows = rows[np.lexsort((rows, -scores[rows]))]
        return [(self._row_ids[r], float(scores[r])) for r in rows]

    # ---------------------------------------------------------- persistence
    def save(self, directory: str | os.PathLike[str]) -> Path:
        """Write `directory/lexical.npz` atomically (temp file + os.replace)."""
        if self._dirty:
            self._rebuild()
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        docs = list(self._docs.values())
        offsets = np.zeros(len(docs) + 1, dtype=np.int64)
        if docs:
            np.cumsum([len(d) for d in docs], out=offsets[1:])
        counts = self.analyzer.vocabulary_counts
        meta = {
            "format": FORMAT_VERSION,
            "k1": self.k1,
            "b": self.b,
            "method": self.method,
            "analyzer": self.analyzer.fingerprint,
            "bm25s": bm25s.__version__,
        }
        arrays: dict[str, np.ndarray] = {
            "meta": np.array(json.dumps(meta)),
            "ids": _ids_array(self._row_ids),
            "offsets": offsets,
            "tokens": np.concatenate(docs).astype(np.int32) if docs else np.zeros(0, np.int32),
            "vocab": np.array(list(self._vocab), dtype=str),
            "words": np.array(list(counts), dtype=str),
            "counts": np.array(list(counts.values()), dtype=np.int64),
        }
        if self._bm25 is not None:
            for name in ("data", "indices", "indptr"):
                arrays[f"bm25_{name}"] = np.asarray(self._bm25.scores[name])
        target = directory / FILENAME
        fd, tmp = tempfile.mkstemp(prefix=".lexical-", suffix=".npz.tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **arrays)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    @classmethod
    def load(
        cls, directory: str | os.PathLike[str], analyzer: NorwegianAnalyzer | None = None
    ) -> LexicalIndex:
        """Load what `save` wrote. The analyzer (default: a new
        `NorwegianAnalyzer`) gets the saved vocabulary, replacing what it had,
        so pass the analyzer you also use for highlighting. If the analysis
        data files changed since the save, `stale` is set and a warning logged."""
        path = Path(directory) / FILENAME
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            if meta.get("format") != FORMAT_VERSION:
                raise ValueError(f"{path}: unknown lexical index format {meta.get('format')}")
            words = z["words"].tolist()
            counts = z["counts"].tolist()
            if analyzer is None:
                analyzer = NorwegianAnalyzer()
            analyzer.set_vocabulary(dict(zip(words, counts)))
            idx = cls(analyzer, k1=meta["k1"], b=meta["b"], method=meta["method"])
            idx._vocab = {t: i for i, t in enumerate(z["vocab"].tolist())}
            ids = z["ids"].tolist()
            offsets, tokens = z["offsets"], z["tokens"]
            idx._docs = {doc_id: tokens[offsets[i] : offsets[i + 1]].copy() for i, doc_id in enumerate(ids)}
            idx._row_ids = ids
            idx._index_rows()
            if "bm25_data" in z.files and ids:
                bm25 = bm25s.BM25(k1=idx.k1, b=idx.b, method=idx.method)
                bm25.scores = {
                    "data": z["bm25_data"],
                    "indices": z["bm25_indices"],
                    "indptr": z["bm25_indptr"],
                    "num_docs": len(ids),
                }
                bm25.vocab_dict = idx._vocab
                bm25.unique_token_ids_set = set(idx._vocab.values())
                bm25.nonoccurrence_array = None
                idx._bm25 = bm25
                idx._dirty = False
            else:
                idx._dirty = True
        if meta["analyzer"] != analyzer.fingerprint:
            idx.stale = True
            log.warning(
                "%s was built with other analysis data (synonyms/stopwords/word lists); "
                "rebuild the lexical index",
                path,
            )
        return idx


def _check(ids: list[DocId], texts: list[str]) -> None:
    if len(ids) != len(texts):
        raise ValueError(f"{len(ids)} ids but {len(texts)} texts")
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate ids")


def _ids_array(ids: list[DocId]) -> np.ndarray:
    if ids and all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in ids):
        return np.array(ids, dtype=np.int64)
    if any(not isinstance(i, str) for i in ids):
        raise TypeError("LexicalIndex ids must be all str or all int to be saved")
    return np.array(ids, dtype=str)
