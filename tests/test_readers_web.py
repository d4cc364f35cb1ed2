"""HTML, DOCX and text readers on the shared corpus and on small files made here."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.readers import read_file
from ingest.readers.docx import read_docx
from ingest.readers.html import read_html
from ingest.readers.text import read_text
from ingest.records import IngestError

# ------------------------------------------------------------------------------ HTML

BOILERPLATE = ["Kontakt oss", "Forside", "Personvern", "Informasjonskapsler"]


@pytest.mark.parametrize(
    "name, first_sentence, title, site",
    [
        ("asker__boso-sluttrapport-nyhet-2019.html",
         "Det skal være godt for alle å bo i Asker.",
         "Asker har realisert 63 boliger til vanskeligstilte", "Asker kommune"),
        ("asker__statens-pris-nominasjon-2018.html",
         "Det startet i 2011 med en foranalyse som viste at det boligsosiale arbeidet i Asker kommune",
         "Innbyggerne er Asker kommunes viktigste investering", "Husbanken"),
        ("husbanken__oppstartsamling-boligsosialt-velferdsprogram.html",
         "De syv nye programkommunene stilte mannsterke opp",
         "Oppstartsamling for nye programkommuner", "Husbanken"),
    ],
)
def test_html_main_content_without_navigation_or_footer(
    shared_corpus: Path, name: str, first_sentence: str, title: str, site: str
) -> None:
    path = shared_corpus / "html" / name
    raw = path.read_text(encoding="utf-8")
    assert all(b in raw for b in BOILERPLATE)  # the page really has them
    ex = read_html(path)
    assert ex.format == "html" and len(ex.pages) == 1
    text = ex.pages[0].text
    assert first_sentence in text
    for b in BOILERPLATE:
        assert b not in text, b
    assert ex.title == title  # " - Asker kommune" suffix removed …
    assert ex.meta["site"] == site  # … and kept for metadata


def test_html_headings_have_offsets_into_the_text(shared_corpus: Path) -> None:
    ex = read_file(shared_corpus / "html" / "asker__boso-sluttrapport-nyhet-2019.html")
    page = ex.pages[0]
    levels = {h[2]: h[1] for h in page.headings}
    assert levels["Asker har realisert 63 boliger til vanskeligstilte"] == 1
    assert levels["Brukte 29 millioner mindre enn planlagt"] == 2
    for off, _, h in page.headings:
        assert page.text[off : off + len(h)] == h


def test_html_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    with pytest.raises(IngestError) as e:
        read_html(empty)
    assert e.value.cause == "empty"
    nav_only = tmp_path / "nav.html"
    nav_only.write_text("<html><body><nav><a href='/'>Forside</a></nav></body></html>", encoding="utf-8")
    with pytest.raises(IngestError) as e:
        read_html(nav_only)
    assert e.value.cause == "no_text"


# ------------------------------------------------------------------------------ DOCX


def _make_docx(path: Path) -> None:
    import docx
    from docx.enum.text import WD_BREAK

    d = docx.Document()
    d.add_heading("Boligsosial handlingsplan 2015–2019 for Asker kommune", level=1)
    d.add_paragraph("Kommunestyret vedtok planen 12. mars 2015.")
    d.add_heading("Tiltak", level=2)
    t = d.add_table(rows=3, cols=3)
    for i, row in enumerate([["Tiltak", "Ansvar", "Kostnad"],
                             ["Bygge 20 boliger", "Eiendom", "kr 40 000 000"],
                             ["Boveileder", "NAV", "kr 800 000"]]):
        for j, v in enumerate(row):
            t.cell(i, j).text = v
    p = d.add_paragraph("Siste avsnitt på side én.")
    p.add_run().add_break(WD_BREAK.PAGE)
    p.add_run("Første avsnitt på side to.")
    d.add_heading("Vedlegg", level=2)
    d.add_paragraph("Oversikt over kommunale boliger.")
    d.save(str(path))


def test_docx_headings_tables_and_page_breaks(tmp_path: Path) -> None:
    path = tmp_path / "plan.docx"
    _make_docx(path)
    ex = read_file(path)
    assert ex.format == "docx"
    assert ex.title == "Boligsosial handlingsplan 2015–2019 for Asker kommune"
    assert [p.number for p in ex.pages] == [1, 2]
    p1, p2 = ex.pages
    assert [(lvl, h) for _, lvl, h in p1.headings] == [
        (1, "Boligsosial handlingsplan 2015–2019 for Asker kommune"), (2, "Tiltak")]
    assert "Siste avsnitt på side én." in p1.text and "side to" not in p1.text
    assert p2.text.startswith("Første avsnitt på side to.")
    assert [h for _, _, h in p2.headings] == ["Vedlegg"]
    (table,) = p1.tables
    assert table.header == ["Tiltak", "Ansvar", "Kostnad"]
    assert table.rows[1] == ["Boveileder", "NAV", "kr 800 000"]
    assert table.title == "Tiltak" and table.page == 1
    assert "kr 40 000 000" not in p1.text  # tables are kept out of the running text


def test_docx_errors(tmp_path: Path) -> None:
    cases = {
        "empty.docx": (b"", "empty"),
        "broken.docx": (b"PK\x03\x04 this is not really a zip archive", "unreadable"),
        "legacy.docx": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "unsupported"),
        "locked.docx": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"), "encrypted"),
    }
    for name, (data, cause) in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        with pytest.raises(IngestError) as e:
            read_docx(p)
        assert e.value.cause == cause, name


# ------------------------------------------------------------------------------ text


def test_docplayer_template_is_removed(shared_corpus: Path) -> None:
    path = shared_corpus / "seeds" / "002_97ad698b62e8e363.txt"
    raw = path.read_text(encoding="utf-8")
    unrelated = "Skjema for halvårsrapportering i Tønsberg kommune Formalia"
    assert "Like dokumenter" in raw and unrelated in raw
    ex = read_text(path)
    text = "\n".join(p.text for p in ex.pages)
    assert ex.title == "Programplan for Boligsosialt utviklingsprogram i Bærum kommune"
    assert "Like dokumenter" not in text and unrelated not in text and "Transkript" not in text
    assert "Rambøll Management Consulting har gjennomført en ekstern foranalyse for Bærum kommune" in text


def test_docplayer_transcript_pages_and_related_list(shared_corpus: Path) -> None:
    ex = read_text(shared_corpus / "seeds" / "004_64afeb5b8bf62330.txt")
    text = "\n".join(p.text for p in ex.pages)
    for junk in ("Størrelse: px", "Begynne med side", 'Download "', "Transkript", "Detaljer",
                 "MAL SLUTTRAPPORT (ÅRSTALL)"):
        assert junk not in text, junk
    assert ex.title == "Boligsosialt utviklingsprogram BOLIGSOSIALT UTVIKLINGSPROGRAM. Programplan Asker kommune 2012-2015"
    assert [p.number for p in ex.pages] == list(range(1, 15))
    assert "Innholdsfortegnelse" in ex.pages[1].text
    assert ex.pages[13].text.endswith("Side 14 av 25")


def test_text_encodings_and_form_feeds(tmp_path: Path) -> None:
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Boligsosial handlingsplan for Bærum kommune\n\nTiltak for vanskeligstilte.".encode("cp1252"))
    ex = read_text(latin)
    assert "Bærum" in ex.pages[0].text and any("cp1252" in w for w in ex.warnings)
    ff = tmp_path / "pages.txt"
    ff.write_text("Side én\n\fSide to\n\fSide tre", encoding="utf-8")
    assert [p.text for p in read_text(ff).pages] == ["Side én", "Side to", "Side tre"]
    md = tmp_path / "notat.md"
    md.write_text("# Notat om startlån\n\nTekst.\n\n## Bakgrunn\n\nMer tekst.", encoding="utf-8")
    ex = read_file(md)
    assert ex.title == "Notat om startlån"
    assert [(lvl, h) for _, lvl, h in ex.pages[0].headings] == [(1, "Notat om startlån"), (2, "Bakgrunn")]


def test_numbered_section_headings_are_not_transcript_pages(tmp_path: Path) -> None:
    """"1 Bakgrunn" over its paragraph is a heading; a sharing site's
    transcript runs each page on one line ("2 FORORD. Kommunen …")."""
    plan = tmp_path / "plan.txt"
    plan.write_text(
        "Programplan 2023\n\n1 Bakgrunn\nKommunen har 96 barnefamilier i kommunal bolig.\n\n"
        "2 Mål\nFærre skal bo trangt.\n\n3 Tiltak\nKommunen skal kjøpe ti boliger.\n\n"
        "4 Rapportering\nStatus rapporteres hvert kvartal.",
        encoding="utf-8",
    )
    assert len(read_text(plan).pages) == 1
    transcript = tmp_path / "transcript.txt"
    transcript.write_text(
        "Plan\n\n1 PLAN FOR BOLIGER Vedtatt 2013.\n\n2 FORORD. Kommunen vedtok å lage en plan for boliger.\n\n"
        "3 INNHOLD 1 Innledning 2 Mål 3 Tiltak\n\n4 INNLEDNING Planen gjelder for perioden 2013 til 2017.",
        encoding="utf-8",
    )
    assert [p.number for p in read_text(transcript).pages] == [1, 2, 3, 4]


def test_a_plan_table_flattened_one_cell_per_line_becomes_a_table(tmp_path: Path) -> None:
    f = tmp_path / "aktivitetsplan.txt"
    f.write_text(
        "Aktivitetsplan 2024\nTiltak\nAnsvar\nKostnad (kr)\n"
        "1.1 Kartlegge boforholdene til barnefamilier\nBoligkontoret\n150 000\n"
        "1.2 Etablere boskole for unge\nNAV\n–\n\n"
        "Planen rulleres hvert år.",
        encoding="utf-8",
    )
    page = read_text(f).pages[0]
    [table] = page.tables
    assert (table.title, table.header) == ("Aktivitetsplan 2024", ["Tiltak", "Ansvar", "Kostnad (kr)"])
    assert table.rows[1] == ["1.2 Etablere boskole for unge", "NAV", "–"]
    assert "Boligkontoret" not in page.text and "Planen rulleres hvert år." in page.text
    # rows that do not come out whole stay text
    f.write_text("Tiltak\nAnsvar\nFrist\nKartlegge boforhold\nBoligkontoret\n", encoding="utf-8")
    assert read_text(f).pages[0].tables == []


@pytest.mark.parametrize("sep", [" | ", "\t", "   "])
def test_a_plan_table_typed_one_row_per_line_becomes_a_table(tmp_path: Path, sep: str) -> None:
    f = tmp_path / "plan.txt"
    rows = [["Tiltak", "Delprosjekt", "Antall", "Anslått kostnad"],
            ["Kjøpe 4 boliger i sentrum", "Eiendom", "2025", "12 mill. kr"],
            ["Innføre årlig samtale med leietakere", "NAV", "fra 2024", "innenfor ramma"]]
    f.write_text("Tiltak i planperioden\n\n" + "\n".join(sep.join(r) for r in rows) + "\n\nPlanen rulleres årlig.",
                 encoding="utf-8")
    page = read_text(f).pages[0]
    [table] = page.tables
    assert (table.title, table.header, table.rows) == ("Tiltak i planperioden", rows[0], rows[1:])
    assert "Eiendom" not in page.text


def test_text_copied_from_a_pdf_is_dehyphenated(tmp_path: Path) -> None:
    f = tmp_path / "rapport.txt"
    f.write_text("Kommunen har etablert fire gjennomgangsbo-\nliger for rus-\nog psykisk helse i Nord-\nNorge.",
                 encoding="utf-8")
    assert read_text(f).pages[0].text == (
        "Kommunen har etablert fire gjennomgangsboliger for rus- og psykisk helse i Nord-Norge."
    )


def test_text_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n\n ", encoding="utf-8")
    with pytest.raises(IngestError) as e:
        read_text(empty)
    assert e.value.cause == "empty"
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(IngestError) as e:
        read_text(binary)
    assert e.value.cause == "unreadable"
