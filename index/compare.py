"""Comparison across municipalities: for a query or a topic, one row per
municipality with its matching measures, recommendations and figures, each
cited to document and page, ranked by relevance.

Relevance of an item combines
- the search score of passages on the item's own document page (the query
  found that page), and
- whether the item is tagged with a topic the query names (vocabulary file).
Items from a near-duplicate copy of a document (the same plan as PDF and as
text) are shown once, from the copy that ranked first.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from index.search import make_snippet
from index.store import Filters

ITEM_TYPES = ("measure", "recommendation", "figure")
GENERIC_WORDS = "tiltak kommune kommunen bolig boliger boligsosialt arbeid plan hvordan hva hvem"


@dataclass
class ComparedItem:
    type: str
    text: str
    doc_id: str
    source: str
    title: str
    page: int
    section: str
    score: float
    topics: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class MunicipalityRow:
    municipality: str
    kommunenummer: str | None
    fylke: str | None
    population: int | None
    score: float
    measures: list[ComparedItem] = field(default_factory=list)
    recommendations: list[ComparedItem] = field(default_factory=list)
    figures: list[ComparedItem] = field(default_factory=list)
    passages: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Comparison:
    query: str | None
    topics: list[str]
    rows: list[MunicipalityRow]
    national: list[ComparedItem] = field(default_factory=list)


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def _resolve_topic(vocab: Any, topic: str | None) -> str | None:
    if not topic:
        return None
    key = vocab.resolve(topic)
    if key is None or key not in vocab.topic_ids():
        raise ValueError(f"unknown topic '{topic}'; one of: {', '.join(sorted(vocab.topic_ids()))}")
    return key


def score_items(
    idx: Any,
    query: str | None = None,
    topic: str | None = None,
    *,
    filters: Filters | None = None,
    types: tuple[str, ...] = ITEM_TYPES,
    target_group: str | None = None,
    depth: int = 200,
) -> tuple[list[str], list[tuple[float, dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """Items relevant to a query and/or topic, best first, one per distinct
    text per municipality. Returns (topics, [(score, item row)], passages by
    municipality)."""
    from ingest.vocabulary import Vocabulary

    vocab = Vocabulary.load()
    topic = _resolve_topic(vocab, topic)
    if not query and not topic and not target_group:
        raise ValueError("give a query, a topic or a target group")
    topics = [topic] if topic else vocab.match_topics(query or "")
    filters = filters or Filters()

    # 1. passages the query finds, by (doc, page)
    page_score: dict[tuple[str, int], float] = {}
    doc_rank: dict[str, int] = {}
    passages: dict[str, list[dict[str, Any]]] = defaultdict(list)
    search_text = query or (vocab.topic_label(topic) if topic else "")
    if search_text:
        resp = idx.search(search_text, filters, k=depth, mode="hybrid", snippets=False)
        top = resp.hits[0].score if resp.hits else 1.0
        for rank, h in enumerate(resp.hits):
            rel = h.score / top if top else 0.0
            for p in h.pages:
                page_score[(h.doc_id, p)] = max(page_score.get((h.doc_id, p), 0.0), rel)
                for d in h.also_in:  # the copy's items sit on its own pages
                    page_score.setdefault((d["doc_id"], p), rel)
            doc_rank.setdefault(h.doc_id, rank)
            for d in h.also_in:
                doc_rank.setdefault(d["doc_id"], rank)
            if h.municipality and len(passages[h.municipality]) < 2:
                passages[h.municipality].append(
                    {"doc_id": h.doc_id, "source": h.source, "title": h.title, "page": h.page,
                     "snippet": make_snippet(h.text, idx.analyzer.highlight_spans(search_text, h.text))}
                )

    # 2. candidates: items on a found page, or tagged with a query topic
    common = dict(types=list(types), target_group=target_group, year_from=filters.year_from, year_to=filters.year_to,
                  municipality=filters.municipality)
    rows = idx.store.items(doc_ids=list(doc_rank), **common) if doc_rank else []
    for t in topics:
        rows += idx.store.items(topic=t, **common)
    if not query and not topics and target_group:
        rows += idx.store.items(**common)
    analyzer = idx.analyzer
    q_terms = set(analyzer.query_tokens(query)) if query else set()
    # words every document in this domain uses say nothing about an item
    generic = set(analyzer.query_tokens(GENERIC_WORDS))
    if q_terms - generic:
        q_terms -= generic
    seen_ids: set[int] = set()
    seen_text: set[tuple[str, str, str]] = set()
    scored: list[tuple[float, dict[str, Any]]] = []
    for r in sorted(rows, key=lambda r: doc_rank.get(r["doc_id"], 10**6)):
        if r["item_id"] in seen_ids:
            continue
        seen_ids.add(r["item_id"])
        if filters.doc_type and r["doc_type"] != filters.doc_type:
            continue
        if r["duplicate_of"]:  # its original carries the same items
            continue
        item_topics = [t for t in (r["topics"] or "").split("|") if t]
        on_page = page_score.get((r["doc_id"], r["page"]), 0.0)
        topical = 1.0 if set(item_topics) & set(topics) else 0.0
        words = 0.0
        if q_terms:
            words = len(q_terms & set(analyzer.tokens(r["text"]))) / len(q_terms)
        # the item itself must speak to the query: by topic or by its words;
        # being on a page the query found only ranks it
        if topical == 0.0 and words < 0.5 and not target_group:
            continue
        score = topical + words + 0.5 * on_page + (0.5 if target_group else 0.0)
        key = (r["municipality"] or "", r["type"], _norm(r["text"])[:120])
        if key in seen_text:  # the same item from a duplicate copy
            continue
        seen_text.add(key)
        scored.append((score, r))
    scored.sort(key=lambda x: -x[0])
    return topics, scored, passages


def compare(
    idx: Any,
    query: str | None = None,
    topic: str | None = None,
    *,
    filters: Filters | None = None,
    max_rows: int = 50,
    per_type: int = 8,
    depth: int = 200,
) -> Comparison:
    """One row per municipality, ranked by the summed relevance of its five
    best items; national documents' items are listed apart."""
    topics, scored, passages = score_items(idx, query, topic, filters=filters, depth=depth)
    munis = _municipality_info()
    by_muni: dict[str | None, list[tuple[float, dict[str, Any]]]] = defaultdict(list)
    for s, r in scored:
        by_muni[r["municipality"]].append((s, r))
    out_rows: list[MunicipalityRow] = []
    national: list[ComparedItem] = []
    for muni, items in by_muni.items():
        compared = [compared_item(s, r) for s, r in items]
        if muni is None:
            national = compared[: per_type * 2]
            continue
        info = munis(muni)
        row = MunicipalityRow(
            municipality=muni,
            kommunenummer=info.get("number"),
            fylke=info.get("fylke"),
            population=info.get("population"),
            score=round(sum(s for s, _ in items[:5]), 4),
            passages=passages.get(muni, []),
        )
        for c in compared:
            bucket = getattr(row, c.type + "s")
            if len(bucket) < per_type:
                bucket.append(c)
        out_rows.append(row)
    out_rows.sort(key=lambda r: (-r.score, r.municipality))
    return Comparison(query=query, topics=topics, rows=out_rows[:max_rows], national=national)


