"""PDF reading on the real programme plans in the shared corpus, plus the
text-cleaning functions of `ingest.clean` on strings.

Expected values were checked against `pdftotext -f N -l N` (physical pages).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.clean import (
    build_vocabulary,
    dehyphenate,
    is_page_marker,
    join_lines,
    normalise_text,
    remove_running_lines,
)
from ingest.readers import Extracted, read_file
from ingest.readers.pdf import read_pdf
from ingest.records import Table

ASKER = "pdf/asker__programplan-boso-2012-2015.pdf"
BAERUM = "pdf/baerum__programplan-boso-2010.pdf"


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def asker(shared_corpus: Path) -> Extracted:
    return read_pdf(shared_corpus / ASKER)


@pytest.fixture(scope="module")
def baerum(shared_corpus: Path) -> Extracted:
    return read_pdf(shared_corpus / BAERUM)


def page(ex: Extracted, number: int):
    found = [p for p in ex.pages if p.number == number]
    assert len(found) == 1
    return found[0]


# --- ingest.clean on strings ------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("bolig-\nsosialt arbeid", "boligsosialt arbeid"),
        ("Husbankens virke-\nmidler", "Husbankens virkemidler"),
        ("rus-\nog psykisk helse", "rus- og psykisk helse"),
        ("Bolig-\nog tjenesteområdet", "Bolig- og tjenesteområdet"),
        ("bolig-\neller tjenestetilbud", "bolig- eller tjenestetilbud"),
        ("tre-\ntil femårsperspektiv", "tre- til femårsperspektiv"),
        ("BOSO-\nprogrammet", "BOSO-programmet"),
        ("NAV-\nkontoret", "NAV-kontoret"),
        ("Nord-\nNorge", "Nord-Norge"),
        ("perioden 2012-\n2015", "perioden 2012-2015"),
        ("e-\npost", "e-post"),
        ("bo\u00ad\nevne", "boevne"),  # soft hyphen at a break always joins
        ("linje en\nlinje to", "linje en\nlinje to"),  # ordinary breaks untouched
        ("Tjenesteområde –\nbolig", "Tjenesteområde –\nbolig"),  # a dash is not a hyphen
    ],
)
def test_dehyphenate(raw: str, expected: str) -> None:
    assert dehyphenate(raw) == expected


def test_dehyphenate_follows_the_documents_own_spelling() -> None:
    vocab = build_vocabulary(["Vi trenger mer bo-evne og booppfølging."])
    assert "bo-evne" in vocab and "boevne" not in vocab
    assert dehyphenate("god bo-\nevne", vocab) == "god bo-evne"
    assert dehyphenate("god bo-\nevne", build_vocabulary(["manglende boevne"])) == "god boevne"
    assert dehyphenate("god bo-\nevne") == "god boevne"  # no evidence: a lower-case tail joins


def test_vocabulary_ignores_words_cut_at_a_line_end() -> None:
    vocab = build_vocabulary(["dette er bolig-\nsosialt arbeid"])
    assert "bolig" not in vocab and "sosialt" not in vocab
    assert {"dette", "er", "arbeid"} <= vocab


def test_normalise_text() -> None:
    raw = "Boligpro\ufb01l og \ufb02yktninger\u00a0i  kom\u00admunen\u200b \n\n\n\nNeste   avsnitt "
    assert normalise_text(raw) == "Boligprofil og flyktninger i kommunen\n\nNeste avsnitt"
    decomposed = "Ba\u0308rum og A\u030asgaard"  # NFD æ/å-like sequences → NFC
    assert normalise_text(decomposed) == "B\u00e4rum og \u00c5sgaard"
    assert normalise_text("Bærum\u2010kommune") == "Bærum-kommune"


def test_join_lines() -> None:
    lines = ["Sikre enkeltbeboer god bolig-", "oppfølging og rus-", "og psykisk helse."]
    assert join_lines(lines) == "Sikre enkeltbeboer god boligoppfølging og rus- og psykisk helse."


def test_page_markers() -> None:
    for marker in ["Side 3 av 25", "side 12", "3 av 25", "Page 2 of 9", "- 7 -", "s. 4"]:
        assert is_page_marker(marker), marker
    for text in ["Side om side med Husbanken", "3 Status og utfordringer", "2012-2015"]:
        assert not is_page_marker(text), text


def test_remove_running_lines() -> None:
    pages = [
        ["Programplan Asker 2012-2015", f"Første linje {c}", f"Andre linje {c}", f"Tredje {c}", f"Side {n} av 4", "Dato: 02.12.2010"]
        for n, c in enumerate("ABCD", start=1)
    ]
    pages[2].insert(1, "7")  # a bare page number near the top
    cleaned = remove_running_lines(pages)
    assert cleaned[0] == ["Første linje A", "Andre linje A", "Tredje A"]
    assert cleaned[2] == ["Første linje C", "Andre linje C", "Tredje C"]
    # a chapter header with the page number, on fewer pages than min_share
    names = ["Innledning", "Status", "Tiltak", "Økonomi"]
    chapters = [
        [f"Kapittel {n // 3 + 1}: {names[n // 3]} {n + 1}", *(f"Linje {chr(65 + n)}{i}" for i in range(5))] for n in range(12)
    ]
    cleaned = remove_running_lines(chapters)  # each header is on 3 of 12 pages: below min_share
    assert cleaned == [lines[1:] for lines in chapters]
    chapters[4][0] = chapters[3][0] = "Kapittel 2: Status"  # same text twice, no varying number: kept
    cleaned = remove_running_lines(chapters)
    assert cleaned[3][0] == cleaned[4][0] == "Kapittel 2: Status" and cleaned[5][0] == "Kapittel 2: Status 6"
    # a line that recurs only in the middle of pages is body text …
    body = [[f"Topp {c}", f"a {c}", f"b {c}", "Felles tekst", f"c {c}", f"d {c}", f"Bunn {c}"] for c in "ABCDE"]
    assert all("Felles tekst" in p for p in remove_running_lines(body))
    # … unless the page is OCR output, whose line order is unreliable
    body[0] = ["Felles tekst", "x", "y", "z", "w", "v"]
    body[1] = ["u", "t", "s", "r", "Felles tekst", "q"]
    assert "Felles tekst" not in remove_running_lines(body, loose={2})[2]
    assert "Felles tekst" in remove_running_lines(body)[2]


# --- the Asker programme plan -----------------------------------------------


def test_one_page_per_physical_page(asker: Extracted, baerum: Extracted) -> None:
    assert [p.number for p in asker.pages] == list(range(1, 16))
    assert [p.number for p in baerum.pages] == list(range(1, 27))
    assert asker.format == "pdf" and not any(p.ocr for p in asker.pages + baerum.pages)


@pytest.mark.parametrize(
    ("number", "sentence"),
    [
        (
            3,
            "Vanskeligstilte på boligmarkedet er personer som er i en situasjon der de ikke kan "
            "skaffe seg og/eller opprettholde et akseptabelt boforhold.",
        ),
        (
            9,
            "Ved kommunale boliganskaffelser prioriteres derfor innkjøp og bygging av omsorgsboliger til; "
            "personer med utviklingshemming, personer med samtidig rus- og psykisk lidelse (dobbeltdiagnose)",
        ),
    ],
)
def test_known_sentence_on_its_physical_page(asker: Extracted, number: int, sentence: str) -> None:
    hits = [p.number for p in asker.pages if sentence in squash(p.text)]
    assert hits == [number]


def test_page_furniture_removed(asker: Extracted, baerum: Extracted) -> None:
    for ex in (asker, baerum):
        for p in ex.pages:
            assert not re.search(r"Side \d+ av \d+", p.text), p.number
            assert "Programplan Asker kommune 2012-2015" not in p.text, p.number
            assert "Bærum kommune – Programplan for Boligsosialt utviklingsprogram" not in p.text, p.number
            assert not re.search(r"^\d{1,3}$", p.text, re.M), p.number
    # the footer date goes; the cover page keeps its own date line
    assert all("Dato: 02.12.2010" not in p.text for p in baerum.pages[1:])
    assert "Programplan for Boligsosialt utviklingsprogram i Bærum kommune" in page(baerum, 1).text
    # running header text is removed as a line, not as words inside body text
    assert "Boligsosialt utviklingsprogram i Asker" in squash(page(asker, 4).text)


def test_real_hyphens_survive(asker: Extracted) -> None:
    text = squash(asker.pages[3].text)  # page 4
    assert "personer med rus- og samtidig psykisk lidelse" in text
    assert "boligpolitikk- og planlegging" in text
    assert "sosialt og -/eller økonomisk vanskeligstilte" in text


def test_real_line_end_hyphen_follows_document_spelling(baerum: Extracted) -> None:
    """Page 25 breaks 'bo-' / 'evne'. The plan writes 'boevne' on page 8, so
    the break is repaired to the document's own spelling."""
    assert "manglende boevne" in squash(page(baerum, 8).text)
    text = squash(page(baerum, 25).text)
    assert "Utgangspunkt: Dårlig boevne, mye rus, angst" in text
    assert "bo- evne" not in text and "bo-\nevne" not in page(baerum, 25).text


