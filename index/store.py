"""SQLite storage for documents, pages, chunks and extracted items.

The only module that speaks SQL. One database file per index folder. Vector
ids in FAISS are the `chunks.vid` integers assigned here.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ingest.records import (
    Chunk,
    Citation,
    Cost,
    Document,
    ExtractedItems,
    Field,
    Figure,
    IngestResult,
    Measure,
    Metadata,
    Recommendation,
)

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    path TEXT NOT NULL,
    format TEXT NOT NULL,
    title TEXT,
    municipality TEXT,
    kommunenummer TEXT,
    fylke TEXT,
    publisher TEXT,
    doc_type TEXT,
    year INTEGER,
    period_start INTEGER,
    period_end INTEGER,
    programme TEXT,
    url TEXT,
    sha256 TEXT,
    size INTEGER,
    n_pages INTEGER,
    ocr_pages INTEGER,
    metadata_json TEXT,
    fingerprint TEXT,
    duplicate_of TEXT,
    warnings_json TEXT,
    ingested_at REAL
);
CREATE UNIQUE INDEX IF NOT EXISTS documents_path ON documents(path);
CREATE INDEX IF NOT EXISTS documents_muni ON documents(municipality);
CREATE INDEX IF NOT EXISTS documents_dup ON documents(duplicate_of);
CREATE TABLE IF NOT EXISTS pages (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    text TEXT NOT NULL,
    ocr INTEGER NOT NULL DEFAULT 0,
    tables_json TEXT,
    PRIMARY KEY (doc_id, number)
);
CREATE TABLE IF NOT EXISTS chunks (
    vid INTEGER PRIMARY KEY AUTOINCREMENT,
    chunk_id TEXT UNIQUE NOT NULL,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    text TEXT NOT NULL,
    page_start INTEGER NOT NULL,
    page_end INTEGER NOT NULL,
    section TEXT,
    heading_path_json TEXT,
    char_start INTEGER,
    char_end INTEGER,
    kind TEXT,
    n_tokens INTEGER
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS items (
    item_id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    page INTEGER,
    section TEXT,
    municipality TEXT,
    year_from INTEGER,
    year_to INTEGER,
    topics TEXT,
    target_groups TEXT,
    text TEXT NOT NULL,
    data_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS items_doc ON items(doc_id);
CREATE INDEX IF NOT EXISTS items_type ON items(type);
-- which extractor (ingest.stamp.extractor_stamp) produced a document's
-- items; an index built before this table has no rows, so all are stale
CREATE TABLE IF NOT EXISTS extraction (
    doc_id TEXT PRIMARY KEY REFERENCES documents(doc_id) ON DELETE CASCADE,
    extractor TEXT NOT NULL,
    extracted_at REAL NOT NULL
);
"""

DOC_COLUMNS = (
    "doc_id source path format title municipality kommunenummer fylke publisher doc_type year "
    "period_start period_end programme url sha256 size n_pages ocr_pages duplicate_of ingested_at"
).split()


@dataclass
class Filters:
    """Search filters. Municipality matching is case-insensitive on the
    canonical name stored at ingest time."""

    municipality: str | None = None
    doc_type: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    programme: str | None = None

    def is_empty(self) -> bool:
        return not any(v is not None and v != "" for v in asdict(self).values())


@dataclass
class ChunkRow:
    vid: int
    chunk_id: str
    doc_id: str
    text: str
    page_start: int
    page_end: int
    section: str
    kind: str


def _pipe(values: Iterable[str]) -> str:
    vals = [v for v in values if v]
    return "|" + "|".join(vals) + "|" if vals else ""


def _period(item: Any) -> tuple[int | None, int | None]:
    if isinstance(item, Measure) and item.period:
        return item.period[0], item.period[1]
    if isinstance(item, Figure) and item.year:
        return item.year, item.year_to or item.year
    return None, None


def item_from_row(row: sqlite3.Row) -> Measure | Recommendation | Figure:
    data = json.loads(row["data_json"])
    data["citation"] = Citation(**data["citation"])
    kind = row["type"]
    if kind == "measure":
        if data.get("cost"):
            data["cost"] = Cost(**data["cost"])
        if data.get("period"):
            data["period"] = tuple(data["period"])
        return Measure(**data)
    if kind == "recommendation":
        return Recommendation(**data)
    return Figure(**data)


