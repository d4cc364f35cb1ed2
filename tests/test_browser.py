"""The web interface in a real browser: Debian's Chromium driven by
Playwright (no browser download) against a uvicorn server on 127.0.0.1.

Flow from the issue: search "ventelister tiltak" → results with citations →
open the cited page → compare view → a guidance page; no console errors, no
request leaves the machine, keyboard navigation reaches the search field
and the first result, and the pages fit a 375 px wide screen. Screenshots
go to test-artifacts/browser/ (gitignored)."""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from api.app import create_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "browser"
BAERUM_PDF = "pdf/baerum__programplan-boso-2010.pdf"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found (Debian package chromium; scripts/setup.sh installs it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed (dev extra)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(browser, sample_index):
    """uvicorn serving the sample index on a free port, in a thread."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(sample_index.folder, index=sample_index)
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)
    sock.close()


class Watched:
    """A page whose console errors, page errors, failed or >= 400 responses
    and off-machine requests are collected in `problems`."""

    def __init__(self, browser, width: int = 1280, height: int = 900) -> None:
        self.problems: list[str] = []
        self.ctx = browser.new_context(viewport={"width": width, "height": height}, locale="nb-NO",
                                       accept_downloads=True)
        self.ctx.route("**/*", self._only_local)
        self.page = self.ctx.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}"))
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(f"{r.status}: {r.url}"))

    def _only_local(self, route) -> None:
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            self.problems.append(f"external request: {route.request.url}")
            route.abort()

    def shot(self, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
        return path

    def close(self) -> None:
        self.ctx.close()


@pytest.fixture
def watched(browser):
    w = Watched(browser)
    yield w
    w.close()


def _in_viewport(locator) -> bool:
    return locator.evaluate(
        "e => { const r = e.getBoundingClientRect(); return r.bottom > 0 && r.top < window.innerHeight; }")


def test_search_to_cited_page_to_compare_to_guide(server, watched, sample_index):
    page = watched.page
    page.goto(server + "/")
    page.get_by_label("Søk", exact=True).fill("ventelister tiltak")
    page.get_by_label("Søk", exact=True).press("Enter")
    page.wait_for_url(re.compile(r"/\?q=ventelister"))

    # 1. results with citations
    hits = page.locator("li.hit")
    assert hits.count() == 10
    first_cite = hits.first.locator("a.page-link")
    assert re.fullmatch(r"s\. \d+", first_cite.inner_text())
    assert "165" in " ".join(hits.nth(i).inner_text() for i in range(3))
    assert page.locator("aside.facets").get_by_role("link", name="Asker", exact=True).count() == 1
    watched.shot("01-sok")

    # 2. open the cited page: the passage is marked and scrolled into view
    cited_page = first_cite.inner_text()[3:]
    first_cite.click()
    page.wait_for_url(re.compile(r"/dokument/[0-9a-f]{16}\?side=\d+"))
    page.wait_for_load_state("networkidle")  # a PDF page's image has loaded
    assert page.locator("h2#side-overskrift").inner_text().startswith(f"Side {cited_page}")
    passage = page.locator("mark#passasje")
    assert passage.is_visible() and _in_viewport(passage)
    watched.shot("02-dokument")

    # a PDF page shows its image beside the text
    _, docs = sample_index.store.documents(limit=1000)
    pdf = next(d["doc_id"] for d in docs if d["source"] == BAERUM_PDF)
    page.goto(f"{server}/dokument/{pdf}?side=8&q=venteliste#passasje")
    img = page.locator("figure.page-image img")
    img.scroll_into_view_if_needed()
    page.wait_for_function("() => { const i = document.querySelector('figure.page-image img');"
                           " return i && i.complete && i.naturalWidth > 0; }")
    assert img.evaluate("i => i.naturalWidth") > 800
    assert page.locator("div.text mark.term").first.inner_text().lower().startswith("venteliste")
    page.get_by_role("link", name="Side 9", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h2#side-overskrift").inner_text().startswith("Side 9")
    watched.shot("03-dokument-pdf")

    # 3. compare view, from the results page
    page.goto(server + "/?q=ventelister+tiltak")
    page.get_by_role("link", name="Sammenlign kommunene for «ventelister tiltak»").click()
    page.wait_for_url(re.compile(r"/sammenlign\?"))
    rows = page.locator("table.compare tbody tr th a")
    munis = [rows.nth(i).inner_text() for i in range(rows.count())]
    assert {"Asker", "Bærum"} <= set(munis)
    with page.expect_download() as dl:
        page.get_by_role("link", name="Last ned CSV").click()
    assert dl.value.suggested_filename.endswith(".csv")
    assert "Bærum" in Path(dl.value.path()).read_text(encoding="utf-8")
    watched.shot("04-sammenlign")

    # 4. the guidance page for the topic
    page.get_by_role("link", name="Veiledning om temaet").click()
    page.wait_for_url(re.compile(r"/veiledning/ventelister$"))
    cards = page.locator("article.card h3")
    names = [cards.nth(i).inner_text().split()[0] for i in range(cards.count())]
    assert {"Asker", "Bærum"} <= set(names)
    assert page.locator("figure.chart-figure svg rect").count() >= 2
    watched.shot("05-veiledning")
    # a citation on a card opens the cited page
    asker = page.locator("article.card", has=page.locator("h3", has_text="Asker"))
    link = asker.locator("span.cite a").first
    page_no = re.search(r"s\.\s(\d+)$", link.inner_text()).group(1)
    link.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h2#side-overskrift").inner_text().startswith(f"Side {page_no}")

    assert watched.problems == []


def test_keyboard_reaches_search_field_and_first_result(server, watched):
    page = watched.page
    page.goto(server + "/?q=ventelister+tiltak")
    page.keyboard.press("Tab")
    skip = page.evaluate("() => document.activeElement.className")
    assert skip == "skip" and _in_viewport(page.locator("a.skip"))
    focused: list[str] = []
    for _ in range(60):
        page.keyboard.press("Tab")
        desc = page.evaluate(
            "() => { const e = document.activeElement;"
            " return e.id || (e.closest('li.hit h3') ? 'first-hit' : e.tagName + ':' + (e.textContent||'').trim()); }")
        focused.append(desc)
        if desc == "first-hit":
            break
    assert "q" in focused, focused
    assert focused[-1] == "first-hit", focused
    assert focused.index("q") < len(focused) - 1
    # focus is visible: the focused link has an outline
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")
    # Enter follows the focused result to its document
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/dokument/"))
    assert watched.problems == []


@pytest.mark.parametrize("path, name", [
    ("/?q=ventelister+tiltak", "06-mobil-sok"),
    ("/sammenlign?q=ventelister+tiltak", "07-mobil-sammenlign"),
    ("/veiledning/ventelister", "08-mobil-veiledning"),
])
def test_pages_fit_a_narrow_screen(server, browser, path, name):
    w = Watched(browser, width=375, height=812)
    try:
        w.page.goto(server + path)
        overflow = w.page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the screen"
        assert w.page.locator("#q, h1").first.is_visible()
        w.shot(name)
        assert w.problems == []
    finally:
        w.close()
