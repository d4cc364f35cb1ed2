"""PDF ingest benchmark: pages per second for text PDFs and for OCR pages.

    .venv/bin/python bench/bench_ingest.py [--repeat 5] [--ocr-repeat 1] [--no-ocr]

Reads the sample corpus (../shared/corpus/pdf): the two text programme plans
(`read_pdf` with pdfplumber: text, tables, headings, cleaning) `--repeat`
times after one warm-up read, and the four-page image-only scan (`read_pdf`
with Tesseract OCR) `--ocr-repeat` times. Also times how fast each file in
pdf/broken/ is rejected. Goal: >= 10 text pages/s on this machine.

Writes bench/results/ingest.json and bench/results/ingest.md. The machine is
shared with other work, so the load average before and after is recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ingest.readers.pdf import read_pdf  # noqa: E402
from ingest.records import IngestError  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
RESULTS = REPO / "bench" / "results"
TEXT_PDFS = ["pdf/asker__programplan-boso-2012-2015.pdf", "pdf/baerum__programplan-boso-2010.pdf"]
SCAN_PDF = "pdf/baerum__programplan-boso-2010-skannet-s9-12.pdf"
GOAL_TEXT_PAGES_PER_S = 10.0


def _time_read(path: Path, ocr: bool = True) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of this process, pages)."""
    t0, c0 = time.perf_counter(), time.process_time()
    ex = read_pdf(path, ocr=ocr)
    return time.perf_counter() - t0, time.process_time() - c0, len(ex.pages)


def bench_text(repeat: int) -> dict:
    files = {}
    total_pages = 0
    total_s = total_cpu = 0.0
    for rel in TEXT_PDFS:
        path = CORPUS / rel
        _time_read(path)  # warm-up: imports, font caches
        runs = [_time_read(path) for _ in range(repeat)]
        pages = runs[0][2]
        secs = [w for w, _, _ in runs]
        cpus = [c for _, c, _ in runs]
        files[rel] = {
            "pages": pages,
            "seconds_median": round(statistics.median(secs), 3),
            "seconds_min": round(min(secs), 3),
            "cpu_seconds_median": round(statistics.median(cpus), 3),
            "pages_per_s_median": round(pages / statistics.median(secs), 1),
            "pages_per_s_best": round(pages / min(secs), 1),
            "pages_per_cpu_s": round(pages / statistics.median(cpus), 1),
        }
        total_pages += pages * repeat
        total_s += sum(secs)
        total_cpu += sum(cpus)
    return {
        "files": files,
        "pages": total_pages,
        "seconds": round(total_s, 2),
        "cpu_seconds": round(total_cpu, 2),
        "pages_per_s": round(total_pages / total_s, 1),
        "pages_per_cpu_s": round(total_pages / total_cpu, 1),
    }


def bench_ocr(repeat: int) -> dict:
    path = CORPUS / SCAN_PDF
    runs = [_time_read(path) for _ in range(repeat)]
    pages = runs[0][2]
    secs = [w for w, _, _ in runs]
    med = statistics.median(secs)
    return {
        "file": SCAN_PDF,
        "pages": pages,
        "runs": repeat,
        "seconds_median": round(med, 2),
        "seconds_per_page": round(med / pages, 2),
        "pages_per_s": round(pages / med, 3),
        "dpi": 300,
        "tesseract_processes": min(pages, os.cpu_count() or 1, 4),
    }


def bench_broken() -> dict:
    out = {}
    for path in sorted((CORPUS / "pdf" / "broken").glob("*.pdf")):
        t0 = time.perf_counter()
        try:
            read_pdf(path)
            cause = "read"
        except IngestError as exc:
            cause = exc.cause
        out[path.name] = {"cause": cause, "ms": round((time.perf_counter() - t0) * 1000, 1)}
    return out


def _tesseract_version() -> str:
    try:
        out = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, check=False)
        return (out.stdout or out.stderr).splitlines()[0]
    except OSError:
        return "not installed"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="reads of each text PDF after a warm-up")
    ap.add_argument("--ocr-repeat", type=int, default=1, help="reads of the scanned PDF")
    ap.add_argument("--no-ocr", action="store_true", help="skip the OCR measurement")
    args = ap.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"sample corpus not found at {CORPUS}")

    import pdfplumber

    load_before = os.getloadavg()
    result = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "pdfplumber": pdfplumber.__version__,
            "tesseract": _tesseract_version(),
            "load_avg_before": [round(v, 2) for v in load_before],
        },
        "text": bench_text(args.repeat),
    }
    if not args.no_ocr:
        result["ocr"] = bench_ocr(args.ocr_repeat)
    result["broken"] = bench_broken()
    result["machine"]["load_avg_after"] = [round(v, 2) for v in os.getloadavg()]
    result["goal_text_pages_per_s"] = GOAL_TEXT_PAGES_PER_S
    result["goal_met_wall"] = result["text"]["pages_per_s"] >= GOAL_TEXT_PAGES_PER_S
    result["goal_met_cpu"] = result["text"]["pages_per_cpu_s"] >= GOAL_TEXT_PAGES_PER_S

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ingest.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (RESULTS / "ingest.md").write_text(render_md(result), encoding="utf-8")
    print(render_md(result))


def render_md(r: dict) -> str:
    m = r["machine"]
    lines = [
        "# Ingest benchmark (PDF)",
        "",
        f"Machine: {m['cpus']} CPUs, Python {m['python']}, pdfplumber {m['pdfplumber']}, {m['tesseract']}.",
        f"Load average before/after: {m['load_avg_before']} / {m['load_avg_after']} (shared machine).",
        "",
        f"## Text PDFs: **{r['text']['pages_per_s']} pages/s** wall clock, "
        f"**{r['text']['pages_per_cpu_s']} pages per CPU-second** (one process, one core)",
        "",
        f"Goal ≥ {r['goal_text_pages_per_s']:g} pages/s: {'met' if r['goal_met_wall'] else 'NOT met'} by wall clock, "
        f"{'met' if r['goal_met_cpu'] else 'NOT met'} by CPU time. Wall clock depends on what else runs on the machine "
        "(see load average); CPU time is what one read costs.",
        "",
        "`read_pdf`: pdfplumber text lines, ruled tables, running-line removal, de-hyphenation, headings.",
        "",
        "| file | pages | median s | min s | pages/s (median) | pages/s (best) | median CPU s | pages/CPU-s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, f in r["text"]["files"].items():
        lines.append(
            f"| {name} | {f['pages']} | {f['seconds_median']} | {f['seconds_min']} | {f['pages_per_s_median']} "
            f"| {f['pages_per_s_best']} | {f['cpu_seconds_median']} | {f['pages_per_cpu_s']} |"
        )
    if "ocr" in r:
        o = r["ocr"]
        lines += [
            "",
            f"## OCR pages: **{o['pages_per_s']} pages/s** ({o['seconds_per_page']} s/page)",
            "",
            f"`read_pdf` on {o['file']} ({o['pages']} image-only pages): pypdfium2 render at {o['dpi']} dpi, "
            f"median filter, Tesseract `nor`, {o['tesseract_processes']} single-threaded processes side by side; "
            f"median of {o['runs']} run(s): {o['seconds_median']} s.",
        ]
    lines += ["", "## Broken files (time to reject)", "", "| file | cause | ms |", "| --- | --- | ---: |"]
    for name, b in r["broken"].items():
        lines.append(f"| {name} | {b['cause']} | {b['ms']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