def compared_item(score: float, r: dict[str, Any]) -> ComparedItem:
    item = r["item"]
    data = {k: v for k, v in asdict(item).items() if k not in ("text", "citation", "topics", "target_groups")}
    return ComparedItem(
        type=r["type"],
        text=item.text,
        doc_id=r["doc_id"],
        source=r["source"],
        title=r["title"] or r["source"],
        page=r["page"],
        section=r["section"] or "",
        score=round(score, 4),
        topics=list(getattr(item, "topics", [])),
        target_groups=list(getattr(item, "target_groups", [])),
        data=data,
    )


def _municipality_info():
    try:
        from ingest.municipalities import Municipalities

        reg = Municipalities.load()
    except Exception:
        return lambda name: {}

    def info(name: str) -> dict[str, Any]:
        m = reg.get(name)
        if m is None:
            return {}
        return {"number": m.number, "fylke": m.fylke, "population": m.population}

    return info


CSV_COLUMNS = ["municipality", "fylke", "type", "text", "topics", "target_groups", "cost_nok", "value", "value_to",
               "unit", "year", "by", "status", "title", "source", "page", "section"]


def comparison_csv(cmp: Comparison) -> str:
    """One line per item, for spreadsheets."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for row in cmp.rows:
        for it in row.measures + row.recommendations + row.figures:
            d = it.data
            cost = (d.get("cost") or {}).get("amount_nok") if isinstance(d.get("cost"), dict) else None
            w.writerow([
                row.municipality, row.fylke or "", it.type, it.text, ";".join(it.topics), ";".join(it.target_groups),
                "" if cost is None else f"{cost:.0f}", d.get("value", ""), d.get("value_to") or "", d.get("unit", ""),
                d.get("year") or (d.get("period") or [""])[0] or "", d.get("by") or "", d.get("status") or "",
                it.title, it.source, it.page, it.section,
            ])
    return buf.getvalue()


def municipality_profile(idx: Any, name: str, *, per_topic: int = 3) -> dict[str, Any] | None:
    """Documents, programmes and periods, measures by topic and key figures
    for one municipality; None when the index has nothing on it."""
    from ingest.vocabulary import Vocabulary

    info = _municipality_info()(name)
    total, docs = idx.store.documents(Filters(municipality=name), limit=1000)
    if not total:
        return None
    vocab = Vocabulary.load()
    docs = [d for d in docs if not d["duplicate_of"]]
    programmes = sorted({d["programme"] for d in docs if d["programme"]})
    starts = [d["period_start"] or d["year"] for d in docs if d["period_start"] or d["year"]]
    ends = [d["period_end"] or d["year"] for d in docs if d["period_end"] or d["year"]]
    items = idx.store.items(municipality=name)
    seen: set[tuple[str, str]] = set()
    by_topic: dict[str, list[ComparedItem]] = defaultdict(list)
    figures: list[ComparedItem] = []
    recommendations: list[ComparedItem] = []
    for r in items:
        key = (r["type"], _norm(r["text"])[:120])
        if key in seen:
            continue
        seen.add(key)
        c = compared_item(1.0, r)
        if r["type"] == "measure":
            for t in c.topics or ["annet"]:
                by_topic[t].append(c)
        elif r["type"] == "figure":
            figures.append(c)
        else:
            recommendations.append(c)
    topics = [
        {"topic": t, "label": vocab.topic_label(t) if t in vocab.topics else "Annet", "count": len(v),
         "examples": v[:per_topic]}
        for t, v in sorted(by_topic.items(), key=lambda kv: -len(kv[1]))
    ]
    return {
        "municipality": docs[0]["municipality"] if docs else name,
        "kommunenummer": info.get("number"),
        "fylke": info.get("fylke"),
        "population": info.get("population"),
        "documents": docs,
        "programmes": programmes,
        "period": [min(starts), max(ends)] if starts and ends else None,
        "measures_by_topic": topics,
        "figures": figures[:20],
        "recommendations": recommendations[:20],
    }


PEER_DISTANCE = math.log(5)
"""How unlike a peer may be (`Municipalities.distance`): five times the
population either way, about seven in the same county."""


def peers(idx: Any, name: str, topic: str | None = None, *, n: int = 10) -> dict[str, Any]:
    """Comparable municipalities (same fylke or similar population, from the
    municipality data file) that the index has documents for, and what they
    did on `topic`."""
    from ingest.municipalities import Municipalities
    from ingest.vocabulary import Vocabulary

    reg = Municipalities.load()
    me = reg.get(name)
    if me is None:
        raise ValueError(f"unknown municipality '{name}'")
    vocab = Vocabulary.load()
    key = _resolve_topic(vocab, topic)
    indexed = {r["municipality"] for r in idx.store.municipalities()}
    # every indexed municipality up to five times larger or smaller (seven in the
    # same county), nearest first; those with something on the topic are shown first
    candidates = [
        m for m in reg.peers(me.name, n=10_000)
        if m.name in indexed and m.name != me.name and reg.distance(me, m) <= PEER_DISTANCE
    ]
    out = []
    for m in candidates:
        if sum(1 for p in out if p["items"]) >= n:
            break
        items = idx.store.items(municipality=m.name, topic=key) if key else idx.store.items(municipality=m.name)
        seen: set[str] = set()
        examples = []
        for r in items:
            t = _norm(r["text"])[:120]
            if t in seen:
                continue
            seen.add(t)
            examples.append(compared_item(1.0, r))
        reason = "samme fylke" if m.fylke == me.fylke else "liknende folketall"
        out.append({"municipality": m.name, "fylke": m.fylke, "population": m.population, "why": reason,
                    "items": examples[:8]})
    out = ([p for p in out if p["items"]] + [p for p in out if not p["items"]])[:n]
    return {"municipality": me.name, "fylke": me.fylke, "population": me.population, "topic": key, "peers": out}
