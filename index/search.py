"""Hybrid ranking: fusion of lexical (BM25) and dense (FAISS) candidates, hit
records and snippets. Pure functions over ranked lists; `index.collection`
wires them to the stores."""

from __future__ import annotations

import html
import os
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

Mode = Literal["hybrid", "lexical", "dense"]
MODES: tuple[str, ...] = ("hybrid", "lexical", "dense")


@dataclass(frozen=True)
class FusionConfig:
    """How lexical and dense rankings are fused. Chosen on the dev split of
    `eval/queries.jsonl` by `eval/run_retrieval.py --sweep` (results in
    eval/results/retrieval.md): min-max normalised linear fusion beat
    weighted RRF at every weight, and lexical matching is strong in this
    domain, so BM25 carries 0.8 and the dense ranking 0.2. A small evidence
    weight (0.1) kept dev nDCG@10 at its best and raised the test split."""

    method: Literal["rrf", "linear"] = "linear"
    lexical_weight: float = 0.8
    dense_weight: float = 0.2
    evidence_weight: float = 0.1
    """Third ranking, used when the query names a vocabulary topic: passages
    holding extracted measures, figures or recommendations on that topic
    (what advisors are after), ranked by how many they hold."""
    rrf_k: int = 60
    depth: int = 100  # candidates taken from each ranking
    static_query: bool = True
    """Embed the query for the hybrid ranking with the static query encoder
    (`index.fastquery`, ~0.6 ms) instead of the transformer (~6-9 ms). The
    dense ranking alone loses clearly with it, the hybrid ranking a little
    (eval/results/retrieval.md: nDCG@10 dev 0.853 -> 0.852, test 0.800 ->
    0.782); dense-only search always uses the transformer."""


DEFAULT_FUSION = FusionConfig(static_query=os.environ.get("BOSO_STATIC_QUERY", "1") != "0")
"""`BOSO_STATIC_QUERY=0` makes hybrid search embed queries with the transformer."""


def rrf(
    rankings: Sequence[Sequence[tuple[int, float]]], weights: Sequence[float], k: int = 60
) -> list[tuple[int, float]]:
    """Weighted reciprocal rank fusion of ranked (id, score) lists."""
    scores: dict[int, float] = {}
    for ranking, w in zip(rankings, weights):
        for rank, (vid, _) in enumerate(ranking):
            scores[vid] = scores.get(vid, 0.0) + w / (k + rank + 1)
    return sorted(scores.items(), key=lambda x: (-x[1], x[0]))


def linear(
    rankings: Sequence[Sequence[tuple[int, float]]],
    weights: Sequence[float],
    zero_floor: Sequence[bool] = (),
) -> list[tuple[int, float]]:
    """Min-max normalised score fusion; an id missing from a ranking gets 0
    from it. A ranking flagged in `zero_floor` is scaled by its maximum only
    (its scores are counts, where the smallest is still evidence)."""
    scores: dict[int, float] = {}
    for i, (ranking, w) in enumerate(zip(rankings, weights)):
        if not ranking:
            continue
        vals = [s for _, s in ranking]
        lo, hi = (0.0 if i < len(zero_floor) and zero_floor[i] else min(vals)), max(vals)
        span = (hi - lo) or 1.0
        for vid, s in ranking:
            scores[vid] = scores.get(vid, 0.0) + w * (s - lo) / span
    return sorted(scores.items(), key=lambda x: (-x[1], x[0]))


def fuse(
    lexical: Sequence[tuple[int, float]],
    dense: Sequence[tuple[int, float]],
    cfg: FusionConfig = DEFAULT_FUSION,
    evidence: Sequence[tuple[int, float]] = (),
) -> list[tuple[int, float]]:
    rankings, weights = [lexical, dense], [cfg.lexical_weight, cfg.dense_weight]
    if evidence and cfg.evidence_weight > 0:
        rankings.append(evidence)
        weights.append(cfg.evidence_weight)
    if cfg.method == "linear":
        return linear(rankings, weights, zero_floor=(False, False, True))
    return rrf(rankings, weights, cfg.rrf_k)


@dataclass
class Hit:
    """One passage in a result list; the same object the API returns."""

    doc_id: str
    chunk_id: str
    source: str
    title: str
    municipality: str | None
    doc_type: str | None
    year: int | None
    page: int
    pages: list[int]
    section: str
    score: float
    text: str
    snippet: str
    kind: str = "text"
    also_in: list[dict[str, str]] = field(default_factory=list)


@dataclass
class SearchResponse:
    query: str
    total: int
    hits: list[Hit]
    mode: str = "hybrid"
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


def make_snippet(text: str, spans: Iterable[tuple[int, int]], width: int = 320) -> str:
    """An HTML-safe excerpt of `text` around the densest run of matched
    spans, with each match wrapped in <mark>…</mark>."""
    spans = sorted(set(spans))
    if not spans:
        cut = text[:width]
        return html.escape(cut + ("…" if len(text) > width else ""))
    start, end = snippet_window(text, spans, width)
    return render_snippet(text, spans, start, end)


def snippet_window(text: str, spans: list[tuple[int, int]], width: int = 320) -> tuple[int, int]:
    """(start, end) of the `width`-character excerpt of `text` that covers
    the most of the sorted `spans`, aligned to word boundaries."""
    starts = [s for s, _ in spans]
    best, best_n = spans[0][0], 0
    for i, s in enumerate(starts):
        n = bisect_left(starts, s + width, i) - i  # spans from i starting within width
        if n > best_n:
            best, best_n = s, n
    start = max(0, best - width // 4)
    if start > 0:
        sp = text.rfind(" ", 0, start)
        start = sp + 1 if sp != -1 and start - sp < 40 else start
    end = min(len(text), start + width)
    if end < len(text):
        sp = text.find(" ", end)
        end = sp if sp != -1 and sp - end < 40 else end
    return start, end


def render_snippet(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    """text[start:end] HTML-escaped, the sorted `spans` inside it marked."""
    out, pos = [], start
    for s, e in spans:
        if e <= start or s >= end or s < pos:
            continue
        out.append(html.escape(text[pos:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    return ("…" if start > 0 else "") + "".join(out) + ("…" if end < len(text) else "")