class Store:
    """SQLite store. Use `with store.transaction():` around writes; the
    transaction commits atomically or not at all."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.db.executescript(SCHEMA)
        if self.get_meta("schema_version") is None:
            self.set_meta("schema_version", str(SCHEMA_VERSION))

    @property
    def db(self) -> sqlite3.Connection:
        """This thread's connection (WAL: readers in several threads run
        side by side; a write transaction lives on its thread's connection)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=10000")
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._conns:
                conn.close()
            self._conns.clear()
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    # -- meta ---------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # -- documents ----------------------------------------------------------
    def has_document(self, doc_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM documents WHERE doc_id=?", (doc_id,)).fetchone() is not None

    def doc_id_for_path(self, path: str) -> str | None:
        row = self.db.execute("SELECT doc_id FROM documents WHERE path=?", (path,)).fetchone()
        return None if row is None else row[0]

    def all_paths(self) -> dict[str, str]:
        return {r[0]: r[1] for r in self.db.execute("SELECT path, doc_id FROM documents")}

    def fingerprints(self) -> list[tuple[str, list[int]]]:
        out = []
        for r in self.db.execute("SELECT doc_id, fingerprint FROM documents WHERE fingerprint IS NOT NULL"):
            fp = json.loads(r[1])
            if fp:
                out.append((r[0], fp))
        return out

    def add_result(self, result: IngestResult, path: str, duplicate_of: str | None) -> list[int]:
        """Insert a whole ingest result; returns the vids of its chunks in
        chunk order. Caller holds the transaction."""
        doc = result.document
        md = doc.metadata
        period = md.period.value or (None, None)
        self.db.execute(
            "INSERT INTO documents(doc_id, source, path, format, title, municipality, kommunenummer, fylke, "
            "publisher, doc_type, year, period_start, period_end, programme, url, sha256, size, n_pages, "
            "ocr_pages, metadata_json, fingerprint, duplicate_of, warnings_json, ingested_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                doc.doc_id,
                doc.source,
                path,
                doc.format,
                doc.title,
                md.municipality.value,
                md.kommunenummer.value,
                md.fylke.value,
                md.publisher.value,
                md.doc_type.value,
                md.year.value,
                period[0] if period else None,
                period[1] if period else None,
                md.programme.value,
                md.url.value,
                doc.sha256,
                doc.size,
                len(doc.pages),
                sum(1 for p in doc.pages if p.ocr),
                json.dumps(asdict(md), ensure_ascii=False, default=str),
                json.dumps(doc.fingerprint),
                duplicate_of,
                json.dumps(doc.warnings, ensure_ascii=False),
                time.time(),
            ),
        )
        self.db.executemany(
            "INSERT INTO pages(doc_id, number, text, ocr, tables_json) VALUES (?,?,?,?,?)",
            [
                (
                    doc.doc_id,
                    p.number,
                    p.text,
                    int(p.ocr),
                    json.dumps([asdict(t) for t in p.tables], ensure_ascii=False) if p.tables else None,
                )
                for p in doc.pages
            ],
        )
        vids = []
        for c in result.chunks:
            cur = self.db.execute(
                "INSERT INTO chunks(chunk_id, doc_id, seq, text, page_start, page_end, section, "
                "heading_path_json, char_start, char_end, kind, n_tokens) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    c.chunk_id,
                    c.doc_id,
                    c.seq,
                    c.text,
                    c.page_start,
                    c.page_end,
                    c.section,
                    json.dumps(c.heading_path, ensure_ascii=False),
                    c.char_start,
                    c.char_end,
                    c.kind,
                    c.n_tokens,
                ),
            )
            vids.append(int(cur.lastrowid))
        self._insert_items(doc.doc_id, md.municipality.value, result.measures, result.recommendations,
                           result.figures)
        if result.extractor:
            self._set_extractor(doc.doc_id, result.extractor)
        return vids

    def _insert_items(
        self,
        doc_id: str,
        municipality: str | None,
        measures: Sequence[Measure],
        recommendations: Sequence[Recommendation],
        figures: Sequence[Figure],
    ) -> None:
        items: list[tuple[str, Any]] = (
            [("measure", m) for m in measures]
            + [("recommendation", r) for r in recommendations]
            + [("figure", f) for f in figures]
        )
        rows = []
        for kind, it in items:
            y0, y1 = _period(it)
            rows.append(
                (
                    doc_id,
                    kind,
                    it.citation.page,
                    it.citation.section,
                    it.municipality or municipality,
                    y0,
                    y1,
                    _pipe(getattr(it, "topics", [])),
                    _pipe(getattr(it, "target_groups", [])),
                    it.text,
                    json.dumps(asdict(it), ensure_ascii=False),
                )
            )
        self.db.executemany(
            "INSERT INTO items(doc_id, type, page, section, municipality, year_from, year_to, topics, "
            "target_groups, text, data_json) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )

    def _set_extractor(self, doc_id: str, extractor: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO extraction(doc_id, extractor, extracted_at) VALUES (?,?,?)",
            (doc_id, extractor, time.time()),
        )

    def replace_items(self, items: ExtractedItems) -> None:
        """Replace a document's items with ones extracted again. Caller
        holds the transaction."""
        row = self.db.execute("SELECT municipality FROM documents WHERE doc_id=?", (items.doc_id,)).fetchone()
        if row is None:
            raise KeyError(items.doc_id)
        self.db.execute("DELETE FROM items WHERE doc_id=?", (items.doc_id,))
        self._insert_items(items.doc_id, row[0], items.measures, items.recommendations, items.figures)
        self._set_extractor(items.doc_id, items.extractor)

    def extractors(self) -> dict[str, str | None]:
        """doc_id → the extractor stamp of its items (None: extracted before
        stamps were kept)."""
        return {
            r[0]: r[1]
            for r in self.db.execute(
                "SELECT d.doc_id, e.extractor FROM documents d LEFT JOIN extraction e USING(doc_id)"
            )
        }

    def count_outdated(self, extractor: str) -> int:
        """Documents whose items another extractor (or one before stamps were
        kept) produced."""
        return self.db.execute(
            "SELECT count(*) FROM documents d LEFT JOIN extraction e USING(doc_id) "
            "WHERE e.extractor IS NULL OR e.extractor != ?",
            (extractor,),
        ).fetchone()[0]

    def document_metadata(self, doc_id: str) -> Metadata:
        """The metadata a document was described by at ingest."""
        row = self.db.execute("SELECT metadata_json FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        if row is None:
            raise KeyError(doc_id)
        stored = json.loads(row[0] or "{}")
        return Metadata(**{k: Field(**v) for k, v in stored.items() if k in Metadata.__dataclass_fields__})

    def delete_document(self, doc_id: str) -> list[int]:
        """Delete a document and everything derived from it; returns the
        vids whose vectors must go. Caller holds the transaction."""
        vids = [r[0] for r in self.db.execute("SELECT vid FROM chunks WHERE doc_id=?", (doc_id,))]
        self.db.execute("UPDATE documents SET duplicate_of=NULL WHERE duplicate_of=?", (doc_id,))
        self.db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
        return vids

    def document(self, doc_id: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return None if row is None else self._doc_dict(row)

    def documents(
        self, filters: Filters | None = None, limit: int = 1000, offset: int = 0
    ) -> tuple[int, list[dict[str, Any]]]:
        where, params = self._doc_where(filters or Filters())
        total = self.db.execute(f"SELECT count(*) FROM documents d {where}", params).fetchone()[0]
        rows = self.db.execute(
            f"SELECT * FROM documents d {where} ORDER BY municipality IS NULL, municipality, year, title "
            "LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        return total, [self._doc_dict(r) for r in rows]

    def linked_doc_ids(self) -> set[str]:
        """Documents on either side of a near-duplicate link: for any other
        document `duplicates_of` is empty."""
        out: set[str] = set()
        for doc_id, dup in self.db.execute("SELECT doc_id, duplicate_of FROM documents WHERE duplicate_of IS NOT NULL"):
            out.update((doc_id, dup))
        return out

    def duplicates_of(self, doc_id: str) -> list[dict[str, Any]]:
        """Documents linked to `doc_id` as near-duplicates (either way)."""
        # two indexed lookups (an OR across columns would scan the table)
        rows = self.db.execute(
            "SELECT * FROM documents WHERE duplicate_of=? UNION ALL "
            "SELECT * FROM documents WHERE doc_id=(SELECT duplicate_of FROM documents WHERE doc_id=?)",
            (doc_id, doc_id),
        ).fetchall()
        seen = {doc_id}
        out = []
        for r in rows:
            if r["doc_id"] not in seen:
                seen.add(r["doc_id"])
                out.append(self._doc_dict(r))
        return out

    @staticmethod
    def _doc_dict(row: sqlite3.Row) -> dict[str, Any]:
        d = {k: row[k] for k in DOC_COLUMNS}
        d["metadata"] = json.loads(row["metadata_json"] or "{}")
        d["warnings"] = json.loads(row["warnings_json"] or "[]")
        return d

    def page(self, doc_id: str, number: int) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT number, text, ocr, tables_json FROM pages WHERE doc_id=? AND number=?", (doc_id, number)
        ).fetchone()
        if row is None:
            return None
        return {
            "number": row["number"],
            "text": row["text"],
            "ocr": bool(row["ocr"]),
            "tables": json.loads(row["tables_json"] or "[]"),
        }

    def municipalities(self) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT municipality, kommunenummer, fylke, count(*) AS n FROM documents "
            "WHERE municipality IS NOT NULL AND duplicate_of IS NULL GROUP BY municipality ORDER BY municipality"
        ).fetchall()
        return [dict(r) for r in rows]

    def facet_counts(self, vids: Sequence[int] | None = None) -> dict[str, dict[str, int]]:
        """Counts of documents per municipality / doc_type / year / programme,
        over all documents or over those owning the given chunk vids."""
        out: dict[str, dict[str, int]] = {}
        if vids is not None:
            self._load_temp_ids(vids)
            base = "FROM documents WHERE doc_id IN (SELECT doc_id FROM chunks WHERE vid IN (SELECT id FROM _ids))"
        else:
            base = "FROM documents WHERE 1"
        for col in ("municipality", "doc_type", "year", "programme"):
            rows = self.db.execute(
                f"SELECT {col}, count(*) {base} AND {col} IS NOT NULL AND duplicate_of IS NULL "
                f"GROUP BY {col} ORDER BY count(*) DESC, {col}"
            ).fetchall()
            out[col] = {str(r[0]): r[1] for r in rows}
        return out

    # -- chunks -------------------------------------------------------------
    def count_chunks(self) -> int:
        return self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]

    def count_documents(self) -> int:
        return self.db.execute("SELECT count(*) FROM documents").fetchone()[0]

    def iter_chunk_texts(self) -> Iterator[tuple[int, str]]:
        yield from self.db.execute("SELECT vid, text FROM chunks ORDER BY vid")

    def chunks_by_vid(self, vids: Sequence[int]) -> dict[int, dict[str, Any]]:
        if not vids:
            return {}
        out: dict[int, dict[str, Any]] = {}
        for i in range(0, len(vids), 900):
            part = list(vids[i : i + 900])
            q = ",".join("?" * len(part))
            for r in self.db.execute(
                "SELECT c.vid, c.chunk_id, c.doc_id, c.text, c.page_start, c.page_end, c.section, c.kind, "
                "c.char_start, c.char_end, d.source, d.title, d.municipality, d.doc_type, d.year, "
                f"d.programme, d.duplicate_of FROM chunks c JOIN documents d USING(doc_id) WHERE c.vid IN ({q})",
                part,
            ):
                out[r["vid"]] = dict(r)
        return out

    def all_chunk_groups(self) -> dict[int, tuple[str, str]]:
        """vid -> (doc_id, duplicate group) for every chunk: what ranking needs
        before any text is read (doc ids shared, not copied per chunk)."""
        shared: dict[str, str] = {}
        out: dict[int, tuple[str, str]] = {}
        for vid, doc_id, dup in self.db.execute(
            "SELECT c.vid, c.doc_id, d.duplicate_of FROM chunks c JOIN documents d USING(doc_id)"
        ):
            doc_id = shared.setdefault(doc_id, doc_id)
            out[vid] = (doc_id, shared.setdefault(dup, dup) if dup else doc_id)
        return out

    def all_chunk_texts(self) -> list[tuple[str, str]]:
        """(doc_id, text) of every chunk, in document order."""
        return [(d, t) for d, t in self.db.execute("SELECT doc_id, text FROM chunks ORDER BY doc_id, seq")]

    def chunks_of(self, doc_id: str) -> list[dict[str, Any]]:
        return [
            dict(r)
            for r in self.db.execute(
                "SELECT vid, chunk_id, seq, text, page_start, page_end, section, kind, char_start, char_end, "
                "n_tokens FROM chunks WHERE doc_id=? ORDER BY seq",
                (doc_id,),
            )
        ]

    def _doc_where(self, f: Filters, alias: str = "d") -> tuple[str, list[Any]]:
        clauses, params = [], []
        if f.municipality:
            clauses.append(f"lower({alias}.municipality) = lower(?)")
            params.append(f.municipality)
        if f.doc_type:
            clauses.append(f"{alias}.doc_type = ?")
            params.append(f.doc_type)
        if f.programme:
            clauses.append(f"lower({alias}.programme) = lower(?)")
            params.append(f.programme)
        # A document matches a year range when its year, or its stated
        # period, overlaps the range.
        if f.year_from is not None:
            clauses.append(f"coalesce({alias}.period_end, {alias}.year) >= ?")
            params.append(f.year_from)
        if f.year_to is not None:
            clauses.append(f"coalesce({alias}.period_start, {alias}.year) <= ?")
            params.append(f.year_to)
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", params

    def filtered_vids(self, f: Filters) -> list[int]:
        where, params = self._doc_where(f)
        return [
            r[0]
            for r in self.db.execute(
                f"SELECT c.vid FROM chunks c JOIN documents d USING(doc_id) {where} ORDER BY c.vid", params
            )
        ]

    def _load_temp_ids(self, ids: Sequence[int]) -> None:
        self.db.execute("CREATE TEMP TABLE IF NOT EXISTS _ids (id INTEGER PRIMARY KEY)")
        self.db.execute("DELETE FROM _ids")
        self.db.executemany("INSERT OR IGNORE INTO _ids(id) VALUES (?)", ((int(i),) for i in ids))

    # -- items --------------------------------------------------------------
    def items(
        self,
        *,
        types: Sequence[str] | None = None,
        topic: str | None = None,
        target_group: str | None = None,
        municipality: str | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        doc_ids: Sequence[str] | None = None,
        limit: int = 10000,
    ) -> list[dict[str, Any]]:
        clauses, params = [], []
        if types:
            clauses.append(f"i.type IN ({','.join('?' * len(types))})")
            params.extend(types)
        if topic:
            clauses.append("i.topics LIKE ?")
            params.append(f"%|{topic}|%")
        if target_group:
            clauses.append("i.target_groups LIKE ?")
            params.append(f"%|{target_group}|%")
        if municipality:
            clauses.append("lower(i.municipality) = lower(?)")
            params.append(municipality)
        if year_from is not None:
            clauses.append("coalesce(i.year_to, d.period_end, d.year) >= ?")
            params.append(year_from)
        if year_to is not None:
            clauses.append("coalesce(i.year_from, d.period_start, d.year) <= ?")
            params.append(year_to)
        if doc_ids is not None:
            if not doc_ids:
                return []
            clauses.append(f"i.doc_id IN ({','.join('?' * len(doc_ids))})")
            params.extend(doc_ids)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        rows = self.db.execute(
            "SELECT i.*, d.source, d.title, d.doc_type, d.year AS doc_year, d.duplicate_of "
            f"FROM items i JOIN documents d USING(doc_id) {where} ORDER BY i.item_id LIMIT ?",
            [*params, limit],
        ).fetchall()
        out = []
        for r in rows:
            d = dict(r)
            d["item"] = item_from_row(r)
            out.append(d)
        return out

    def stats(self) -> dict[str, Any]:
        q = self.db.execute
        return {
            "documents": q("SELECT count(*) FROM documents").fetchone()[0],
            "pages": q("SELECT count(*) FROM pages").fetchone()[0],
            "ocr_pages": q("SELECT count(*) FROM pages WHERE ocr=1").fetchone()[0],
            "chunks": q("SELECT count(*) FROM chunks").fetchone()[0],
            "measures": q("SELECT count(*) FROM items WHERE type='measure'").fetchone()[0],
            "recommendations": q("SELECT count(*) FROM items WHERE type='recommendation'").fetchone()[0],
            "figures": q("SELECT count(*) FROM items WHERE type='figure'").fetchone()[0],
            "municipalities": q(
                "SELECT count(DISTINCT municipality) FROM documents WHERE municipality IS NOT NULL"
            ).fetchone()[0],
            "duplicates": q("SELECT count(*) FROM documents WHERE duplicate_of IS NOT NULL").fetchone()[0],
        }
