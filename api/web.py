"""The advisor's web interface: server-rendered Norwegian pages on the same
FastAPI app as the JSON API (`api.app.create_app` includes `router`).

    /                               search with filters, facets and cited hits
    /dokument/{doc_id}?side=N       a document page: image (PDF) beside its text,
                                    the cited passage marked
    /dokument/{doc_id}/side/N.png   the page image (pypdfium2, cached on disk)
    /sammenlign?q=… | ?topic=…      one row per municipality; CSV via /compare
    /kommune, /kommune/{name}       municipalities and a municipality profile
    /veiledning, /veiledning/{t}    guidance pages (?format=json|md for machines)

Everything works without JavaScript. The pages call the same data functions
as the JSON API (never HTTP), holding `app.state.lock` around index calls.
"""

from __future__ import annotations

import html
import os
import re
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from api.guide_render import STATIC, doc_type_label, environment, guide_context, guide_dict, render_md
from api.service import MAX_OFFSET, MAX_QUERY, SearchParams, canonical_municipality, run_search
from index.compare import compare, municipality_profile, peers
from index.guide import build_guide, resolve_topic, topic_list
from ingest.records import DOC_TYPES, PROGRAMMES

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(env=environment())

PAGE_SIZE = 10
FACET_LIMIT = 12
PAGE_DPI = 110
DOC_ID = re.compile(r"^[0-9a-f]{16}$")
STATIC_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*\.(css|svg|js|png)$")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
FACET_LABELS = [("municipality", "Kommune"), ("doc_type", "Dokumenttype"), ("year", "År"), ("programme", "Program")]
FILTER_LABELS = {"municipality": "Kommune", "doc_type": "Dokumenttype", "year_from": "År fra", "year_to": "År til",
                 "programme": "Program"}
MESSAGES = [  # service.py's English validation messages → Norwegian
    ("the query is empty", "Skriv inn noe å søke etter."),
    ("the query is longer", f"Søket kan være høyst {MAX_QUERY} tegn."),
    ("unknown doc_type", "Ukjent dokumenttype."),
    ("year_from is after year_to", "«År fra» kan ikke være etter «År til»."),
    ("unknown topic", "Ukjent tema."),
    ("offset must be", "Ugyldig side i treffene."),
]

_render_lock = threading.Lock()  # pdfium is not thread-safe


# -- helpers ----------------------------------------------------------------

def _index(request: Request) -> tuple[Any, Any]:
    return request.app.state.index, request.app.state.lock


def _page(request: Request, name: str, ctx: dict[str, Any], status: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, name, ctx, status_code=status, headers=SECURITY_HEADERS)


def _error(request: Request, status: int, heading: str, message: str) -> HTMLResponse:
    return _page(request, "error.html", {"heading": heading, "message": message}, status)


def _norsk(e: Exception) -> str:
    msg = str(e)
    for prefix, text in MESSAGES:
        if msg.startswith(prefix):
            return text
    return msg


def _year(value: str, label: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit() or not 1900 <= int(value) <= 2100:
        raise ValueError(f"«{label}» må være et årstall mellom 1900 og 2100.")
    return int(value)


def _url(path: str, params: dict[str, Any], fragment: str = "") -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "", 0)}  # offset 0 is the default
    qs = urlencode(clean)
    return path + ("?" + qs if qs else "") + ("#" + fragment if fragment else "")


def _municipality_options(idx: Any) -> list[tuple[str, str]]:
    return [(r["municipality"], r["municipality"]) for r in idx.store.municipalities()]


def _topic_options() -> list[tuple[str, str]]:
    return [(key, label) for key, label, _ in topic_list()]


# -- static -----------------------------------------------------------------

@router.get("/static/{name}")
def static_file(name: str) -> Response:
    path = STATIC / name
    if not STATIC_NAME.match(name) or not path.is_file():
        return Response("not found", status_code=404, media_type="text/plain")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})


# -- search -----------------------------------------------------------------

