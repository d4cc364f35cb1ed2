"""HTML reader: main content through trafilatura, no navigation/footer/cookie text.

The article body comes from ``trafilatura.extract`` (XML output, so headings
and tables keep their structure). The title is the page's first <h1>, else
its <title> with a trailing site name (" - Asker kommune", " | Husbanken")
removed; that site name is kept in ``Extracted.meta["site"]`` for metadata.
A web page has no pages: the result is one ``Page``.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree
from lxml import html as lhtml

from ingest.readers import Extracted, read_nonempty_bytes
from ingest.records import IngestError, Page, Table

_TITLE_SEP = re.compile(r"\s+(?:[-–—|:]{1,2}|::)\s+")


def read_html(path: Path) -> Extracted:
    """Read an HTML file into an ``Extracted`` (format "html")."""
    path = Path(path)
    raw = read_nonempty_bytes(path, "no bytes in file")
    try:
        tree = lhtml.fromstring(raw)
    except (etree.ParserError, ValueError) as e:
        raise IngestError(str(path), "unreadable", f"not parseable as HTML: {e}") from e

    import trafilatura  # slow import; only when an HTML file is read

    xml = trafilatura.extract(
        raw,
        output_format="xml",
        include_tables=True,
        include_comments=False,
        include_images=False,
        include_links=False,
        deduplicate=False,
    )
    warnings: list[str] = []
    if not xml:
        xml = trafilatura.extract(raw, output_format="xml", include_tables=True, favor_recall=True)
        if xml:
            warnings.append("main content found only with favor_recall")
    if not xml:
        raise IngestError(str(path), "no_text", "no main content found in HTML")

    page = _xml_to_page(xml)
    if not page.text.strip() and not page.tables:
        raise IngestError(str(path), "no_text", "main content is empty")

    html_title = _text(tree.find(".//title"))
    h1 = next((_text(h) for h in tree.iter("h1") if _text(h)), "")
    title, site = _split_title(html_title)
    meta: dict[str, str] = {}
    og_site = _meta(tree, "og:site_name")
    if og_site:
        site = og_site
    if site:
        meta["site"] = site
    if html_title:
        meta["html_title"] = html_title
    url = _canonical(tree)
    if url:
        meta["url"] = url
    date = _meta(tree, "article:published_time") or _meta(tree, "date") or _meta(tree, "dc.date")
    if date:
        meta["date"] = date
    return Extracted(format="html", pages=[page], title=h1 or title, warnings=warnings, meta=meta)


def _split_title(html_title: str) -> tuple[str, str]:
    """'Asker har realisert 63 boliger - Asker kommune' → (title, 'Asker kommune')."""
    parts = _TITLE_SEP.split(html_title.strip()) if html_title else []
    if len(parts) >= 2 and len(parts[-1].split()) <= 6:
        return " - ".join(parts[:-1]).strip(), parts[-1].strip()
    return html_title.strip(), ""


def _xml_to_page(xml: str) -> Page:
    root = etree.fromstring(xml.encode("utf-8"))
    main = root.find("main")
    if main is None:
        main = root
    parts: list[str] = []
    headings: list[tuple[int, int, str]] = []
    tables: list[Table] = []
    offset = 0
    last_heading = ""

    def add(s: str) -> int:
        nonlocal offset
        if parts:
            offset += 2  # "\n\n" separator
        start = offset
        parts.append(s)
        offset += len(s)
        return start

    for el in main:
        tag = el.tag
        if tag == "head":
            s = _text(el)
            if not s:
                continue
            level = int(el.get("rend", "h2")[1:] or 2) if el.get("rend", "").startswith("h") else 2
            headings.append((add(s), max(1, min(level, 3)), s))
            last_heading = s
        elif tag == "table":
            t = _table(el, last_heading)
            if t is not None:
                tables.append(t)
        elif tag == "list":
            items = [_text(i) for i in el.iter("item")]
            items = [f"• {i}" for i in items if i]
            if items:
                add("\n".join(items))
        else:
            s = _text(el)
            if s:
                add(s)
    return Page(number=1, text="\n\n".join(parts), tables=tables, headings=headings)


def _table(el: etree._Element, title: str) -> Table | None:
    rows = [[_text(c) for c in r.iter("cell")] for r in el.iter("row")]
    rows = [r for r in rows if any(r)]
    if not rows:
        return None
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    first_row = el.find("row")
    has_head = first_row is not None and any(c.get("role") == "head" for c in first_row.iter("cell"))
    header, body = (rows[0], rows[1:]) if (has_head or len(rows) > 1) else ([""] * width, rows)
    return Table(header=header, rows=body, page=1, pages=[1], row_pages=[1] * len(body), title=title)


def _text(el: etree._Element | None) -> str:
    if el is None:
        return ""
    return re.sub(r"\s+", " ", "".join(el.itertext())).strip()


def _meta(tree: lhtml.HtmlElement, name: str) -> str:
    for m in tree.iter("meta"):
        if (m.get("property") or m.get("name") or "").lower() == name.lower():
            return (m.get("content") or "").strip()
    return ""


def _canonical(tree: lhtml.HtmlElement) -> str:
    for link in tree.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and link.get("href"):
            return link.get("href").strip()
    return _meta(tree, "og:url")
