"""Lexical (BM25) index benchmark.

    .venv/bin/python bench/bench_lexical.py [--texts 100000] [--words 40] [--queries 200]

Makes `--texts` short synthetic texts from the sample corpus (../shared/corpus,
seeds/*.txt and pages/*.txt): each is a run of `--words` consecutive words from
a random corpus text, with one word in eight swapped for a word from elsewhere
and one in twenty for a new compound of two corpus words (so the vocabulary
keeps growing the way a real collection's does). Nothing is written but
numbers. Measures:

- build: vocabulary learning, analysis (tokens), BM25 matrix (bm25s);
- incremental: add 1 000 texts + remove 1 000, then the first search
  (which recomputes the BM25 matrix from stored tokens);
- search latency p50/p95 unfiltered, with a 10 % allowed-id filter and with a
  100-id filter;
- save/load time and file size.

Writes bench/results/lexical.json and bench/results/lexical.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from index.analysis import NorwegianAnalyzer  # noqa: E402
from index.lexical import LexicalIndex  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
RESULTS = REPO / "bench" / "results"
QUERIES = [
    "ventelister tiltak", "hvem har prøvd Housing First", "bostøtte til unge", "startlån leie til eie",
    "booppfølging rus og psykisk helse", "tilvisningsavtaler private utleiere", "bustadsosialt velferdsprogram",
    "utkastelser forebygging", "midlertidig botilbud kvalitet", "kartlegging bostedsløse 2012",
    "kommunale boliger Asker", "boligsosial handlingsplan Drammen", "flyktninger bosetting", "husbanken tilskudd",
]


def synth_texts(n: int, words_per_text: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    docs = [f.read_text(encoding="utf-8") for f in sorted(CORPUS.glob("seeds/*.txt")) + sorted(CORPUS.glob("pages/*.txt"))]
    streams = [re.findall(r"\S+", d) for d in docs]
    streams = [s for s in streams if len(s) > words_per_text]
    pool = [w for s in streams for w in s]
    long_words = [w.strip(".,:;()") for w in pool if len(w) > 4 and w.isalpha()]
    out = []
    for _ in range(n):
        s = rng.choice(streams)
        start = rng.randrange(len(s) - words_per_text)
        words = s[start : start + words_per_text]
        for i in range(len(words)):
            r = rng.random()
            if r < 0.125:
                words[i] = rng.choice(pool)
            elif r < 0.175:
                words[i] = (rng.choice(long_words) + rng.choice(long_words)).lower()
        out.append(" ".join(words))
    return out


def pct(xs: list[float], p: float) -> float:
    return float(np.percentile(np.array(xs) * 1000, p))


def timed_searches(idx: LexicalIndex, queries: list[str], allowed=None) -> dict[str, float]:
    lat = []
    for q in queries:
        t = time.perf_counter()
        idx.search(q, 50, allowed_ids=allowed)
        lat.append(time.perf_counter() - t)
    return {"p50_ms": round(pct(lat, 50), 2), "p95_ms": round(pct(lat, 95), 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--texts", type=int, default=100_000)
    ap.add_argument("--words", type=int, default=40)
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()

    t0 = time.perf_counter()
    analyzer = NorwegianAnalyzer()
    t_analyzer = time.perf_counter() - t0
    texts = synth_texts(args.texts + 1000, args.words)
    extra, texts = texts[args.texts :], texts[: args.texts]
    ids = list(range(len(texts)))  # integer ids, as index.collection passes
    n_words = sum(len(t.split()) for t in texts)

    idx = LexicalIndex(analyzer)
    t0, c0 = time.perf_counter(), time.process_time()
    learnt = analyzer.learn_vocabulary(texts, replace=True)
    t_learn, c_learn = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    idx.add(ids, texts)
    t_tokens, c_tokens = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    idx.search("bolig", 1)  # first search computes the BM25 matrix
    t_bm25, c_bm25 = time.perf_counter() - t0, time.process_time() - c0
    n_tokens = sum(len(d) for d in idx._docs.values())

    t0, c0 = time.perf_counter(), time.process_time()
    idx2 = LexicalIndex(NorwegianAnalyzer())
    idx2.build(ids, texts)
    t_build, c_build = time.perf_counter() - t0, time.process_time() - c0
    del idx2

    rng = random.Random(1)
    queries = [rng.choice(QUERIES) for _ in range(args.queries)]
    lat_all = timed_searches(idx, queries)
    allowed10 = set(rng.sample(ids, len(ids) // 10))
    lat_10 = timed_searches(idx, queries, allowed10)
    allowed100 = set(rng.sample(ids, 100))
    lat_100 = timed_searches(idx, queries, allowed100)

    t0 = time.perf_counter()
    idx.add(list(range(len(texts), len(texts) + len(extra))), extra)
    idx.remove(ids[:1000])
    t_incr_tokens = time.perf_counter() - t0
    t0 = time.perf_counter()
    idx.search("bolig", 1)
    t_incr_bm25 = time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        path = idx.save(d)
        t_save = time.perf_counter() - t0
        size = path.stat().st_size
        t0 = time.perf_counter()
        loaded = LexicalIndex.load(d, analyzer=NorwegianAnalyzer())
        t_load = time.perf_counter() - t0
        assert loaded.search("ventelister tiltak", 10) == idx.search("ventelister tiltak", 10)

    res = {
        "texts": args.texts,
        "words_per_text": args.words,
        "words_total": n_words,
        "tokens_total": n_tokens,
        "vocabulary_terms": len(idx._vocab),
        "learnt_words": learnt,
        "analyzer_init_s": round(t_analyzer, 2),
        "learn_vocabulary_s": round(t_learn, 2),
        "learn_vocabulary_cpu_s": round(c_learn, 2),
        "analysis_s": round(t_tokens, 2),
        "analysis_cpu_s": round(c_tokens, 2),
        "analysis_words_per_s": round(n_words / t_tokens),
        "bm25_matrix_s": round(t_bm25, 2),
        "bm25_matrix_cpu_s": round(c_bm25, 2),
        "build_total_s": round(t_build, 2),
        "build_total_cpu_s": round(c_build, 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "incremental_add1000_remove1000_s": round(t_incr_tokens, 2),
        "incremental_bm25_recompute_s": round(t_incr_bm25, 2),
        "search_unfiltered": lat_all,
        "search_filter_10pct": lat_10,
        "search_filter_100_ids": lat_100,
        "save_s": round(t_save, 2),
        "load_s": round(t_load, 2),
        "file_mb": round(size / 1e6, 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "lexical.json").write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    md = [
        "# Lexical index benchmark",
        "",
        f"{args.texts:,} synthetic texts of {args.words} words from the sample corpus "
        f"({n_words:,} words, {n_tokens:,} tokens, {len(idx._vocab):,} distinct terms). "
        f"Machine: 2 CPU cores shared with other work (1-min load average {os.getloadavg()[0]:.1f} at the end), "
        "so wall times are noisy; CPU times are the process's own.",
        "",
        "| step | result |",
        "| --- | --- |",
        f"| analyzer init (word lists) | {t_analyzer:.2f} s |",
        f"| learn vocabulary | {t_learn:.2f} s (CPU {c_learn:.2f} s) |",
        f"| analysis | {t_tokens:.2f} s, CPU {c_tokens:.2f} s ({n_words / c_tokens:,.0f} words per CPU-second) |",
        f"| BM25 matrix (bm25s) | {t_bm25:.2f} s (CPU {c_bm25:.2f} s) |",
        f"| full `build()` (learn + analysis + BM25) | {t_build:.2f} s (CPU {c_build:.2f} s) |",
        f"| add 1 000 + remove 1 000 | {t_incr_tokens:.2f} s, then BM25 recompute {t_incr_bm25:.2f} s |",
        f"| search p50 / p95, unfiltered | {lat_all['p50_ms']} / {lat_all['p95_ms']} ms |",
        f"| search p50 / p95, 10 % allowed ids | {lat_10['p50_ms']} / {lat_10['p95_ms']} ms |",
        f"| search p50 / p95, 100 allowed ids | {lat_100['p50_ms']} / {lat_100['p95_ms']} ms |",
        f"| save / load | {t_save:.2f} s / {t_load:.2f} s, {size / 1e6:.1f} MB |",
        f"| peak RSS | {res['max_rss_mb']} MB |",
        "",
    ]
    (RESULTS / "lexical.md").write_text("\n".join(md), encoding="utf-8")
    print("\n".join(md))


if __name__ == "__main__":
    main()
