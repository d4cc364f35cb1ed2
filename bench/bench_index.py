"""Index and service benchmark.

    .venv/bin/python bench/bench_index.py [--chunks 100000] [--requests 200]

1. Builds an index of the sample corpus (../shared/corpus): build throughput,
   disk and memory per 1 000 chunks.
2. Builds a scaled-up synthetic collection (default 100 000 chunks) from the
   real chunks: texts are 60-word windows of real chunk texts plus 20 words
   from elsewhere in the corpus (80 words, shorter than real chunks, to keep
   the run short; BM25 analysis cost grows with words), vectors are the real chunk vectors plus noise (cosine ≈ 0.85 to their
   source), grouped 50 chunks to a document with random metadata. Past the
   ANN threshold the vector index is approximate (PQ fast-scan candidates,
   exact re-rank: index/vectors.py): its recall@10 against exact search is
   measured on 300 queries (the 45 evaluation queries and 255 pseudo-queries
   cut from chunk texts).
3. Serves each index with `boso serve --workers N` on 127.0.0.1 and measures
   /search latency p50/p95/p99 with 1 and 8 concurrent closed-loop clients
   (bench/loadgen.py; bounded request counts), for distinct queries and for
   the repeating evaluation queries. `--serve-only` re-measures serving on
   the indexes already built; with `--rebuild-synthetic` it first rebuilds
   the synthetic collection (and its ANN recall) from the sample index.

Writes bench/results/index.json and bench/results/index.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from index.collection import Index  # noqa: E402
from index.vectors import VectorIndex  # noqa: E402
from ingest.records import Chunk, Document, Field, IngestResult, Metadata, Page  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
WORK = REPO / "var" / "bench"
RESULTS = REPO / "bench" / "results"
MUNIS = ["Asker", "Bærum", "Drammen", "Tromsø", "Bodø", "Lørenskog", "Sarpsborg", "Larvik", "Halden", "Steinkjer",
         "Alta", "Fauske", "Stavanger", "Skien", "Hamar", "Gjøvik", "Moss", "Kristiansand", "Sandnes", "Oslo"]
DOC_TYPES = ["programplan", "aarsrapport", "halvaarsrapport", "sluttrapport", "foranalyse", "handlingsplan"]


def dir_size(p: Path) -> int:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class _PrecomputedEncoder:
    """Real encoder for queries and metadata; passages take vectors from a
    queue filled by the synthetic generator."""

    def __init__(self, real):
        self.real, self.queue = real, []
        self.info, self.count_tokens = real.info, real.count_tokens

    def encode_queries(self, texts):
        return self.real.encode_queries(texts)

    def encode_passages(self, texts):
        out, self.queue = self.queue[: len(texts)], self.queue[len(texts):]
        return np.stack(out)


def build_real(folder: Path) -> dict:
    shutil.rmtree(folder, ignore_errors=True)
    t0 = time.perf_counter()
    idx = Index(folder)
    summary = idx.ingest([CORPUS])
    secs = time.perf_counter() - t0
    st = idx.stats()
    idx.close()
    return {"files": len(summary.outcomes), "failed": summary.count("failed"), "chunks": st["chunks"],
            "pages": st["pages"], "seconds": secs, "chunks_per_s": st["chunks"] / secs,
            "files_per_s": len(summary.outcomes) / secs, "disk_bytes": dir_size(folder)}


def build_synthetic(real_folder: Path, folder: Path, n_chunks: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    real = Index(real_folder)
    texts = [t for _, t in real.store.iter_chunk_texts()]
    base = real._vectors.matrix[real._vectors.alive]
    enc = _PrecomputedEncoder(real.encoder)
    real.close()
    words = " ".join(texts).split()
    shutil.rmtree(folder, ignore_errors=True)
    idx = Index(folder, encoder=enc)
    t0 = time.perf_counter()
    per_doc, seq = 50, 0
    sigma = 0.035  # per-dimension noise: cosine to the source vector ≈ 0.85
    for d in range(0, n_chunks, per_doc):
        n = min(per_doc, n_chunks - d)
        doc_id = f"{d:016x}"
        chunks, vecs = [], []
        for i in range(n):
            j = int(rng.integers(len(texts)))
            tw = texts[j].split()
            start = int(rng.integers(max(1, len(tw) - 60)))
            extra = " ".join(words[int(k)] for k in rng.integers(len(words), size=20))
            text = " ".join(tw[start : start + 60]) + " " + extra
            chunks.append(Chunk(chunk_id=f"{doc_id}:{i:04d}", doc_id=doc_id, seq=i, text=text,
                                page_start=1 + i // 3, page_end=1 + i // 3))
            v = base[j] + rng.normal(0, sigma, base.shape[1]).astype(np.float32)
            vecs.append(v / np.linalg.norm(v))
        md = Metadata(municipality=Field(MUNIS[int(rng.integers(len(MUNIS)))], 1, "default"),
                      doc_type=Field(DOC_TYPES[int(rng.integers(len(DOC_TYPES)))], 1, "default"),
                      year=Field(int(rng.integers(2008, 2024)), 1, "default"))
        doc = Document(doc_id=doc_id, source=f"synthetic/{doc_id}.txt", format="text",
                       pages=[Page(number=p + 1, text="") for p in range((n + 2) // 3)], metadata=md)
        enc.queue = vecs
        idx.add(IngestResult(document=doc, chunks=chunks), f"/synthetic/{doc_id}.txt")
        seq += n
    t_add = time.perf_counter() - t0
    t1 = time.perf_counter()
    idx.commit()
    t_commit = time.perf_counter() - t1
    stats = idx.stats()
    idx.close()
    return {"chunks": seq, "seconds_add": t_add, "seconds_commit": t_commit,
            "chunks_per_s_excluding_encoding": seq / (t_add + t_commit), "disk_bytes": dir_size(folder),
            "ann": stats["ann"]}


def ann_recall(folder: Path, queries: list[str], n_pseudo: int = 255, k: int = 10) -> dict:
    """Recall@10 of the ANN index against exact search for the evaluation queries
    plus pseudo-queries: the first 10 words of random real chunk texts,
    encoded as queries (so they look like what users type)."""
    idx = Index(folder)
    v: VectorIndex = idx._vectors
    rng = np.random.default_rng(1)
    texts = [t for _, t in idx.store.iter_chunk_texts()]
    pseudo = [" ".join(texts[int(i)].split()[:10]) for i in rng.integers(len(texts), size=n_pseudo)]
    qv = list(idx.encoder.encode_queries(queries + pseudo))
    rec, t_ann, t_exact = [], 0.0, 0.0
    for q in qv:
        t0 = time.perf_counter()
        a = {i for i, _ in v.search(q, k)}
        t1 = time.perf_counter()
        e = {i for i, _ in v.search(q, k, exact=True)}
        t2 = time.perf_counter()
        rec.append(len(a & e) / k)
        t_ann += t1 - t0
        t_exact += t2 - t1
    idx.close()
    return {"queries": len(qv), "recall@10": float(np.mean(rec)), "min_recall@10": float(np.min(rec)),
            "ann_ms": 1000 * t_ann / len(qv), "exact_ms": 1000 * t_exact / len(qv)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def distinct_queries(queries: list[str], n: int, seed: int = 1) -> list[str]:
    """n different queries the way advisors ask them: each evaluation query
    alone and with a municipality ("ventelister tiltak Bodø"), shuffled, so
    no request repeats an earlier one (no cache can help)."""
    import random

    pool = list(dict.fromkeys(queries + [f"{q} {m}" for m in MUNIS for q in queries]))
    if n > len(pool):
        raise ValueError(f"only {len(pool)} distinct queries, {n} asked")
    random.Random(seed).shuffle(pool)
    return pool[:n]


def _start_server(folder: Path, workers: int) -> tuple[subprocess.Popen, int]:
    import httpx

    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    cmd = [sys.executable, "-m", "api.cli", "serve", "--index", str(folder), "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 180
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited: " + proc.stderr.read().decode()[-2000:])
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc, port
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("server did not start: " + proc.stderr.read().decode()[-2000:])


def _tree_rss_mb(pid: int) -> float:
    """RSS of a process and its children (uvicorn workers)."""
    total = rss_mb(pid)
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        kids = []
    return total + sum(_tree_rss_mb(int(k)) for k in kids)


def _tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its children."""
    f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        kids = []
    return total + sum(_tree_cpu_s(int(k)) for k in kids)


