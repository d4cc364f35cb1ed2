"""Extraction of measures, recommendations and figures (ingest.extract).

Unit tests on sentences in our own words, then the real programme plans and
texts of the shared corpus (skipped when it is absent)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from ingest.extract import extract_items, parse_nok
from ingest.extract.common import Context
from ingest.extract.figures import figures_in_sentence
from ingest.records import Document, Page, Table

REPO = Path(__file__).resolve().parent.parent


def _doc(text: str, *, tables: list[Table] | None = None, source: str = "x.txt") -> Document:
    return Document(doc_id="d0", source=source, format="text", pages=[Page(1, text, tables=tables or [])])


def _read(corpus: Path, rel: str, municipality: str | None = None) -> Document:
    from ingest.readers import read_file

    path = corpus / rel
    ex = read_file(path)
    doc = Document(
        doc_id=hashlib.sha256(path.read_bytes()).hexdigest()[:16], source=rel, format=ex.format, pages=ex.pages
    )
    if municipality:
        doc.metadata.municipality.value = municipality
    return doc


# ------------------------------------------------------------------ money --


@pytest.mark.parametrize(
    "text, amount",
    [
        ("kr 800.000", 800_000),
        ("800 000 kr", 800_000),
        ("Totalt kr 800 000", 800_000),
        ("60 mill. kr", 60_000_000),
        ("1 mrd.", 1_000_000_000),
        ("6,4 millioner kroner", 6_400_000),
        ("seks millioner kroner", 6_000_000),
        ("Vi søker om kr 300.000..", 300_000),
        ("Samlet budsjett 750 000", 750_000),  # a cost cell: bare amount is NOK
        ("kr 250,-", 250),
    ],
)
def test_parse_nok(text, amount):
    assert parse_nok(text) == amount


@pytest.mark.parametrize(
    "text",
    ["1.1.2011 – 31.12.2011", "Vi har passert 60 000 innbyggere", "i perioden 2014-2018", "Se side 14", ""],
)
def test_parse_nok_refuses_what_is_not_money(text):
    assert parse_nok(text) is None


# ---------------------------------------------------------------- figures --


def test_change_from_a_to_b_keeps_both_values_and_the_year():
    (f,) = figures_in_sentence("Køen er kortet ned fra 120 husstander i 2012 til 15 i dag.")
    assert (f.value, f.value_to, f.unit, f.year) == (120, 15, "husstander", 2012)


def test_total_with_parts_becomes_one_figure_with_a_breakdown():
    ctx = Context.build(_doc("x"))
    (f,) = figures_in_sentence(
        "Av de 50 boligene gikk 30 boliger til flyktninger, 12 til ungdom og 8 til personer med rusproblemer.", ctx
    )
    assert f.value == 50 and f.unit == "boliger"
    assert f.breakdown == {"flyktninger": 30, "ungdom": 12, "rus-psykisk-helse": 8}


def test_money_percent_and_counts_but_not_dates_years_or_durations():
    cands = figures_in_sentence(
        "Rammen var 12 mill. kroner (40 %) og 25 nye leiligheter sto klare 1.3.2015, to år før planen."
    )
    got = sorted((c.unit, c.value) for c in cands)
    assert got == [("boliger", 25), ("kr", 12_000_000)]  # the percent in brackets belongs to the amount


# -------------------------------------------------------- synthetic docs --


def test_measures_from_a_tiltak_list_but_not_from_the_goal_list():
    text = (
        "Mål:\n\n• Alle skal bo trygt og godt\n• Færre skal stå uten bolig\n\n"
        "Tiltak:\n\n• Etablere et felles boligkontor i 2015\n• Kjøpe ti nye utleieboliger til flyktninger\n\n"
        "Kommunen har ansatt en boveileder.\n"
    )
    measures, recs, figures = extract_items(_doc(text))
    texts = [m.text for m in measures]
    assert texts == [
        "Etablere et felles boligkontor i 2015",
        "Kjøpe ti nye utleieboliger til flyktninger",
        "Kommunen har ansatt en boveileder.",
    ]
    assert measures[0].period == (2015, 2015)
    assert "flyktninger" in measures[1].target_groups and "fremskaffelse" in measures[1].topics
    assert measures[2].status == "gjennomført" and "booppfolging" in measures[2].topics
    assert recs == []


def test_a_sentence_that_only_mentions_tiltak_is_not_a_measure():
    text = (
        "Tiltak på det boligsosiale området må sees i sammenheng med en helhetlig boligpolitikk. "
        "Kommunen vil vurdere om det kan etableres flere boliger. "
        "Målet er å etablere flere boliger for unge."
    )
    measures, _, _ = extract_items(_doc(text))
    assert measures == []


def test_recommendation_needs_someone_who_made_it():
    text = (
        "Boligsosial handlingsplan for Eksempel kommune\n\n"
        "Planen gjelder for fire år. Den ble laget i fjor. Den omfatter hele kommunen. "
        "Den bygger på tall fra kommunen. Den er kort.\n\n"
        "Agderforskning har gjennomført en foranalyse for kommunen. "
        "Kommunen bør etablere et tverrfaglig boligteam.\n\n"
        "Videre arbeid\n\n"
        "Bystyret bør få saken før sommeren."
    )
    doc = _doc(text)
    _, recs, _ = extract_items(doc)
    assert [(r.text, r.by) for r in recs] == [("Kommunen bør etablere et tverrfaglig boligteam.", "Agderforskning")]


def test_table_rows_become_measures_with_cost_indicator_and_period():
    table = Table(
        header=["Tiltak", "Resultatmål", "Kostnad", "Tidsramme", "Status"],
        rows=[
            ["Opprette boligkontor", "Kortere ventetid", "kr 1,2 mill.", "2016–2017", "Pågår"],
            ["Kartlegge bostedsløse", "Oversikt over antall", "200 000", "2016", "Gjennomført"],
        ],
        page=1, pages=[1], row_pages=[1, 1], title="Handlingsplan 2016",
    )
    measures, _, _ = extract_items(_doc("", tables=[table]))
    a, b = measures
    assert (a.text, a.cost.amount_nok, a.period, a.status) == ("Opprette boligkontor", 1_200_000, (2016, 2017), "igangsatt")
    assert a.indicator == "Kortere ventetid" and "ventelister" in a.topics
    assert a.citation.section == "Handlingsplan 2016" and a.fields["Kostnad"] == "kr 1,2 mill."
    assert (b.cost.amount_nok, b.status) == (200_000, "gjennomført") and "bostedslose" in b.target_groups


# ------------------------------------------------------------- real docs --


@pytest.fixture(scope="session")
def baerum(shared_corpus) -> Document:
    return _read(shared_corpus, "pdf/baerum__programplan-boso-2010.pdf", "Bærum")


@pytest.fixture(scope="session")
def baerum_items(baerum):
    return extract_items(baerum)


def test_baerum_recommendation_table_yields_its_eight_themes_all_by_ramboll(baerum_items):
    _, recs, _ = baerum_items
    table_recs = [r for r in recs if r.citation.section == "3.3 Hovedfunn fra ekstern analyse"]
    assert {r.theme for r in table_recs} == {
        "Organisering og forankring", "Roller og ansvar", "Booppfølging", "Fremskaffelse av bolig",
        "Tildeling av bolig", "Samarbeid", "Kompetanse", "Boligsosiale virkemidler",
    }
    assert len(table_recs) == 22  # one per sentence of the ANBEFALINGER column
    assert {r.by for r in table_recs} == {"Rambøll"}
    assert {r.citation.page for r in table_recs} == {10, 11}
    assert all(r.municipality == "Bærum" for r in table_recs)
    boo = [r for r in table_recs if r.theme == "Booppfølging"]
    assert all("booppfolging" in r.topics for r in boo)


def test_baerum_423_measure_costs_800000_nok_and_is_about_waiting_lists(baerum_items, baerum):
    measures, _, _ = baerum_items
    (m,) = [m for m in measures if m.citation.page == 17]
    assert m.text.startswith("Koordinere og samordne en gruppe med saksbehandlere")
    assert "BOKART" in m.text and "kjøpsevne" in m.text
    assert m.cost.amount_nok == 800_000 and m.cost.text == "Totalt kr 800 000"
    assert "Færre søkere på venteliste til kommunal bolig" in m.indicator
    assert {"ventelister", "tildeling", "startlan"} <= set(m.topics)
    assert m.period == (2011, 2011)
    assert m.citation.section.startswith("4.2.3 Underskudd på boliger")
    assert (m.citation.doc_id, m.citation.source) == (baerum.doc_id, baerum.source)
    assert m.municipality == "Bærum"


def test_baerum_flattened_activity_plan_gives_numbered_measures_with_indicators(baerum_items):
    measures, _, _ = baerum_items
    p16 = [m for m in measures if m.citation.page == 16]
    assert p16[0].text.startswith("Metode for og dokumentasjon av helhetlig vurdering")
    assert p16[0].cost.amount_nok == 500_000
    lan = next(m for m in p16 if m.text.startswith("Få godkjent tilstrekkelig lånefullmakt"))
    assert lan.indicator.startswith("Startlån/botilskudd skal benyttes i flere saker")
    p15 = [m for m in measures if m.citation.page == 15]
    assert p15[0].text.startswith("Etablere caser") and p15[0].cost.amount_nok == 750_000


def test_baerum_waiting_list_figure_page_8(baerum_items):
    _, _, figures = baerum_items
    (f,) = [f for f in figures if f.citation.page == 8 and "ventelister" in f.topics]
    assert (f.value, f.unit, f.year) == (200, "personer", 2009)


def test_baerum_goal_lists_are_not_measures(baerum_items):
    measures, _, _ = baerum_items
    texts = " ".join(m.text for m in measures)
    # "… lykkes best mulig i å: Dekke boligmangelen …" (p3, p8) and "Konkrete mål … Tatt i bruk moderne teknologi" (p13)
    assert "Dekke boligmangelen" not in texts
    assert "Tatt i bruk moderne teknologi" not in texts
    assert not any(m.citation.page == 3 for m in measures)


@pytest.mark.parametrize(
    "rel", ["seeds/001_5ce3752c033720c9.txt", "html/asker__statens-pris-nominasjon-2018.html"]
)
def test_asker_waiting_list_165_to_7(shared_corpus, rel):
    doc = _read(shared_corpus, rel, "Asker")
    _, _, figures = extract_items(doc)
    (f,) = [f for f in figures if "ventelister" in f.topics and f.value == 165]
    assert (f.value_to, f.unit, f.year, f.citation.page, f.municipality) == (7, "husstander", 2010, 1, "Asker")


def test_asker_63_dwellings_breakdown_and_money(shared_corpus):
    doc = _read(shared_corpus, "seeds/000_93a0c4f6dbd5542d.txt", "Asker")
    measures, _, figures = extract_items(doc)
    (total,) = [f for f in figures if f.breakdown]
    assert total.value == 63 and total.unit == "boliger"
    assert total.breakdown == {"rus-psykisk-helse": 36, "flyktninger": 13, "okonomisk-vanskeligstilte": 14}
    period = [f for f in figures if f.value == 63 and not f.breakdown]
    assert [(f.year, f.year_to) for f in period] == [(2014, 2018)]
    kr = {f.value for f in figures if f.unit == "kr"}
    assert {160_000_000, 189_000_000, 120_000_000, 40_000_000} <= kr
    assert any("etablert 63 boliger" in m.text for m in measures)


def test_asker_nova_recommendations(shared_corpus):
    doc = _read(shared_corpus, "pdf/asker__programplan-boso-2012-2015.pdf", "Asker")
    _, recs, _ = extract_items(doc)
    assert recs and {r.by for r in recs} == {"NOVA"} and {r.citation.page for r in recs} == {11}
    assert recs[0].text.startswith("Ansvaret for boligstrategisk arbeid bør ligge hos ett organ")


def test_policy_principles_are_not_measures(shared_corpus):
    doc = _read(shared_corpus, "pages/kongsvinger__boligsosial-policy-2014.txt")
    measures, recs, _ = extract_items(doc)
    assert measures == [] and recs == []


# ----------------------------------------------------------------- labels --


def test_eval_labels_are_well_formed(shared_corpus):
    from eval.extract_eval import corpus_file  # noqa: PLC0415

    files = sorted((REPO / "eval" / "labels").glob("*.jsonl"))
    assert len(files) >= 12
    pages_docs = [f for f in files if f.name.startswith("pages__")]
    assert len(pages_docs) >= 10
    for f in files:
        assert corpus_file(shared_corpus, f).is_file()
        for line in f.read_text(encoding="utf-8").splitlines():
            if not line.strip():  # a document with no items has a blank-line file
                continue
            item = json.loads(line)
            assert item["type"] in ("measure", "recommendation", "figure"), f.name
            assert isinstance(item["page"], int) and item["page"] >= 1
            assert 3 <= len(item["text"]) <= 200, (f.name, item["text"])
            if item["type"] == "figure":
                assert isinstance(item["value"], (int, float))
