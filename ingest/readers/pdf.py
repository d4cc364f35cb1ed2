"""PDF reader: pdfplumber text per physical page, tables, headings, OCR.

`read_pdf(path)` returns one `Page` per physical page (1-based numbers):

* running text without page furniture (running headers/footers, "Side N
  av M", footer dates), de-hyphenated and normalised (see `ingest.clean`),
  paragraphs separated by blank lines;
* ruled tables as `Table` (header + rows; a table continued on the next page
  is merged into the first one) and *not* repeated in the running text;
* `headings` from font size/weight and numbered headings ("4.2.3 …"),
  checked against the table of contents when the document has one;
* pages without a usable text layer are OCR'd (`ingest.readers.ocr`).

Files that are not readable PDFs raise `IngestError` with cause `empty`,
`not_pdf`, `truncated`, `encrypted`, `unreadable` or `no_text`.
"""

from __future__ import annotations

import contextlib
import difflib
import logging
import re
import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ingest.clean import FUNCTION_WORDS, build_vocabulary, dehyphenate, join_lines, normalise_text, running_line_mask
from ingest.readers import Extracted
from ingest.records import IngestError, Page, Table

__all__ = ["PdfSniff", "read_pdf", "sniff_pdf"]

# ---------------------------------------------------------------------------
# Sniffing and opening
# ---------------------------------------------------------------------------


@dataclass
class PdfSniff:
    """What the raw bytes say before parsing."""

    has_eof: bool  # a %%EOF marker near the end
    has_objects: bool  # "n g obj" syntax somewhere


