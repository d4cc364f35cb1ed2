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
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from index.store import Filters

ITEM_TYPES = ("measure", "recommendation", "figure")


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
    from ingest.vocabulary import Vocabulary

    if not query and not topic:
        raise ValueError("give a query or a topic")
    vocab = Vocabulary.load()
    if topic and topic not in vocab.topic_ids():
        raise ValueError(f"unknown topic '{topic}'; one of: {', '.join(sorted(vocab.topic_ids()))}")
    topics = [topic] if topic else vocab.match_topics(query or "")
    search_text = query or vocab.topic_label(topic)
    filters = filters or Filters()

    # 1. passages the query finds, by (doc, page)
    resp = idx.search(search_text, filters, k=depth, mode="hybrid")
    page_score: dict[tuple[str, int], float] = {}
    doc_rank: dict[str, int] = {}
    passages: dict[str, list[dict[str, Any]]] = defaultdict(list)
    top = resp.hits[0].score if resp.hits else 1.0
    for rank, h in enumerate(resp.hits):
        rel = h.score / top if top else 0.0
        for p in h.pages:
            page_score[(h.doc_id, p)] = max(page_score.get((h.doc_id, p), 0.0), rel)
        doc_rank.setdefault(h.doc_id, rank)
        for d in h.also_in:
            doc_rank.setdefault(d["doc_id"], rank)
        if h.municipality and len(passages[h.municipality]) < 2:
            passages[h.municipality].append(
                {"doc_id": h.doc_id, "source": h.source, "title": h.title, "page": h.page, "snippet": h.snippet}
            )

    # 2. candidate items: on a found page, or tagged with a query topic
    found_docs = list(doc_rank)
    rows = idx.store.items(doc_ids=found_docs, year_from=filters.year_from, year_to=filters.year_to)
    for t in topics:
        rows += idx.store.items(topic=t, year_from=filters.year_from, year_to=filters.year_to)
    seen_ids: set[int] = set()
    seen_text: set[tuple[str, str, str]] = set()
    scored: list[tuple[float, dict[str, Any]]] = []
    for r in sorted(rows, key=lambda r: doc_rank.get(r["doc_id"], 10**6)):
        if r["item_id"] in seen_ids:
            continue
        seen_ids.add(r["item_id"])
        if filters.municipality and (r["municipality"] or "").lower() != filters.municipality.lower():
            continue
        if filters.doc_type and r["doc_type"] != filters.doc_type:
            continue
        item_topics = [t for t in (r["topics"] or "").split("|") if t]
        on_page = page_score.get((r["doc_id"], r["page"]), 0.0)
        topical = 1.0 if set(item_topics) & set(topics) else 0.0
        score = on_page + topical
        if score <= 0.15:
            continue
        key = (r["municipality"] or "", r["type"], _norm(r["text"])[:120])
        if key in seen_text:  # the same item from a duplicate copy
            continue
        seen_text.add(key)
        scored.append((score, r))

    # 3. group by municipality
    munis = _municipality_info()
    by_muni: dict[str | None, list[tuple[float, dict[str, Any]]]] = defaultdict(list)
    for s, r in scored:
        by_muni[r["municipality"]].append((s, r))
    out_rows: list[MunicipalityRow] = []
    national: list[ComparedItem] = []
    for muni, items in by_muni.items():
        items.sort(key=lambda x: -x[0])
        compared = [_compared(s, r) for s, r in items]
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


def _compared(score: float, r: dict[str, Any]) -> ComparedItem:
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
