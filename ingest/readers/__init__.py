"""One reader per format. `read_file` sniffs the content and dispatches."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ingest.records import Format, IngestError, Page

SUFFIXES: dict[str, Format] = {
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".txt": "text",
    ".md": "text",
}


@dataclass
class Extracted:
    format: Format
    pages: list[Page]
    title: str = ""
    warnings: list[str] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    """Reader-side hints for metadata, e.g. "site" (web site name from the
    HTML <title> suffix), "url", "author", "created" (DOCX core properties)."""


def read_nonempty_bytes(path: Path, empty_detail: str = "no bytes in file") -> bytes:
    """The file's bytes; IngestError `unreadable` or `empty` otherwise."""
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise IngestError(str(path), "unreadable", str(e)) from e
    if not raw.strip():
        raise IngestError(str(path), "empty", empty_detail)
    return raw


def read_file(path: Path) -> Extracted:
    path = Path(path)
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise IngestError(str(path), "unsupported", f"unknown file type '{path.suffix}'")
    if fmt == "pdf":
        from ingest.readers.pdf import read_pdf

        return read_pdf(path)
    if fmt == "html":
        from ingest.readers.html import read_html

        return read_html(path)
    if fmt == "docx":
        from ingest.readers.docx import read_docx

        return read_docx(path)
    from ingest.readers.text import read_text

    return read_text(path)
