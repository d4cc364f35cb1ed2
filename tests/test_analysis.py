"""Norwegian analysis: stemming, compounds, synonyms, stopwords, highlighting."""

from __future__ import annotations

from pathlib import Path

import pytest

import unicodedata

from index.analysis import _FOLD, NorwegianAnalyzer, inflections, normalize_word


@pytest.fixture(scope="session")
def nb() -> NorwegianAnalyzer:
    return NorwegianAnalyzer()


def first(nb: NorwegianAnalyzer, word: str) -> str:
    """The whole-word token of a single word."""
    (term,) = nb.analyze(word)
    return term.stem


# ---------------------------------------------------------------- stemming
def test_inflections_of_venteliste_share_one_stem(nb):
    stems = {first(nb, w) for w in ("venteliste", "ventelisten", "ventelister", "ventelistene", "ventelista")}
    assert len(stems) == 1


def test_agent_nouns_in_ere_meet_their_singular(nb):
    # plain Snowball gives leietak / leietaker / leietakern
    assert first(nb, "leietakere") == first(nb, "leietaker") == first(nb, "leietakerne") == first(nb, "leietakers")
    assert first(nb, "søkere") == first(nb, "søker")


def test_neuter_adjective_meets_common_form(nb):
    assert first(nb, "boligsosialt") == first(nb, "boligsosial") == first(nb, "boligsosiale")


def test_aeoeaa_survive_lowercasing_and_stemming(nb):
    tokens = nb.tokens("BÆRUM, Lørenskog og Ålesund: ØKONOMISK rådgivning")
    assert tokens[:3] == ["bærum", "lørenskog", "ålesund"]
    assert all(any(c in t for c in "æøå") for t in tokens[3:])


def test_soft_hyphen_and_ligature_are_normalised(nb):
    assert nb.tokens("vente\u00adliste") == nb.tokens("venteliste")
    assert nb.tokens("\ufb01nansiering") == nb.tokens("finansiering")


# --------------------------------------------------------------- stopwords
def test_bokmaal_and_nynorsk_function_words_are_dropped(nb):
    assert nb.tokens("det er ikke en bolig for de som ikkje har noko") == [first(nb, "bolig")]
    assert nb.tokens("og i på til av") == []


def test_hyphen_suspension_keeps_each_word(nb):
    assert nb.tokens("rus- og psykisk helse") == [first(nb, "rus"), first(nb, "psykisk"), first(nb, "helse")]


def test_hyphenated_compound_equals_closed_compound(nb):
    assert nb.tokens("bo-oppfølging") == nb.tokens("booppfølging")
    assert first(nb, "oppfølging") in nb.tokens("bo-oppfølging")


def test_number_ranges_are_separate_numbers(nb):
    assert nb.tokens("2012-2015") == ["2012", "2015"]
    assert nb.tokens("Programplan 2012-2015")[-2:] == ["2012", "2015"]


# --------------------------------------------------------------- compounds
def test_ventelistetiltak_indexes_whole_and_parts(nb):
    tokens = nb.tokens("ventelistetiltak")
    assert tokens[0] == first(nb, "ventelistetiltak")
    assert first(nb, "venteliste") in tokens
    assert first(nb, "tiltak") in tokens


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("startlånsordningen", ["startlån", "ordningen"]),  # -s- link
        ("bostedsløse", ["bosted", "løse"]),  # -s- after -sted
        ("kommunalboliger", ["kommunal", "boliger"]),
        ("boligsosial", ["bolig", "sosial"]),
        ("tilvisningsavtaler", ["tilvisning", "avtaler"]),
        ("utleieboliger", ["utleie", "boliger"]),  # not utlei + e + boliger
    ],
)
def test_compound_split_with_linking_elements(nb, word, parts):
    assert [p for p, _ in nb.split(word)] == parts


@pytest.mark.parametrize("word", ["tjenester", "samarbeid", "midlertidig", "kommunale", "forebygging", "tiltak"])
def test_common_words_are_not_split_into_junk(nb, word):
    # the word lists hold tjen + ester, for + e + bygging ...; the word is more likely whole
    assert nb.split(word) is None


def test_corpus_frequency_keeps_a_frequent_compound_whole():
    a = NorwegianAnalyzer()
    assert a.split("boligsosial") is not None
    a.add_vocabulary({"boligsosial": 400, "bolig": 30, "sosial": 3})
    assert a.split("boligsosial") is None
    assert a.split("ventelistetiltak") is not None  # rare compounds still split


def test_learn_vocabulary_counts_words_seen_often():
    a = NorwegianAnalyzer(dictionaries=[])
    n = a.learn_vocabulary(["Husleietiltak og husleie.", "Husleie, husleie og tiltak."], min_count=2)
    assert a.vocabulary_counts["husleie"] == 3
    assert "og" not in a.vocabulary_counts  # stopwords are never parts
    assert n == len(a.vocabulary_counts)
    assert a.split("husleietiltak") == [("husleie", ""), ("tiltak", "")]