@router.get("/", response_class=HTMLResponse)
def search_page(
    request: Request,
    q: str = "",
    municipality: str = "",
    doc_type: str = "",
    year_from: str = "",
    year_to: str = "",
    programme: str = "",
    offset: str = "0",
) -> HTMLResponse:
    """The search form; results with facets when `q` is given."""
    idx, lock = _index(request)
    q = q.strip()
    raw = {"municipality": municipality.strip(), "doc_type": doc_type.strip(), "year_from": year_from.strip(),
           "year_to": year_to.strip(), "programme": programme.strip()}
    ctx: dict[str, Any] = {
        "section": "sok", "q": q, "params": raw, "error": None, "hits": [], "total": 0, "facets": None,
        "facet_labels": FACET_LABELS, "offset": 0, "active": [], "prev_url": None, "next_url": None,
        "doc_type_options": [(t, doc_type_label(t)) for t in DOC_TYPES],
        "programme_options": [(p, p) for p in PROGRAMMES],
    }
    with lock:
        ctx["municipality_options"] = _municipality_options(idx)
        if not q:
            ctx["stats"] = idx.store.stats()
    if not q:
        return _page(request, "search.html", ctx)
    try:
        off = int(offset) if offset.strip() else 0
        off = max(0, min(off, MAX_OFFSET))
        params = SearchParams(
            q=q, municipality=raw["municipality"] or None, doc_type=raw["doc_type"] or None,
            year_from=_year(raw["year_from"], "År fra"), year_to=_year(raw["year_to"], "År til"),
            programme=raw["programme"] or None, k=PAGE_SIZE, offset=off,
        )
        params.validate()
        with lock:
            resp = run_search(idx, params, facets=True)
    except ValueError as e:
        ctx["error"] = _norsk(e)
        return _page(request, "search.html", ctx, status=400)
    if params.municipality:  # show the canonical spelling in the form (Baerum → Bærum)
        raw["municipality"] = params.filters().municipality or raw["municipality"]
    base = {"q": q, **raw}
    for h in resp["hits"]:
        h["href"] = _url(f"/dokument/{h['doc_id']}", {"side": h["page"], "chunk": h["chunk_id"], "q": q},
                         "passasje")
    facets: dict[str, list[tuple[str, int, str]]] = {}
    for key, _ in FACET_LABELS:
        out = []
        for value, n in list((resp.get("facets") or {}).get(key, {}).items())[:FACET_LIMIT]:
            if key == "year":
                url = _url("/", {**base, "year_from": value, "year_to": value})
            else:
                url = _url("/", {**base, key: value})
            out.append((doc_type_label(value) if key == "doc_type" else value, n, url))
        facets[key] = out
    ctx.update(
        hits=resp["hits"], total=resp["total"], facets=facets, offset=off,
        active=[(FILTER_LABELS[k], doc_type_label(v) if k == "doc_type" else v, _url("/", {**base, k: ""}))
                for k, v in raw.items() if v],
        prev_url=_url("/", {**base, "offset": max(0, off - PAGE_SIZE)}) if off > 0 else None,
        next_url=_url("/", {**base, "offset": off + PAGE_SIZE}) if off + PAGE_SIZE < resp["total"] else None,
        compare_url=_url("/sammenlign", {"q": q, "municipality": raw["municipality"]}),
    )
    return _page(request, "search.html", ctx)


# -- document view ------------------------------------------------------------

def passage_span(chunk: dict[str, Any], page_no: int, text: str) -> tuple[int, int] | None:
    """The part of page `page_no`'s text that `chunk` covers, from its
    char offsets; when those don't fit the page, where the chunk's opening
    words stand on it. None when the chunk is not on this page."""
    if not chunk["page_start"] <= page_no <= chunk["page_end"]:
        return None
    start = (chunk["char_start"] or 0) if page_no == chunk["page_start"] else 0
    end = (chunk["char_end"] or 0) if page_no == chunk["page_end"] else len(text)
    if 0 <= start < end <= len(text):
        return (start, end)
    head = " ".join(chunk["text"].split()[:8])
    if head:
        pat = r"\s+".join(re.escape(w) for w in head.split())
        m = re.search(pat, text)
        if m:
            return (m.start(), min(len(text), m.start() + len(chunk["text"])))
    return None


def mark_text(text: str, passage: tuple[int, int] | None, terms: list[tuple[int, int]]) -> Markup:
    """HTML of a page's text: the passage in <mark class="passage"
    id="passasje">, query terms in <mark class="term">. Without a passage,
    the first term carries the id, so a link's #passasje lands on it."""
    esc = html.escape
    first = [passage is None]

    def with_terms(a: int, b: int) -> str:
        out, pos = [], a
        for s, e in terms:
            s, e = max(s, a), min(e, b)
            if s >= e or s < pos:
                continue
            out.append(esc(text[pos:s]))
            ident = ' id="passasje"' if first[0] else ""
            first[0] = False
            out.append(f'<mark class="term"{ident}>{esc(text[s:e])}</mark>')
            pos = e
        out.append(esc(text[pos:b]))
        return "".join(out)

    if passage is None:
        return Markup(with_terms(0, len(text)))
    ps, pe = passage
    return Markup(with_terms(0, ps) + '<mark class="passage" id="passasje">' + with_terms(ps, pe) + "</mark>"
                  + with_terms(pe, len(text)))


def _page_links(n_pages: int, current: int, make: Any) -> list[tuple[int, str | None]]:
    if n_pages <= 30:
        return [(n, make(n)) for n in range(1, n_pages + 1)]
    keep = {1, 2, n_pages - 1, n_pages, *range(current - 3, current + 4)}
    out: list[tuple[int, str | None]] = []
    for n in range(1, n_pages + 1):
        if n in keep:
            out.append((n, make(n)))
        elif out and out[-1][1] is not None:
            out.append((0, None))
    return out