def test_titles(asker: Extracted, baerum: Extracted) -> None:
    assert baerum.title == "Programplan for Boligsosialt utviklingsprogram i Bærum kommune"
    assert asker.title == "BOLIGSOSIALT UTVIKLINGSPROGRAM Programplan Asker kommune"


# --- tables -----------------------------------------------------------------


def all_tables(ex: Extracted) -> list[Table]:
    return [t for p in ex.pages for t in p.tables]


def test_table_4_2_3_cost_row(baerum: Extracted) -> None:
    tables = [t for t in all_tables(baerum) if t.title.startswith("4.2.3 Underskudd på boliger")]
    assert len(tables) == 1
    table = tables[0]
    assert table.page == 17 and table.pages == [17]
    # narrow columns wrap words without a hyphen ("Kostnads" / "estimat"); cells are re-joined
    assert table.header == ["Strategier", "Prosjekter", "Tiltak", "Resultatmål/indikator", "Kostnadsestimat", "Anslått tidsramme"]
    row = dict(zip(table.header, table.rows[0]))
    assert row["Kostnadsestimat"] == "Totalt kr 800 000"
    assert row["Strategier"] == "Strategi 1"
    assert row["Prosjekter"] == "Underskudd på boliger – forvaltning og utnyttelse"
    assert row["Anslått tidsramme"] == "1.1.2011 – 31.12.2011"
    assert row["Tiltak"].startswith("Koordinere og samordne en gruppe med saksbehandlere")
    assert "Kostnadsestimat: Totalt kr 800 000" in table.as_text()
    assert table.as_text().splitlines()[0] == table.title


