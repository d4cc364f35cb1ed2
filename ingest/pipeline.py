"""Ingest orchestration: file discovery, one file → IngestResult, dry-run report.

CLI-agnostic: ``api/cli.py`` wires ``boso ingest --dry-run [--json] PATH…`` to
:func:`dry_run` and :func:`format_report`.

Which files are documents (:func:`iter_input_files`):

* a path named explicitly is always taken (so a wrong file gets a clear error);
* a folder is walked recursively, in sorted order, taking files whose suffix a
  reader handles (``ingest.readers.SUFFIXES``) and skipping hidden files and
  folders (``.*``), manifests and sidecars (``*.jsonl``, ``*.meta.json``) and
  ``README*`` files: a README in a corpus folder describes the folder, it is
  not one of its documents.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ingest.chunk import chunk_document
from ingest.dedupe import document_id, find_duplicate, fingerprint
from ingest.extract import extract_items, extractor_stamp
from ingest.extract.learned import SecondOpinion
from ingest.manifest import KNOWN_KEYS, load_overrides
from ingest.metadata import infer_metadata
from ingest.readers import SUFFIXES, read_file
from ingest.records import Document, ExtractedItems, IngestError, IngestResult, Metadata, Table

log = logging.getLogger(__name__)

TokenCounter = Callable[[str], int]

PROGRESS_MIN_FILES = 6
"""Batches of at least this many files get a progress bar (on a terminal)."""


# --------------------------------------------------------------------------
# discovery


def _is_document(rel: Path) -> bool:
    if any(part.startswith(".") for part in rel.parts):
        return False
    name = rel.name.lower()
    if name.endswith((".jsonl", ".meta.json")) or name.split(".", 1)[0] == "readme":
        return False
    return rel.suffix.lower() in SUFFIXES


def iter_input_files(paths: Iterable[Path]) -> Iterator[tuple[Path, Path]]:
    """(file, root) pairs; ``root`` is the folder the file's source path is
    relative to (the folder given, or an explicit file's parent). Each file
    is yielded once even if named twice."""
    seen: set[Path] = set()
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file() and _is_document(f.relative_to(p)))
            pairs = [(f, p) for f in files]
        else:
            pairs = [(p, p.parent)]  # missing files too: ingest_file reports them
        for f, root in pairs:
            key = f.resolve()
            if key in seen:
                continue
            seen.add(key)
            yield f, root


# --------------------------------------------------------------------------
# one file


def _override_for(overrides: dict | None, source: str) -> dict | None:
    """The manifest/sidecar entry of ``source``. ``overrides`` is normally the
    mapping of :func:`ingest.manifest.load_overrides` (keyed by source path);
    an entry for this one file (only metadata keys) is accepted as well."""
    if not overrides:
        return None
    if source in overrides:
        return overrides[source]
    if set(overrides) <= KNOWN_KEYS | {"_source"}:
        return overrides
    return None


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def _table_plain(table: Table) -> str:
    lines = [" ".join(table.header)] + [" ".join(c or "" for c in row) for row in table.rows]
    return "\n".join(lines)


def fingerprint_text(doc: Document) -> str:
    """The text a document's fingerprint is computed over: the running text
    of every page plus its tables' cells in reading order (a transcript of
    the same document carries the tables as flat text)."""
    parts = []
    for page in doc.pages:
        parts.append(page.text)
        parts.extend(_table_plain(t) for t in page.tables)
    return "\n\n".join(parts)


def _identify(path: Path) -> tuple[str, str, int]:
    """(doc_id, sha256, size) of a file, or an IngestError naming it."""
    try:
        doc_id, sha = document_id(path)
        return doc_id, sha, path.stat().st_size
    except FileNotFoundError as e:
        raise IngestError(str(path), "unreadable", "file not found") from e
    except IsADirectoryError as e:
        raise IngestError(str(path), "unsupported", "a folder, not a file") from e
    except OSError as e:
        raise IngestError(str(path), "unreadable", e.strerror or type(e).__name__) from e


def _read(path: Path):
    try:
        return read_file(path)
    except IngestError:
        raise
    except Exception as e:  # a reader choking on odd input is still bad input
        raise IngestError(str(path), "unreadable", f"{type(e).__name__}: {e}") from e


def ingest_file(
    path: Path,
    root: Path,
    *,
    count_tokens: TokenCounter | None = None,
    overrides: dict | None = None,
    extract: bool = True,
    second: SecondOpinion | None = None,
) -> IngestResult:
    """Read, describe, chunk, fingerprint and extract one file.

    Returns a whole :class:`IngestResult` or raises :class:`IngestError`
    (bad input: the reader's cause; a failure after reading: cause
    ``internal``, chained to the original exception). ``overrides`` maps
    source paths (relative to ``root``) to manifest/sidecar metadata, as
    ``load_overrides(root)`` returns it; the one entry for this file is
    accepted too.
    """
    path = Path(path)
    source = _relative(path, Path(root))
    doc_id, sha, size = _identify(path)
    extracted = _read(path)
    stage = "metadata"
    try:
        override = _override_for(overrides, source)
        meta = infer_metadata(source, extracted.pages, extracted.title, override, meta=dict(extracted.meta))
        doc = Document(
            doc_id=doc_id,
            source=source,
            format=extracted.format,
            pages=extracted.pages,
            metadata=meta,
            sha256=sha,
            size=size,
            warnings=list(extracted.warnings),
        )
        stage = "chunking"
        chunks = chunk_document(doc, count_tokens)
        if not chunks:
            raise IngestError(str(path), "no_text", "no text to index")
        stage = "fingerprint"
        doc.fingerprint = fingerprint(fingerprint_text(doc))
        measures, recommendations, figures = [], [], []
        stamp = None
        if extract:
            stage = "extraction"
            measures, recommendations, figures = extract_items(doc, second=second)
            stamp = extractor_stamp(second is not None)
    except IngestError:
        raise
    except Exception as e:
        raise IngestError(str(path), "internal", f"{stage} failed: {type(e).__name__}: {e}") from e
    return IngestResult(doc, chunks, list(measures), list(recommendations), list(figures), extractor=stamp)


def extract_again(
    path: Path, doc_id: str, source: str, metadata: Metadata, *, second: SecondOpinion | None = None,
) -> ExtractedItems:
    """The items of an indexed document, extracted again from its file with
    the current extractor: the file is read as at ingest and described by
    the metadata stored then, so only the items can differ. Raises
    :class:`IngestError` naming the file when it is gone, unreadable, or no
    longer the bytes that were indexed (cause ``changed``: ingest it
    again)."""
    path = Path(path)
    current, sha, size = _identify(path)
    if current != doc_id:
        raise IngestError(str(path), "changed", "the file changed since it was indexed; ingest it again")
    extracted = _read(path)
    doc = Document(doc_id=doc_id, source=source, format=extracted.format, pages=extracted.pages,
                   metadata=metadata, sha256=sha, size=size)
    try:
        measures, recommendations, figures = extract_items(doc, second=second)
    except Exception as e:
        raise IngestError(str(path), "internal", f"extraction failed: {type(e).__name__}: {e}") from e
    return ExtractedItems(doc_id, extractor_stamp(second is not None), list(measures), list(recommendations),
                          list(figures))


# --------------------------------------------------------------------------
# dry run


@dataclass
class FieldReport:
    value: str | int | float | None = None
    confidence: float = 0.0
    source: str = ""


@dataclass
class FileReport:
    path: str  # as given/found on disk
    source: str = ""  # relative to its root, as stored
    format: str | None = None
    doc_id: str | None = None
    title: str = ""
    pages: int = 0
    ocr_pages: int = 0
    tables: int = 0
    municipality: FieldReport = field(default_factory=FieldReport)
    doc_type: FieldReport = field(default_factory=FieldReport)
    year: FieldReport = field(default_factory=FieldReport)
    programme: FieldReport = field(default_factory=FieldReport)
    chunks: int = 0
    max_chunk_tokens: int = 0
    measures: int = 0
    recommendations: int = 0
    figures: int = 0
    near_duplicate_of: str | None = None  # an earlier file of the same batch
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    error_cause: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _field(f) -> FieldReport:
    v = f.value
    if v is not None and not isinstance(v, (str, int, float)):
        v = str(v)
    return FieldReport(v, round(float(f.confidence or 0.0), 3), f.source or "")


def _overrides_for(root: Path, cache: dict[Path, dict]) -> dict:
    if root not in cache:
        try:
            cache[root] = load_overrides(root)
        except Exception as e:  # a bad manifest must not stop the batch
            log.warning("%s: manifest not loaded: %s", root, e)
            cache[root] = {}
    return cache[root]


def _report(result: IngestResult, path: Path) -> FileReport:
    doc = result.document
    md = doc.metadata
    return FileReport(
        path=str(path),
        source=doc.source,
        format=doc.format,
        doc_id=doc.doc_id,
        title=str(doc.title),
        pages=len(doc.pages),
        ocr_pages=sum(1 for p in doc.pages if p.ocr),
        tables=sum(len(p.tables) for p in doc.pages),
        municipality=_field(md.municipality),
        doc_type=_field(md.doc_type),
        year=_field(md.year),
        programme=_field(md.programme),
        chunks=len(result.chunks),
        max_chunk_tokens=max((c.n_tokens for c in result.chunks), default=0),
        measures=len(result.measures),
        recommendations=len(result.recommendations),
        figures=len(result.figures),
        warnings=list(doc.warnings),
    )


def dry_run(
    paths: Iterable[Path],
    *,
    count_tokens: TokenCounter | None = None,
    progress: bool = True,
) -> list[FileReport]:
    """Ingest every input file without storing anything and report on each.
    A bad file is reported (``error``) and the batch goes on."""
    files = list(iter_input_files(paths))
    overrides: dict[Path, dict] = {}
    seen: list[tuple[str, list[int]]] = []  # (source, fingerprint) of this batch
    reports: list[FileReport] = []
    bar = None
    if progress and len(files) >= PROGRESS_MIN_FILES and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=len(files), unit="file", file=sys.stderr, desc="ingest")
    try:
        for path, root in files:
            if bar is not None:
                bar.set_postfix_str(path.name[:40])
            t0 = time.perf_counter()
            try:
                result = ingest_file(path, root, count_tokens=count_tokens, overrides=_overrides_for(root, overrides))
                rep = _report(result, path)
                fp = result.document.fingerprint
                rep.near_duplicate_of = find_duplicate(fp, seen)
                seen.append((rep.source or str(path), fp))
            except IngestError as e:
                rep = FileReport(path=str(path), source=_relative(path, root), error=str(e), error_cause=e.cause)
            except Exception as e:  # never let one file end the batch
                log.exception("%s: unexpected failure", path)
                rep = FileReport(
                    path=str(path),
                    source=_relative(path, root),
                    error=f"{path}: {type(e).__name__}: {e}",
                    error_cause="internal",
                )
            rep.seconds = round(time.perf_counter() - t0, 3)
            reports.append(rep)
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return reports


def _cell(f: FieldReport, width: int) -> str:
    if f.value is None:
        return "-"
    s = f"{f.value}"[: width - 5]
    return f"{s}·{f.confidence:.1f}"


def format_report(reports: list[FileReport]) -> str:
    """A human-readable table, then warnings and errors per file, then a summary."""
    cols = [
        ("file", 44),
        ("fmt", 4),
        ("pages", 6),
        ("tbl", 3),
        ("municipality", 18),
        ("type", 18),
        ("year", 9),
        ("programme", 16),
        ("chunks", 6),
        ("M/R/F", 9),
        ("warn", 4),
        ("sec", 6),
    ]
    lines = ["  ".join(name.ljust(w) for name, w in cols)]
    lines.append("  ".join("-" * w for _, w in cols))
    for r in reports:
        name = r.source or r.path
        if len(name) > 44:
            name = "…" + name[-43:]
        if r.error is not None:
            row = [name, (r.format or "-"), "", "", f"FAILED: {r.error_cause or 'error'}"]
            lines.append("  ".join(str(v).ljust(w) for v, (_, w) in zip(row, cols)).rstrip())
            continue
        pages = f"{r.pages}" + (f"({r.ocr_pages})" if r.ocr_pages else "")
        row = [
            name,
            r.format or "-",
            pages,
            r.tables,
            _cell(r.municipality, 18),
            _cell(r.doc_type, 18),
            _cell(r.year, 9),
            _cell(r.programme, 16),
            r.chunks,
            f"{r.measures}/{r.recommendations}/{r.figures}",
            len(r.warnings),
            f"{r.seconds:.2f}",
        ]
        lines.append("  ".join(str(v).ljust(w) for v, (_, w) in zip(row, cols)).rstrip())
    lines.append("pages: (n) = pages read by OCR; value·c = inferred value with confidence c; M/R/F = measures/recommendations/figures")

    notes = []
    for r in reports:
        if r.near_duplicate_of:
            notes.append(f"{r.source or r.path}: near-duplicate of {r.near_duplicate_of}")
        for w in r.warnings:
            notes.append(f"{r.source or r.path}: warning: {w}")
    if notes:
        lines.append("")
        lines.extend(notes)

    failed = [r for r in reports if r.error is not None]
    lines.append("")
    lines.append(f"{len(reports)} files: {len(reports) - len(failed)} ok, {len(failed)} failed")
    for r in failed:
        lines.append(f"  FAILED {r.error}")
    return "\n".join(lines)


def reports_json(reports: list[FileReport]) -> str:
    """The reports as a JSON array (for ``--json``)."""
    return json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=2)