def sniff_pdf(path: Path) -> PdfSniff:
    """Look at the bytes before any parser does. Raises `IngestError` with
    cause `empty` (0 bytes / only whitespace), `not_pdf` (no %PDF- header in
    the first KiB; says what the file looks like) or `unreadable` (a %PDF-
    header but no PDF object in the body) and returns what it saw."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise IngestError(str(path), "unreadable", f"cannot read the file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise IngestError(str(path), "empty", "the file has 0 bytes" if not data else "the file holds only whitespace")
    head = data[:1024]
    if b"%PDF-" not in head:
        raise IngestError(str(path), "not_pdf", f"no %PDF- header; {_looks_like(head)}")
    sniff = PdfSniff(has_eof=b"%%EOF" in data[-2048:], has_objects=re.search(rb"\d+\s+\d+\s+obj\b", data) is not None)
    if not sniff.has_objects:
        raise IngestError(str(path), "unreadable", "starts like a PDF but holds no PDF objects: corrupt or random data")
    return sniff


def _looks_like(head: bytes) -> str:
    start = head.lstrip()[:64].lower()
    if start.startswith((b"<!doctype html", b"<html")) or b"<html" in head.lower() or b"<body" in head.lower():
        return "the content is HTML, e.g. a web page or error page saved under a .pdf name"
    if start.startswith(b"<?xml") or start.startswith(b"<"):
        return "the content is XML/markup"
    if start.startswith(b"pk\x03\x04"):
        return "the content is a ZIP container, e.g. DOCX or ODT"
    if start.startswith(b"\xd0\xcf\x11\xe0"):
        return "the content is an old Microsoft Office file"
    if start.startswith((b"\x89png", b"\xff\xd8\xff", b"gif8")):
        return "the content is an image"
    try:
        head.decode("utf-8")
        return "the content is plain text"
    except UnicodeDecodeError:
        return "unknown binary content"


@contextlib.contextmanager
def _quiet_pdfminer() -> Iterator[None]:
    """pdfminer logs a warning per broken object; keep stderr readable."""
    loggers = [logging.getLogger(n) for n in ("pdfminer", "pdfplumber")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, lvl in zip(loggers, levels):
            lg.setLevel(lvl)


def _classify_open_error(path: Path, exc: BaseException, sniff: PdfSniff) -> IngestError:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc
    if isinstance(inner, PDFPasswordIncorrect) or "password" in type(inner).__name__.lower():
        return IngestError(str(path), "encrypted", "password protected: the empty user password does not open it")
    if isinstance(inner, PDFEncryptionError):
        return IngestError(str(path), "encrypted", f"unsupported encryption ({inner})")
    if not sniff.has_eof:
        return IngestError(str(path), "truncated", f"no %%EOF marker and the parser failed: {type(inner).__name__}: {inner}")
    return IngestError(str(path), "unreadable", f"{type(inner).__name__}: {inner}")


# ---------------------------------------------------------------------------
# Raw page extraction
# ---------------------------------------------------------------------------


@dataclass
class _Line:
    text: str
    top: float
    bottom: float
    x0: float = 0.0
    x1: float = 0.0
    size: float = 0.0  # median font size; 0 for OCR lines
    bold: bool = False
    para_break: bool = False  # OCR: blank line before this one


@dataclass
class _RawTable:
    page: int
    bbox: tuple[float, float, float, float]
    col_edges: list[float]
    # rows × cols; each cell: its lines (text, x1) and the right edge of its text area
    cells: list[list[tuple[list[tuple[str, float]], float, float]]]
    rows: list[list[str]] = field(default_factory=list)  # filled after the vocabulary is known


@dataclass
class _RawPage:
    number: int
    height: float
    lines: list[_Line] = field(default_factory=list)
    tables: list[_RawTable] = field(default_factory=list)
    ocr: bool = False
    needs_ocr: bool = False


_BOLD = re.compile(r"bold|black|heavy|semibold|demibold", re.IGNORECASE)
_X_TOLERANCE_RATIO = 0.15


def _center_in(obj: dict, bbox: tuple[float, float, float, float]) -> bool:
    cx = (obj["x0"] + obj["x1"]) / 2
    cy = (obj["top"] + obj["bottom"]) / 2
    return bbox[0] <= cx <= bbox[2] and bbox[1] <= cy <= bbox[3]


def _text_lines(chars: list[dict]) -> list[dict]:
    from pdfplumber.utils.text import chars_to_textmap

    if not chars:
        return []
    # A word gap relative to the font size: PDFs without space glyphs (TeX,
    # tight justified text) otherwise come out as "Eachapplicationprovides…".
    return chars_to_textmap(chars, x_tolerance_ratio=_X_TOLERANCE_RATIO).extract_text_lines(strip=True, return_chars=True)


def _make_line(raw: dict) -> _Line | None:
    text = normalise_text(raw["text"])
    if not text:
        return None
    glyphs = [c for c in raw.get("chars", []) if c.get("text", "").strip()]
    sizes = [round(float(c.get("size", 0.0)), 1) for c in glyphs] or [0.0]
    bold = sum(1 for c in glyphs if _BOLD.search(c.get("fontname", ""))) >= 0.8 * max(1, len(glyphs))
    return _Line(text, raw["top"], raw["bottom"], raw["x0"], raw["x1"], statistics.median(sizes), bold)


def _lean_char_objects(page) -> None:
    """Make pdfplumber build lean dicts for characters.

    pdfplumber's `Page.process_object` resolves every attribute of every
    glyph (colours, colour spaces, marked content) and is about half of the
    parse time. Characters only need geometry, font and text here, so they
    get a direct conversion; other objects (rects, lines, images …) keep
    pdfplumber's own. Set on the page instance only."""
    from pdfminer.layout import LTChar

    original = page.process_object
    height = float(page.height)
    mb_x0, mb_top = float(page.mediabox[0]), float(page.mediabox[1])
    doctop0 = float(page.initial_doctop)
    number = page.page_number

    def process_object(obj):
        if type(obj) is not LTChar:
            return original(obj)
        top = height - obj.y1 + mb_top
        fontname = obj.fontname
        if isinstance(fontname, bytes):
            fontname = fontname.decode("latin-1", "replace")
        return {
            "object_type": "char",
            "page_number": number,
            "text": obj.get_text(),
            "fontname": fontname,
            "size": obj.size,
            "adv": obj.adv,
            "upright": obj.upright,
            "matrix": obj.matrix,
            "x0": obj.x0 + mb_x0,
            "x1": obj.x1 + mb_x0,
            "y0": obj.y0,
            "y1": obj.y1,
            "width": obj.width,
            "height": obj.height,
            "top": top,
            "bottom": height - obj.y0 + mb_top,
            "doctop": doctop0 + top,
        }

    page.process_object = process_object