def test_splitting_falls_back_without_system_word_lists():
    a = NorwegianAnalyzer(dictionaries=[Path("/nonexistent/bokmaal")])
    assert [p for p, _ in a.split("ventelistetiltak")] == ["venteliste", "tiltak"]
    assert [p for p, _ in a.split("startlånsordningen")] == ["startlån", "ordningen"]


# ---------------------------------------------------------------- synonyms
@pytest.mark.parametrize(
    ("nynorsk", "bokmaal"),
    [
        ("bustøtte", "bostøtte"),
        ("bustøtta", "bostøtten"),
        ("kommunale bustader", "kommunale boliger"),
        ("bustadlause", "bostedsløse"),
        ("heimebaserte tenester", "hjemmebaserte tjenester"),
        ("bustadsosialt", "boligsosialt"),  # compound rewritten part by part
        ("leigebustadene", "leieboligene"),
        ("førebygging av utkasting", "forebygging av utkastelse"),
        ("tilskot", "tilskudd"),
        ("leige til eige", "leie til eie"),
    ],
)
def test_nynorsk_meets_bokmaal(nb, nynorsk, bokmaal):
    assert nb.tokens(nynorsk) == nb.tokens(bokmaal)


def test_domain_synonyms(nb):
    assert first(nb, "tilvisningsavtaler") == first(nb, "tildelingsavtale")
    assert first(nb, "tvangsfravikelser") == first(nb, "utkastelser")
    # surface matching: "huseigar" must not collapse to "hus" as its Snowball stem does
    assert first(nb, "hus") != first(nb, "huseigar")
    assert first(nb, "utkast") != first(nb, "utkastelse")  # a draft is not an eviction


def test_phrase_synonym_housing_first(nb):
    assert set(nb.tokens("Housing First")) <= set(nb.tokens("bolig først"))
    assert first(nb, "bolig") in nb.tokens("bolig først")  # the words themselves still count


def test_synonym_file_format(tmp_path):
    f = tmp_path / "syn.txt"
    f.write_text("# comment line\nbolig, bustad, husvære  # trailing comment\n\nensom\n", encoding="utf-8")
    a = NorwegianAnalyzer(synonyms_path=f)
    assert a.tokens("husværet") == a.tokens("bolig") == a.tokens("bustadene")
    assert a.tokens("ensom") != a.tokens("bolig")  # a one-term line is ignored with a warning


def test_inflections_cover_nynorsk_plural_and_definite():
    assert {"bustaden", "bustader", "bustadene"} <= inflections("bustad")
    assert {"tenester", "tenesta", "tenestene"} <= inflections("teneste")


# ------------------------------------------------------------ highlighting
def test_highlight_marks_inflected_forms_on_a_real_sentence(nb, shared_corpus):
    text = (shared_corpus / "seeds" / "001_5ce3752c033720c9.txt").read_text(encoding="utf-8")
    line = next(l for l in text.splitlines() if "Ventelister for kommunale boliger" in l)
    marked = [line[a:b] for a, b in nb.highlight_spans("ventelister", line)]
    assert marked == ["Ventelister", "ventelista"]


def test_highlight_compounds_and_parts(nb):
    assert nb.highlight("tiltak", "Nye ventelistetiltak og tiltaket. Tilta.") == (
        "Nye <mark>ventelistetiltak</mark> og <mark>tiltaket</mark>. Tilta."
    )
    text = "Venteliste, tiltak og liste."
    assert [text[a:b] for a, b in nb.highlight_spans("ventelistetiltak", text)] == ["Venteliste", "tiltak"]


def test_highlight_synonyms_and_escape(nb):
    import html

    assert nb.highlight("bustøtte", "Bostøtte & bustøtta", escape=html.escape) == (
        "<mark>Bostøtte</mark> &amp; <mark>bustøtta</mark>"
    )
    assert nb.highlight_spans("Housing First", "Housing First, bolig først") == [(0, 13), (15, 26)]
    assert nb.highlight_terms("ventelister og tiltak") == {first(nb, "venteliste"), first(nb, "tiltak")}


def test_query_tokens_are_unique_and_index_tokens_are_not(nb):
    assert nb.tokens("bolig bolig") == [first(nb, "bolig")] * 2
    assert nb.query_tokens("bolig boliger bustad") == [first(nb, "bolig")]


def test_normalize_word_shortcuts_give_the_full_normalisation():
    def reference(w: str) -> str:
        return unicodedata.normalize("NFKC", w).lower().translate(_FOLD)

    for text in ("Ventelistetiltak i BÆRUM", "café Müller", "ﬁnansiering", "bo\u00adlig", "Ö-land", "e\u0301",
                 "2012\u20102015", "ÅLESUND og Tromsø", ""):
        assert normalize_word(text) == reference(text), text


def test_rough_spans_find_the_query_stems_as_substrings(nb):
    text = "Kommunen har tiltak mot lange ventelister. Ventelistetiltak virker."
    found = [text[a:b].lower() for a, b in nb.rough_spans("ventelister tiltak", text)]
    assert "tiltak" in found and any(f.startswith("venteli") for f in found)
    assert nb.rough_spans("ventelister", "Ingen treff her.") == []
