"""OCR for PDF pages without a usable text layer (Tesseract, language `nor`).

Pages are rendered with pypdfium2 at 300 dpi in grayscale and lightly
denoised (a 3×3 median filter removes scanner speckle, which otherwise makes
Tesseract see noise instead of text); when that yields almost nothing, an
Otsu-binarised image is tried. Tesseract runs as one single-threaded process
per page, pages side by side (one per core).

Tesseract is a system program (Debian `tesseract-ocr` + `tesseract-ocr-nor`).
If it or the Norwegian model is missing, `OcrUnavailableError` (an
`IngestError` naming the file) is raised instead of returning empty text.
"""

from __future__ import annotations

import io
import os
import subprocess
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

from ingest.records import IngestError

__all__ = ["OcrUnavailableError", "ocr_available", "ocr_image", "ocr_pdf_page", "ocr_pdf_pages", "render_page"]

DEFAULT_LANG = "nor"
DEFAULT_DPI = 300
_MIN_ALNUM = 20  # fewer recognised letters/digits than this → try another rendering
_TIMEOUT_S = 180


class OcrUnavailableError(IngestError):
    """OCR was needed but Tesseract (or its `nor` model) is not installed."""

    def __init__(self, path: str | Path, reason: str, pages: Iterable[int] = ()) -> None:
        pages = sorted(set(pages))
        if not pages:
            where = "the file has"
        elif len(pages) == 1:
            where = f"page {pages[0]} has"
        elif pages == list(range(pages[0], pages[-1] + 1)):
            where = f"pages {pages[0]}-{pages[-1]} have"
        else:
            where = f"pages {', '.join(map(str, pages))} have"
        super().__init__(str(path), "no_text", f"{where} no text layer and OCR is unavailable: {reason}")
        self.reason = reason
        self.pages = pages


@lru_cache(maxsize=4)
def ocr_available(lang: str = DEFAULT_LANG) -> str | None:
    """None if Tesseract with `lang` can run here, else the reason why not.
    Cached; call `ocr_available.cache_clear()` after changing the setup."""
    try:
        import pytesseract
    except ImportError:  # pragma: no cover - dependency of the project
        return "the pytesseract package is not installed"
    try:
        pytesseract.get_tesseract_version()
    except pytesseract.TesseractNotFoundError:
        return "the tesseract program was not found; install the Debian packages tesseract-ocr and tesseract-ocr-nor"
    except Exception as exc:  # broken install
        return f"tesseract does not run ({exc})"
    try:
        langs = set(pytesseract.get_languages(config=""))
    except Exception as exc:
        return f"tesseract cannot list its languages ({exc})"
    if lang not in langs:
        return f"the tesseract language model '{lang}' is not installed; install the Debian package tesseract-ocr-{lang}"
    return None


def render_page(pdf, page_number: int, dpi: int = DEFAULT_DPI):
    """Render 1-based `page_number` of an open `pypdfium2.PdfDocument` to a
    grayscale PIL image at `dpi`."""
    page = pdf[page_number - 1]
    try:
        bitmap = page.render(scale=dpi / 72.0, grayscale=True)
        return bitmap.to_pil().convert("L")
    finally:
        page.close()


def _denoise(image):
    from PIL import ImageFilter

    return image.filter(ImageFilter.MedianFilter(3))


def _binarise(image):
    from PIL import ImageOps

    image = ImageOps.autocontrast(_denoise(image), cutoff=1)
    hist = image.histogram()
    threshold = _otsu(hist)
    return image.point(lambda v: 255 if v > threshold else 0)


def _otsu(hist: list[int]) -> int:
    total = sum(hist)
    sum_all = sum(i * h for i, h in enumerate(hist))
    w_b = sum_b = 0.0
    best, threshold = -1.0, 128
    for i, h in enumerate(hist):
        w_b += h
        if w_b == 0:
            continue
        w_f = total - w_b
        if w_f == 0:
            break
        sum_b += i * h
        m_b, m_f = sum_b / w_b, (sum_all - sum_b) / w_f
        between = w_b * w_f * (m_b - m_f) ** 2
        if between > best:
            best, threshold = between, i
    return threshold


