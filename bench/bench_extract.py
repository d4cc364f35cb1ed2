"""Extraction benchmark: what measures, recommendations and figures cost a page.

    .venv/bin/python bench/bench_extract.py [--repeat 2]

Reads every document of the sample corpus (../shared/corpus: seeds, pages,
text PDFs, HTML; the scan and broken files are left out) once, then times
`extract_items` on each, `--repeat` times, in three modes:

- rules: the rule-based extraction alone;
- regression: the rules plus the logistic regression (`learned.py`);
- encoder: the rules plus the regression's gate and the fine-tuned encoder's
  second opinion (`encoder_model.py`), as `boso ingest` runs by default.

Also counts the sentences that reach the encoder. One process, one thread
for torch (`BOSO_THREADS`, default 1 here), so the numbers are CPU cost.
Writes bench/results/extract.json and bench/results/extract.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CORPUS = REPO.parent / "shared" / "corpus"
RESULTS = REPO / "bench" / "results"


class _Counting:
    """Wraps the second opinion to count the sentences it scores."""

    def __init__(self, inner) -> None:
        self.inner, self.gate, self.threshold, self.sentences, self.calls = inner, inner.gate, inner.threshold, 0, 0

    def probabilities(self, texts):
        self.sentences += len(texts)
        self.calls += 1
        return self.inner.probabilities(texts)


def documents():
    from ingest.readers import SUFFIXES, read_file
    from ingest.records import Document, IngestError

    out = []
    for path in sorted(CORPUS.rglob("*")):
        rel = path.relative_to(CORPUS)
        if not path.is_file() or path.suffix.lower() not in SUFFIXES or "broken" in rel.parts or "skannet" in path.name:
            continue
        try:
            ex = read_file(path)
        except IngestError:
            continue
        out.append(Document(doc_id=str(rel), source=str(rel), format=ex.format, pages=ex.pages))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"sample corpus not found at {CORPUS}")
    os.environ.setdefault("BOSO_THREADS", "1")
    import torch

    torch.set_num_threads(int(os.environ["BOSO_THREADS"]))
    from index.embed import _resolve
    from ingest.extract import extract_items
    from ingest.extract.common import Context
    from ingest.extract.encoder_model import EncoderMeasureModel

    docs = documents()
    pages = sum(len(d.pages) for d in docs)
    units = sum(len(Context.build(d).units) for d in docs)
    t0 = time.perf_counter()
    second = _Counting(EncoderMeasureModel.load(_resolve(None)[0]))
    load_s = time.perf_counter() - t0
    modes = {
        "rules": dict(learned=False),
        "regression": dict(learned=True),
        "encoder": dict(learned=True, second=second),
    }
    for d in docs[:5]:  # warm-up: spaCy, the models' first batches
        for kw in modes.values():
            extract_items(d, **kw)
    res: dict = {}
    counts: dict = {}
    for name, kw in modes.items():
        runs = []
        for _ in range(args.repeat):
            second.sentences = second.calls = 0
            c0 = time.process_time()
            t = time.perf_counter()
            n = [0, 0, 0]
            for d in docs:
                m, r, f = extract_items(d, **kw)
                n = [n[0] + len(m), n[1] + len(r), n[2] + len(f)]
            runs.append((time.perf_counter() - t, time.process_time() - c0))
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        res[name] = {"seconds": round(wall, 2), "cpu_seconds": round(cpu, 2), "ms_per_page": round(1000 * wall / pages, 1),
                     "pages_per_s": round(pages / wall, 1), "measures": n[0], "recommendations": n[1], "figures": n[2]}
        if name == "encoder":
            counts = {"sentences_scored": second.sentences, "batches": second.calls}
    enc_ms = 1000 * (res["encoder"]["seconds"] - res["regression"]["seconds"]) / max(counts["sentences_scored"], 1)
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "torch_threads": torch.get_num_threads(),
                    "load_avg_after": [round(v, 2) for v in os.getloadavg()]},
        "documents": len(docs), "pages": pages, "units": units, "repeat": args.repeat,
        "encoder_load_seconds": round(load_s, 1), **counts,
        "encoder_ms_per_scored_sentence": round(enc_ms, 1), "modes": res,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "extract.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = [
        "# Extraction benchmark",
        "",
        f"`bench/bench_extract.py`: `extract_items` on the {len(docs)} readable documents of the sample corpus "
        f"({pages} pages, {units} sentences and list items), median of {args.repeat} runs, one process, "
        f"torch on {torch.get_num_threads()} thread(s). Reading the files is not timed (see ingest.md).",
        "",
        "| mode | s | ms / page | pages / s | measures | recommendations | figures |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in res.items():
        lines.append(f"| {name} | {r['seconds']} | {r['ms_per_page']} | {r['pages_per_s']} | {r['measures']} | "
                     f"{r['recommendations']} | {r['figures']} |")
    lines += [
        "",
        f"The encoder scored {counts['sentences_scored']} of {units} sentences "
        f"({100 * counts['sentences_scored'] / max(units, 1):.0f} %, the ones the regression gives p ≥ {second.gate}) "
        f"in {counts['batches']} batches: {enc_ms:.1f} ms a scored sentence. Loading it took {load_s:.1f} s.",
    ]
    (RESULTS / "extract.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