def _extract_page(page, number: int) -> _RawPage:
    raw = _RawPage(number=number, height=float(page.height))
    _lean_char_objects(page)
    chars = page.chars
    tables = []
    if page.rects or page.lines or page.curves:  # the "lines" table strategy needs ruling
        tables = [t for t in page.find_tables() if _plausible_table(t)]
    table_boxes = [t.bbox for t in tables]
    body_chars = [c for c in chars if not any(_center_in(c, b) for b in table_boxes)]
    for d in _text_lines(body_chars):
        line = _make_line(d)
        if line:
            raw.lines.append(line)
    for t in tables:
        raw.tables.append(_raw_table(number, t, chars))
    raw.needs_ocr = _needs_ocr(page, chars)
    return raw


def _plausible_table(table) -> bool:
    rows = table.rows
    if not rows:
        return False
    ncols = max(len(r.cells) for r in rows)
    return ncols >= 2 and (len(rows) >= 2 or ncols >= 3)


def _raw_table(number: int, table, chars: list[dict]) -> _RawTable:
    bbox = tuple(float(v) for v in table.bbox)
    inside = [c for c in chars if _center_in(c, bbox)]
    edges = sorted({round(float(c[0]), 1) for r in table.rows for c in r.cells if c} | {round(bbox[2], 1)})
    cells: list[list[tuple[list[tuple[str, float]], float, float]]] = []
    for row in table.rows:
        out_row = []
        for cell in row.cells:
            if cell is None:  # covered by a merged cell
                out_row.append(([], 0.0, 0.0))
                continue
            cell_chars = [c for c in inside if _center_in(c, cell)]
            lines = _text_lines(cell_chars)
            left = min((ln["x0"] for ln in lines), default=cell[0])
            pad = max(0.0, left - cell[0])
            sizes = [float(c.get("size", 10.0)) for c in cell_chars] or [10.0]
            out_row.append(([(ln["text"], float(ln["x1"])) for ln in lines], float(cell[2]) - pad, statistics.median(sizes)))
        cells.append(out_row)
    return _RawTable(page=number, bbox=bbox, col_edges=edges, cells=cells)


def _needs_ocr(page, chars: list[dict]) -> bool:
    """No usable text layer: (almost) no letters, or (cid:…) glyph soup, or a
    page-sized image with only a few characters on top (a stamped scan)."""
    text = "".join(c.get("text", "") for c in chars)
    alnum = sum(ch.isalnum() for ch in text)
    cid = text.count("(cid:")
    area = float(page.width * page.height) or 1.0
    image_area = 0.0
    for im in page.images:
        w = max(0.0, min(float(im["x1"]), float(page.width)) - max(float(im["x0"]), 0.0))
        h = max(0.0, min(float(im["bottom"]), float(page.height)) - max(float(im["top"]), 0.0))
        image_area += w * h
    coverage = image_area / area
    if alnum < 10:
        return coverage >= 0.1 or (cid > 0)
    if cid * 5 > 0.3 * len(text):
        return True
    return coverage >= 0.5 and alnum < 100


_OCR_RULE_TOKEN = re.compile(r"(?:(?<=\s)|^)[|\[\]{}¦_]+(?=\s|$)|^[—–'‘’]+\s|\s[—–'‘’]+$")
_OCR_EDGE = re.compile(r"^[|\[{¦]+(?=\w)|(?<=\w)[|\]}¦]+$")


def _clean_ocr_line(line: str) -> str:
    """Drop table rules and speckle that Tesseract reads as '|', '[', '—'."""
    line = _OCR_RULE_TOKEN.sub(" ", line)
    line = " ".join(_OCR_EDGE.sub("", tok) for tok in line.split())
    return line.strip()


def _ocr_lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    blank = True
    for i, raw in enumerate(normalise_text(text).split("\n")):
        s = _clean_ocr_line(raw)
        if not s:
            blank = True
            continue
        if sum(ch.isalnum() for ch in s) == 0:  # table rules, speckle read as "|" or "—"
            continue
        lines.append(_Line(s, float(i), float(i) + 1.0, para_break=blank))
        blank = False
    return lines