def _alnum(text: str) -> int:
    return sum(c.isalnum() for c in text)


def _tesseract(image, lang: str) -> str:
    """Run the tesseract program on a PIL image (PGM on stdin). One OpenMP
    thread per process: on a busy machine Tesseract's thread pool spins and
    runs ~2× slower; parallelism comes from OCR'ing pages side by side."""
    import pytesseract

    buf = io.BytesIO()
    image.save(buf, format="PPM")
    cmd = [pytesseract.pytesseract.tesseract_cmd, "stdin", "stdout", "-l", lang, "--psm", "3"]
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        proc = subprocess.run(cmd, input=buf.getvalue(), capture_output=True, env=env, timeout=_TIMEOUT_S, check=False)
    except FileNotFoundError as exc:
        raise _OcrFailed(f"tesseract program not found ({cmd[0]})") from exc
    except subprocess.TimeoutExpired as exc:
        raise _OcrFailed(f"tesseract took longer than {_TIMEOUT_S} s") from exc
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise _OcrFailed(f"tesseract exited with {proc.returncode}: {err[-1] if err else 'no message'}")
    return proc.stdout.decode("utf-8", "replace")


class _OcrFailed(RuntimeError):
    pass


def ocr_image(image, lang: str = DEFAULT_LANG) -> str:
    """Tesseract text of a (grayscale) page image; a blank line separates
    the paragraphs Tesseract finds. When the denoised image yields almost
    nothing, a binarised version is tried and the richer result kept."""
    text = _tesseract(_denoise(image), lang)
    if _alnum(text) >= _MIN_ALNUM:
        return text
    retry = _tesseract(_binarise(image), lang)
    return retry if _alnum(retry) > _alnum(text) else text


def ocr_pdf_pages(
    path: str | Path, page_numbers: Iterable[int], *, lang: str = DEFAULT_LANG, dpi: int = DEFAULT_DPI
) -> dict[int, str]:
    """OCR several 1-based pages of one PDF: pages are rendered one by one
    (pdfium is not thread-safe) and recognised in parallel, one Tesseract
    process per core. Raises `OcrUnavailableError` when Tesseract or the
    language is missing and `IngestError(path, "unreadable", …)` when a
    page cannot be rendered or recognised."""
    numbers = list(page_numbers)
    if not numbers:
        return {}
    reason = ocr_available(lang)
    if reason:
        raise OcrUnavailableError(path, reason, numbers)
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise IngestError(str(path), "unreadable", f"cannot render pages for OCR ({exc})") from exc
    out: dict[int, str] = {}
    workers = max(1, min(len(numbers), os.cpu_count() or 1, 4))
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for i in range(0, len(numbers), workers):  # bounded: a batch of page images in memory
                futures = {}
                for n in numbers[i : i + workers]:
                    if not 1 <= n <= len(pdf):
                        raise IngestError(str(path), "unreadable", f"page {n} does not exist (the file has {len(pdf)} pages)")
                    futures[n] = pool.submit(ocr_image, render_page(pdf, n, dpi), lang)
                for n, fut in futures.items():
                    try:
                        out[n] = fut.result()
                    except _OcrFailed as exc:
                        raise IngestError(str(path), "unreadable", f"OCR of page {n} failed: {exc}") from exc
    finally:
        pdf.close()
    return out


def ocr_pdf_page(path: str | Path, page_number: int, *, lang: str = DEFAULT_LANG, dpi: int = DEFAULT_DPI) -> str:
    """Raw Tesseract text of the 1-based `page_number` of the PDF at `path`
    (language `nor`, rendered at `dpi`). Raises `OcrUnavailableError` if OCR
    cannot run here."""
    return ocr_pdf_pages(path, [page_number], lang=lang, dpi=dpi)[page_number]
