"""Index and service benchmark.

    .venv/bin/python bench/bench_index.py [--chunks 100000] [--requests 200]

1. Builds an index of the sample corpus (../shared/corpus): build throughput,
   disk and memory per 1 000 chunks.
2. Builds a scaled-up synthetic collection (default 100 000 chunks) from the
   real chunks: texts are 60-word windows of real chunk texts plus 20 words
   from elsewhere in the corpus (80 words, shorter than real chunks, to keep
   the run short; BM25 analysis cost grows with words), vectors are the real chunk vectors plus noise (cosine ≈ 0.85 to their
   source), grouped 50 chunks to a document with random metadata. Past the
   ANN threshold the vector index is HNSW: its recall@10 against exact search
   is measured on 300 queries (the 45 evaluation queries and 255 pseudo-queries
   cut from chunk texts).
3. Serves each index with `boso serve` on 127.0.0.1 and measures /search
   latency p50/p95 with 1 and 8 concurrent clients (bounded request counts).

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
import threading
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
    """Recall@10 of HNSW against exact search for the evaluation queries
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


def serve_latency(folder: Path, queries: list[str], requests: int) -> dict:
    import httpx

    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--index", str(folder), "--port", str(port)],
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError("server did not start: " + proc.stderr.read().decode()[-2000:])
        with httpx.Client(base_url=base, timeout=30) as c:
            for q in queries[:20]:  # warm: model, caches
                c.get("/search", params={"q": q, "k": 10})
        out = {"rss_mb": rss_mb(proc.pid)}
        for clients in (1, 8):
            lat: list[float] = []
            errors = [0]
            per_client = max(1, requests // clients)

            def worker(cid: int) -> None:
                with httpx.Client(base_url=base, timeout=30) as c:
                    for i in range(per_client):
                        q = queries[(cid * 7 + i) % len(queries)]
                        t0 = time.perf_counter()
                        r = c.get("/search", params={"q": q, "k": 10})
                        lat.append(time.perf_counter() - t0)
                        if r.status_code != 200:
                            errors[0] += 1

            threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - t0
            a = np.array(lat) * 1000
            out[f"clients_{clients}"] = {"requests": len(a), "p50_ms": float(np.percentile(a, 50)),
                                         "p95_ms": float(np.percentile(a, 95)), "qps": len(a) / wall,
                                         "errors": errors[0]}
        return out
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=200)
    args = ap.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"sample corpus not found at {CORPUS}")
    queries = [json.loads(l)["query"] for l in (REPO / "eval" / "queries.jsonl").read_text().splitlines() if l.strip()]
    real_dir, syn_dir = WORK / "real", WORK / "synthetic"
    res: dict = {"machine": {"cores": os.cpu_count()}}
    print("building real index …", file=sys.stderr)
    res["real"] = build_real(real_dir)
    print("serving real index …", file=sys.stderr)
    res["real"]["serve"] = serve_latency(real_dir, queries, args.requests)
    print(f"building synthetic index of {args.chunks} chunks …", file=sys.stderr)
    res["synthetic"] = build_synthetic(real_dir, syn_dir, args.chunks)
    print("ANN recall …", file=sys.stderr)
    res["synthetic"]["ann_recall"] = ann_recall(syn_dir, queries)
    print("serving synthetic index …", file=sys.stderr)
    res["synthetic"]["serve"] = serve_latency(syn_dir, queries, args.requests)
    base_rss = res["real"]["serve"]["rss_mb"]
    for key in ("real", "synthetic"):
        r = res[key]
        r["disk_kb_per_1000_chunks"] = r["disk_bytes"] / 1024 / r["chunks"] * 1000
    res["synthetic"]["memory_mb_per_1000_chunks"] = (
        (res["synthetic"]["serve"]["rss_mb"] - base_rss) / (res["synthetic"]["chunks"] - res["real"]["chunks"]) * 1000
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "index.json").write_text(json.dumps(res, indent=2))
    r, s = res["real"], res["synthetic"]
    md = [
        "# Index and service benchmark",
        "",
        f"Machine: {os.cpu_count()} cores. Requests on loopback against `boso serve`, k=10, hybrid mode.",
        "",
        "| collection | chunks | build | disk / 1000 chunks | server RSS | 1 client p50 / p95 | 8 clients p50 / p95 | 8 clients q/s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        f"| sample corpus | {r['chunks']} | {r['seconds']:.0f} s ({r['files_per_s']:.2f} files/s, {r['chunks_per_s']:.1f} chunks/s incl. parsing, OCR and embedding) "
        f"| {r['disk_kb_per_1000_chunks']:.0f} KB | {r['serve']['rss_mb']:.0f} MB "
        f"| {r['serve']['clients_1']['p50_ms']:.1f} / {r['serve']['clients_1']['p95_ms']:.1f} ms "
        f"| {r['serve']['clients_8']['p50_ms']:.1f} / {r['serve']['clients_8']['p95_ms']:.1f} ms | {r['serve']['clients_8']['qps']:.0f} |",
        f"| synthetic | {s['chunks']} | {s['seconds_add'] + s['seconds_commit']:.0f} s ({s['chunks_per_s_excluding_encoding']:.0f} chunks/s, vectors given) "
        f"| {s['disk_kb_per_1000_chunks']:.0f} KB | {s['serve']['rss_mb']:.0f} MB "
        f"| {s['serve']['clients_1']['p50_ms']:.1f} / {s['serve']['clients_1']['p95_ms']:.1f} ms "
        f"| {s['serve']['clients_8']['p50_ms']:.1f} / {s['serve']['clients_8']['p95_ms']:.1f} ms | {s['serve']['clients_8']['qps']:.0f} |",
        "",
        f"Memory per 1 000 chunks (server RSS growth from the sample to the synthetic collection): "
        f"{s['memory_mb_per_1000_chunks']:.2f} MB.",
        f"HNSW vs exact search at {s['chunks']} chunks: recall@10 {s['ann_recall']['recall@10']:.3f} "
        f"(min {s['ann_recall']['min_recall@10']:.2f}) over {s['ann_recall']['queries']} queries; "
        f"{s['ann_recall']['ann_ms']:.2f} ms vs {s['ann_recall']['exact_ms']:.2f} ms per query.",
    ]
    (RESULTS / "index.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
