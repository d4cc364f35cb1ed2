"""Metadata accuracy against the sample corpus' hand-made manifest.

For every document in ``pages/manifest.jsonl`` the text is read with
``read_text`` and ``infer_metadata`` runs WITHOUT the manifest overrides; the
inferred municipality, doc_type and year are compared with the manifest.

Two runs:

* ``filename`` — the source path is the real one (``pages/asker__….txt``), so
  the corpus' ``kommune__slug`` naming convention counts as a signal.
* ``text-only`` — every file is called ``pages/document.txt``: only the
  title and text decide. This is what a user's arbitrary file name gives.

Writes ``eval/results/metadata.md`` and ``eval/results/metadata.json``.

    .venv/bin/python eval/metadata_eval.py [--corpus ../shared/corpus]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ingest.metadata import infer_metadata  # noqa: E402
from ingest.municipalities import Municipalities, fold  # noqa: E402
from ingest.readers.text import read_text  # noqa: E402

RESULTS = REPO / "eval" / "results"


def _mset(value: str | None) -> frozenset[str]:
    if not value:
        return frozenset()
    return frozenset(fold(x) for x in str(value).split("/") if x.strip())


def _current_set(reg: Municipalities, value: str | None) -> frozenset[str]:
    out = set()
    for x in (value or "").split("/"):
        m = reg.current(x) if x.strip() else None
        if m is not None:
            out.add(m.number)
    return frozenset(out)


def evaluate(corpus: Path, text_only: bool) -> dict:
    reg = Municipalities.load()
    rows = [json.loads(ln) for ln in (corpus / "pages" / "manifest.jsonl").read_text("utf-8").splitlines() if ln.strip()]
    out = []
    t0 = time.perf_counter()
    for r in rows:
        ex = read_text(corpus / "pages" / r["file"])
        source = "pages/document.txt" if text_only else f"pages/{r['file']}"
        md = infer_metadata(source, ex.pages, ex.title, None, meta=ex.meta)
        gold_m, pred_m = r.get("municipality"), md.municipality.value
        out.append({
            "file": r["file"],
            "municipality": {"gold": gold_m, "pred": pred_m, "conf": md.municipality.confidence,
                             "source": md.municipality.source,
                             "ok": _mset(gold_m) == _mset(pred_m),
                             "ok_current": _current_set(reg, gold_m) == _current_set(reg, pred_m)},
            "doc_type": {"gold": r.get("doc_type"), "pred": md.doc_type.value,
                         "conf": md.doc_type.confidence, "ok": r.get("doc_type") == md.doc_type.value},
            "year": {"gold": r.get("year"), "pred": md.year.value, "conf": md.year.confidence,
                     "ok": r.get("year") == md.year.value},
            "publisher": md.publisher.value,
            "programme": md.programme.value,
        })
    secs = time.perf_counter() - t0
    n = len(out)

    def acc(key: str, sub: str = "ok") -> float:
        return sum(1 for o in out if o[key][sub]) / n

    return {
        "mode": "text-only" if text_only else "filename",
        "n": n,
        "seconds": round(secs, 2),
        "municipality": round(acc("municipality"), 4),
        "municipality_current": round(acc("municipality", "ok_current"), 4),
        "doc_type": round(acc("doc_type"), 4),
        "year": round(acc("year"), 4),
        "docs": out,
    }


def _misses(res: dict, key: str) -> list[str]:
    lines = []
    for o in res["docs"]:
        if not o[key]["ok"]:
            lines.append(f"| {o['file']} | {o[key]['gold']} | {o[key]['pred']} | {o[key]['conf']} |")
    return lines


def write_report(results: list[dict]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "metadata.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    md = ["# Metadata accuracy", "",
          "Inference without manifest overrides on the 149 `pages/*.txt` documents of the sample",
          "corpus, compared with `pages/manifest.jsonl`. Produced by `eval/metadata_eval.py`.", "",
          "Targets: municipality ≥ 95 %, doc_type ≥ 80 % (filename run).", "",
          "| run | n | municipality | municipality (same current kommune) | doc_type | year | seconds |",
          "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        md.append(f"| {r['mode']} | {r['n']} | {r['municipality']:.1%} | {r['municipality_current']:.1%} | "
                  f"{r['doc_type']:.1%} | {r['year']:.1%} | {r['seconds']} |")
    md += ["", "*filename*: real file names (`kommune__slug.txt` convention is a signal).",
           "*text-only*: every file renamed `document.txt`, so only title and text decide.",
           "Municipality is compared by name as written (Fjell ≠ Øygarden); the second column",
           "counts a prediction right when it resolves to the same current municipality.",
           "",
           "Caveat: the rules were written while looking at these 149 documents (the only labelled",
           "set), so these numbers are optimistic; expect lower accuracy on new material. The rules",
           "are generic (keywords, positions, 'X kommune' mentions), no file name is memorised.", ""]
    for r in results:
        for key in ("municipality", "doc_type", "year"):
            miss = _misses(r, key)
            md += [f"## Misses: {key} ({r['mode']}, {len(miss)})", "",
                   "| file | manifest | inferred | confidence |", "| --- | --- | --- | --- |", *miss, ""]
    (RESULTS / "metadata.md").write_text("\n".join(md), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    args = ap.parse_args(argv)
    results = [evaluate(args.corpus, text_only=False), evaluate(args.corpus, text_only=True)]
    write_report(results)
    for r in results:
        print(f"{r['mode']:>9}: municipality {r['municipality']:.1%} "
              f"(current {r['municipality_current']:.1%}), doc_type {r['doc_type']:.1%}, "
              f"year {r['year']:.1%}  [{r['n']} docs, {r['seconds']} s]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
