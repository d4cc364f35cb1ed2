"""Guidance pages in the style of Veiviseren: what other municipalities did
on a topic, built only from extracted, cited items.

`build_guide(idx, topic)` gathers, through `index.compare.compare`, the
measures, figures and recommendations tagged with `topic` and arranges them
as typed records:

- the topic's framing sentence from the vocabulary file (our own words);
- one example card per municipality: measures with target groups, period,
  cost, and result figures;
- recommendations (foranalyser and evaluations first);
- key figures, and the series among them that can be charted (two or more
  points with the same unit and subject);
- a numbered, deduplicated source list.

Nothing here writes prose. Every text on a guide is either an item's own
extracted text (with its `GuideCitation`) or a value extracted with it
(period, cost, figure); renderers add only fixed template labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from index.compare import ComparedItem, compare

MAX_CARDS = 30
MEASURES_PER_CARD = 4
RESULTS_PER_CARD = 3
MAX_RECOMMENDATIONS = 15
MAX_FIGURES = 24
MAX_SERIES_POINTS = 12

# documents whose recommendations weigh most: analyses and evaluations
EVALUATION_TYPES = ("foranalyse", "sluttrapport", "aarsrapport", "halvaarsrapport", "artikkel", "veileder")


@dataclass
class GuideCitation:
    """Where a text stands: document and 1-based page; `ref` is the
    document's number in `Guide.sources`."""

    doc_id: str
    title: str
    source: str
    page: int
    section: str = ""
    ref: int = 0


@dataclass
class GuideMeasure:
    text: str
    citation: GuideCitation
    target_groups: list[str] = field(default_factory=list)  # vocabulary labels
    period: tuple[int, int] | None = None
    cost_nok: float | None = None
    cost_text: str = ""  # as written in the document
    indicator: str = ""
    status: str | None = None
    result: str = ""  # what came of it, as the document reports it ("Resultat: …")


@dataclass
class GuideFigure:
    text: str
    citation: GuideCitation
    value: float
    unit: str
    subject: str = ""
    value_to: float | None = None
    year: int | None = None
    year_to: int | None = None
    municipality: str | None = None


@dataclass
class GuideRecommendation:
    text: str
    citation: GuideCitation
    by: str | None = None
    municipality: str | None = None
    theme: str = ""
    doc_type: str | None = None


@dataclass
class ExampleCard:
    """«Slik gjør andre kommuner det»: one municipality's measures and
    results on the topic."""

    municipality: str
    fylke: str | None = None
    population: int | None = None
    measures: list[GuideMeasure] = field(default_factory=list)
    results: list[GuideFigure] = field(default_factory=list)
    citations: list[GuideCitation] = field(default_factory=list)  # distinct pages cited on the card


@dataclass
class SeriesPoint:
    label: str  # municipality and year, e.g. "Asker 2010"
    value: float
    citation: GuideCitation
    municipality: str | None = None
    year: int | None = None


@dataclass
class FigureSeries:
    """Figures with the same unit and subject from several municipalities
    or years: one chart."""

    subject: str
    unit: str
    points: list[SeriesPoint] = field(default_factory=list)


@dataclass
class GuideSource:
    ref: int
    doc_id: str
    title: str
    source: str
    pages: list[int] = field(default_factory=list)
    municipality: str | None = None
    publisher: str | None = None
    doc_type: str | None = None
    year: int | None = None
    url: str | None = None


@dataclass
class Guide:
    topic: str
    label: str
    framing: str
    examples: list[ExampleCard] = field(default_factory=list)
    recommendations: list[GuideRecommendation] = field(default_factory=list)
    key_figures: list[GuideFigure] = field(default_factory=list)
    series: list[FigureSeries] = field(default_factory=list)
    sources: list[GuideSource] = field(default_factory=list)
    generated: str = ""  # ISO date

    @property
    def is_empty(self) -> bool:
        return not (self.examples or self.recommendations or self.key_figures)


def topic_list() -> list[tuple[str, str, str]]:
    """(key, label, framing) of every topic in the vocabulary file."""
    from ingest.vocabulary import Vocabulary

    vocab = Vocabulary.load()
    return [(k, c.label, c.framing) for k, c in vocab.topics.items()]