def test_table_text_not_in_running_text(baerum: Extracted) -> None:
    p17 = page(baerum, 17)
    assert "800 000" not in p17.text and "Koordiner" not in p17.text
    assert p17.text == "4.2.3 Underskudd på boliger – forvaltning – utnyttelse"
    assert "BK bør komme frem til en felles" not in page(baerum, 10).text
    p11 = page(baerum, 11)
    assert "Utrede hvordan BK best kan" not in p11.text
    assert squash(p11.text).startswith("Rambølls hovedkonklusjoner ble oppsummert i en SWOT analyse")


def test_table_continued_on_next_page_is_merged(baerum: Extracted) -> None:
    tables = [t for t in all_tables(baerum) if t.header == ["ANALYSETEMA", "ANBEFALINGER"]]
    assert len(tables) == 1 and not page(baerum, 11).tables
    table = tables[0]
    assert table.page == 10 and table.pages == [10, 11]
    themes = [r[0] for r in table.rows]
    assert themes == [
        "Organisering og forankring",
        "Roller og ansvar",
        "Booppfølging",
        "Fremskaffelse av bolig",
        "Tildeling av bolig",
        "Samarbeid",
        "Kompetanse",
        "Boligsosiale virkemidler",
    ]
    assert table.row_pages == [10, 10, 10, 10, 10, 11, 11, 11]
    # the "Tildeling av bolig" row runs over the page break: its tail is kept with it
    assert table.rows[4][1].endswith("BK bør utrede mulighetene for å samordne tildeling av bolig og tildeling av oppfølgingstjenester.")
    assert "utforme en felles faglig plattform for booppfølgingsarbeidet" in table.rows[2][1]
    assert table.title == "3.3 Hovedfunn fra ekstern analyse"


def test_text_pdf_without_ruled_tables_has_none(asker: Extracted) -> None:
    assert all_tables(asker) == []


# --- headings ---------------------------------------------------------------


def test_heading_offsets_point_into_page_text(asker: Extracted, baerum: Extracted) -> None:
    for ex in (asker, baerum):
        for p in ex.pages:
            for offset, level, text in p.headings:
                assert 1 <= level <= 3
                assert p.text[offset : offset + len(text)] == text


