"""DOCX reader (python-docx).

Body paragraphs and tables are read in document order. Headings come from
paragraph styles ("Heading 1..3", "Overskrift 1..3", "Title"/"Tittel") and go to
``Page.headings``; tables become ``Table`` records (first row = header; merged
cells are not repeated) and are kept out of the running text. A DOCX has no
physical pages: explicit page breaks (``w:br w:type="page"``, "page break
before") start a new ``Page``; without any the document is one page.

Errors: empty file → "empty"; an OLE2 file (legacy .doc, or a
password-protected .docx) → "unsupported" / "encrypted"; anything else that
is not a readable DOCX → "unreadable"; no text at all → "empty".
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ingest.readers import Extracted
from ingest.records import IngestError, Page, Table

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HEADING_STYLE = re.compile(r"^(?:heading|overskrift)\s*(\d)$", re.IGNORECASE)


def read_docx(path: Path) -> Extracted:
    """Read a .docx file into an ``Extracted`` (format "docx")."""
    path = Path(path)
    try:
        raw_head = path.open("rb").read(8)
        size = path.stat().st_size
    except OSError as e:
        raise IngestError(str(path), "unreadable", str(e)) from e
    if size == 0:
        raise IngestError(str(path), "empty", "0 bytes")
    if raw_head == _OLE2:
        data = path.read_bytes()
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise IngestError(str(path), "encrypted", "password-protected Word document")
        raise IngestError(str(path), "unsupported", "legacy Word (.doc) file, save it as .docx")
    if not zipfile.is_zipfile(path):
        raise IngestError(str(path), "unreadable", "not a DOCX (zip) container")

    import docx  # python-docx
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

    try:
        doc = docx.Document(str(path))
    except Exception as e:  # python-docx raises several types for broken packages
        raise IngestError(str(path), "unreadable", f"broken DOCX: {e}") from e

    pages: list[Page] = []
    cur = _PageBuilder(1)
    title_from_style = ""
    for child in doc.element.body.iterchildren():
        if child.tag == _W + "p":
            para = Paragraph(child, doc)
            if _page_break_before(para) and cur.has_content():
                pages.append(cur.build())
                cur = _PageBuilder(cur.number + 1)
            segments = _split_on_page_breaks(child)
            style = (para.style.name if para.style is not None else "") or ""
            level = _heading_level(style)
            for i, seg in enumerate(segments):
                if i > 0:
                    pages.append(cur.build())
                    cur = _PageBuilder(cur.number + 1)
                text = re.sub(r"[ \t]+", " ", seg).strip()
                if not text:
                    continue
                if level:
                    cur.add_heading(text, level)
                    if not title_from_style and (level == 1 or style.lower() in ("title", "tittel")):
                        title_from_style = text
                else:
                    cur.add_text(text)
        elif child.tag == _W + "tbl":
            t = _table(DocxTable(child, doc), cur.number, cur.last_heading)
            if t is not None:
                cur.tables.append(t)
    pages.append(cur.build())
    pages = [p for p in pages if p.text.strip() or p.tables] or pages[:1]
    if not any(p.text.strip() or p.tables for p in pages):
        raise IngestError(str(path), "empty", "no text in document")
    # renumber after dropping empty pages caused by trailing breaks
    for i, p in enumerate(pages, 1):
        for t in p.tables:
            t.page, t.pages, t.row_pages = i, [i], [i] * len(t.rows)
        p.number = i

    cp = doc.core_properties
    meta: dict[str, str] = {}
    if cp.author:
        meta["author"] = cp.author
    if cp.created:
        meta["created"] = cp.created.date().isoformat()
    if cp.title:
        meta["doc_title"] = cp.title
    title = (cp.title or "").strip() or title_from_style or _first_line(pages[0].text)
    return Extracted(format="docx", pages=pages, title=title, warnings=[], meta=meta)


class _PageBuilder:
    def __init__(self, number: int) -> None:
        self.number = number
        self.parts: list[str] = []
        self.headings: list[tuple[int, int, str]] = []
        self.tables: list[Table] = []
        self.offset = 0
        self.last_heading = ""

    def _append(self, s: str) -> int:
        if self.parts:
            self.offset += 2
        start = self.offset
        self.parts.append(s)
        self.offset += len(s)
        return start

    def add_text(self, s: str) -> None:
        self._append(s)

    def add_heading(self, s: str, level: int) -> None:
        self.headings.append((self._append(s), level, s))
        self.last_heading = s

    def has_content(self) -> bool:
        return bool(self.parts or self.tables)

    def build(self) -> Page:
        return Page(number=self.number, text="\n\n".join(self.parts), tables=self.tables, headings=self.headings)


def _heading_level(style: str) -> int:
    s = style.strip()
    if s.lower() in ("title", "tittel"):
        return 1
    m = _HEADING_STYLE.match(s)
    if m:
        return max(1, min(int(m.group(1)), 3))
    return 0


def _page_break_before(para) -> bool:  # type: ignore[no-untyped-def]
    pf = para.paragraph_format
    return bool(pf is not None and pf.page_break_before)


def _split_on_page_breaks(p_el) -> list[str]:  # type: ignore[no-untyped-def]
    """Paragraph text split at explicit page breaks (w:br w:type="page")."""
    segs = [""]
    for node in p_el.iter():
        if node.tag == _W + "t":
            segs[-1] += node.text or ""
        elif node.tag == _W + "tab":
            segs[-1] += "\t"
        elif node.tag == _W + "br":
            if node.get(_W + "type") == "page":
                segs.append("")
            else:
                segs[-1] += "\n"
    return segs


def _table(t, page: int, title: str) -> Table | None:  # type: ignore[no-untyped-def]
    rows: list[list[str]] = []
    for r in t.rows:
        seen: set[int] = set()
        cells: list[str] = []
        for c in r.cells:
            key = id(c._tc)
            text = re.sub(r"\s+", " ", c.text).strip()
            cells.append("" if key in seen else text)
            seen.add(key)
        rows.append(cells)
    rows = [r for r in rows if any(r)]
    if not rows:
        return None
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    header, body = (rows[0], rows[1:]) if len(rows) > 1 else ([""] * width, rows)
    return Table(header=header, rows=body, page=page, pages=[page], row_pages=[page] * len(body), title=title)


def _first_line(text: str) -> str:
    for ln in text.split("\n"):
        if ln.strip():
            return ln.strip()[:200]
    return ""
