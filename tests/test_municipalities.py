"""The municipality registry: data completeness, tolerant lookup, history, text finder, peers."""

from __future__ import annotations

import pytest

from ingest.municipalities import Municipalities


@pytest.fixture(scope="module")
def reg() -> Municipalities:
    return Municipalities.load()


def test_all_357_current_municipalities_with_ssb_population(reg: Municipalities) -> None:
    cur = reg.all()
    assert len(cur) == 357
    assert len({m.number for m in cur}) == 357
    # SSB folkemengde 1.1.2024 for the whole country
    assert sum(m.population or 0 for m in cur) == 5_550_203
    assert len({m.fylke for m in cur}) == 15
    oslo = reg.get("Oslo")
    assert oslo is not None and oslo.number == "0301" and oslo.population == 717_710


@pytest.mark.parametrize(
    "query, number",
    [("Baerum", "3201"), ("Lorenskog", "3222"), ("Tromso", "5501"), ("Aalesund", "1508"),
     ("ASKER KOMMUNE", "3203"), ("bodø", "1804"), ("0301", "0301"), ("Tråante", "5001")],
)
def test_get_is_case_and_diacritic_tolerant(reg: Municipalities, query: str, number: str) -> None:
    m = reg.get(query)
    assert m is not None and m.number == number and m.is_current


@pytest.mark.parametrize(
    "old, successor, fylke",
    [("Nedre Eiker", "Drammen", "Buskerud"), ("Fjell", "Øygarden", "Vestland"),
     ("Hobøl", "Indre Østfold", "Østfold"), ("Andebu", "Sandefjord", "Vestfold"),
     ("Stokke", "Sandefjord", "Vestfold"), ("Nærøy", "Nærøysund", "Trøndelag"),
     ("Tysfjord", "Narvik", "Nordland"), ("Klæbu", "Trondheim", "Trøndelag"),
     ("Flora", "Kinn", "Vestland")],
)
def test_historical_names_resolve_with_successor(reg: Municipalities, old: str, successor: str, fylke: str) -> None:
    m = reg.get(old)
    assert m is not None and m.name == old and not m.is_current
    cur = reg.current(m)
    assert cur is not None and cur.name == successor
    assert m.fylke == fylke == cur.fylke
    assert m.population is None
    # the 2016 number finds the historical record too
    assert reg.get(m.number) == m


@pytest.mark.parametrize("bydel", ["Alna", "Grorud", "Stovner", "Søndre Nordstrand", "Groruddalen", "bjerke"])
def test_oslo_bydeler_map_to_oslo(reg: Municipalities, bydel: str) -> None:
    m = reg.get(bydel)
    assert m is not None and m.name == "Oslo" and m.number == "0301"


def test_ambiguous_names_use_county_hint(reg: Municipalities) -> None:
    assert reg.get("Herøy", fylke="Nordland").number == "1818"
    assert reg.get("Herøy", fylke="Møre og Romsdal").number == "1515"
    assert reg.get("Våler", fylke="Innlandet").number == "3419"
    assert reg.get("Nes").number == "3228"  # current Nes, not Nes (Buskerud) → Nesbyen
    assert reg.current(reg.get("Nes (Buskerud)")).name == "Nesbyen"
    assert reg.get("Atlantis") is None and reg.get("9999") is None


def test_find_in_text_counts_mentions_and_skips_common_words_and_addresses(reg: Municipalities) -> None:
    text = (
        "1 NEDREEIKER KOMMUNE Etat Oppvekst. Boligsosialt arbeid i Nedre Eiker kommune. "
        "Rambøll, Postboks 427 Skøyen 0213 Oslo. Møtet varte en time. Time kommune deltok. "
        "Askers deltakelse i programmet. Bydel Alna og Søndre Nordstrand."
    )
    found = {m.name: (c, off) for m, c, off in reg.find_in_text(text)}
    assert found["Nedre Eiker"][0] == 2
    assert found["Time"][0] == 1  # "Time kommune", not "en time"
    assert "Asker" in found  # genitive
    assert found["Oslo"][0] == 2  # two bydeler; the postcode address is not counted
    strict = {m.name for m, _, _ in reg.find_in_text(text, strict=True)}
    assert strict == {"Nedre Eiker", "Time", "Oslo"}


def test_peers_are_similar_in_size_and_prefer_the_same_county(reg: Municipalities) -> None:
    peers = reg.peers("Asker", n=10)
    assert len(peers) == 10 and all(p.name != "Asker" for p in peers)
    assert "Bærum" in {p.name for p in peers} and "Lillestrøm" in {p.name for p in peers}
    small = reg.peers("Gratangen", n=5)
    assert all((p.population or 0) < 3000 for p in small)
    # a historical name gives the peers of its successor
    assert reg.peers("Nedre Eiker", n=3) == reg.peers("Drammen", n=3)