def test_numbered_headings(baerum: Extracted) -> None:
    headings = {(p.number, lvl, text) for p in baerum.pages for _, lvl, text in p.headings}
    for expected in [
        (3, 1, "1 Sammendrag"),
        (6, 2, "2.1 Formål med programplanen"),
        (8, 1, "3 Status og utfordringer for kommunens boligsosiale arbeid"),
        (9, 2, "3.3 Hovedfunn fra ekstern analyse"),
        (13, 1, "4 Aktivitetsplan for boligsosialt utviklingsprogram 2010 2013"),
        (15, 2, "4.2 Strategier, tiltak og resultatmål for 2011"),
        (17, 3, "4.2.3 Underskudd på boliger – forvaltning – utnyttelse"),
        (22, 2, "5.2 Gjennomførte aktiviteter i 2010"),
    ]:
        assert expected in headings
    texts = [text for _, _, text in headings]
    assert not page(baerum, 2).headings  # the table of contents is not a list of headings
    # numbered lines that are not headings: list items, a chapter reference, story numbers
    assert not any(t.startswith(("6 Alle involverte", "4.3.3", "1 En suksesshistorie", "2 Opprettelse")) for t in texts)
    p9 = page(baerum, 9)
    offset = next(o for o, _, t in p9.headings if t.startswith("3.3"))
    assert p9.text[offset:].startswith("3.3 Hovedfunn fra ekstern analyse\n\nRambøll Management Consulting har")


def test_unnumbered_headings_from_table_of_contents(asker: Extracted) -> None:
    assert [(lvl, t) for _, lvl, t in page(asker, 3).headings] == [
        (1, "Leserveiledning"),
        (2, "Formålet med programplanen"),
        (1, "Sentrale begreper"),
    ]
    assert [t for _, _, t in page(asker, 5).headings] == [
        "Innledning",
        "Boligsosialt utviklingsprogram - en nasjonal boligpolitisk satsing",
    ]
    all_texts = [t for p in asker.pages for _, _, t in p.headings]
    assert not any("heldøgns" in t for t in all_texts)  # footnotes "2 Bolig med heldøgns …" are not headings
    assert not page(asker, 2).headings


def test_read_file_dispatches_pdf(shared_corpus: Path) -> None:
    ex = read_file(shared_corpus / ASKER)
    assert ex.format == "pdf" and len(ex.pages) == 15


# --- a generated PDF with real font sizes, bold headings and hyphenation --------------