# ---------------------------------------------------------------------------
# Table cells: join wrapped lines (narrow columns break words without hyphen)
# ---------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def _join_cell(lines: list[tuple[str, float]], right: float, size: float, vocab: set[str]) -> str:
    """Join the lines of one table cell. A word longer than the column is
    broken without a hyphen ("Undersku" / "dd på"): a line holding a single
    token that reaches the right edge of the cell, followed by a lower-case
    or digit continuation, is glued to the next line when the document's
    vocabulary knows the joined word (or does not know the parts)."""
    if not lines:
        return ""
    out = lines[0][0].strip()
    for (prev, x1), (nxt, _) in zip(lines, lines[1:]):
        prev, nxt = prev.strip(), nxt.strip()
        if not nxt:
            continue
        glue = " "
        single = " " not in prev
        full = right - x1 < 1.1 * size
        cont = nxt[0].islower() or nxt[0].isdigit()
        if prev[-1] in ",.;:)!?":
            glue = " "
        elif prev.endswith("/"):
            glue = ""
        elif prev.endswith("-"):  # same rules as running text: "bolig-"/"sosialt", "rus-"/"og …"
            out = dehyphenate(f"{out}\n{nxt}", vocab).replace("\n", " ")
            continue
        elif single and full and cont:
            a = (_TOKEN.findall(prev) or [""])[-1].lower()
            b = (_TOKEN.findall(nxt) or [""])[0].lower()
            if a and b:
                if a + b in vocab:
                    glue = ""
                elif b in FUNCTION_WORDS or (a in vocab and b in vocab and len(b) > 2):
                    glue = " "
                else:
                    glue = ""
            elif prev[-1].isdigit() and nxt[0].isdigit():
                glue = ""
        out = f"{out}{glue}{nxt}"
    return normalise_text(out)


def _fill_table_rows(table: _RawTable, vocab: set[str]) -> None:
    table.rows = [[_join_cell(lines, right, size, vocab) for lines, right, size in row] for row in table.cells]


def _same_columns(a: _RawTable, b: _RawTable, tol: float = 3.0) -> bool:
    if len(a.col_edges) != len(b.col_edges):
        return False
    return all(abs(x - y) <= tol for x, y in zip(a.col_edges, b.col_edges))


def _build_tables(pages: list[_RawPage]) -> dict[int, list[tuple[Table, float]]]:
    """Merge tables continued over a page break; return Tables (with the top
    of their first part) by page number."""
    out: dict[int, list[tuple[Table, float]]] = {}
    open_table: Table | None = None
    open_raw: _RawTable | None = None
    by_number = {p.number: p for p in pages}
    for page in pages:
        for idx, raw in enumerate(page.tables):
            rows = [r for r in raw.rows if any(c.strip() for c in r)]
            if not rows:
                continue
            prev_page = by_number.get(page.number - 1)
            continues = (
                idx == 0
                and open_table is not None
                and open_raw is not None
                and open_raw.page == page.number - 1
                and prev_page is not None
                and _same_columns(open_raw, raw)
                and not any(ln.top > open_raw.bbox[3] for ln in prev_page.lines)
                and not any(ln.bottom < raw.bbox[1] for ln in page.lines)
            )
            if continues:
                assert open_table is not None
                if [c.strip().casefold() for c in rows[0]] == [h.strip().casefold() for h in open_table.header]:
                    rows = rows[1:]  # repeated header
                if rows and not rows[0][0].strip() and open_table.rows:
                    # the last row of the previous page spills over
                    last = open_table.rows[-1]
                    open_table.rows[-1] = [f"{x} {y}".strip() for x, y in zip(last, rows[0])]
                    rows = rows[1:]
                for r in rows:
                    open_table.rows.append(r)
                    open_table.row_pages.append(page.number)
                if page.number not in open_table.pages:
                    open_table.pages.append(page.number)
                open_raw = raw
                continue
            table = Table(header=rows[0], rows=rows[1:], page=page.number, pages=[page.number], row_pages=[page.number] * (len(rows) - 1))
            out.setdefault(page.number, []).append((table, raw.bbox[1]))
            open_table, open_raw = table, raw
    return out


# ---------------------------------------------------------------------------
# Table of contents and headings
# ---------------------------------------------------------------------------

_TOC_TITLE = re.compile(r"^(innhold|innholdsfortegnelse|innhald|innhaldsliste|table of contents|contents)\b", re.IGNORECASE)
_LEADER = re.compile(r"(?:\.\s?){2,}|…")
_TOC_LINE = re.compile(r"^(?P<num>\d+(?:\.\d+)*)\.?\s+(?P<title>.+?)(?:\s*(?:(?:\.\s?){2,}|…).*|\s+\d{1,4})$")
_NUMBERED = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(?P<title>\S.*)$")


@dataclass
class _TocEntry:
    number: str | None
    title: str
    tokens: list[str]


def _tokens(text: str) -> list[str]:
    return [t.casefold() for t in _TOKEN.findall(text)]


