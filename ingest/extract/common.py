"""Shared pieces: the per-document context (citations, municipality,
vocabulary), years and periods, and the sentence units the rules run over."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from dataclasses import dataclass, field

from ingest.extract.blocks import Block, iter_blocks
from ingest.extract.nlp import Sentence, sentences, split_run_on
from ingest.records import Citation, Document, Table
from ingest.vocabulary import Vocabulary

YEAR = re.compile(r"(?<![\d.,/:])(19[89]\d|20[0-4]\d)(?![\d.,:]\d)")
YEAR_RANGE = re.compile(
    r"(?<![\d.,/:])(19[89]\d|20[0-4]\d)\s*(?:[-–—]|til|og)\s*(19[89]\d|20[0-4]\d|\d{2})(?![\d])"
)
# Short dates in activity tables: 1.3.2011, 01.12.10
SHORT_DATE = re.compile(r"(?<![\d.])\d{1,2}\.\d{1,2}\.(\d{4}|\d{2})(?![\d])")


def years_in(text: str) -> list[int]:
    """Four-digit years 1980–2049 in order of appearance (dates included)."""
    out = [int(m.group(1)) for m in YEAR.finditer(text)]
    for m in SHORT_DATE.finditer(text):
        y = m.group(1)
        out.append(int(y) if len(y) == 4 else 2000 + int(y))
    return out


def year_range(text: str) -> tuple[int, int] | None:
    """The first explicit range ('2014-2018', '2016 og 2017', '2011 til 14')."""
    m = YEAR_RANGE.search(text)
    if not m:
        return None
    a, b = int(m.group(1)), m.group(2)
    bb = int(b) if len(b) == 4 else (a // 100) * 100 + int(b)
    if bb < a or bb - a > 30:
        return None
    return a, bb


def period_of(text: str) -> tuple[int, int] | None:
    r = year_range(text)
    if r:
        return r
    ys = years_in(text)
    if ys:
        return min(ys), max(ys)
    return None


_TOC_START = re.compile(
    r"^\W*(?:\S+\s+){0,4}?(?:Innholdsfortegnelse|INNHOLDSFORTEGNELSE|Innholdsliste|Innhold|INNHOLD|Innhald|INNHALD"
    r"|Innhaldsliste|Innhaldsoversikt|Table of contents)\b(?!\s+(?:er|i|og|av|til|på|som|for|med)\b)",
)
_TOC_LEADER = re.compile(r"(?:\.{3,}|…)\s*\d+")
_TOC_SECTION = re.compile(r"(?<![\d.,])\d{1,2}(?:\.\d{1,2}){1,3}\.?\s+[A-ZÆØÅ]")
_SENT_END = re.compile(r"[a-zæøå)][.!?](?:\s+[A-ZÆØÅ]|\s*$)")


@lru_cache(maxsize=4096)
def is_toc(text: str) -> bool:
    """A table of contents typed as text: opens with "Innhold" or is a run
    of section numbers or dot leaders with hardly a sentence in it. Its
    entries ("Kartlegging av boligbehov … 12 Flyktninger 13") are neither
    measures nor figures."""
    if _TOC_START.match(text):
        return len(_SENT_END.findall(text)) <= max(2, len(text) // 400)
    leaders = len(_TOC_LEADER.findall(text))
    sections = len(_TOC_SECTION.findall(text))
    if leaders >= 3 or sections >= 4:
        if leaders < 3 and len(text.split()) > TOC_WORDS_PER_ENTRY * sections:
            # section numbers with prose between them: a report whose full
            # stops were lost ("Tiltak 1.1 Økt bruk av startlån Kommunen har
            # økt rammen …"), not a list of titles
            return False
        return len(_SENT_END.findall(text)) <= (leaders + sections) // 2
    return False


TOC_WORDS_PER_ENTRY = 15
"""A contents entry is a title and a page number; more words than this per
section number is running text."""


def clip(text: str, limit: int = 400) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + " …"


@dataclass
class Unit:
    """A sentence of a block: the smallest span a rule looks at."""

    block: Block
    sent: Sentence
    index: int  # position in the document's unit list

    @property
    def page(self) -> int:
        return self.block.page

    @property
    def text(self) -> str:
        return self.sent.text

    @property
    def is_heading(self) -> bool:
        return self.block.kind == "heading"

    @property
    def start(self) -> int:  # offset in the page text
        return self.block.start + self.sent.start


@dataclass
class Context:
    doc: Document
    vocab: Vocabulary
    municipality: str | None = None
    period: tuple[int, int] | None = None
    # a document found to belong to no single municipality (national reports,
    # news on the whole country) — not merely one whose metadata is unknown
    national: bool = False
    blocks: list[Block] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    # units the measure rules read as goals or principles by their context
    # (a goal lead-in, a list under an aim): filled by `prose_measures`
    goal_units: set[int] = field(default_factory=set)

    @classmethod
    def build(cls, doc: Document, vocab: Vocabulary | None = None) -> "Context":
        vocab = vocab or Vocabulary.load()
        md = doc.metadata
        muni = md.municipality.value if md and md.municipality.value else None
        per = md.period.value if md and md.period.value else None
        if per is not None:
            try:
                per = (int(per[0]), int(per[1]))
            except (TypeError, ValueError, IndexError):
                per = None
        national = bool(md and not muni and md.municipality.source and md.municipality.confidence >= 0.5)
        ctx = cls(doc=doc, vocab=vocab, municipality=str(muni) if muni else None, period=per, national=national)
        ctx.blocks = list(iter_blocks(doc))
        for b in ctx.blocks:
            if b.kind == "heading":
                ctx.units.append(Unit(b, Sentence(0, len(b.text), b.text), len(ctx.units)))
                continue
            for s in sentences(b.text):
                for a, e in split_run_on(s.text):
                    piece = s.text[a:e]
                    lead = len(piece) - len(piece.lstrip())
                    sub = Sentence(s.start + a + lead, s.start + a + lead + len(piece.strip()), piece.strip())
                    ctx.units.append(Unit(b, sub, len(ctx.units)))
        return ctx

    def citation(self, page: int, section: str) -> Citation:
        return Citation(doc_id=self.doc.doc_id, page=page, section=section, source=self.doc.source)

    def topics(self, text: str) -> list[str]:
        return self.vocab.match_topics(text)

    def target_groups(self, text: str) -> list[str]:
        return self.vocab.match_target_groups(text)


def unique_tables(doc: Document) -> Iterator[Table]:
    """Each table of `doc` once: a table continued over a page break is
    listed on every page it spans."""
    seen: set[int] = set()
    for page in doc.pages:
        for table in page.tables:
            if id(table) not in seen:
                seen.add(id(table))
                yield table


# ------------------------------------------------------------ plan tables --

def norm_header(h: str) -> str:
    return re.sub(r"[\s\-\u00ad]+", "", (h or "").lower())


_ACTION_HEADER = re.compile(r"^(?:hva|kva|handling(?:er|ar)?|hvaskal(?:vi)?gjøres|kvaskal(?:vi)?gjerast|hvagjørvi|kvagjervi)$")
"""A plan's column of what will be done, by other names than "Tiltak"."""