def simple_pdf(pages: list[list[tuple[str, int, float, str]]]) -> bytes:
    """A minimal PDF: each page is a list of (font F1=Helvetica|F2=Helvetica-Bold,
    size, y or (x, y), text) lines (x=72 by default), text encoded as WinAnsi
    (æøå work); font "RAW" adds drawing operators. An empty list makes an
    image-only page (a grey 64×64 bitmap stretched over it)."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    add(b"<< /Type /Catalog /Pages 2 0 R >>")
    add(b"")  # the page tree, filled in below
    f1 = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    f2 = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    pixels = bytes((x * 4 + y) % 256 for y in range(64) for x in range(64))
    image = add(
        b"<< /Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n" % len(pixels) + pixels + b"\nendstream"
    )
    kids = []
    for lines in pages:
        ops = [] if lines else ["q 612 0 0 792 0 0 cm /Im1 Do Q"]
        for font, size, y, text in lines:
            if font == "RAW":  # drawing operators, e.g. table rules
                ops.append(text)
                continue
            x = 72
            if isinstance(y, tuple):
                x, y = y
            esc = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"BT /{font} {size} Tf {x} {y} Td ({esc}) Tj ET")
        stream = "\n".join(ops).encode("cp1252")
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        resources = b"<< /Font << /F1 %d 0 R /F2 %d 0 R >> /XObject << /Im1 %d 0 R >> >>" % (f1, f2, image)
        kids.append(add(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R /Resources %s >>" % (content, resources)))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for num, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@pytest.fixture(scope="module")
def styled(tmp_path_factory: pytest.TempPathFactory) -> Extracted:
    header = ("F1", 9, 760, "Boligsosial handlingsplan – Eksempel kommune")
    page1 = [
        header,
        ("F2", 20, 700, "Boligsosial handlingsplan 2020-2024"),
        ("F2", 15, 660, "Innledning"),
        ("F1", 11, 636, "Kommunen skal styrke det bolig-"),
        ("F1", 11, 622, "sosiale arbeidet og tilbudet innen rus-"),
        ("F1", 11, 608, "og psykisk helse gjennom BOSO-"),
        ("F1", 11, 594, "programmet i hele perioden."),
        ("F2", 11, 566, "Mål for arbeidet"),
        ("F1", 11, 548, "Flere skal eie egen bolig i Bærum."),
        ("F1", 9, 40, "Side 1 av 2"),
    ]
    page2 = [
        header,
        ("F2", 15, 700, "Tiltak"),
        ("F1", 11, 676, "Tiltakene følges opp hvert år."),
        ("F1", 9, 40, "Side 2 av 2"),
    ]
    path = tmp_path_factory.mktemp("pdf") / "stilt.pdf"
    path.write_bytes(simple_pdf([page1, page2]))
    return read_pdf(path)


def test_font_headings_levels_and_title(styled: Extracted) -> None:
    assert styled.title == "Boligsosial handlingsplan 2020-2024"
    p1, p2 = styled.pages
    assert [(lvl, t) for _, lvl, t in p1.headings] == [
        (1, "Boligsosial handlingsplan 2020-2024"),
        (2, "Innledning"),
        (3, "Mål for arbeidet"),
    ]
    assert [(lvl, t) for _, lvl, t in p2.headings] == [(2, "Tiltak")]
    for p in styled.pages:
        for offset, _, text in p.headings:
            assert p.text[offset : offset + len(text)] == text


def test_line_end_hyphens_in_a_pdf(styled: Extracted) -> None:
    p1 = styled.pages[0]
    assert (
        "Kommunen skal styrke det boligsosiale arbeidet og tilbudet innen rus- og psykisk helse "
        "gjennom BOSO-programmet i hele perioden." in p1.text
    )
    assert "Eksempel kommune" not in p1.text and "Side 1" not in p1.text
    assert styled.pages[1].text == "Tiltak\n\nTiltakene følges opp hvert år."


def test_scan_page_in_a_text_pdf_without_tesseract_is_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pytesseract

    from ingest.readers.ocr import ocr_available

    path = tmp_path / "blandet.pdf"
    path.write_bytes(simple_pdf([[("F1", 11, 700, "Tekstside om bostøtte og startlån.")], []]))
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    ocr_available.cache_clear()
    try:
        ex = read_pdf(path)
    finally:
        monkeypatch.undo()
        ocr_available.cache_clear()
    assert [p.text for p in ex.pages] == ["Tekstside om bostøtte og startlån.", ""]
    assert not ex.pages[1].ocr
    assert len(ex.warnings) == 1
    assert ex.warnings[0].startswith("page 2: no usable text layer and OCR is unavailable")


def ruled_table(top: float, rows: list[list[list[str]]], xs: list[float], row_h: list[float]) -> list:
    """Lines for a ruled table: cell texts (one string per text line) at 11 pt
    and the rules around every cell."""
    out: list = []
    ys = [top]
    for h in row_h:
        ys.append(ys[-1] - h)
    rules = ["0.5 w"]
    rules += [f"{xs[0]} {y} m {xs[-1]} {y} l S" for y in ys]
    rules += [f"{x} {ys[0]} m {x} {ys[-1]} l S" for x in xs]
    out.append(("RAW", 0, 0, "\n".join(rules)))
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            for i, text in enumerate(cell):
                out.append(("F1", 11, (xs[c] + 4, ys[r] - 12 - 13 * i), text))
    return out


def test_ruled_table_over_a_page_break_with_repeated_header(tmp_path: Path) -> None:
    xs = [72, 222, 272, 372]  # the middle column is too narrow for "Kostnadsestimat"
    header = [["Tiltak"], ["Kostnads", "estimat"], ["År"]]
    page1 = [
        ("F2", 15, 720, "Økonomi"),
        ("F1", 11, 696, "Tabellen viser kostnadsestimat for tiltakene."),
        *ruled_table(670, [header, [["Bostøtte"], ["kr 100"], ["2021"]], [["Startlån"], ["kr 200"], ["2022"]]], xs, [32, 20, 20]),
        ("F1", 9, 40, "Side 1 av 2"),
    ]
    page2 = [
        *ruled_table(740, [header, [["Tilskudd til", "tilpasning"], ["kr 300"], ["2023"]]], xs, [32, 32]),
        ("F1", 11, 640, "Etter tabellen kommer vanlig tekst."),
        ("F1", 9, 40, "Side 2 av 2"),
    ]
    path = tmp_path / "tabell.pdf"
    path.write_bytes(simple_pdf([page1, page2]))
    ex = read_pdf(path)
    p1, p2 = ex.pages
    assert len(p1.tables) == 1 and p2.tables == []
    table = p1.tables[0]
    assert table.header == ["Tiltak", "Kostnadsestimat", "År"]
    assert table.rows == [["Bostøtte", "kr 100", "2021"], ["Startlån", "kr 200", "2022"], ["Tilskudd til tilpasning", "kr 300", "2023"]]
    assert table.pages == [1, 2] and table.row_pages == [1, 1, 2]
    assert table.title == "Økonomi"
    assert p1.text == "Økonomi\n\nTabellen viser kostnadsestimat for tiltakene."
    assert p2.text == "Etter tabellen kommer vanlig tekst."
