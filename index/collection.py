"""`Index`: one folder holding a searchable collection.

    var/index/
      boso.sqlite      documents, pages, chunks, items, meta (index.store)
      gen-000007/      vectors (index.vectors) + BM25 (index.lexical)

Writes are staged and become visible in one step: `commit()` writes a new
generation folder, then commits the SQLite transaction that records it as
current. A crash before that commit leaves the previous generation and the
previous database state in place, so the index stays searchable and nothing
already indexed is lost.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from index.search import (
    DEFAULT_FUSION,
    FusionConfig,
    Hit,
    Mode,
    SearchResponse,
    fuse,
    make_snippet,
    render_snippet,
    snippet_window,
)
from index.store import Filters, Store
from index.vectors import ANN_THRESHOLD, VectorIndex
from ingest.records import IngestError, IngestResult

log = logging.getLogger(__name__)

_UNSET: Any = object()

DB_NAME = "boso.sqlite"


def encoder_wanted() -> bool:
    """Whether the fine-tuned encoder is to decide on measures (it is, unless
    ``BOSO_MEASURE_ENCODER=0``)."""
    return os.environ.get("BOSO_MEASURE_ENCODER", "1") != "0"


def outdated_items(folder: Path | str) -> int:
    """`Index.outdated_items` of the index in `folder`, from its database
    alone: nothing else of the index is loaded."""
    store = Store(Path(folder) / DB_NAME)
    try:
        return _count_outdated(store)
    finally:
        store.close()


def _count_outdated(store: Store) -> int:
    from ingest.stamp import extractor_stamp

    return store.count_outdated(extractor_stamp(encoder_wanted()))


def default_index_dir() -> Path:
    """$BOSO_INDEX, else ./var/index (relative to the working directory)."""
    return Path(os.environ.get("BOSO_INDEX", "var/index"))


@dataclass
class IngestOutcome:
    path: str
    status: str  # added, replaced, reextracted, unchanged, failed, deleted
    doc_id: str | None = None
    chunks: int = 0
    error: str | None = None
    duplicate_of: str | None = None
    seconds: float = 0.0
    items: int = 0  # measures, recommendations and figures extracted (reextracted)


@dataclass
class IngestSummary:
    outcomes: list[IngestOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[IngestOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def line(self) -> str:
        parts = [f"{self.count(s)} {s}" for s in ("added", "replaced", "unchanged", "deleted", "failed")]
        if self.count("reextracted"):
            parts.insert(2, f"{self.count('reextracted')} reextracted")
        return ", ".join(parts)


class Index:
    def __init__(
        self,
        folder: Path | str,
        *,
        model: str | None = None,
        encoder: Any = None,
        fusion: FusionConfig = DEFAULT_FUSION,
        ann_threshold: int = ANN_THRESHOLD,
    ) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.store = Store(self.folder / DB_NAME)
        self.fusion = fusion
        self.ann_threshold = ann_threshold
        self._model_name = model
        self._encoder = encoder
        self._second: Any = _UNSET
        self._model_checked = False
        self._generation = -1
        self._groups: tuple[int, dict[int, tuple[str, str]]] | None = None
        self._linked: tuple[int, set[str]] | None = None
        self._vectors: VectorIndex | None = None
        self._lexical: Any = None
        self._analyzer: Any = None
        self._dirty = False
        self._in_txn = False
        self._stamps: dict[str, str | None] = {}  # doc_id → extractor stamp, read per batch
        self._load_generation()

    # -- components ---------------------------------------------------------
    @property
    def second_opinion(self) -> Any:
        """The fine-tuned measure classifier (`ingest.extract.encoder_model`)
        built on this index's embedding model, or None: turned off
        (``BOSO_MEASURE_ENCODER=0``), or the model is not the one its adapters
        were trained on. Then the regression alone decides, as before."""
        if self._second is _UNSET:
            self._second = None
            if encoder_wanted():
                from ingest.extract.encoder_model import EncoderMeasureModel, EncoderModelError

                folder = getattr(self.encoder, "path", None)
                try:
                    if folder is None:
                        raise EncoderModelError("the embedding model has no folder")
                    self._second = EncoderMeasureModel.load(folder)
                except EncoderModelError as e:
                    log.warning("measures: the regression alone decides (%s)", e)
                except Exception as e:  # a model folder it cannot read: ingest goes on without it
                    log.warning("measures: the regression alone decides (the fine-tuned encoder did not load "
                                "from %s: %s: %s)", folder, type(e).__name__, e)
        return self._second

    @property
    def encoder(self) -> Any:
        if self._encoder is None:
            from index.embed import Encoder

            self._encoder = Encoder.load(self._model_name)
        if not self._model_checked:
            self._check_model(self._encoder.info)
            self._model_checked = True
        return self._encoder

    def _check_model(self, info: Any) -> None:
        stored = self.store.get_meta("model")
        if stored is None:
            return
        from index.embed import ModelInfo, check_compatible

        check_compatible(ModelInfo(**json.loads(stored)), info)

    @property
    def analyzer(self) -> Any:
        """The lexical index's analyzer (it carries the compound vocabulary
        learnt from this collection), for query analysis and highlighting."""
        if self._lexical is not None:
            return self._lexical.analyzer
        if self._analyzer is None:
            from index.analysis import NorwegianAnalyzer

            self._analyzer = NorwegianAnalyzer()
        return self._analyzer

    @property
    def dim(self) -> int | None:
        v = self.store.get_meta("dim")
        return int(v) if v else None

    def _gen_dir(self, gen: int) -> Path:
        return self.folder / f"gen-{gen:06d}"

    def _load_generation(self) -> None:
        gen = int(self.store.get_meta("generation") or 0)
        if gen == self._generation:
            return
        folder = self._gen_dir(gen)
        dim = self.dim
        self._vectors = VectorIndex.load(folder, dim, self.ann_threshold) if dim else None
        from index.lexical import LexicalIndex

        self._lexical = LexicalIndex.load(folder / "lexical") if (folder / "lexical").exists() else None
        if self._lexical is not None and self._lexical.stale:
            # analysis data files (synonyms, stopwords) changed: re-analyse
            self._lexical = self._full_lexical()
        self._pending_add: dict[int, str] = {}
        self._pending_remove: list[int] = []
        self._generation = gen

    def refresh(self) -> None:
        """Pick up a generation committed by another process."""
        if not self._in_txn:
            self._load_generation()

    # -- writes -------------------------------------------------------------
    def begin(self) -> None:
        if not self._in_txn:
            self.store.db.execute("BEGIN IMMEDIATE")
            self._in_txn = True

    def rollback(self) -> None:
        if self._in_txn:
            self.store.db.execute("ROLLBACK")
            self._in_txn = False
            self._generation = -1
            self._load_generation()
            self._dirty = False

    def add(self, result: IngestResult, path: Path | str) -> str | None:
        """Stage one ingested document (replacing an older version at the
        same path). Returns the doc_id of a near-duplicate it was linked to."""
        from ingest.dedupe import find_duplicate

        self.begin()
        doc = result.document
        path = str(Path(path).resolve())
        old = self.store.doc_id_for_path(path)
        if old:
            self.delete(old)
        if self.store.has_document(doc.doc_id):
            # the same bytes under another path: keep one record
            log.info("%s: same content already indexed as %s", path, doc.doc_id)
            return None
        dup = find_duplicate(doc.fingerprint, self.store.fingerprints()) if doc.fingerprint else None
        texts = [c.text for c in result.chunks]
        vecs = self.encoder.encode_passages(texts) if texts else np.zeros((0, self.encoder.info.dim), np.float32)
        if self._vectors is None:
            info = self.encoder.info
            self.store.set_meta("dim", str(info.dim))
            self.store.set_meta("model", json.dumps({"name": info.name, "dim": info.dim, "checksum": info.checksum}))
            self._vectors = VectorIndex(info.dim, self.ann_threshold)
        elif self.store.get_meta("model") is None:
            info = self.encoder.info
            self.store.set_meta("model", json.dumps({"name": info.name, "dim": info.dim, "checksum": info.checksum}))
        vids = self.store.add_result(result, path, dup)
        self._vectors.add(np.array(vids, dtype=np.int64), vecs)
        self._pending_add.update(zip(vids, texts))
        self._dirty = True
        return dup

    def delete(self, doc_id: str) -> bool:
        self.begin()
        if not self.store.has_document(doc_id):
            return False
        vids = self.store.delete_document(doc_id)
        if self._vectors is not None:
            self._vectors.remove(vids)
        for v in vids:
            if self._pending_add.pop(v, None) is None:
                self._pending_remove.append(v)
        self._dirty = True
        return True

    def commit(self) -> None:
        """Make staged changes visible atomically (see module docstring)."""
        if not self._in_txn:
            return
        if not self._dirty:
            self.store.db.execute("COMMIT")
            self._in_txn = False
            return
        new_gen = self._generation + 1
        folder = self._gen_dir(new_gen)
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self._vectors is not None:
            self._vectors.save(tmp)
        lexical = self._build_lexical()
        if lexical is not None:
            lexical.save(tmp / "lexical")
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
        self.store.set_meta("generation", str(new_gen))
        self.store.db.execute("COMMIT")
        self._in_txn = False
        self._dirty = False
        old_gen = self._generation
        self._generation = new_gen
        self._lexical = lexical
        # keep the previous generation for readers still holding it
        for p in self.folder.glob("gen-*"):
            try:
                g = int(p.name.split("-")[1].split(".")[0])
            except ValueError:
                continue
            if g < old_gen or p.name.endswith(".tmp"):
                shutil.rmtree(p, ignore_errors=True)

    def _build_lexical(self) -> Any:
        """Apply staged changes to BM25. Small changes are incremental; when
        the collection has grown by half since the compound vocabulary was
        learnt (or there is no index yet) it is rebuilt from all chunks."""
        lex = self._lexical
        added, removed = self._pending_add, self._pending_remove
        self._pending_add, self._pending_remove = {}, []
        if lex is None or len(added) > 0.5 * max(len(lex), 1):
            return self._full_lexical()
        lex.remove(removed)
        lex.add(list(added), list(added.values()))
        return lex

    def model_rebuilt(self) -> bool:
        """True when the index was built with this same model (name and
        dimension) before it was rebuilt into other files, e.g. by `boso
        model install` after an update changed the conversion: its vectors
        are then refused until `reembed`."""
        from index.embed import Encoder, ModelInfo

        stored = self.store.get_meta("model")
        if stored is None:
            return False
        if self._encoder is None:
            self._encoder = Encoder.load(self._model_name)
        s, c = ModelInfo(**json.loads(stored)), self._encoder.info
        return (s.name, s.dim) == (c.name, c.dim) and s.checksum != c.checksum

    def reembed(self, *, progress: bool = False, batch: int = 64) -> int:
        """Encode every stored chunk again with the current encoder and commit
        the vectors as a new generation: the way to move an index to a
        rebuilt or different embedding model without reading its files
        again. Documents, pages, items and the lexical index are kept; until
        the commit, the previous generation stays the one on disk. Returns
        the number of chunks."""
        from index.embed import Encoder

        if self._encoder is None:
            self._encoder = Encoder.load(self._model_name)
        enc = self._encoder
        self.begin()
        try:
            rows = list(self.store.iter_chunk_texts())
            vids = np.array([v for v, _ in rows], dtype=np.int64)
            bar = None
            if progress:
                from tqdm import tqdm

                bar = tqdm(total=len(rows), unit="chunk", desc="re-embed", leave=False)
            parts = []
            for i in range(0, len(rows), batch):
                parts.append(enc.encode_passages([t for _, t in rows[i : i + batch]]))
                if bar is not None:
                    bar.update(len(parts[-1]))
            if bar is not None:
                bar.close()
            info = enc.info
            vectors = VectorIndex(info.dim, self.ann_threshold)
            if len(rows):
                vectors.add(vids, np.concatenate(parts))
            self.store.set_meta("dim", str(info.dim))
            self.store.set_meta("model", json.dumps({"name": info.name, "dim": info.dim, "checksum": info.checksum}))
            self._vectors = vectors
            self._dirty = True
            self.commit()
        except BaseException:
            self.rollback()
            raise
        self._model_checked = True
        return len(rows)

    def _full_lexical(self) -> Any:
        from index.lexical import LexicalIndex

        ids, texts = [], []
        for vid, text in self.store.iter_chunk_texts():
            ids.append(vid)
            texts.append(text)
        lex = LexicalIndex()
        lex.build(ids, texts)
        return lex

    # -- ingest -------------------------------------------------------------
    def ingest(
        self,
        paths: Iterable[Path | str],
        *,
        delete_missing: bool = False,
        progress: bool = False,
        commit_every: int = 25,
        on_outcome: Callable[[IngestOutcome], None] | None = None,
    ) -> IngestSummary:
        """Ingest files and folders; unchanged files are skipped, changed
        ones replaced. A bad file is reported and skipped; the batch goes on.
        With `delete_missing`, documents under the given folders whose files
        are gone are deleted."""
        from ingest.manifest import load_overrides
        from ingest.pipeline import ingest_file, iter_input_files

        paths = [Path(p) for p in paths]
        files = list(iter_input_files(paths))
        if files:
            # A missing or mismatched model is the system's fault, not the
            # files': fail the batch once with its message instead.
            self.encoder  # noqa: B018
        known = self.store.all_paths()
        self._stamps = self.store.extractors()
        overrides: dict[Path, dict[str, dict]] = {}
        summary = IngestSummary()
        with self._batch(summary, len(files), "ingest", progress, on_outcome, commit_every) as record:
            for file, root in files:
                t0 = time.perf_counter()
                abspath = str(file.resolve())
                if root not in overrides:
                    overrides[root] = load_overrides(root)
                outcome = self._ingest_one(file, root, abspath, known, overrides[root])
                outcome.seconds = time.perf_counter() - t0
                record(outcome)
            if delete_missing:
                seen = {str(f.resolve()) for f, _ in files}
                roots = [str(p.resolve()) for p in paths if p.is_dir()]
                for path, doc_id in known.items():
                    if path not in seen and any(path.startswith(r + os.sep) for r in roots):
                        self.delete(doc_id)
                        record(IngestOutcome(path=path, status="deleted", doc_id=doc_id), tick=False)
        return summary

    @contextmanager
    def _batch(
        self,
        summary: IngestSummary,
        total: int,
        desc: str,
        progress: bool,
        on_outcome: Callable[[IngestOutcome], None] | None,
        commit_every: int = 25,
    ) -> Iterator[Callable[..., None]]:
        """A batch of per-file work in one write transaction: yields
        `record(outcome, tick=True)`, which files the outcome, reports it,
        moves the progress bar and commits every `commit_every` staged
        documents. The rest is committed at the end, or all of it rolled back
        on an exception."""
        bar = None
        if progress and total > 1:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="file", desc=desc, leave=False)
        staged = 0

        def record(outcome: IngestOutcome, tick: bool = True) -> None:
            nonlocal staged
            summary.outcomes.append(outcome)
            if on_outcome:
                on_outcome(outcome)
            if bar and tick:
                bar.update(1)
            if outcome.status in ("added", "replaced", "reextracted"):
                staged += 1
                if staged >= commit_every:
                    self.commit()
                    staged = 0

        try:
            yield record
            self.commit()
        except BaseException:
            self.rollback()
            raise
        finally:
            if bar:
                bar.close()

    def _ingest_one(
        self, file: Path, root: Path, abspath: str, known: dict[str, str], overrides: dict[str, dict]
    ) -> IngestOutcome:
        from ingest.dedupe import document_id
        from ingest.pipeline import ingest_file

        try:
            doc_id, _ = document_id(file)
        except OSError as e:
            return IngestOutcome(path=str(file), status="failed", error=f"{file}: unreadable ({e})")
        old = known.get(abspath)
        if old == doc_id:
            if self._extraction_stale(doc_id):
                return self._reextract_one(file, doc_id)
            return IngestOutcome(path=str(file), status="unchanged", doc_id=doc_id)
        if old is None and self.store.has_document(doc_id):
            # byte-identical to a document indexed from another path
            return IngestOutcome(path=str(file), status="unchanged", doc_id=doc_id, duplicate_of=doc_id)
        try:
            rel = file.resolve().relative_to(root.resolve()).as_posix()
            result = ingest_file(
                file, root, count_tokens=self.encoder.count_tokens, overrides=overrides.get(rel),
                second=self.second_opinion,
            )
        except IngestError as e:
            return IngestOutcome(path=str(file), status="failed", error=str(e))
        except Exception as e:  # a reader bug must not stop the batch
            log.exception("ingest failed for %s", file)
            return IngestOutcome(path=str(file), status="failed", error=f"{file}: unreadable ({type(e).__name__}: {e})")
        dup = self.add(result, file)
        return IngestOutcome(
            path=str(file),
            status="replaced" if old else "added",
            doc_id=result.document.doc_id,
            chunks=len(result.chunks),
            duplicate_of=dup,
            items=len(result.measures) + len(result.recommendations) + len(result.figures),
        )

    # -- re-extraction ------------------------------------------------------
    def outdated_items(self) -> int:
        """How many documents have items from another extractor than the one
        this process would use (without loading the fine-tuned encoder to
        find out whether it would load: it is assumed to, unless
        ``BOSO_MEASURE_ENCODER=0``)."""
        return _count_outdated(self.store)

    def _extraction_stale(self, doc_id: str) -> bool:
        """Whether a document's items came from another extractor than the
        current one (`ingest.stamp.extractor_stamp`). Answered without
        loading the fine-tuned encoder unless the items look stale."""
        from ingest.stamp import extractor_stamp

        stored = self._stamps.get(doc_id)
        if stored == extractor_stamp(encoder_wanted()):
            return False
        return stored != extractor_stamp(self.second_opinion is not None)

    def _reextract_one(self, path: Path | str, doc_id: str) -> IngestOutcome:
        """Extract a document's items again from its unchanged file and stage
        them in place of the old ones. Chunks, vectors and the lexical index
        are untouched. On failure the old items stay and the outcome names
        the file and the problem."""
        from ingest.pipeline import extract_again

        t0 = time.perf_counter()
        source = self.store.document(doc_id)["source"]
        try:
            items = extract_again(Path(path), doc_id, source, self.store.document_metadata(doc_id),
                                  second=self.second_opinion)
        except IngestError as e:
            return IngestOutcome(path=str(path), status="failed", doc_id=doc_id,
                                 error=f"{e}; its items from the earlier extraction are kept")
        self.begin()
        self.store.replace_items(items)
        self._stamps[doc_id] = items.extractor
        n = len(items.measures) + len(items.recommendations) + len(items.figures)
        return IngestOutcome(path=str(path), status="reextracted", doc_id=doc_id, items=n,
                             seconds=time.perf_counter() - t0)

    def stale_extractions(self) -> list[str]:
        """doc_ids whose items an older extractor produced."""
        self._stamps = self.store.extractors()
        return [d for d in self._stamps if self._extraction_stale(d)]

    def reextract(
        self,
        *,
        everything: bool = False,
        progress: bool = False,
        on_outcome: Callable[[IngestOutcome], None] | None = None,
    ) -> IngestSummary:
        """Extract the items of indexed documents again from their files:
        those an older extractor produced, or with `everything` all of them.
        Nothing is read but the files themselves and nothing is embedded; a
        file that is gone, changed or now unreadable is reported and keeps
        its items. (`ingest` does the same for the unchanged files it is
        given.)"""
        stale = self.stale_extractions()  # (reads the stamps)
        doc_ids = list(self._stamps) if everything else stale
        paths = {d: p for p, d in self.store.all_paths().items()}
        summary = IngestSummary()
        with self._batch(summary, len(doc_ids), "re-extract", progress, on_outcome) as record:
            for doc_id in doc_ids:
                record(self._reextract_one(paths[doc_id], doc_id))
        return summary

    # -- search -------------------------------------------------------------
    def search(
        self,
        query: str,
        filters: Filters | None = None,
        *,
        k: int = 10,
        offset: int = 0,
        mode: Mode = "hybrid",
        fusion: FusionConfig | None = None,
        facets: bool = False,
        snippets: bool = True,
    ) -> SearchResponse:
        self.refresh()
        filters = filters or Filters()
        cfg = fusion or self.fusion
        depth = max(cfg.depth, offset + k)
        allowed = None if filters.is_empty() else np.array(self.store.filtered_vids(filters), dtype=np.int64)
        if allowed is not None and len(allowed) == 0:
            return SearchResponse(query=query, total=0, hits=[], mode=mode)
        lexical: list[tuple[int, float]] = []
        dense: list[tuple[int, float]] = []
        if mode in ("hybrid", "lexical") and self._lexical is not None:
            lexical = self._lexical.search(
                query, depth, allowed_ids=None if allowed is None else set(allowed.tolist())
            )
        if mode in ("hybrid", "dense") and self._vectors is not None and len(self._vectors):
            one = getattr(self.encoder, "encode_query", None)
            if mode == "hybrid" and cfg.static_query:
                one = getattr(self.encoder, "encode_query_static", one)
            qv = one(query) if one is not None else self.encoder.encode_queries([query])[0]
            dense = self._vectors.search(qv, depth, allowed=allowed)
        if mode == "lexical":
            ranked = lexical
        elif mode == "dense":
            ranked = dense
        else:
            evidence = self._evidence(query, lexical, dense) if cfg.evidence_weight > 0 else []
            ranked = fuse(lexical, dense, cfg, evidence)
        kept = self._collapse(ranked)
        page = self._hits(kept[offset : offset + k])  # rows, snippets and copies only for what is shown
        self._finish(query, page, snippets)
        resp = SearchResponse(query=query, total=len(kept), hits=page, mode=mode)
        if facets:
            resp.facets = self.store.facet_counts([int(v) for v, _ in ranked])
        return resp

    def _evidence(
        self, query: str, lexical: list[tuple[int, float]], dense: list[tuple[int, float]]
    ) -> list[tuple[int, float]]:
        """Candidates that hold extracted items on the query's topics, by
        how many they hold (see FusionConfig.evidence_weight)."""
        from ingest.vocabulary import Vocabulary

        topics = Vocabulary.load().match_topics(query)
        if not topics:
            return []
        vids = list(dict.fromkeys([v for v, _ in lexical] + [v for v, _ in dense]))
        groups = self._chunk_groups()
        docs = sorted({groups[v][0] for v in vids if v in groups})
        items: dict[str, list[tuple[int, str]]] = {}
        for t in topics:
            for it in self.store.items(topic=t, doc_ids=docs):
                items.setdefault(it["doc_id"], []).append((it["page"], it["text"][:60]))
        if not items:
            return []
        # text only for candidates from documents that hold such items
        rows = self.store.chunks_by_vid([v for v in vids if v in groups and groups[v][0] in items])
        scored = []
        for vid in vids:
            r = rows.get(vid)
            if r is None:
                continue
            n = sum(
                1
                for page, head in items.get(r["doc_id"], ())
                if r["page_start"] <= page <= r["page_end"] and head[:40] in r["text"]
            )
            if n:
                scored.append((vid, float(n)))
        scored.sort(key=lambda x: -x[1])
        return scored

    def _hits(self, ranked: list[tuple[int, float]]) -> list[Hit]:
        rows = self.store.chunks_by_vid([v for v, _ in ranked])
        hits = []
        for vid, score in ranked:
            r = rows.get(vid)
            if r is None:
                continue
            hits.append(
                Hit(
                    doc_id=r["doc_id"],
                    chunk_id=r["chunk_id"],
                    source=r["source"],
                    title=r["title"] or r["source"],
                    municipality=r["municipality"],
                    doc_type=r["doc_type"],
                    year=r["year"],
                    page=r["page_start"],
                    pages=list(range(r["page_start"], r["page_end"] + 1)),
                    section=r["section"] or "",
                    score=round(float(score), 6),
                    text=r["text"],
                    snippet="",
                    kind=r["kind"] or "text",
                )
            )
        return hits

    def _per_generation(self, attr: str, load: Callable[[], Any]) -> Any:
        """`load()`, kept in `self.<attr>` until the generation changes. Inside
        a transaction the staged rows are read and not kept."""
        if self._in_txn:
            return load()
        cached = getattr(self, attr)
        if cached is None or cached[0] != self._generation:
            cached = (self._generation, load())
            setattr(self, attr, cached)
        return cached[1]

    def _chunk_groups(self) -> dict[int, tuple[str, str]]:
        """vid -> (doc_id, duplicate group) for the current generation, read
        once per generation (≈ 20 MB at 100 000 chunks) instead of per query."""
        return self._per_generation("_groups", self.store.all_chunk_groups)

    def _linked_docs(self) -> set[str]:
        """Documents with near-duplicates (per generation): the others'
        copies need no query."""
        return self._per_generation("_linked", self.store.linked_doc_ids)

    def _collapse(self, ranked: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """Near-duplicate documents appear once: candidates from the second
        and later documents of a duplicate group are dropped (`_finish` lists
        the other copies' sources in `also_in`). Candidates whose chunk is
        gone are dropped too."""
        groups = self._chunk_groups()
        chosen: dict[str, str] = {}  # group -> doc_id kept
        out = []
        for vid, score in ranked:
            g = groups.get(vid)
            if g is None:
                continue
            doc_id, group = g
            if chosen.setdefault(group, doc_id) == doc_id:
                out.append((vid, score))
        return out

    def _finish(self, query: str, hits: list[Hit], snippets: bool = True) -> None:
        """Snippets with the query's terms marked, and the other copies of
        each hit's document."""
        others: dict[str, list[dict[str, str]]] = {}
        linked = self._linked_docs()
        for h in hits:
            if snippets:
                h.snippet = self._snippet(query, h.text)
            if h.doc_id not in others:
                others[h.doc_id] = [
                    {"doc_id": d["doc_id"], "source": d["source"], "format": d["format"]}
                    for d in (self.store.duplicates_of(h.doc_id) if h.doc_id in linked else ())
                ]
            h.also_in = others[h.doc_id]

    def _snippet(self, query: str, text: str) -> str:
        """`make_snippet` of the exact highlight, computed on the excerpt only:
        the window is chosen from where the query's stems occur as substrings
        (cheap), then only that excerpt is analysed. Falls back to analysing
        the whole text when the rough pass finds nothing or the excerpt
        holds no exact match."""
        rough = self.analyzer.rough_spans(query, text)
        if rough:
            start, end = snippet_window(text, rough)
            exact = [(s + start, e + start) for s, e in self.analyzer.highlight_spans(query, text[start:end])]
            if exact:
                return render_snippet(text, exact, start, end)
        return make_snippet(text, self.analyzer.highlight_spans(query, text))

    # -- info ---------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        s = self.store.stats()
        s["generation"] = self._generation
        s["model"] = json.loads(self.store.get_meta("model") or "null")
        s["vectors"] = len(self._vectors) if self._vectors is not None else 0
        s["ann"] = bool(self._vectors is not None and self._vectors.is_ann)
        s["folder"] = str(self.folder)
        s["outdated_items"] = self.outdated_items()
        return s

    def close(self) -> None:
        if self._in_txn:
            self.rollback()
        self.store.close()