def _is_toc_page(lines: list[_Line]) -> bool:
    if any(_TOC_TITLE.match(ln.text) for ln in lines[:3]):
        return True
    return sum(1 for ln in lines if _LEADER.search(ln.text)) >= 4


def _parse_toc(lines: list[_Line]) -> list[_TocEntry]:
    entries: list[_TocEntry] = []
    numbered = [m for m in (_TOC_LINE.match(ln.text) for ln in lines) if m]
    if len(numbered) >= 3:
        for m in numbered:
            title = _LEADER.split(m.group("title"))[0].strip()
            entries.append(_TocEntry(m.group("num"), title, _tokens(f"{m.group('num')} {title}")))
        return entries
    joined = " ".join(ln.text for ln in lines)
    for m in re.finditer(r"(.+?)\s*(?:(?:\.\s?){2,}|…)\s*\d{1,4}\b", joined):
        title = _TOC_TITLE.sub("", m.group(1).strip()).strip()
        title = _TOC_TITLE.sub("", title).strip()  # "Innholdsfortegnelse INNHOLDSFORTEGNELSE"
        if not title or not any(c.isalpha() for c in title):
            continue
        num = _NUMBERED.match(title)
        if num:
            entries.append(_TocEntry(num.group("num"), num.group("title"), _tokens(title)))
        else:
            entries.append(_TocEntry(None, title, _tokens(title)))
    return entries


def _level(number: str | None) -> int:
    return min(3, number.count(".") + 1) if number else 1


@dataclass
class _Para:
    page: int
    top: float
    lines: list[_Line]
    text: str = ""
    heading_level: int = 0  # > 0: the whole paragraph is a heading


class _Headings:
    """Finds headings in paragraphs. Wrong headings are worse than none, so
    each rule needs two signals (number + ToC, number + standalone line,
    font + short line)."""

    def __init__(self, toc: list[_TocEntry], body_size: float, heading_sizes: list[float]) -> None:
        self.toc = toc
        self.toc_numbers = {e.number: e for e in toc if e.number}
        self.body_size = body_size
        self.heading_sizes = heading_sizes  # distinct sizes > body, descending
        self.used: set[int] = set()
        self.last = -1

    def font_level(self, para: _Para) -> int:
        """Level if every line is bold or larger than body text and the
        paragraph is short; 0 otherwise."""
        if not para.lines or any(ln.size == 0 for ln in para.lines):
            return 0
        text = para.text
        if len(text) > 150 or len(text.split()) > 15 or text[-1] in ".,;:" or not any(c.isalpha() for c in text):
            return 0
        big = all(ln.size >= self.body_size + 1.0 for ln in para.lines)
        bold = all(ln.bold for ln in para.lines)
        if not (big or bold):
            return 0
        num = _NUMBERED.match(text)
        if num:
            return _level(num.group("num"))
        if big:
            size = max(ln.size for ln in para.lines)
            rank = next((i for i, s in enumerate(self.heading_sizes) if size >= s - 0.25), len(self.heading_sizes) - 1)
            return min(3, rank + 1)
        return min(3, len(self.heading_sizes) + 1)

    def standalone_numbered(self, para: _Para) -> int:
        """A one-line paragraph "3.3 Hovedfunn fra ekstern analyse": level
        from the number, checked against the ToC when there is one."""
        if len(para.lines) != 1:
            return 0
        text = para.text
        m = _NUMBERED.match(text)
        if not m or len(text) > 120 or text[-1] in ".,;:!?" or len(text.split()) > 14:
            return 0
        title = m.group("title")
        if not title[0].isupper():
            return 0
        num = m.group("num")
        if self.toc_numbers:
            entry = self.toc_numbers.get(num)
            if entry is None:
                return 0
            ratio = difflib.SequenceMatcher(None, entry.title.casefold(), title.casefold()).ratio()
            if ratio < 0.6 and not title.casefold().startswith(entry.title.casefold()):
                return 0
            self._use(entry)
            return _level(num)
        if "." not in num:  # "2 Bolig med …" without a ToC is as likely a footnote
            return 0
        return _level(num)

    def _use(self, entry: _TocEntry) -> None:
        i = self.toc.index(entry)
        self.used.add(i)
        self.last = max(self.last, i)

    def split_inline(self, text: str) -> list[tuple[int, int, int]]:
        """ToC headings inside a paragraph: [(start, end, level)] for
        matches at the start, right after another heading, or after a
        sentence end, followed by an upper-case word (or the end)."""
        if not self.toc:
            return []
        spans = [(m.start(), m.end(), m.group().casefold()) for m in _TOKEN.finditer(text)]
        found: list[tuple[int, int, int]] = []
        k = 0
        chain_at = 0
        while k < len(spans):
            start = spans[k][0]
            before = text[max(0, start - 8) : start].rstrip()
            allowed = k == chain_at or before.endswith((".", "!", "?", ":"))
            match = None
            if allowed:
                for i, entry in enumerate(self.toc):
                    if i in self.used or i <= self.last:
                        continue
                    n = len(entry.tokens)
                    if not n or [s[2] for s in spans[k : k + n]] != entry.tokens:
                        continue
                    if entry.number and k != chain_at:
                        continue  # numbered headings open a paragraph
                    after = text[spans[k + n - 1][1] :].lstrip(" :–-")
                    if after and not (after[0].isupper() or after[0].isdigit()):
                        continue
                    match = (i, n)
                    break
            if match:
                i, n = match
                self.used.add(i)
                self.last = i
                entry = self.toc[i]
                if entry.number or not found or k != chain_at:
                    level = _level(entry.number)
                else:  # "Innledning Boligsosialt utviklingsprogram - …": a sub-heading right after its parent
                    level = min(3, found[-1][2] + 1)
                found.append((start, spans[k + n - 1][1], level))
                k += n
                chain_at = k
            else:
                k += 1
        return found


