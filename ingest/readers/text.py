"""Plain text and Markdown reader.

Decoding: UTF-8 (with or without BOM); if that fails cp1252, then latin-1, each
with a warning. A file with NUL bytes or mostly control characters is binary
and raises ``IngestError(cause="unreadable")``; an empty or whitespace-only file
raises ``cause="empty"``.

Line-end hyphens are joined as in PDFs ("bolig-\\nsosialt"), and a plan's
table typed as text (one cell per line, or one row per line with " | ", tabs
or aligned columns) becomes a ``Table`` of its page, as the PDF reader's
ruled tables do.

Pages: form feeds (``\\f``) split pages. Transcripts from document-sharing
sites (docplayer and the like) are recognised and their page template is
removed: the "Like dokumenter" list of unrelated titles, "Størrelse: px",
"Begynne med side:", "Download …", "Transkript", viewer chrome. Their page
markers ("1 …", "2 …" at the start of each page paragraph) become pages.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.clean import build_vocabulary, dehyphenate
from ingest.readers import Extracted, read_nonempty_bytes
from ingest.records import IngestError, Page, Table

# Lines that are part of a document-sharing site's page template, not the document.
_TEMPLATE_LINE = re.compile(
    r"""^\s*(?:
        like\s+dokumenter | lignende\s+dokumenter | relaterte\s+dokumenter |
        størrelse:\s*px | begynne\s+med\s+side:? | download(?:\s+report)?(?:\s+".*")? |
        last\s+ned(?:\s+".*")? | transkript:? | transcript:?(?:\s.*)? |
        show\s+more | show\s+less | \d{2}\.\d{2}\.\d{4}\s+views |
        you\s+also\s+want\s+an\s+epaper\?.* | yumpu\s+automatically\s+turns.* |
        transform\s+your\s+pdfs\s+into\s+flipbooks.* | leverage\s+seo-optimized\s+flipbooks.* |
        •?\s*no\s+results\s+found | n/a | protected | academic\s+year:\s*\d{4} |
        share\s+".*" | copied! | laster\.*\s*\(se\s+fulltekst\s+nå\) | fulltekst |
        upload:\s*\S+ | post\s+on\s+\d{1,2}-\w{3}-\d{4} | \d+\s+views? | category: | documents |
        \d+\s+download | page\s+\d+:\s*$ | \(\d+\) | \d+ | views
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# Markers that show a file is a sharing-site transcript at all.
_TEMPLATE_MARKERS = re.compile(
    r"^\s*(?:like dokumenter|størrelse:\s*px|begynne med side|transkript:?|transcript|"
    r"download ?\"|show more|yumpu automatically|• no results found|share \")",
    re.IGNORECASE | re.MULTILINE,
)
_TRANSCRIPT_START = re.compile(r"^\s*(?:transkript|transcript):?\s*$", re.IGNORECASE | re.MULTILINE)
_HTML_TAG = re.compile(r"</?(?:br|strong|b|i|em|p|span)\s*/?>", re.IGNORECASE)
_MD_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$", re.MULTILINE)


def read_text(path: Path) -> Extracted:
    """Read a .txt/.md file into an ``Extracted`` (format "text")."""
    path = Path(path)
    raw = read_nonempty_bytes(path, "no text in file")
    text, warnings = _decode(raw, path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IngestError(str(path), "empty", "no text in file")

    title = ""
    template = bool(_TEMPLATE_MARKERS.search(text[:20000]))
    if template:
        title, text = _strip_sharing_template(text)
        warnings.append("removed document-sharing site template (docplayer/yumpu style)")
    text = _HTML_TAG.sub(" ", text)
    text = re.sub(r"(?m)^Page \d+:\s*", "", text)  # viewer page labels

    is_md = path.suffix.lower() == ".md"
    pages = _paginate(text, transcript=template)
    vocab = build_vocabulary(p.text for p in pages)
    for p in pages:
        p.text = dehyphenate(p.text, vocab)  # "bolig-\nsosialt" copied from a PDF
        _lift_flattened_tables(p)
        if is_md:
            p.headings = [
                (m.start(), len(m.group(1)), m.group(2).strip()) for m in _MD_HEADING.finditer(p.text)
            ]
    pages = [p for p in pages if p.text.strip()] or pages[:1]
    if not any(p.text.strip() for p in pages):
        raise IngestError(str(path), "empty", "only site template, no document text")
    if not title:
        title = _guess_title(pages[0], is_md)
    return Extracted(format="text", pages=pages, title=title, warnings=warnings)


def _decode(raw: bytes, path: Path) -> tuple[str, list[str]]:
    sample = raw[:65536]
    if b"\x00" in sample and not (raw.startswith(b"\xff\xfe") or raw.startswith(b"\xfe\xff")):
        raise IngestError(str(path), "unreadable", "binary data (NUL bytes), not text")
    warnings: list[str] = []
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), warnings
        except UnicodeDecodeError as e:
            raise IngestError(str(path), "unreadable", "invalid UTF-16") from e
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
            warnings.append("not valid UTF-8; decoded as cp1252")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
            warnings.append("not valid UTF-8; decoded as latin-1")
    ctrl = sum(1 for c in text[:20000] if ord(c) < 32 and c not in "\n\r\t\f")
    if ctrl > 0.05 * min(len(text), 20000):
        raise IngestError(str(path), "unreadable", "mostly control characters, not text")
    return text, warnings


def _strip_sharing_template(text: str) -> tuple[str, str]:
    """Remove a sharing site's template; return (title, document text).

    If a "Transkript" line exists, everything before it is template except
    the first line, which is the document title on such sites. Otherwise
    template lines are dropped wherever they are in the first 200 lines.
    """
    lines = text.split("\n")
    first = next((ln.strip() for ln in lines if ln.strip()), "")
    m = _TRANSCRIPT_START.search(text)
    if m and m.start() < 200_000:
        body = _cut_related_list(text[m.end() :])
        dl = re.search(r'^\s*(?:download|last ned)\s+"(.+)"\s*$', text[: m.start()], re.I | re.M)
        title = dl.group(1) if dl else (first if not _TEMPLATE_LINE.match(first) else "")
        return _clean_title(title), _drop_template_lines(body)
    return "", _drop_template_lines(_cut_related_list(text))


def _cut_related_list(text: str) -> str:
    """Drop a trailing list of other documents: blocks of (title, title +
    excerpt, "Detaljer"), as sharing sites append after the transcript."""
    paras = re.split(r"\n\s*\n", text)
    marks = [i for i, p in enumerate(paras) if p.strip().casefold() in ("detaljer", "details")]
    if len(marks) < 3:
        return text
    i = marks[0]
    prev = [j for j in range(i - 1, -1, -1) if paras[j].strip()][:2]
    if len(prev) == 2:
        title, excerpt = paras[prev[1]].strip(), paras[prev[0]].strip()
        if excerpt.startswith(title[:40]):
            return "\n\n".join(paras[: prev[1]]).rstrip()
    return "\n\n".join(paras[:i]).rstrip()


def _drop_template_lines(text: str, head_lines: int = 200) -> str:
    lines = text.split("\n")
    kept = [ln for i, ln in enumerate(lines) if i >= head_lines or not _TEMPLATE_LINE.match(ln)]
    # a sharing site repeats its title lines: collapse immediate duplicates at the top
    out: list[str] = []
    for i, ln in enumerate(kept):
        if i < head_lines and ln.strip() and out and ln.strip() == _last_nonempty(out):
            continue
        out.append(ln)
    return "\n".join(out).strip("\n")


def _last_nonempty(lines: list[str]) -> str:
    for ln in reversed(lines):
        if ln.strip():
            return ln.strip()
    return ""


_PAGE_PARA = re.compile(r"^(\d{1,4}) (?=\S)")


def _paginate(text: str, transcript: bool = False) -> list[Page]:
    """Split on form feeds; else on transcript page markers; else one page.

    Transcript page markers are paragraphs starting "1 ", "2 ", "3 " … in
    sequence. Numbered section headings look alike, so the markers must start
    most paragraphs (80 %; 50 % when a sharing-site template was found), and a
    paragraph whose short first line ("1 Bakgrunn") stands over more lines is
    a heading: a transcript runs each page on one line.
    """
    if "\f" in text:
        return [Page(number=i + 1, text=t.strip("\n")) for i, t in enumerate(text.split("\f"))]
    paras = re.split(r"\n\s*\n", text)
    starts: list[tuple[int, int]] = []  # (para index, page number)
    expect = 1
    for i, para in enumerate(paras):
        m = _PAGE_PARA.match(para.lstrip())
        first, _, rest = para.strip().partition("\n")
        if m and rest.strip() and len(first.split()) <= 8:
            m = None  # "1 Bakgrunn" over its text: a numbered section heading (a page runs on one line)
        if m and int(m.group(1)) == expect:
            starts.append((i, expect))
            expect += 1
    share = 0.5 if transcript else 0.8
    if len(starts) >= 3 and len(starts) >= share * len([p for p in paras[1:] if p.strip()]):
        pages: list[Page] = []
        lead = "\n\n".join(paras[: starts[0][0]]).strip()
        for j, (pi, num) in enumerate(starts):
            end = starts[j + 1][0] if j + 1 < len(starts) else len(paras)
            chunk = "\n\n".join(paras[pi:end]).lstrip()
            chunk = _PAGE_PARA.sub("", chunk, count=1)
            if j == 0 and lead:
                chunk = lead + "\n\n" + chunk
            pages.append(Page(number=num, text=chunk.strip()))
        return pages
    return [Page(number=1, text=text.strip("\n"))]


# Column names of a plan's table ("Tiltak", "Ansvar", "Frist", "Kostnad (kr)")
_COLUMN_NAME = re.compile(
    r"^(?:nr\.?|tiltak|aktivitet(?:er)?|handling(?:er|ar)?|hva|kva|ansvar(?:lig|leg)?|frist|tidsfrist|tidsramme|tidsplan"
    r"|tid|tidsrom|tidspunkt|når|periode|gjennomføring|kostnad(?:er)?|budsjett|beløp|finansiering(?:skilde)?|kilde"
    r"|økonomi|status|merknad(?:er)?|kommentar(?:er)?|resultatmål|indikator(?:er)?|delmål|mål|målgruppe"
    r"|innsatsområde|samarbeidspartner(?:e|ar)?|hvem|kven|delprosjekt\w*|antall|talet|tal|anslått\s+\w+|område"
    r"|tiltaksområde|prioritet)"
    r"(?:\s+(?:enhet|eining))?(?:\s*\([^)]{1,12}\))?\s*:?$",
    re.IGNORECASE,
)
_CELL_SPLIT = (re.compile(r"\t+"), re.compile(r"\s+\|\s+"), re.compile(r"\s{2,}"))
"""Cell separators of a table typed as rows: tabs, " | ", or columns aligned with spaces."""
_MEASURE_COLUMN = re.compile(r"^(?:tiltak|aktivitet|handling|hva|kva)", re.IGNORECASE)
"""A column of what will be done: what makes a typed table a plan's table. (The extractor
reads its columns with `ingest.extract.common.table_columns`; a reader does not reach downstream.)"""


def _lift_flattened_tables(page: Page) -> None:
    """A plan's table flattened one cell per line, as copying from a PDF or
    a web page leaves it: a run of column names ("Tiltak", "Ansvar", "Frist",
    "Kostnad (kr)") and then, up to the next blank line, rows of exactly as
    many lines. Such a table becomes a `Table` of the page and leaves the
    running text, as the PDF reader does with a ruled table. Anything that
    does not divide into whole rows stays text."""
    lines = page.text.split("\n")
    i = 0
    while i < len(lines):
        if (found := _delimited_table(lines, i)) is not None:
            header, rows, end = found
            _add_table(page, lines, i, header, rows)
            lines[i:end] = []
            continue
        k = 0
        while i + k < len(lines) and lines[i + k].strip() and _COLUMN_NAME.match(lines[i + k].strip()):
            k += 1
        header = [ln.strip() for ln in lines[i : i + k]]
        if k < 3 or not any(_MEASURE_COLUMN.match(h) for h in header):
            i += max(k, 1)
            continue
        end = i + k
        while end < len(lines) and lines[end].strip():
            end += 1
        body = [ln.strip() for ln in lines[i + k : end]]
        m = next(j for j, h in enumerate(header) if _MEASURE_COLUMN.match(h))
        if len(body) < 2 * k or len(body) % k or any(_COLUMN_NAME.match(b) for b in body):
            # the rows may follow in groups, each after a blank line and its title
            # ("Innsatsområde 1 – Flere egnede boliger"): the titles stay text
            grouped = _grouped_rows(lines, i + k, k, m)
            if grouped is None:
                i += k
                continue
            rows, row_lines = grouped
            _add_table(page, lines, i, header, rows)
            for j in sorted(set(range(i, i + k)) | row_lines, reverse=True):
                del lines[j]
            continue
        rows = [body[r : r + k] for r in range(0, len(body), k)]
        if any(len(row[m].split()) < 2 for row in rows):
            i += k  # the cells do not line up under their columns
            continue
        _add_table(page, lines, i, header, rows)
        lines[i:end] = []
    page.text = "\n".join(lines)


def _grouped_rows(lines: list[str], start: int, k: int, m: int) -> tuple[list[list[str]], set[int]] | None:
    """Rows of `k` lines after a flattened table's header, in groups that each
    open with one title line ("Innsatsområde 2 – Boligutvikling"), the groups
    apart by blank lines: (rows, the line numbers they take) when there are
    two rows or more and every group divides into whole rows."""
    rows: list[list[str]] = []
    taken: set[int] = set()
    j = start
    while j < len(lines):
        while j < len(lines) and not lines[j].strip():
            j += 1
        seg_start = j
        while j < len(lines) and lines[j].strip():
            j += 1
        seg = [ln.strip() for ln in lines[seg_start:j]]
        if not seg:
            break
        title = 1 if len(seg) % k == 1 and len(seg[0].split()) <= 12 and not _COLUMN_NAME.match(seg[0]) else 0
        cells = seg[title:]
        if len(cells) < k or len(cells) % k or any(_COLUMN_NAME.match(c) for c in cells):
            break  # not rows: the table ended before this
        if sum(c[:1].islower() for c in cells) * 2 > len(cells):
            break  # a paragraph wrapped into lines, its lines going on in lower case
        group = [cells[r : r + k] for r in range(0, len(cells), k)]
        if any(len(row[m].split()) < 2 for row in group):
            break
        rows += group
        taken |= set(range(seg_start + title, j))
    return (rows, taken) if len(rows) >= 2 else None


def _delimited_table(lines: list[str], i: int) -> tuple[list[str], list[list[str]], int] | None:
    """A table typed one row per line ("Tiltak | Ansvar | Frist", tabs, or
    columns aligned with spaces) whose header line starts at `i`: (header,
    rows, end line) when at least two rows follow with as many cells."""
    line = lines[i].strip()
    for split in _CELL_SPLIT:
        header = [c.strip() for c in split.split(line)]
        if len(header) < 3 or not all(_COLUMN_NAME.match(h) for h in header):
            continue
        if not any(_MEASURE_COLUMN.match(h) for h in header):
            return None
        rows, end = [], i + 1
        while end < len(lines) and lines[end].strip():
            cells = [c.strip() for c in split.split(lines[end].strip())]
            if len(cells) != len(header):
                break
            rows.append(cells)
            end += 1
        return (header, rows, end) if len(rows) >= 2 else None
    return None


def _add_table(page: Page, lines: list[str], i: int, header: list[str], rows: list[list[str]]) -> None:
    above = next((ln.strip() for ln in reversed(lines[max(0, i - 2) : i]) if ln.strip()), "")
    page.tables.append(
        Table(header=header, rows=rows, page=page.number, pages=[page.number],
              row_pages=[page.number] * len(rows), title=above if len(above) <= 120 else "")
    )


def _guess_title(page: Page, is_md: bool) -> str:
    if is_md and page.headings:
        return page.headings[0][2]
    for ln in page.text.split("\n")[:15]:
        s = ln.strip().lstrip("#").strip()
        if not s:
            continue
        if len(s) > 200:
            return ""  # the text starts with body copy: no title line
        if _looks_like_title(s):
            return _clean_title(s)
    return ""


def _looks_like_title(s: str) -> bool:
    """Reject page chrome: phone numbers, "A A A", image names, weather."""
    if re.search(r"°C|\bIMG_\d+|articleimage|^\W", s):
        return False
    words = re.findall(r"[^\W\d_]{4,}", s)
    letters = sum(c.isalpha() for c in s)
    return bool(words) and letters >= 0.6 * len(s.replace(" ", ""))


def _clean_title(s: str) -> str:
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(r"^\d{1,3}\s+(?=\D)", "", s)  # transcript page number in front
    s = re.sub(r"\.?\s*Side \d+ av \d+\s*$", "", s)  # running footer
    return s[:300]
