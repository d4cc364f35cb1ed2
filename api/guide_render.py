"""Rendering: the Jinja2 environment shared by the web interface, and a
guidance page (`index.guide.Guide`) as HTML, Markdown or JSON.

The HTML of a guide comes from the same template (`guide.html`) whether it
is served at `/veiledning/{topic}` (inside the site layout) or written by
`boso guide` (a standalone file with the stylesheet inlined). Charts are SVG
drawn here, on the server: horizontal bars, one per municipality/year.
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from index.guide import FigureSeries, Guide, GuideCitation

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

GuideFormat = Literal["html", "md", "json"]
FORMATS: tuple[str, ...] = ("html", "md", "json")
JSON_SCHEMA = "boso-guide/1"

DOC_TYPE_LABELS: dict[str, str] = {
    "foranalyse": "Foranalyse",
    "programplan": "Programplan",
    "aktivitetsplan": "Aktivitetsplan",
    "halvaarsrapport": "Halvårsrapport",
    "aarsrapport": "Årsrapport",
    "sluttrapport": "Sluttrapport",
    "samarbeidsavtale": "Samarbeidsavtale",
    "saksframlegg": "Saksframlegg",
    "handlingsplan": "Handlingsplan",
    "veileder": "Veileder",
    "artikkel": "Artikkel",
    "annet": "Annet",
}

STATUS_LABELS: dict[str, str] = {"planlagt": "Planlagt", "igangsatt": "Igangsatt", "gjennomført": "Gjennomført"}

NBSP = "\u00a0"


def fmt_number(value: Any, decimals: int | None = None) -> str:
    """Norwegian number format: 800 000, 12,5 (non-breaking space between
    thousands, decimal comma). Whole numbers print without decimals."""
    if value is None or value == "":
        return ""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if decimals is None:
        decimals = 0 if v.is_integer() else (1 if abs(v) >= 10 else 2)
    s = f"{v:,.{decimals}f}"
    return s.replace(",", NBSP).replace(".", ",")


def fmt_compact(value: float) -> str:
    """Short form for chart labels: 6 mrd., 100 mill., 12 500."""
    v = abs(value)
    if v >= 1e9:
        return fmt_number(round(value / 1e9, 1)) + " mrd."
    if v >= 1e6:
        return fmt_number(round(value / 1e6, 1)) + " mill."
    return fmt_number(value)


def fmt_period(period: Any) -> str:
    if not period:
        return ""
    a, b = period
    return str(a) if a == b else f"{a}–{b}"


def http_url(url: Any) -> str | None:
    """`url` when it is an http(s) address, else None: a document's URL
    comes from metadata and must never become a javascript: link."""
    return url if isinstance(url, str) and url.lower().startswith(("http://", "https://")) else None


def doc_type_label(key: str | None) -> str:
    return DOC_TYPE_LABELS.get(key or "", key or "")


def cite_href(c: GuideCitation | dict[str, Any], link_base: str | None) -> str | None:
    """Link to the cited page in the web interface; None without a base."""
    if link_base is None:
        return None
    doc_id = c["doc_id"] if isinstance(c, dict) else c.doc_id
    page = c["page"] if isinstance(c, dict) else c.page
    return f"{link_base.rstrip('/')}/dokument/{quote(doc_id)}?side={int(page)}#passasje"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The one template environment (autoescaping, Norwegian filters)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "xml", "svg"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = fmt_number
    env.filters["period"] = fmt_period
    env.filters["doctype"] = doc_type_label
    env.filters["status"] = lambda s: STATUS_LABELS.get(s or "", s or "")
    env.filters["http_url"] = http_url
    env.globals["cite_href"] = cite_href
    env.globals["series_svg"] = series_svg
    env.globals["series_title"] = series_title
    return env


def stylesheet() -> str:
    return (STATIC / "boso.css").read_text(encoding="utf-8")


# -- chart ------------------------------------------------------------------

def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def series_title(series: FigureSeries) -> str:
    """"personer på venteliste (personer)"; just the unit when the subject
    is the unit itself."""
    subject = (series.subject or "").strip()
    if not subject or subject.lower() == series.unit.lower():
        return series.unit.capitalize()
    return f"{subject[:1].upper()}{subject[1:]} ({series.unit})"


def series_svg(series: FigureSeries, chart_id: str = "graf") -> Markup:
    """A horizontal bar chart of one figure series as inline SVG: one bar per
    point, labelled with municipality/year and the value; each bar's tooltip
    names its source."""
    width, label_w, value_w, row_h, top = 560, 175, 160, 34, 8
    bar_w = width - label_w - value_w
    pts = series.points
    height = top * 2 + row_h * len(pts)
    vmax = max((abs(p.value) for p in pts), default=0.0) or 1.0
    esc = html.escape
    title = series_title(series)
    desc = "; ".join(f"{p.label}: {fmt_number(p.value)} {series.unit}" for p in pts)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-t">{esc(title)}</title>',
        f'<desc id="{chart_id}-d">{esc(desc)}</desc>',
        f'<line x1="{label_w}" y1="{top - 4}" x2="{label_w}" y2="{height - top + 4}" stroke="#4a4a4a" '
        'stroke-width="1"/>',
    ]
    for i, p in enumerate(pts):
        y = top + i * row_h
        w = max(2.0, abs(p.value) / vmax * bar_w)
        cite = f"Kilde [{p.citation.ref}]: {p.citation.title}, s. {p.citation.page}"
        out.append("<g>")
        out.append(f"<title>{esc(p.label)}: {esc(fmt_number(p.value))} {esc(series.unit)}. {esc(cite)}</title>")
        out.append(
            f'<text x="{label_w - 8}" y="{y + row_h / 2 + 5:.1f}" text-anchor="end" font-size="16" '
            f'fill="#1a1a1a">{esc(_short(p.label, 20))}</text>'
        )
        out.append(
            f'<rect x="{label_w}" y="{y + 5}" width="{w:.1f}" height="{row_h - 10}" fill="#1f5f8b" rx="2"/>'
        )
        out.append(
            f'<text x="{label_w + w + 6:.1f}" y="{y + row_h / 2 + 5:.1f}" font-size="16" fill="#1a1a1a">'
            f"{esc(fmt_compact(p.value))} {esc(_short(series.unit, 12))}</text>"
        )
        out.append("</g>")
    out.append("</svg>")
    return Markup("".join(out))


# -- guide ------------------------------------------------------------------

def guide_context(guide: Guide, link_base: str | None) -> dict[str, Any]:
    """Template variables for `guide.html`."""
    return {"guide": guide, "link_base": link_base}


def render_html(guide: Guide, *, link_base: str | None = None) -> str:
    """A standalone HTML page (stylesheet inlined, no external requests).
    With `link_base` (e.g. "http://127.0.0.1:8000") citations link to the
    cited pages in a running boso web interface."""
    tpl = environment().get_template("guide.html")
    return tpl.render(layout="standalone.html", css=Markup(stylesheet()), **guide_context(guide, link_base))


def _md_escape(text: str) -> str:
    text = " ".join(text.split())
    for ch in "\\`*_[]<>|":
        text = text.replace(ch, "\\" + ch)
    return text


def _md_cite(c: GuideCitation, link_base: str | None) -> str:
    label = f"[{c.ref}] {_md_escape(c.title)}, s. {c.page}"
    href = cite_href(c, link_base)
    return f"[{label}]({href})" if href else label


def render_md(guide: Guide, *, link_base: str | None = None) -> str:
    """Markdown: the same sections as the HTML page; charts as tables."""
    L: list[str] = [f"# {_md_escape(guide.label)}", "", _md_escape(guide.framing), ""]
    L += ["## Slik gjør andre kommuner det", ""]
    if not guide.examples:
        L += ["Ingen eksempler fra kommunene i kunnskapsbasen ennå.", ""]
    for card in guide.examples:
        head = card.municipality + (f" ({card.fylke})" if card.fylke else "")
        L += [f"### {_md_escape(head)}", ""]
        for m in card.measures:
            L.append(f"- **Tiltak:** {_md_escape(m.text)} — {_md_cite(m.citation, link_base)}")
            if m.target_groups:
                L.append(f"  - Målgruppe: {_md_escape(', '.join(m.target_groups))}")
            if m.period:
                L.append(f"  - Periode: {fmt_period(m.period)}")
            if m.cost_nok is not None:
                L.append(f"  - Kostnad: {fmt_number(m.cost_nok)} kr")
            if m.indicator:
                L.append(f"  - Resultatmål: {_md_escape(m.indicator)}")
            if m.status:
                L.append(f"  - Status: {STATUS_LABELS.get(m.status, m.status)}")
            if m.result:
                L.append(f"  - Resultat: {_md_escape(m.result)}")
        for f in card.results:
            L.append(f"- **Tall:** {_md_escape(f.text)} — {_md_cite(f.citation, link_base)}")
        L.append("")
    L += ["## Anbefalinger", ""]
    if not guide.recommendations:
        L += ["Ingen anbefalinger om temaet i kunnskapsbasen ennå.", ""]
    for r in guide.recommendations:
        who = ", ".join(x for x in (r.by, r.municipality) if x)
        L.append(f"- {_md_escape(r.text)}" + (f" ({_md_escape(who)})" if who else "")
                 + f" — {_md_cite(r.citation, link_base)}")
    L.append("")
    L += ["## Nøkkeltall", ""]
    if not guide.key_figures:
        L += ["Ingen tall om temaet i kunnskapsbasen ennå.", ""]
    for s in guide.series:
        L += [f"**{_md_escape(series_title(s))}**", "", "| Kommune/år | Verdi | Kilde |",
              "| --- | ---: | --- |"]
        for p in s.points:
            L.append(f"| {_md_escape(p.label)} | {fmt_number(p.value)} | {_md_cite(p.citation, link_base)} |")
        L.append("")
    for f in guide.key_figures:
        L.append(f"- {_md_escape(f.text)} — {_md_cite(f.citation, link_base)}")
    L.append("")
    L += ["## Kilder", ""]
    for s in guide.sources:
        pages = ", ".join(str(p) for p in s.pages)
        extra = ", ".join(str(x) for x in (s.municipality or s.publisher, doc_type_label(s.doc_type), s.year) if x)
        line = f"{s.ref}. {_md_escape(s.title)}" + (f" ({_md_escape(extra)})" if extra else "")
        line += f", s. {pages}. Fil: `{s.source}`"
        if http_url(s.url):
            line += f". <{s.url}>"
        L.append(line)
    L += ["", f"*Generert av boso {guide.generated} fra kommunale dokumenter. Hver tekst er sitert fra kilden som "
          "er oppgitt.*", ""]
    return "\n".join(L)


def guide_dict(guide: Guide, *, link_base: str | None = None) -> dict[str, Any]:
    """JSON-ready data for a CMS: the guide's records, each series with its
    SVG chart, each citation with a link when `link_base` is given."""
    d = asdict(guide)
    d = {"schema": JSON_SCHEMA, **d}
    for s_obj, s in zip(guide.series, d["series"]):
        s["svg"] = str(series_svg(s_obj, f"graf-{guide.topic}"))
    if link_base is not None:
        def walk(x: Any) -> None:
            if isinstance(x, dict):
                if {"doc_id", "page", "ref"} <= x.keys() and "pages" not in x:
                    x["href"] = cite_href(x, link_base)
                for v in x.values():
                    walk(v)
            elif isinstance(x, list):
                for v in x:
                    walk(v)

        walk(d)
    return d


def render_json(guide: Guide, *, link_base: str | None = None) -> str:
    return json.dumps(guide_dict(guide, link_base=link_base), ensure_ascii=False, indent=2)


def render(guide: Guide, fmt: GuideFormat = "html", *, link_base: str | None = None) -> str:
    """`guide` in one of FORMATS."""
    if fmt == "html":
        return render_html(guide, link_base=link_base)
    if fmt == "md":
        return render_md(guide, link_base=link_base)
    if fmt == "json":
        return render_json(guide, link_base=link_base)
    raise ValueError(f"unknown format '{fmt}'; one of: {', '.join(FORMATS)}")
