"""Retrieval evaluation: nDCG@10, Recall@20 and MRR for lexical, dense and
hybrid ranking over the sample corpus, using the graded judgments in
eval/queries.jsonl (document level, paths relative to the corpus root).

    .venv/bin/python eval/run_retrieval.py [--index DIR] [--split all|dev|test] [--sweep]

Builds (or reuses) an index of ../shared/corpus in var/eval-index, runs every
query in every mode and writes eval/results/retrieval.{json,md}. `--sweep`
also tries fusion weights on the dev split and reports the best.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from index.collection import Index  # noqa: E402
from index.search import DEFAULT_FUSION, FusionConfig  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
RESULTS = REPO / "eval" / "results"


def load_queries(split: str = "all") -> list[dict]:
    qs = [json.loads(l) for l in (REPO / "eval" / "queries.jsonl").read_text().splitlines() if l.strip()]
    return [q for q in qs if split == "all" or q.get("split", "dev") == split]


def ranked_docs(idx: Index, query: str, mode: str, fusion: FusionConfig, depth: int = 50) -> list[str]:
    """Distinct corpus-relative paths in rank order; a collapsed
    near-duplicate counts as retrieved at its representative's rank."""
    resp = idx.search(query, k=depth, mode=mode, fusion=fusion, snippets=False)
    out: list[str] = []
    for h in resp.hits:
        for src in [h.source] + [d["source"] for d in h.also_in]:
            if src not in out:
                out.append(src)
    return out


def dcg(gains: list[float]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def metrics(ranking: list[str], judged: dict[str, int]) -> dict[str, float]:
    gains = [judged.get(d, 0) for d in ranking[:10]]
    ideal = sorted(judged.values(), reverse=True)[:10]
    ndcg = dcg(gains) / dcg(ideal) if ideal else 0.0
    relevant = {d for d, g in judged.items() if g > 0}
    recall = len(relevant & set(ranking[:20])) / len(relevant) if relevant else 0.0
    rr = 0.0
    for i, d in enumerate(ranking):
        if judged.get(d, 0) >= 2:
            rr = 1 / (i + 1)
            break
    return {"ndcg@10": ndcg, "recall@20": recall, "mrr": rr}


def evaluate(idx: Index, queries: list[dict], mode: str, fusion: FusionConfig) -> dict[str, float]:
    rows = [metrics(ranked_docs(idx, q["query"], mode, fusion), q["judgments"]) for q in queries]
    return {k: sum(r[k] for r in rows) / len(rows) for k in rows[0]} if rows else {}


QUERY_ENCODER_ROWS = ("dense, static query", "hybrid, transformer query")


def query_encoder_rows(idx: Index, queries: list[dict]) -> dict[str, dict[str, float]]:
    """The other query encoder in each dense-using mode: hybrid search
    embeds the query with the static encoder, dense-only search with the
    transformer (FusionConfig.static_query)."""
    enc = idx.encoder
    static = enc.static_query_encoder()
    if static is None:
        return {}
    out = {"hybrid, transformer query": evaluate(idx, queries, "hybrid", replace(DEFAULT_FUSION, static_query=False))}
    full = enc.encode_query
    # instance attribute: dense mode now takes the static vector (the
    # transformer's for a query too long for the static encoder)
    enc.encode_query = lambda q: v if (v := static.encode(q)) is not None else full(q)
    try:
        out["dense, static query"] = evaluate(idx, queries, "dense", DEFAULT_FUSION)
    finally:
        del enc.encode_query
    return out


def build_index(folder: Path) -> Index:
    idx = Index(folder)
    summary = idx.ingest([CORPUS])
    print(f"index: {summary.line()}", file=sys.stderr)
    return idx


def sweep(idx: Index, queries: list[dict]) -> list[dict]:
    out = []
    for method in ("rrf", "linear"):
        for w in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
            for ev in (0.0, 0.3, 0.6):
                cfg = replace(DEFAULT_FUSION, method=method, lexical_weight=w, dense_weight=1 - w, evidence_weight=ev)
                m = evaluate(idx, queries, "hybrid", cfg)
                out.append({"method": method, "lexical_weight": w, "evidence_weight": ev, **m})
    return sorted(out, key=lambda r: -r["ndcg@10"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path, default=REPO / "var" / "eval-index")
    ap.add_argument("--sweep", action="store_true")
    args = ap.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"sample corpus not found at {CORPUS}")
    idx = build_index(args.index)
    report: dict = {"fusion": DEFAULT_FUSION.__dict__, "splits": {}}
    for split in ("dev", "test", "all"):
        qs = load_queries(split)
        if not qs:
            continue
        report["splits"][split] = {"queries": len(qs)}
        for mode in ("lexical", "dense", "hybrid"):
            t0 = time.perf_counter()
            report["splits"][split][mode] = evaluate(idx, qs, mode, DEFAULT_FUSION)
            report["splits"][split][mode]["ms_per_query"] = 1000 * (time.perf_counter() - t0) / len(qs)
        for row, res in query_encoder_rows(idx, qs).items():
            report["splits"][split][row] = res
    if args.sweep:
        report["sweep_dev"] = sweep(idx, load_queries("dev"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "retrieval.json").write_text(json.dumps(report, indent=2))
    lines = [
        "# Retrieval evaluation",
        "",
        f"Fusion: {DEFAULT_FUSION.method}, lexical weight {DEFAULT_FUSION.lexical_weight}, "
        f"dense weight {DEFAULT_FUSION.dense_weight}, evidence weight {DEFAULT_FUSION.evidence_weight}. "
        "Document-level judgments; a collapsed near-duplicate counts as retrieved at its copy's rank. "
        "`dense` embeds the query with the transformer, `hybrid` with the static query encoder "
        "(FusionConfig.static_query); the last two rows of each split swap them.",
        "",
        "| split | mode | nDCG@10 | Recall@20 | MRR |",
        "| --- | --- | --- | --- | --- |",
    ]
    for split, res in report["splits"].items():
        for mode in ("lexical", "dense", "hybrid", *QUERY_ENCODER_ROWS):
            if mode not in res:
                continue
            m = res[mode]
            lines.append(
                f"| {split} ({res['queries']} q) | {mode} | {m['ndcg@10']:.3f} | {m['recall@20']:.3f} | {m['mrr']:.3f} |"
            )
    if args.sweep:
        lines += ["", "## Fusion sweep (dev split, hybrid; dense weight = 1 − lexical weight)", "",
                  "| method | lexical weight | evidence weight | nDCG@10 | Recall@20 | MRR |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for r in report["sweep_dev"]:
            lines.append(
                f"| {r['method']} | {r['lexical_weight']} | {r['evidence_weight']} | {r['ndcg@10']:.3f} "
                f"| {r['recall@20']:.3f} | {r['mrr']:.3f} |"
            )
    (RESULTS / "retrieval.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