# ---------------------------------------------------------------------------
# Paragraphs and page assembly
# ---------------------------------------------------------------------------


def _paragraphs(page: _RawPage, pitch: float) -> list[_Para]:
    paras: list[_Para] = []
    table_tops = [t.bbox[1] for t in page.tables]
    prev: _Line | None = None
    for ln in page.lines:
        new = prev is None or ln.para_break
        if prev is not None and not new and ln.size:
            gap = ln.top - prev.top
            table_between = any(prev.top < t < ln.top for t in table_tops)
            new = (
                gap > 1.3 * pitch
                or gap < 0
                or table_between
                or abs(ln.size - prev.size) > 0.6
                or ln.bold != prev.bold
            )
        if new:
            paras.append(_Para(page.number, ln.top, [ln]))
        else:
            paras[-1].lines.append(ln)
        prev = ln
    return paras


def _line_pitch(pages: list[_RawPage]) -> float:
    gaps = []
    for p in pages:
        for a, b in zip(p.lines, p.lines[1:]):
            if a.size and b.size and abs(a.size - b.size) < 0.5 and 0 < b.top - a.top < 4 * max(a.size, 1):
                gaps.append(round(b.top - a.top, 1))
    return statistics.median(gaps) if gaps else 14.0


def _body_size(pages: list[_RawPage]) -> float:
    counts: Counter[float] = Counter()
    for p in pages:
        for ln in p.lines:
            if ln.size:
                counts[round(ln.size * 2) / 2] += len(ln.text)
    return counts.most_common(1)[0][0] if counts else 0.0


_TITLE_TRAIL = re.compile(r"\s*\bdato:?\s*[\d.\s/-]*$", re.IGNORECASE)
_JUNK_TITLE = re.compile(r"^(untitled|no title|title|dokument\d*|document\d*|microsoft word\b.*|.*\.(docx?|pdf|odt|rtf))$", re.IGNORECASE)


def _title(meta: dict, paras_page1: list[_Para], body_size: float, stem: str) -> str:
    raw = meta.get("Title") if isinstance(meta, dict) else None
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "ignore")
    if isinstance(raw, str):
        title = normalise_text(raw)
        if len(title) >= 3 and not _JUNK_TITLE.match(title) and title.casefold() != stem.casefold() and any(c.isalpha() for c in title):
            return title
    candidates = [p for p in paras_page1 if p.text and p.lines[0].size]
    if candidates:
        biggest = max(max(ln.size for ln in p.lines) for p in candidates)
        if biggest >= body_size + 1.0:
            best = next(p for p in candidates if max(ln.size for ln in p.lines) == biggest)
            return _TITLE_TRAIL.sub("", best.text)[:200].strip()
    for p in paras_page1:
        if p.text:
            text = _TITLE_TRAIL.sub("", p.text).strip()
            if 3 <= len(text) <= 150 and not text.endswith("."):
                return text
            break
    return ""