def _machine_busy_s() -> float:
    """CPU seconds all processes have used since boot (user, nice, system, irq, softirq)."""
    f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    return (f[0] + f[1] + f[2] + f[5] + f[6]) / os.sysconf("SC_CLK_TCK")


def serve_latency(folder: Path, queries: list[str], requests: int, workers: int, rounds: int = 3) -> dict:
    """/search latency on loopback, k=10, hybrid, snippets included.

    Workloads, each with 1 and 8 concurrent clients:
    - `distinct`: every request a query never sent before (worst case: the
      query embedding, analysis and snippets are computed every time);
    - `repeating`: the 45 evaluation queries cycled, as the earlier benchmark
      did (after the first round the query embedding is memoised).
    """
    from bench.loadgen import LoadResult, run_load, search_path

    proc, port = _start_server(folder, workers)
    try:
        # every worker sees every evaluation query once (model, analyser, the
        # index's caches, memoised query vectors): `boso serve` hands the
        # `workers` connections to the workers in turn, one each
        warm = [search_path(q) for q in queries]
        run_load("127.0.0.1", port, [warm] * workers)
        # distinct queries: disjoint from the warm-up and from each other
        n_distinct = (requests * 2 + requests) * rounds
        fresh = [q for q in distinct_queries(queries, n_distinct + len(queries)) if q not in set(queries)][:n_distinct]
        out: dict = {"workers": workers, "rounds": rounds, "rss_mb": _tree_rss_mb(proc.pid)}
        # CPU the rest of the machine used while we measured: the clients
        # and the server share two cores with whatever else runs
        own0, busy0, wall0 = _tree_cpu_s(proc.pid) + sum(os.times()[:2]), _machine_busy_s(), time.perf_counter()
        pos = 0
        results: dict[str, list] = {}
        # rounds interleave the runs, so a passing disturbance hits all alike;
        # each cell pools the latencies of its rounds
        for _ in range(rounds):
            for workload in ("distinct", "repeating"):
                for clients in (1, 8):
                    n = requests if clients == 1 else requests * 2
                    per = n // clients
                    lists = []
                    for c in range(clients):
                        if workload == "distinct":
                            lists.append([search_path(q) for q in fresh[pos : pos + per]])
                            pos += per
                        else:
                            lists.append([search_path(queries[(c * 7 + i) % len(queries)]) for i in range(per)])
                    results.setdefault(f"{workload}_clients_{clients}", []).append(run_load("127.0.0.1", port, lists))
        for key, runs in results.items():
            pooled = LoadResult(runs[0].clients, [x for r in runs for x in r.latencies_ms],
                                sum(r.errors for r in runs), sum(r.wall_s for r in runs))
            out[key] = pooled.summary() | {"p95_ms_per_round": [round(r.summary()["p95_ms"], 1) for r in runs]}
        own = _tree_cpu_s(proc.pid) + sum(os.times()[:2]) - own0
        out["other_cpu_s"] = max(0.0, _machine_busy_s() - busy0 - own)
        out["load_seconds"] = time.perf_counter() - wall0
        out["rss_mb_after"] = _tree_rss_mb(proc.pid)
        return out
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _latency_rows(name: str, serve: dict) -> list[str]:
    rows = []
    for workload in ("distinct", "repeating"):
        one, eight = serve[f"{workload}_clients_1"], serve[f"{workload}_clients_8"]
        rows.append(
            f"| {name} | {workload} | {one['p50_ms']:.1f} / {one['p95_ms']:.1f} ms "
            f"| {eight['p50_ms']:.1f} / {eight['p95_ms']:.1f} / {eight['p99_ms']:.1f} ms | {eight['qps']:.0f} "
            f"| {one['errors'] + eight['errors']} |"
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=100, help="requests per 1-client run (8 clients: twice as many)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds of every run, pooled")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="`boso serve --workers` (default: cores)")
    ap.add_argument("--serve-only", action="store_true",
                    help="reuse the indexes in var/bench and the build figures in bench/results/index.json; re-measure serving")
    ap.add_argument("--rebuild-synthetic", action="store_true",
                    help="with --serve-only: rebuild the synthetic collection from var/bench/real and re-measure its ANN recall")
    args = ap.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"sample corpus not found at {CORPUS}")
    queries = [json.loads(l)["query"] for l in (REPO / "eval" / "queries.jsonl").read_text().splitlines() if l.strip()]
    real_dir, syn_dir = WORK / "real", WORK / "synthetic"
    if args.serve_only:
        res = json.loads((RESULTS / "index.json").read_text())
        if args.rebuild_synthetic:
            print(f"building synthetic index of {args.chunks} chunks …", file=sys.stderr)
            res["synthetic"] = build_synthetic(real_dir, syn_dir, args.chunks)
            print("ANN recall …", file=sys.stderr)
            res["synthetic"]["ann_recall"] = ann_recall(syn_dir, queries)
    else:
        res = {}
        print("building real index …", file=sys.stderr)
        res["real"] = build_real(real_dir)
        print(f"building synthetic index of {args.chunks} chunks …", file=sys.stderr)
        res["synthetic"] = build_synthetic(real_dir, syn_dir, args.chunks)
        print("ANN recall …", file=sys.stderr)
        res["synthetic"]["ann_recall"] = ann_recall(syn_dir, queries)
    res["machine"] = {"cores": os.cpu_count(), "loadavg_before_serving": os.getloadavg()}
    print("serving real index …", file=sys.stderr)
    res["real"]["serve"] = serve_latency(real_dir, queries, args.requests, args.workers, args.rounds)
    print("serving synthetic index …", file=sys.stderr)
    res["synthetic"]["serve"] = serve_latency(syn_dir, queries, args.requests, args.workers, args.rounds)
    res["machine"]["loadavg_after"] = os.getloadavg()
    for key in ("real", "synthetic"):
        r = res[key]
        r["disk_kb_per_1000_chunks"] = r["disk_bytes"] / 1024 / r["chunks"] * 1000
    res["synthetic"]["memory_mb_per_1000_chunks"] = (
        (res["synthetic"]["serve"]["rss_mb"] - res["real"]["serve"]["rss_mb"])
        / args.workers / (res["synthetic"]["chunks"] - res["real"]["chunks"]) * 1000
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "index.json").write_text(json.dumps(res, indent=2))
    r, s = res["real"], res["synthetic"]
    w = args.workers
    md = [
        "# Index and service benchmark",
        "",
        f"Machine: {os.cpu_count()} cores; load average before serving "
        f"{' '.join(f'{x:.2f}' for x in res['machine']['loadavg_before_serving'])}; other processes used "
        f"{r['serve']['other_cpu_s']:.1f} CPU s during the {r['serve']['load_seconds']:.0f} s of load on the sample "
        f"corpus and {s['serve']['other_cpu_s']:.1f} CPU s during the {s['serve']['load_seconds']:.0f} s on the "
        "synthetic collection. "
        f"`boso serve --workers {w}` on 127.0.0.1; closed-loop clients on keep-alive connections "
        "(bench/loadgen.py, asyncio, on the same machine); `GET /search?q=…&k=10`, hybrid, snippets included.",
        "",
        "| collection | chunks | build | disk / 1000 chunks | server RSS (all workers) |",
        "| --- | --- | --- | --- | --- |",
        f"| sample corpus | {r['chunks']} | {r['seconds']:.0f} s ({r['files_per_s']:.2f} files/s, {r['chunks_per_s']:.1f} chunks/s "
        f"incl. parsing, OCR and embedding) | {r['disk_kb_per_1000_chunks']:.0f} KB | {r['serve']['rss_mb']:.0f} MB |",
        f"| synthetic | {s['chunks']} | {s['seconds_add'] + s['seconds_commit']:.0f} s "
        f"({s['chunks_per_s_excluding_encoding']:.0f} chunks/s, vectors given) | {s['disk_kb_per_1000_chunks']:.0f} KB "
        f"| {s['serve']['rss_mb']:.0f} MB |",
        "",
        "Latency. `distinct`: every request a query not sent before (nothing memoised can help); "
        "`repeating`: the 45 evaluation queries cycled.",
        "",
        f"Each cell pools {args.rounds} interleaved rounds ({args.requests} requests with 1 client, "
        f"{2 * args.requests} with 8, per round); the p95 of each round is in index.json.",
        "",
        "| collection | workload | 1 client p50 / p95 | 8 clients p50 / p95 / p99 | 8 clients q/s | errors |",
        "| --- | --- | --- | --- | --- | --- |",
        *_latency_rows("sample corpus", r["serve"]),
        *_latency_rows(f"synthetic {s['chunks']}", s["serve"]),
        "",
        f"Memory per 1 000 chunks (RSS growth per worker from the sample to the synthetic collection): "
        f"{s['memory_mb_per_1000_chunks']:.2f} MB.",
        f"ANN (PQ fast scan, exact re-rank) vs exact search at {s['chunks']} chunks: recall@10 {s['ann_recall']['recall@10']:.3f} "
        f"(min {s['ann_recall']['min_recall@10']:.2f}) over {s['ann_recall']['queries']} queries; "
        f"{s['ann_recall']['ann_ms']:.2f} ms vs {s['ann_recall']['exact_ms']:.2f} ms per query.",
    ]
    (RESULTS / "index.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