def resolve_topic(name: str) -> str | None:
    """A topic key from a key, label or term ("Ventelister", "ventelista");
    None when the vocabulary has no such topic."""
    from ingest.vocabulary import Vocabulary

    vocab = Vocabulary.load()
    key = vocab.resolve(name)
    return key if key in vocab.topic_ids() else None


class _Sources:
    """Document metadata for citations, looked up once per document; after
    the guide is assembled, `number` numbers the documents in order of first
    citation and lists the pages cited from each."""

    def __init__(self, idx: Any) -> None:
        self.idx = idx
        self.docs: dict[str, dict[str, Any]] = {}

    def cite(self, it: ComparedItem) -> GuideCitation:
        if it.doc_id not in self.docs:
            self.docs[it.doc_id] = self.idx.store.document(it.doc_id) or {}
        return GuideCitation(doc_id=it.doc_id, title=it.title, source=it.source, page=it.page,
                             section=it.section)

    def doc_type(self, doc_id: str) -> str | None:
        return self.docs.get(doc_id, {}).get("doc_type")

    def number(self, guide: Guide) -> list[GuideSource]:
        out: dict[str, GuideSource] = {}
        for c in _citations(guide):
            src = out.get(c.doc_id)
            if src is None:
                d = self.docs.get(c.doc_id, {})
                src = out[c.doc_id] = GuideSource(
                    ref=len(out) + 1, doc_id=c.doc_id, title=c.title, source=c.source,
                    municipality=d.get("municipality"), publisher=d.get("publisher"),
                    doc_type=d.get("doc_type"), year=d.get("year"), url=d.get("url"),
                )
            c.ref = src.ref
            if c.page not in src.pages:
                src.pages.append(c.page)
                src.pages.sort()
        return list(out.values())


def _citations(guide: Guide) -> list[GuideCitation]:
    """Every citation on the guide, in reading order."""
    out: list[GuideCitation] = []
    for card in guide.examples:
        out += [m.citation for m in card.measures] + [f.citation for f in card.results] + card.citations
    out += [r.citation for r in guide.recommendations]
    out += [f.citation for f in guide.key_figures]
    out += [p.citation for s in guide.series for p in s.points]
    return out


def _label(vocab: Any, key: str) -> str:
    return vocab.target_group_label(key) if key in vocab.target_groups else key


def _period(value: Any) -> tuple[int, int] | None:
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return (value[0], value[1])
    return None


def _measure(it: ComparedItem, cite: GuideCitation, vocab: Any) -> GuideMeasure:
    d = it.data
    cost = d.get("cost") if isinstance(d.get("cost"), dict) else None
    return GuideMeasure(
        text=it.text,
        citation=cite,
        target_groups=[_label(vocab, g) for g in it.target_groups],
        period=_period(d.get("period")),
        cost_nok=cost.get("amount_nok") if cost else None,
        cost_text=(cost.get("text") or "") if cost else "",
        indicator=d.get("indicator") or "",
        status=d.get("status"),
        result=(d.get("fields") or {}).get("Resultat") or "",
    )


def _figure(it: ComparedItem, cite: GuideCitation, municipality: str | None) -> GuideFigure | None:
    d = it.data
    if not isinstance(d.get("value"), (int, float)):
        return None
    return GuideFigure(
        text=it.text,
        citation=cite,
        value=float(d["value"]),
        unit=d.get("unit") or "",
        subject=d.get("subject") or "",
        value_to=d.get("value_to"),
        year=d.get("year"),
        year_to=d.get("year_to"),
        municipality=d.get("municipality") or municipality,
    )


def _recommendation(it: ComparedItem, cite: GuideCitation, municipality: str | None,
                    doc_type: str | None) -> GuideRecommendation:
    d = it.data
    return GuideRecommendation(
        text=it.text,
        citation=cite,
        by=d.get("by"),
        municipality=d.get("municipality") or municipality,
        theme=d.get("theme") or "",
        doc_type=doc_type,
    )


def _norm_subject(s: str) -> str:
    return re.sub(r"\s+", " ", s.lower()).strip()