def tables_on_page(store: Any, doc_id: str, page_no: int, look_back: int = 5) -> list[dict[str, Any]]:
    """Tables standing on `page_no`, including the rows of a table that
    started on an earlier page and continues here (`Table.pages`)."""
    out = []
    for m in range(max(1, page_no - look_back), page_no + 1):
        p = store.page(doc_id, m) if m != page_no else None
        tables = p["tables"] if p else []
        for t in tables:
            if page_no in (t.get("pages") or []):
                rows = [r for r, rp in zip(t["rows"], t.get("row_pages") or []) if rp == page_no]
                out.append({**t, "rows": rows or t["rows"], "continued_from": m})
    page = store.page(doc_id, page_no)
    return out + (page["tables"] if page else [])


def _has_image(doc: dict[str, Any]) -> bool:
    return doc["format"] == "pdf" and Path(doc["path"]).is_file()


@router.get("/dokument/{doc_id}", response_class=HTMLResponse)
def document_page(request: Request, doc_id: str, side: str = "", chunk: str = "", q: str = "") -> HTMLResponse:
    """One page of a document: image (PDF) beside the text with the cited
    passage marked; every other page a click away."""
    idx, lock = _index(request)
    if not DOC_ID.match(doc_id):
        return _error(request, 404, "Fant ikke dokumentet", f"Det finnes ikke noe dokument med id «{doc_id}».")
    q = q.strip()[:MAX_QUERY]
    with lock:
        doc = idx.store.document(doc_id)
        if doc is None:
            return _error(request, 404, "Fant ikke dokumentet", f"Det finnes ikke noe dokument med id «{doc_id}».")
        ch = next((c for c in idx.store.chunks_of(doc_id) if c["chunk_id"] == chunk), None) if chunk else None
        if side.strip():
            if not side.strip().isdigit():
                return _error(request, 400, "Ugyldig side", "Sidenummeret må være et heltall.")
            page_no = int(side)
        else:
            page_no = ch["page_start"] if ch else 1
        page = idx.store.page(doc_id, page_no)
        duplicates = idx.store.duplicates_of(doc_id)
        tables = tables_on_page(idx.store, doc_id, page_no) if page else []
        terms = idx.analyzer.highlight_spans(q, page["text"]) if page and q else []
    n_pages = doc["n_pages"] or 0
    if page is None:
        return _error(request, 404, "Fant ikke siden",
                      f"«{doc['title']}» har {n_pages} sider; side {page_no} finnes ikke.")
    passage = passage_span(ch, page_no, page["text"]) if ch else None

    def make(n: int) -> str:
        return _url(f"/dokument/{doc_id}", {"side": n, "chunk": chunk if ch else "", "q": q})

    ctx = {
        "section": "sok", "doc": doc, "page_no": page_no, "n_pages": n_pages, "ocr": page["ocr"],
        "page_html": mark_text(page["text"], passage, terms), "marked": passage is not None or bool(terms),
        "tables": tables, "q": q, "duplicates": duplicates,
        "image_url": f"/dokument/{doc_id}/side/{page_no}.png" if _has_image(doc) else None,
        "page_links": _page_links(n_pages, page_no, make),
        "prev_url": make(page_no - 1) if page_no > 1 else None,
        "next_url": make(page_no + 1) if page_no < n_pages else None,
        "back_url": _url("/", {"q": q}) if q else None,
    }
    return _page(request, "document.html", ctx)


def render_page_png(pdf_path: Path, page_no: int, out: Path, dpi: int = PAGE_DPI) -> Path:
    """Render one PDF page to `out` (PNG) with pypdfium2, atomically."""
    import pypdfium2 as pdfium

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with _render_lock:
        pdf = pdfium.PdfDocument(str(pdf_path))
        try:
            image = pdf[page_no - 1].render(scale=dpi / 72).to_pil()
        finally:
            pdf.close()
    image.save(tmp, format="PNG", optimize=True)
    os.replace(tmp, out)
    return out


@router.get("/dokument/{doc_id}/side/{n}.png")
def page_image(request: Request, doc_id: str, n: str) -> Response:
    """A PDF page as PNG (~110 dpi), cached under <index>/cache/pages/."""
    idx, lock = _index(request)
    if not DOC_ID.match(doc_id) or not n.isdigit():
        return Response("not found", status_code=404, media_type="text/plain")
    page_no = int(n)
    with lock:
        doc = idx.store.document(doc_id)
    if doc is None or not 1 <= page_no <= (doc["n_pages"] or 0) or not _has_image(doc):
        return Response("no such page image", status_code=404, media_type="text/plain")
    cached = idx.folder / "cache" / "pages" / f"{doc_id}-{page_no:04d}.png"
    if not cached.is_file():
        try:
            render_page_png(Path(doc["path"]), page_no, cached)
        except Exception as e:  # a damaged file must not take the page down
            return Response(f"cannot render page: {type(e).__name__}", status_code=404, media_type="text/plain")
    return FileResponse(cached, media_type="image/png",
                        headers={"Cache-Control": "public, max-age=86400, immutable"})


