"""The editable topic / target-group vocabulary (ingest/data/vocabulary.toml)."""

from __future__ import annotations

import pytest

from ingest.vocabulary import Vocabulary, VocabularyError, compile_term

ISSUE_TOPICS = {
    "ventelister", "tildeling", "startlan", "bostotte", "leie-til-eie", "housing-first", "booppfolging",
    "fremskaffelse", "tilvisning", "utkastelser", "midlertidig-botilbud", "kompetanse",
    "organisering-forankring", "velferdsteknologi", "frivillighet", "samarbeid-private",
}
ISSUE_TARGET_GROUPS = {
    "rus-psykisk-helse", "flyktninger", "enslige-mindrearige", "ungdom", "barnefamilier", "eldre",
    "nedsatt-funksjonsevne", "bostedslose", "loslatte", "okonomisk-vanskeligstilte",
}


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return Vocabulary.load()


def test_file_has_every_topic_and_target_group_of_the_issue(vocab):
    assert set(vocab.topic_ids()) == ISSUE_TOPICS
    assert set(vocab.target_group_ids()) == ISSUE_TARGET_GROUPS


def test_every_topic_has_label_and_a_one_sentence_framing(vocab):
    for key in vocab.topic_ids():
        assert vocab.topic_label(key)
        framing = vocab.topic_framing(key)
        assert framing.endswith(".") and framing.count(". ") == 0, key
        assert 40 < len(framing) < 260, key
    assert vocab.topic_label("startlan") == "Startlån"
    assert vocab.target_group_label("nedsatt-funksjonsevne").startswith("Nedsatt funksjonsevne")


@pytest.mark.parametrize(
    "text, topic",
    [
        ("Færre søkere på venteliste til kommunal bolig.", "ventelister"),
        ("Ventelistene er halvert", "ventelister"),
        ("boligventelisten i bydelen", "ventelister"),
        ("Startlånet ble innvilget", "startlan"),
        ("statlig bostøtte og kommunal bostøtteordning", "bostotte"),
        ("et leie-til-eie-prosjekt", "leie-til-eie"),
        ("Housing First i Norge", "housing-first"),
        ("felles faglig plattform for booppfølgingsarbeidet", "booppfolging"),
        ("bygge 430 nye kommunale boliger", "fremskaffelse"),
        ("avtaler med private aktører for tilvisning av boliger", "tilvisning"),
        ("begjæringer om utkastelse", "utkastelser"),
        ("bruken av hospits og natthjem", "midlertidig-botilbud"),
        ("samarbeidet med private utleiere", "samarbeid-private"),
        ("bustøtte og startlån", "bostotte"),  # Nynorsk
        ("unge i mellombels bustad", "midlertidig-botilbud"),
        ("Kommunen har skaffa 24 nye utleigebustader", "fremskaffelse"),
        ("kjøpe fleire bustader til barnefamiliar", "fremskaffelse"),
        ("halde fram med bustadkontoret", "organisering-forankring"),
        ("dei som står i fare for å miste bustaden", "utkastelser"),
        ("søknad om kommunal bustad", "tildeling"),
    ],
)
def test_topics_match_inflections_compounds_and_phrases(vocab, text, topic):
    assert topic in vocab.match_topics(text)


@pytest.mark.parametrize(
    "text, group",
    [
        ("personer med samtidig rus- og psykisk lidelse", "rus-psykisk-helse"),
        ("enslige, mindreårige flyktninger", "enslige-mindrearige"),
        ("busetjing av flyktningar", "flyktninger"),
        ("bustadlause i Bergen", "bostedslose"),
        ("fengselsteam før og etter løslatelse", "loslatte"),
        ("mennesker som har økonomiske utfordringer", "okonomisk-vanskeligstilte"),
    ],
)
def test_target_groups(vocab, text, group):
    assert group in vocab.match_target_groups(text)


def test_no_match_inside_other_words_or_on_near_misses(vocab):
    # "psykisk utviklingshemming" is a disability, not mental health
    groups = vocab.match_target_groups("boliger for personer med psykisk utviklingshemming")
    assert groups == ["nedsatt-funksjonsevne"]
    assert vocab.match_target_groups("ruskenes og rusk") == []
    assert vocab.match_topics("Vi venter på svar") == []
    # capitals = case-sensitive abbreviation: ROP (rus og psykisk) but not the word "rop"
    assert vocab.match_target_groups("ROP-team") == ["rus-psykisk-helse"]
    assert vocab.match_target_groups("et rop om hjelp") == []


def test_gap_term_skips_at_most_three_words():
    rx = compile_term("nye * boliger")
    assert rx.search("12 nye kommunale boliger")
    assert rx.search("nye små tilpassede kommunale boliger")
    assert not rx.search("nye planer for de aller fleste kommunale boliger")


def test_resolve_accepts_keys_labels_and_terms(vocab):
    assert vocab.resolve("Startlån") == "startlan"
    assert vocab.resolve("startlan") == "startlan"
    assert vocab.resolve("ventelistene") == "ventelister"
    assert vocab.resolve("Barnefamilier", kind="target_group") == "barnefamilier"
    assert vocab.resolve("fotball") is None


def test_recommenders_are_named_by_label(vocab):
    assert vocab.match_recommenders("Rambølls hovedkonklusjoner") == ["Rambøll"]
    assert vocab.match_recommenders("NOVAs arbeid resulterte i en rapport") == ["NOVA"]
    assert vocab.match_recommenders("en nova i rommet") == []
    assert vocab.match_recommenders("Sivilombudet ber nemnda") == ["Sivilombudet"]


def test_malformed_file_is_refused(tmp_path):
    bad = tmp_path / "v.toml"
    bad.write_text('[topics.x]\nlabel = "X"\nterms = ["x"]\n', encoding="utf-8")  # no framing
    with pytest.raises(VocabularyError, match="framing"):
        Vocabulary.load(bad)
    bad.write_text('[topics.x]\nlabel = "X"\nframing = "F."\nterms = []\n', encoding="utf-8")
    with pytest.raises(VocabularyError, match="terms"):
        Vocabulary.load(bad)
    bad.write_text("[topics.x\n", encoding="utf-8")
    with pytest.raises(VocabularyError):
        Vocabulary.load(bad)


def test_an_edited_file_changes_matching(tmp_path):
    f = tmp_path / "v.toml"
    f.write_text(
        '[topics.husleie]\nlabel = "Husleie"\nframing = "Om husleie."\nterms = ["husleie*", "gjengs leie"]\n',
        encoding="utf-8",
    )
    v = Vocabulary.load(f)
    assert v.match_topics("Satsene for gjengs leie ble endret") == ["husleie"]
    assert v.match_topics("husleienivået") == ["husleie"]