def table_columns(table: Table) -> dict[str, int]:
    """Which column of a plan's table holds the measure, its cost, target, time, status, who is responsible
    and the project the row's actions belong to."""
    cols: dict[str, int] = {}
    for i, h in enumerate(table.header):
        n = norm_header(h)
        if not n:
            continue
        if "measure" not in cols and ("tiltak" in n or n.startswith("aktivitet") or _ACTION_HEADER.match(n)):
            cols["measure"] = i
        elif "cost" not in cols and any(k in n for k in ("kostnad", "budsjett", "beløp", "finansiering")):
            cols["cost"] = i
        elif "indicator" not in cols and (
            any(k in n for k in ("resultatmål", "indikator", "effektmål", "måltall")) or n in ("mål", "målsetting")
        ):
            # a target; a plain "Resultat" column is what came of it (a sluttrapport's
            # outcome, kept in the row's fields), not a target
            cols["indicator"] = i
        elif "time" not in cols and any(k in n for k in ("tidsramm", "tidsplan", "periode", "frist", "tid")):
            cols["time"] = i
        elif "status" not in cols and "status" in n:
            cols["status"] = i
        elif "responsible" not in cols and "ansvar" in n:
            cols["responsible"] = i
        elif "project" not in cols and re.fullmatch(r"(?:del)?prosjekt(?:er|et|ene|navn|etsnavn)?", n):  # not "Prosjektleder"
            cols["project"] = i
    return cols