def _assemble(paras: list[_Para], finder: _Headings, toc_page: bool) -> tuple[str, list[tuple[int, int, str]], list[tuple[float, str]]]:
    """Page text, headings (offset, level, text) and heading positions."""
    parts: list[str] = []
    headings: list[tuple[int, int, str]] = []
    positions: list[tuple[float, str]] = []
    offset = 0

    def emit(text: str, level: int = 0, top: float = 0.0) -> None:
        nonlocal offset
        text = text.strip()
        if not text:
            return
        if parts:
            offset += 2
        if level:
            headings.append((offset, level, text))
            positions.append((top, text))
        parts.append(text)
        offset += len(text)

    for para in paras:
        if not para.text:
            continue
        if toc_page:
            emit(para.text)
            continue
        level = finder.font_level(para) or finder.standalone_numbered(para)
        if level:
            emit(para.text, level, para.top)
            continue
        cursor = 0
        for start, end, lvl in finder.split_inline(para.text):
            emit(para.text[cursor:start])
            emit(para.text[start:end], lvl, para.top)
            cursor = end
            rest = para.text[cursor:]
            cursor += len(rest) - len(rest.lstrip(" :–-"))
        emit(para.text[cursor:])
    return "\n\n".join(parts), headings, positions


# ---------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------


def read_pdf(path: Path, *, ocr: bool = True) -> Extracted:
    """Read a PDF into one cleaned `Page` per physical page.

    Raises `IngestError` (naming the file) for empty, non-PDF, truncated,
    password-protected and corrupt files, and with cause `no_text` when no
    page yields any text (e.g. a scan while OCR is off or unavailable).
    Problems confined to single pages become `Extracted.warnings`.
    """
    import pdfplumber

    path = Path(path)
    sniff = sniff_pdf(path)
    warnings: list[str] = []
    if not sniff.has_eof:
        warnings.append("no %%EOF marker: the file may be truncated")
    with _quiet_pdfminer():
        try:
            pdf = pdfplumber.open(path)
        except Exception as exc:
            raise _classify_open_error(path, exc, sniff) from exc
        with pdf:
            meta = dict(pdf.metadata or {})
            try:
                n_pages = len(pdf.pages)
            except Exception as exc:
                raise _classify_open_error(path, exc, sniff) from exc
            if n_pages == 0:
                raise IngestError(str(path), "empty", "the PDF has no pages")
            pages: list[_RawPage] = []
            failed = 0
            for i, page in enumerate(pdf.pages, start=1):
                try:
                    pages.append(_extract_page(page, i))
                except Exception as exc:
                    if not sniff.has_eof:
                        detail = f"page {i} cannot be parsed and there is no %%EOF marker: {type(exc).__name__}"
                        raise IngestError(str(path), "truncated", detail) from exc
                    failed += 1
                    warnings.append(f"page {i}: cannot be parsed ({type(exc).__name__}: {exc})")
                    pages.append(_RawPage(number=i, height=0.0))
                finally:
                    page.close()
            if failed == n_pages:
                raise IngestError(str(path), "unreadable", f"none of the {n_pages} pages can be parsed")

    _run_ocr(path, pages, ocr, warnings)
    if not any(p.lines or p.tables for p in pages):
        raise IngestError(str(path), "no_text", _no_text_detail(pages, ocr))
    return _structure(path, pages, meta, warnings)


def _run_ocr(path: Path, pages: list[_RawPage], ocr: bool, warnings: list[str]) -> None:
    from ingest.readers.ocr import OcrUnavailableError, ocr_pdf_pages

    todo = [p.number for p in pages if p.needs_ocr]
    if not todo:
        return
    if not ocr:
        warnings.append(f"{_pages(todo)}: no usable text layer; OCR is turned off")
        return
    has_text_elsewhere = any(p.lines or p.tables for p in pages if not p.needs_ocr)
    try:
        texts = ocr_pdf_pages(path, todo)
    except OcrUnavailableError as exc:
        if not has_text_elsewhere:
            raise
        warnings.append(f"{_pages(todo)}: no usable text layer and OCR is unavailable ({exc.reason})")
        return
    except IngestError as exc:  # a page that cannot be rendered or recognised
        if not has_text_elsewhere:
            raise
        warnings.append(f"{_pages(todo)}: OCR failed ({exc.detail})")
        return
    by_number = {p.number: p for p in pages}
    for n, text in texts.items():
        page = by_number[n]
        page.lines = _ocr_lines(text)
        page.tables = []
        page.ocr = True
        if not page.lines:
            warnings.append(f"page {n}: OCR found no text")