def figure_series(figures: list[GuideFigure], *, min_points: int = 2) -> list[FigureSeries]:
    """Group figures by (unit, subject) into chartable series. A change
    "from A in year X to B" gives two points. Percentages and money are
    kept apart from counts by the unit. A series needs `min_points` points
    with distinct labels (municipality and year)."""
    groups: dict[tuple[str, str], FigureSeries] = {}
    for f in figures:
        if not f.unit:
            continue
        key = (f.unit.lower(), _norm_subject(f.subject))
        s = groups.setdefault(key, FigureSeries(subject=f.subject, unit=f.unit))
        who = f.municipality or "Nasjonalt"
        s.points.append(SeriesPoint(label=f"{who} {f.year}" if f.year else who, value=f.value,
                                    citation=f.citation, municipality=f.municipality, year=f.year))
        if f.value_to is not None:
            s.points.append(SeriesPoint(
                label=f"{who} {f.year_to}" if f.year_to else f"{who}, siste tall",
                value=float(f.value_to), citation=f.citation, municipality=f.municipality, year=f.year_to))
    out = []
    for s in groups.values():
        seen: set[tuple[str, float]] = set()
        pts = []
        for p in s.points:
            if (p.label, p.value) in seen:
                continue
            seen.add((p.label, p.value))
            pts.append(p)
        s.points = pts[:MAX_SERIES_POINTS]
        if len({p.label for p in s.points}) >= min_points:
            out.append(s)
    out.sort(key=lambda s: -len(s.points))
    return out


def build_guide(idx: Any, topic: str, *, max_cards: int = MAX_CARDS) -> Guide:
    """The guidance page data for `topic` (a key, label or term from the
    vocabulary). Raises ValueError for an unknown topic."""
    from ingest.vocabulary import Vocabulary

    vocab = Vocabulary.load()
    key = resolve_topic(topic)
    if key is None:
        raise ValueError(f"unknown topic '{topic}'; one of: {', '.join(sorted(vocab.topic_ids()))}")
    cmp = compare(idx, topic=key, max_rows=max_cards, per_type=max(MEASURES_PER_CARD, 12))
    sources = _Sources(idx)
    guide = Guide(topic=key, label=vocab.topic_label(key), framing=vocab.topic_framing(key),
                  generated=date.today().isoformat())
    recommendations: list[GuideRecommendation] = []
    figures: list[GuideFigure] = []
    for row in cmp.rows:
        card = ExampleCard(municipality=row.municipality, fylke=row.fylke, population=row.population)
        for it in row.measures[:MEASURES_PER_CARD]:
            card.measures.append(_measure(it, sources.cite(it), vocab))
        for it in row.figures:
            f = _figure(it, sources.cite(it), row.municipality)
            if f is None:
                continue
            figures.append(f)
            if len(card.results) < RESULTS_PER_CARD:
                card.results.append(f)
        for it in row.recommendations:
            cite = sources.cite(it)
            recommendations.append(_recommendation(it, cite, row.municipality, sources.doc_type(it.doc_id)))
        seen: set[tuple[str, int]] = set()
        for c in [m.citation for m in card.measures] + [f.citation for f in card.results]:
            if (c.doc_id, c.page) not in seen:
                seen.add((c.doc_id, c.page))
                card.citations.append(c)
        if card.measures or card.results:
            guide.examples.append(card)
    for it in cmp.national:
        if it.type == "figure":
            f = _figure(it, sources.cite(it), None)
            if f is not None:
                figures.append(f)
        elif it.type == "recommendation":
            cite = sources.cite(it)
            recommendations.append(_recommendation(it, cite, None, sources.doc_type(it.doc_id)))
    # analyses and evaluations first (by document type, or a named analyst such as
    # Rambøll or NOVA); the sort is stable, so relevance order holds within each
    recommendations.sort(key=lambda r: 0 if r.by or r.doc_type in EVALUATION_TYPES else 1)
    guide.recommendations = recommendations[:MAX_RECOMMENDATIONS]
    guide.key_figures = figures[:MAX_FIGURES]
    guide.series = figure_series(guide.key_figures)
    guide.sources = sources.number(guide)
    return guide
