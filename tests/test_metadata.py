"""Metadata inference, manifests/sidecars and the accuracy bar on the sample corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.manifest import load_overrides
from ingest.metadata import infer_metadata
from ingest.municipalities import fold
from ingest.readers import read_file
from ingest.readers.text import read_text
from ingest.records import DOC_TYPES, Page

SOURCES = {"manifest", "sidecar", "filename", "title", "text", "url", "default"}


def _infer(path: Path, source: str = "upload/document"):  # type: ignore[no-untyped-def]
    ex = read_file(path)
    return infer_metadata(source + path.suffix, ex.pages, ex.title, None, meta=ex.meta)


def _same(a: str | None, b: str | None) -> bool:
    def s(v: str | None) -> frozenset[str]:
        return frozenset(fold(x) for x in (v or "").split("/") if x)

    return s(a) == s(b)


def test_accuracy_against_the_pages_manifest(shared_corpus: Path) -> None:
    """Inference WITHOUT the manifest reproduces its municipality (≥95 %) and doc_type (≥80 %)."""
    rows = [json.loads(ln) for ln in (shared_corpus / "pages" / "manifest.jsonl").read_text("utf-8").splitlines()
            if ln.strip()]
    assert len(rows) == 149
    muni = dtype = muni_text_only = 0
    for r in rows:
        ex = read_text(shared_corpus / "pages" / r["file"])
        md = infer_metadata(f"pages/{r['file']}", ex.pages, ex.title, None, meta=ex.meta)
        muni += _same(md.municipality.value, r["municipality"])
        dtype += md.doc_type.value == r["doc_type"]
        assert md.doc_type.value in DOC_TYPES
        for f in (md.municipality, md.doc_type, md.year, md.publisher, md.programme):
            assert f.source in SOURCES and 0.0 <= f.confidence <= 1.0
        blind = infer_metadata("pages/document.txt", ex.pages, ex.title, None, meta=ex.meta)
        muni_text_only += _same(blind.municipality.value, r["municipality"])
    assert muni / len(rows) >= 0.95
    assert dtype / len(rows) >= 0.80
    # without the kommune__slug file names the text alone still decides
    assert muni_text_only / len(rows) >= 0.95


@pytest.mark.parametrize(
    "rel", ["html/asker__boso-sluttrapport-nyhet-2019.html", "html/asker__statens-pris-nominasjon-2018.html",
            "seeds/000_93a0c4f6dbd5542d.txt", "seeds/001_5ce3752c033720c9.txt", "seeds/004_64afeb5b8bf62330.txt"],
)
def test_asker_documents_get_asker(shared_corpus: Path, rel: str) -> None:
    md = _infer(shared_corpus / rel)  # neutral file name: title and text decide
    assert md.municipality.value == "Asker"
    assert md.kommunenummer.value == "3203" and md.fylke.value == "Akershus"
    assert md.municipality.source in {"title", "text", "url"} and md.municipality.confidence >= 0.5


@pytest.mark.parametrize(
    "rel", ["html/husbanken__oppstartsamling-boligsosialt-velferdsprogram.html", "seeds/003_cfe5ca2f03f05bd6.txt"]
)
def test_husbanken_document_has_publisher_and_no_municipality(shared_corpus: Path, rel: str) -> None:
    md = _infer(shared_corpus / rel)
    assert md.publisher.value == "Husbanken"
    assert md.municipality.value is None and md.kommunenummer.value is None
    assert md.programme.value == "Boligsosialt velferdsprogram"


def test_foranalyse_by_an_institute_belongs_to_the_municipality(shared_corpus: Path) -> None:
    md = _infer(shared_corpus / "pages" / "holmestrand__nibr-foranalyse-boligsosialt-arbeid.txt")
    assert md.municipality.value == "Holmestrand"
    assert md.publisher.value == "NIBR"
    assert md.doc_type.value == "foranalyse"


def test_national_research_report_gets_publisher_only(shared_corpus: Path) -> None:
    md = _infer(shared_corpus / "pages" / "nasjonal__nibr-bostedslose-i-norge-2012.txt")
    assert md.municipality.value is None
    assert md.publisher.value == "NIBR"
    assert md.year.value == 2013  # "NIBR-rapport 2013:5", not the 2012 in the title


@pytest.mark.parametrize(
    "file, name, number, fylke",
    [("fjell__nibr-boligsosialt-arbeid-evaluering-2012.txt", "Fjell", "4626", "Vestland"),
     ("nedre-eiker__revidert-boligsosial-handlingsplan-2011-2014.txt", "Nedre Eiker", "3301", "Buskerud"),
     ("andebu__forslag-boligsosial-handlingsplan-2011.txt", "Andebu", "3907", "Vestfold")],
)
def test_historical_municipality_keeps_its_name_with_current_number(
    shared_corpus: Path, file: str, name: str, number: str, fylke: str
) -> None:
    md = _infer(shared_corpus / "pages" / file)
    assert (md.municipality.value, md.kommunenummer.value, md.fylke.value) == (name, number, fylke)


def test_bydel_and_groruddalen_resolve_to_oslo(shared_corpus: Path) -> None:
    md = _infer(shared_corpus / "pages" / "oslo__nibr-foranalyse-groruddalen-2011.txt")
    assert md.municipality.value == "Oslo" and md.kommunenummer.value == "0301"
    title = "Boligsosial handlingsplan 2011 – 2015 for bydel Søndre Nordstrand"
    page = Page(1, title + "\n\nBydelen har laget planen sammen med NAV. Bydelen samarbeider med Husbanken.")
    md = infer_metadata("upload/plan.txt", [page], title)
    assert md.municipality.value == "Oslo"
    assert md.period.value == (2011, 2015)
    assert md.doc_type.value == "handlingsplan"


def test_several_named_municipalities_are_joined(shared_corpus: Path) -> None:
    md = _infer(shared_corpus / "pages" / "asker-stord-verdal__husbanken-nominert-boligsosial-pris-2018.txt")
    assert md.municipality.value == "Asker/Stord/Verdal"
    assert md.kommunenummer.value == "3203/4614/5038"


def test_filename_convention_is_a_signal(tmp_path: Path) -> None:
    page = Page(1, "Boligsosial handlingsplan\n\nPlanen beskriver tiltak for vanskeligstilte i kommunen.")
    md = infer_metadata("corpus/lorenskog__boligsosial-handlingsplan-2016.txt", [page], "Boligsosial handlingsplan")
    assert md.municipality.value == "Lørenskog" and md.municipality.source == "filename"
    assert md.year.value == 2016 and md.doc_type.value == "handlingsplan"
    md = infer_metadata("docs/Handlingsplan_Sandnes_2016.txt", [page], "Boligsosial handlingsplan")
    assert md.municipality.value == "Sandnes" and md.municipality.source == "filename"
    md = infer_metadata("docs/plan.txt", [page], "Boligsosial handlingsplan")
    assert md.municipality.value is None and md.municipality.source == "default"


def test_manifest_and_sidecar_override_inference(tmp_path: Path) -> None:
    (tmp_path / "rapporter").mkdir()
    text = "Boligsosialt arbeid i Fjell kommune\n\nFjell kommune deltek i Bustadsosialt velferdsprogram."
    (tmp_path / "rapporter" / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "rapporter" / "b.txt").write_text(text, encoding="utf-8")
    (tmp_path / "rapporter" / "manifest.jsonl").write_text(
        json.dumps({"file": "a.txt", "municipality": None, "doc_type": "annet", "year": 2013}) + "\n"
        + "not json\n"
        + json.dumps({"file": "b.txt", "municipality": "Nedre Eiker", "title": "Fra manifest"}) + "\n",
        encoding="utf-8")
    (tmp_path / "rapporter" / "b.txt.meta.json").write_text(
        json.dumps({"doc_type": "sluttrapport", "title": "Fra sidecar"}), encoding="utf-8")
    ov = load_overrides(tmp_path)
    assert set(ov) == {"rapporter/a.txt", "rapporter/b.txt"}

    ex = read_text(tmp_path / "rapporter" / "a.txt")
    md = infer_metadata("rapporter/a.txt", ex.pages, ex.title, ov["rapporter/a.txt"])
    # explicit null municipality = national document, with full confidence
    assert md.municipality.value is None and md.municipality.source == "manifest"
    assert md.municipality.confidence == 1.0
    assert (md.doc_type.value, md.year.value) == ("annet", 2013)
    assert md.programme.value == "Boligsosialt velferdsprogram" and md.programme.source != "manifest"

    md = infer_metadata("rapporter/b.txt", ex.pages, ex.title, ov["rapporter/b.txt"])
    assert (md.municipality.value, md.kommunenummer.value, md.municipality.source) == ("Nedre Eiker", "3301", "manifest")
    assert (md.doc_type.value, md.doc_type.source) == ("sluttrapport", "sidecar")
    assert (md.title.value, md.title.source) == ("Fra sidecar", "sidecar")

    md = infer_metadata("rapporter/a.txt", ex.pages, ex.title, None)  # no override: inferred
    assert md.municipality.value == "Fjell" and md.municipality.source == "title"