def _no_text_detail(pages: list[_RawPage], ocr: bool) -> str:
    scans = [p.number for p in pages if p.needs_ocr]
    if scans and not ocr:
        return f"{_pages(scans)} {'has' if len(scans) == 1 else 'have'} no text layer and OCR is turned off"
    if scans:
        return f"OCR of {_pages(scans)} found no text"
    return "no page has extractable text"


def _pages(numbers: list[int]) -> str:
    """'page 3', 'pages 1-4', 'pages 2, 5-6'."""
    return f"page {numbers[0]}" if len(numbers) == 1 else f"pages {_ranges(numbers)}"


def _ranges(numbers: list[int]) -> str:
    out: list[str] = []
    for n in numbers:
        if out and out[-1].split("-")[-1] == str(n - 1):
            out[-1] = f"{out[-1].split('-')[0]}-{n}"
        else:
            out.append(str(n))
    return ", ".join(out)


def _structure(path: Path, pages: list[_RawPage], meta: dict, warnings: list[str]) -> Extracted:
    # 1. page furniture
    mask = running_line_mask([[ln.text for ln in p.lines] for p in pages], loose={i for i, p in enumerate(pages) if p.ocr})
    for p, flags in zip(pages, mask):
        p.lines = [ln for ln, drop in zip(p.lines, flags) if not drop]
    # 2. evidence for de-hyphenation and cell joining
    vocab = build_vocabulary("\n".join(ln.text for ln in p.lines) for p in pages)
    for p in pages:
        for t in p.tables:
            _fill_table_rows(t, vocab)
    # 3. layout statistics, table of contents
    body = _body_size(pages)
    pitch = _line_pitch(pages)
    toc_pages = {p.number for p in pages if not p.ocr and _is_toc_page(p.lines)}
    toc = [e for p in pages if p.number in toc_pages for e in _parse_toc(p.lines)]
    paras_by_page = {p.number: _paragraphs(p, pitch) for p in pages}
    for paras in paras_by_page.values():
        for para in paras:
            para.text = join_lines([ln.text for ln in para.lines], vocab)
    big = [para for paras in paras_by_page.values() for para in paras if para.lines and min(ln.size for ln in para.lines) >= body + 1.0]
    sizes = sorted({round(max(ln.size for ln in para.lines) * 2) / 2 for para in big}, reverse=True)
    finder = _Headings(toc, body, sizes)
    # 4. pages
    tables = _build_tables(pages)
    out_pages: list[Page] = []
    heading_trail: list[tuple[int, float, str]] = []
    for p in pages:
        text, headings, positions = _assemble(paras_by_page[p.number], finder, p.number in toc_pages)
        heading_trail.extend((p.number, top, h) for top, h in positions)
        page_tables = []
        for table, top in tables.get(p.number, []):
            before = [h for (n, t, h) in heading_trail if n < p.number or (n == p.number and t < top)]
            table.title = before[-1] if before else ""
            page_tables.append(table)
        out_pages.append(Page(number=p.number, text=text, tables=page_tables, ocr=p.ocr, headings=headings))
    title = _title(meta, paras_by_page.get(1, []), body, path.stem)
    return Extracted(format="pdf", pages=out_pages, title=title, warnings=warnings, meta=_meta_hints(meta))


def _meta_hints(meta: dict) -> dict[str, str]:
    """Raw PDF document-info fields for `Extracted.meta`, prefixed `pdf_`
    because they are often wrong (a conversion date, the converting program
    as author); `pdf_created` is an ISO date."""
    out: dict[str, str] = {}
    for key, name in (("Title", "pdf_title"), ("Author", "pdf_author"), ("Producer", "pdf_producer"), ("Creator", "pdf_creator")):
        value = meta.get(key)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "ignore")
        if isinstance(value, str) and normalise_text(value):
            out[name] = normalise_text(value)
    created = meta.get("CreationDate")
    if isinstance(created, bytes):
        created = created.decode("latin-1", "ignore")
    m = re.match(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?", created) if isinstance(created, str) else None
    if m:
        out["pdf_created"] = "-".join(g for g in m.groups() if g)
    return out