# -- compare ----------------------------------------------------------------

@router.get("/sammenlign", response_class=HTMLResponse)
def compare_page(request: Request, q: str = "", topic: str = "", municipality: str = "") -> HTMLResponse:
    """One row per municipality with its measures, figures and
    recommendations, each cited; a CSV download of the same."""
    idx, lock = _index(request)
    q, topic, municipality = q.strip(), topic.strip(), municipality.strip()
    ctx: dict[str, Any] = {"section": "sammenlign", "q": q, "topic": topic, "municipality": municipality,
                           "cmp": None, "error": None, "heading": "", "topic_options": _topic_options(),
                           "csv_url": None, "guide_url": None}
    with lock:
        ctx["municipality_options"] = _municipality_options(idx)
    if not q and not topic:
        return _page(request, "compare.html", ctx)
    try:
        params = SearchParams(q=q or "-", municipality=municipality or None)
        params.validate()
        with lock:
            cmp = compare(idx, q or None, topic or None, filters=params.filters())
    except ValueError as e:
        ctx["error"] = _norsk(e)
        return _page(request, "compare.html", ctx, status=400)
    labels = dict(ctx["topic_options"])
    ctx.update(
        cmp=cmp,
        heading=q or labels.get(resolve_topic(topic) or "", topic),
        csv_url=_url("/compare", {"q": q, "topic": topic, "municipality": municipality, "format": "csv"}),
    )
    key = resolve_topic(topic) if topic else (cmp.topics[0] if len(cmp.topics) == 1 else None)
    if key:
        ctx["guide_url"] = f"/veiledning/{key}"
    return _page(request, "compare.html", ctx)


# -- municipalities -----------------------------------------------------------

@router.get("/kommune", response_class=HTMLResponse)
def municipalities_page(request: Request) -> HTMLResponse:
    idx, lock = _index(request)
    with lock:
        rows = idx.store.municipalities()
    return _page(request, "municipalities.html", {"section": "kommune", "rows": rows})


@router.get("/kommune/{name}", response_class=HTMLResponse)
def municipality_page(request: Request, name: str) -> HTMLResponse:
    """A municipality's documents, programmes, measures by topic, figures,
    recommendations and comparable municipalities."""
    idx, lock = _index(request)
    canon = canonical_municipality(name[:100]) or name
    with lock:
        prof = municipality_profile(idx, canon)
        try:
            similar = peers(idx, canon, n=8)["peers"] if prof else []
        except ValueError:  # not in the municipality register
            similar = []
    if prof is None:
        return _error(request, 404, "Fant ikke kommunen", f"Kunnskapsbasen har ingen dokumenter fra «{name}».")
    topic_keys = {k for k, _, _ in topic_list()}
    return _page(request, "municipality.html",
                 {"section": "kommune", "prof": prof, "peers": similar, "topic_keys": topic_keys})


# -- guidance -----------------------------------------------------------------

@router.get("/veiledning", response_class=HTMLResponse)
def guides_page(request: Request) -> HTMLResponse:
    idx, lock = _index(request)
    topics = []
    with lock:
        for key, label, framing in topic_list():
            n = len(idx.store.items(topic=key, limit=1000))
            topics.append({"key": key, "label": label, "framing": framing, "count": n})
    return _page(request, "guides.html", {"section": "veiledning", "topics": topics})


@router.get("/veiledning/{topic}")
def guide_page(request: Request, topic: str, format: str = "html") -> Response:
    """A guidance page for a topic; `?format=json` (for a CMS) or `md`."""
    idx, lock = _index(request)
    key = resolve_topic(topic[:60])
    if key is None:
        return _error(request, 404, "Fant ikke temaet", f"Det finnes ingen veiledning om «{topic}».")
    if key != topic:
        return RedirectResponse(_url(f"/veiledning/{key}", {"format": "" if format == "html" else format}),
                                status_code=307)
    if format not in ("html", "json", "md"):
        return _error(request, 400, "Ukjent format", "Velg format html, json eller md.")
    with lock:
        guide = build_guide(idx, key)
    if format == "json":
        return JSONResponse(guide_dict(guide, link_base=""))
    if format == "md":
        return Response(render_md(guide, link_base=""), media_type="text/markdown; charset=utf-8")
    return _page(request, "guide.html",
                 {"section": "veiledning", "layout": "base.html", **guide_context(guide, link_base="")})
