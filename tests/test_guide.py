"""Guidance pages: built only from extracted, cited text (index.guide) and
rendered to HTML, Markdown and JSON with SVG charts (api.guide_render)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

from api.guide_render import fmt_number, render, render_json, render_md, series_svg
from index.guide import (
    ExampleCard,
    Guide,
    GuideCitation,
    GuideFigure,
    GuideMeasure,
    build_guide,
    figure_series,
    resolve_topic,
)

ASKER_NOMINATION = {"html/asker__statens-pris-nominasjon-2018.html", "seeds/001_5ce3752c033720c9.txt"}
BAERUM_PLAN = {"pdf/baerum__programplan-boso-2010.pdf", "seeds/002_97ad698b62e8e363.txt"}


def _cite(page: int = 1, doc: str = "0123456789abcdef", ref: int = 1) -> GuideCitation:
    return GuideCitation(doc_id=doc, title="Plan", source="x.pdf", page=page, ref=ref)


def _fig(value, unit="husstander", subject="venteliste", muni="Asker", year=None, value_to=None, year_to=None):
    return GuideFigure(text=f"{value} {unit}", citation=_cite(), value=value, unit=unit, subject=subject,
                       municipality=muni, year=year, value_to=value_to, year_to=year_to)


# -- pure functions -------------------------------------------------------------

def test_number_format_is_norwegian():
    assert fmt_number(800000.0) == "800\u00a0000"
    assert fmt_number(12.5) == "12,5"
    assert fmt_number(0.25) == "0,25"
    assert fmt_number(None) == ""


def test_series_need_two_points_of_the_same_unit_and_subject():
    figs = [
        _fig(165, year=2010, value_to=7),  # a change: two points, one municipality
        _fig(200, unit="personer", muni="Bærum", year=2009),  # alone in its unit
        _fig(40, muni="Drammen", year=2012),
        _fig(60, muni="Drammen", year=2012),  # same label as the one before, kept: other value
        _fig(3, unit="prosent", muni="Oslo"),
    ]
    series = figure_series(figs)
    assert len(series) == 1
    s = series[0]
    assert s.unit == "husstander"
    assert [p.label for p in s.points][:3] == ["Asker 2010", "Asker, siste tall", "Drammen 2012"]
    assert [p.value for p in s.points][:2] == [165, 7]
    # a single figure is no series
    assert figure_series([_fig(200, unit="personer")]) == []
    # the same subject is matched regardless of case and spacing
    two = figure_series([_fig(1, subject="Personer  på venteliste", muni="A"),
                         _fig(2, subject="personer på venteliste", muni="B")])
    assert len(two) == 1 and len(two[0].points) == 2


def test_chart_is_svg_with_one_bar_per_point_scaled_to_the_largest():
    s = figure_series([_fig(165, year=2010, value_to=7)])[0]
    svg = str(series_svg(s, "g1"))
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    bars = root.findall(f".//{ns}rect")
    assert len(bars) == 2
    w = [float(b.get("width")) for b in bars]
    assert w[0] > w[1] > 0 and abs(w[1] / w[0] - 7 / 165) < 0.02
    assert root.get("role") == "img" and root.find(f"{ns}title").text == "Venteliste (husstander)"
    assert "Asker 2010: 165 husstander" in root.find(f"{ns}desc").text
    from api.guide_render import series_title
    from index.guide import FigureSeries

    assert series_title(FigureSeries(subject="husstander", unit="husstander")) == "Husstander"
    # every bar names its source
    assert all("Kilde [1]: Plan, s. 1" in g.find(f"{ns}title").text for g in root.findall(f"{ns}g"))


def _toy_guide() -> Guide:
    c = _cite(page=17)
    m = GuideMeasure(text="Kartleggingsteam for beboere med *kjøpsevne*.", citation=c, target_groups=["Barnefamilier"],
                     period=(2011, 2011), cost_nok=800000.0, cost_text="Totalt kr 800 000")
    f = _fig(165, year=2010, value_to=7)
    card = ExampleCard(municipality="Bærum", fylke="Akershus", measures=[m], results=[f], citations=[c])
    return Guide(topic="ventelister", label="Ventelister", framing="Ramme.", examples=[card], key_figures=[f],
                 series=figure_series([f]), generated="2025-01-01")


def test_markdown_and_json_renderings():
    g = _toy_guide()
    md = render_md(g, link_base="http://boso.local")
    assert "## Slik gjør andre kommuner det" in md and "### Bærum (Akershus)" in md
    assert "\\*kjøpsevne\\*" in md  # extracted text is escaped, not interpreted
    assert "Kostnad: 800\u00a0000 kr" in md and "Periode: 2011" in md
    assert "[[1] Plan, s. 17](http://boso.local/dokument/0123456789abcdef?side=17#passasje)" in md
    assert "| Asker 2010 | 165 |" in md  # the chart as a table
    d = json.loads(render_json(g, link_base=""))
    assert d["schema"] == "boso-guide/1" and d["topic"] == "ventelister"
    assert d["examples"][0]["measures"][0]["citation"]["href"] == "/dokument/0123456789abcdef?side=17#passasje"
    assert d["series"][0]["svg"].startswith("<svg")
    with pytest.raises(ValueError):
        render(g, "pdf")  # type: ignore[arg-type]


def test_standalone_html_has_no_external_requests():
    html = render(_toy_guide(), "html")
    assert html.startswith("<!doctype html>") and '<html lang="nb">' in html
    assert "<style>" in html and "<link" not in html and "<script" not in html
    assert "Slik gjør andre kommuner det" in html and "Kostnad" in html
    # without a link base, citations are text, not links into a server
    assert "/dokument/" not in html and "Plan, s.&nbsp;17" in html


def test_topics_resolve_from_key_label_or_term():
    assert resolve_topic("ventelister") == "ventelister"
    assert resolve_topic("Startlån") == "startlan"
    assert resolve_topic("ventelista") == "ventelister"
    assert resolve_topic("romfart") is None


# -- on the sample corpus ----------------------------------------------------------

@pytest.fixture(scope="module")
def ventelister(sample_index) -> Guide:
    return build_guide(sample_index, "ventelister")


def test_ventelister_guide_has_asker_and_baerum_examples_with_citations(ventelister):
    g = ventelister
    assert g.label == "Ventelister" and g.framing.startswith("Ventelister viser")
    cards = {c.municipality: c for c in g.examples}
    assert {"Asker", "Bærum"} <= set(cards)
    asker = cards["Asker"]
    fig = next(f for f in asker.results if f.value == 165)
    assert fig.value_to == 7 and fig.year == 2010 and fig.unit == "husstander"
    assert fig.citation.source in ASKER_NOMINATION and fig.citation.page == 1
    baerum = cards["Bærum"]
    texts = [m.text for m in baerum.measures] + [f.text for f in baerum.results]
    assert any("venteliste" in t for t in texts)
    assert all(c.source in BAERUM_PLAN for c in baerum.citations)
    # the 2009 waiting list of 200 is on page 8 of the PDF plan (page 1 of the transcript)
    two_hundred = next(f for f in g.key_figures if f.value == 200 and f.municipality == "Bærum")
    assert (two_hundred.citation.source, two_hundred.citation.page) in {
        ("pdf/baerum__programplan-boso-2010.pdf", 8), ("seeds/002_97ad698b62e8e363.txt", 1)}
    # Asker's change 165 → 7 is charted
    assert any(p.label == "Asker 2010" and p.value == 165 for s in g.series for p in s.points)


def test_sources_are_numbered_and_cover_every_citation(ventelister):
    g = ventelister
    refs = {s.ref: s for s in g.sources}
    assert sorted(refs) == list(range(1, len(g.sources) + 1))
    assert len({s.doc_id for s in g.sources}) == len(g.sources)  # deduplicated
    cited = [m.citation for c in g.examples for m in c.measures] + [f.citation for f in g.key_figures]
    for c in cited:
        assert c.ref in refs and refs[c.ref].doc_id == c.doc_id and c.page in refs[c.ref].pages


def _page_words(store, doc_id: str, n: int) -> str:
    """Normalised text of page n: running text plus every table row that
    stands on it (a table continued from an earlier page included)."""
    parts = [store.page(doc_id, n)["text"]]
    for m in range(max(1, n - 5), n + 1):
        for t in store.page(doc_id, m)["tables"]:
            if n in (t.get("pages") or [m]):
                parts += [" ".join(t["header"])] + [" ".join(r) for r in t["rows"]] + [t.get("title", "")]
    return re.sub(r"\W+", " ", " ".join(parts).lower())


@pytest.mark.parametrize("topic", ["ventelister", "booppfolging", "startlan", "tildeling", "fremskaffelse"])
def test_every_text_on_a_guide_stands_on_its_cited_page(sample_index, topic):
    """Nothing is invented: each extracted text is found on the page it cites."""
    g = build_guide(sample_index, topic)
    items = ([(m.text, m.citation) for c in g.examples for m in c.measures]
             + [(f.text, f.citation) for f in g.key_figures]
             + [(r.text, r.citation) for r in g.recommendations])
    assert items, f"no items for {topic}"
    for text, c in items:
        page = _page_words(sample_index.store, c.doc_id, c.page)
        for piece in text.split("…"):  # figure context is cut with an ellipsis
            words = re.sub(r"\W+", " ", piece.lower()).strip()
            if words:
                assert words in page, f"{topic}: «{piece[:80]}» not on {c.source} s. {c.page}"


def test_unknown_topic_is_an_error(sample_index):
    with pytest.raises(ValueError, match="unknown topic"):
        build_guide(sample_index, "romfart")


def test_cli_writes_guides(sample_index, tmp_path, monkeypatch):
    import api.cli as cli

    monkeypatch.setattr(cli, "_open", lambda index: sample_index)
    runner = CliRunner()
    r = runner.invoke(cli.app, ["guide", "Ventelister", "--out", str(tmp_path), "--format", "md"])
    assert r.exit_code == 0, r.output
    md = (tmp_path / "ventelister.md").read_text(encoding="utf-8")
    assert "### Asker" in md and "### Bærum" in md and "## Kilder" in md
    r = runner.invoke(cli.app, ["guide", "ventelister", "--out", str(tmp_path), "--format", "json",
                                "--base-url", "http://127.0.0.1:8000"])
    assert r.exit_code == 0, r.output
    d = json.loads((tmp_path / "ventelister.json").read_text(encoding="utf-8"))
    assert d["examples"] and d["examples"][0]["citations"][0]["href"].startswith("http://127.0.0.1:8000/dokument/")
    r = runner.invoke(cli.app, ["guide", "romfart", "--out", str(tmp_path)])
    assert r.exit_code == 2 and "unknown topic" in r.output


def test_only_http_urls_become_links():
    from api.guide_render import http_url

    assert http_url("https://www.asker.kommune.no/x") == "https://www.asker.kommune.no/x"
    assert http_url("javascript:alert(1)") is None and http_url(None) is None
    g = _toy_guide()
    from index.guide import GuideSource

    g.sources = [GuideSource(ref=1, doc_id="0123456789abcdef", title="Plan", source="x.pdf", pages=[17],
                             url="javascript:alert(1)")]
    assert "javascript:" not in render(g, "html") and "javascript:" not in render_md(g)
