"""OCR of the image-only scan pdf/baerum__programplan-boso-2010-skannet-s9-12.pdf
(pages 9-12 of Bærum's plan: end of 3.1, 3.2-3.3 and the Rambøll table).

The OCR runs are marked slow (Tesseract on four 300 dpi pages); the checks
of what happens without OCR are fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.readers import Extracted
from ingest.readers.ocr import OcrUnavailableError, ocr_available, ocr_pdf_page
from ingest.readers.pdf import read_pdf
from ingest.records import IngestError

SCAN = "pdf/baerum__programplan-boso-2010-skannet-s9-12.pdf"


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def scan(shared_corpus: Path) -> Path:
    if ocr_available() is not None:
        pytest.skip(f"OCR unavailable here: {ocr_available()}")
    return shared_corpus / SCAN


@pytest.fixture(scope="module")
def scanned(scan: Path) -> Extracted:
    return read_pdf(scan)


@pytest.mark.slow
def test_scan_is_ocrd_page_by_page(scanned: Extracted) -> None:
    assert [p.number for p in scanned.pages] == [1, 2, 3, 4]
    assert all(p.ocr for p in scanned.pages)
    assert all(len(p.text) > 500 for p in scanned.pages)
    assert scanned.warnings == []


@pytest.mark.slow
def test_scan_yields_the_rambøll_recommendations(scanned: Extracted) -> None:
    text = squash(" ".join(p.text for p in scanned.pages))
    assert "felles faglig plattform" in text
    assert "booppfølging" in text
    page2 = squash(scanned.pages[1].text)
    assert "BK bør utforme en felles faglig plattform for booppfølgingsarbeidet" in page2
    assert "Hovedfunn fra ekstern analyse" in squash(scanned.pages[0].text)


@pytest.mark.slow
def test_scan_loses_its_page_furniture(scanned: Extracted) -> None:
    for p in scanned.pages:
        assert "Programplan for Boligsosialt utviklingsprogram" not in p.text, p.number
        assert not re.search(r"Side \d+ av \d+", p.text), p.number
        assert "Dato: 02.12.2010" not in p.text, p.number
        assert "|" not in p.text, p.number  # table rules read as bars are dropped


@pytest.mark.slow
def test_ocr_pdf_page_single_page(scan: Path) -> None:
    raw = ocr_pdf_page(scan, 4)
    assert "3.4 Konklusjoner" in raw
    assert "Rambølls anbefalinger" in squash(raw)
    with pytest.raises(IngestError) as info:
        ocr_pdf_page(scan, 9)
    assert info.value.cause == "unreadable" and "page 9 does not exist" in str(info.value)


# --- without OCR ------------------------------------------------------------------


@pytest.fixture
def no_tesseract(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    ocr_available.cache_clear()
    yield
    monkeypatch.undo()
    ocr_available.cache_clear()


def test_missing_tesseract_is_a_clear_error(shared_corpus: Path, no_tesseract: None) -> None:
    path = shared_corpus / SCAN
    with pytest.raises(OcrUnavailableError) as info:
        read_pdf(path)
    err = info.value
    assert isinstance(err, IngestError) and err.cause == "no_text"
    assert err.path == str(path)
    assert "baerum__programplan-boso-2010-skannet-s9-12.pdf" in str(err)
    assert "pages 1-4 have no text layer and OCR is unavailable" in str(err)
    assert "tesseract" in str(err)
    with pytest.raises(OcrUnavailableError):
        ocr_pdf_page(path, 1)


def test_missing_tesseract_does_not_affect_text_pdfs(shared_corpus: Path, no_tesseract: None) -> None:
    ex = read_pdf(shared_corpus / "pdf/asker__programplan-boso-2012-2015.pdf")
    assert ex.warnings == [] and not any(p.ocr for p in ex.pages)


def test_scan_with_ocr_off_is_no_text(shared_corpus: Path) -> None:
    with pytest.raises(IngestError) as info:
        read_pdf(shared_corpus / SCAN, ocr=False)
    assert info.value.cause == "no_text"
    assert "OCR is turned off" in str(info.value) and "skannet" in str(info.value)
