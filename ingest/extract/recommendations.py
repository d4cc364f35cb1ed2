"""Recommendations (anbefalinger) and who made them.

Where they are found:

* tables with a recommendations column ("ANBEFALINGER"): every sentence of a
  cell is one recommendation, filed under the row's theme (the first column;
  a row continued on the next page inherits the theme above it);
* running text: a sentence with a recommendation verb ("bør", "anbefaler",
  "anbefales", "foreslår", "tilrår"; reported: "burde", "anbefalte",
  "blei tilrådd å") in its main clause, or an item of a list introduced as
  recommendations ("Viktigste anbefalinger: …");
* requests, advice and calls by an organisation named in the sentence, or
  by the report itself ("Ombudet ber om at …", "Rambøll gav råd om at …",
  "Rapporten etterlyser …", "… peker på behovet for å …"), and the areas
  to improve that an analysis pointed out ("Rambøll pekte på områder
  kommunen kunne bli bedre på: å …, og …"), one per listed area;
* a report's finding that something should be done ("Evalueringen viser at
  kommunen bør …") and advice in the perfect tense ("Husbanken har anbefalt
  kommunen å …").

The municipality's own bodies as the subject ("Rådmannen foreslår …") do not
advise it, and an adviser named as the subject ("Revisjonen tilrår …") is the
one who advised, whoever the text reported on before.

A recommendation needs someone who made it: an organisation from the
vocabulary's [recommenders] named in the sentence, in the text leading up
to it (the analysis being reported on), or as the document's publisher. A
municipality's "bør" about itself is not a recommendation.
"""

from __future__ import annotations

import re

from ingest.extract.common import Context, Unit, clip, unique_tables
from ingest.extract.nlp import REC_STARTERS, is_narrative, sentences, split_run_on, tokens
from ingest.records import Recommendation, Table

_REC_VERB = re.compile(
    r"^(?:bør|anbefaler|anbefales|foreslår|foreslås|tilrår|tilrås|rår"
    r"|burde|anbefalte|tilrådde|rådde)$",
    re.IGNORECASE,
)
_PASSIVE_ADVICE = re.compile(
    r"^(?:\S+\s+){0,4}?(?:ble|blei|vart|vert|blir|er)\s+(?:\S+\s+)?(?:anbefalt|tilrådd|tilrådt|rådd)\s+(?:å|til)\b",
    re.IGNORECASE,
)
_NOT_BEFORE_BOR = {"hva", "som", "om", "hvordan", "hvilke", "hvilken", "hvilket", "at", "hvor", "der", "hvem", "hvis", "dersom"}
_LIST_INTRO = re.compile(
    r"(?:anbefal\w*|tilråding\w*|forslag til tiltak)(?:\s+(?:fra|til|for)\s+[^:]{0,60})?\s*:\s*$"
    r"|\b(?:anbefaler|anbefalte|tilrår|tilrådde)\s+(?:(?:vi|me)\s+)?(?:(?:blant annet|mellom anna|bl\.\s?a\.|videre|også)\s*)?"
    r"(?:(?:følgende|at|kommunen|vi|me)\s*)?:\s*$"
    # "Evaluator anbefaler at" over its bullets, the colon lost
    r"|\b(?:anbefaler|anbefalte|tilrår|tilrådde)\s+(?:vi\s+|me\s+)?(?:blant annet\s+|også\s+)?at\s*$"
    # the authors' "mener vi at kommunen bør prioritere følgende …:"
    r"|\b(?:(?:mener|meiner)\s+vi|vi\s+(?:mener|meiner))\s+(?:\S+\s+){0,2}?at\b[^:]{0,60}\b(?:bør|burde)\b[^:]{0,80}:\s*$"
    # a study's themes to work on: "Undersøkelsen har identifisert fem temaområder kommunen bør fokusere på …:"
    r"|\b(?:undersøkelsen|analysen|foranalysen|rapporten|evalueringen|forskerne|vi)\b[^:]{0,80}\b(?:bør|burde)\s+"
    r"(?:fokusere|satse|prioritere|konsentrere\s+seg|arbeide\s+videre)\s+(?:på|med)\b[^:]{0,80}:\s*$"
    r"|\b(?:anbefaler|anbefalte|tilrår|tilrådde)\s+(?:vi\s+|me\s+)?(?:at\s+)?(?:[A-ZÆØÅ][\w-]*\s+){0,3}"
    # (the colon may be missing before the bullets: "Revisjonen anbefaler at Alta kommune")
    r"(?:kommune|kommunen|bydelen|bydel|etaten|fylkeskommunen|kommunane|kommunene)(?:\s+(?:bør|skal|må))?\s*:?\s*$",
    re.IGNORECASE,
)
_LIST_HEADING = re.compile(
    r"^(?:\d{1,2}(?:\.\d{1,2})*\.?\s+)?(?:forslag til tiltak|forslag til forbedring\w*|anbefalte tiltak"
    r"|(?:våre\s+|viktigste\s+|\w+s\s+)?anbefalinger|(?:\w+s\s+)?tilrådingar|våre tilrådingar)\s*$",
    re.IGNORECASE,
)
"""A heading over an outside analysis's proposals ("Forslag til tiltak"): its
list items are the author's advice. In the municipality's own plan the same
heading lists its measures (see `_OWN_PLANS`)."""
_NUMBERED_HEADING = re.compile(
    r"^(?:anbefaling|tilråding|råd)\s*(?:nr\.?\s*)?\d{1,2}\s*[:.–-]\s*(?P<text>[A-ZÆØÅ].{8,})$", re.IGNORECASE
)
"""A heading that states one numbered recommendation; its paragraph argues for it."""
_OWN_PLANS = {"programplan", "aktivitetsplan", "handlingsplan", "saksframlegg", "halvaarsrapport", "aarsrapport"}
_CONTEXT_CUE = re.compile(
    r"anbefal|foranalyse|analyse|rapport|evaluer|undersøkelse|funn|konklu|forsker|utredning",
    re.IGNORECASE,
)
_SENTENCE_ONLY = {"Husbanken", "Kontrollutvalget"}
"""Named in nearly every text, or a body of the municipality: counts only as
the subject of its own advice ("Husbanken anbefaler …", "Kontrollutvalget
anbefaler …"), never carried to the sentences after it, and not when named
after the verb ("Kommunen bør søke Husbanken om tilskudd")."""
_AUTHOR_CUE = re.compile(r"oppdragsutfør|utført av|utarbeid(?:et|a) av|forfatt|skrive av|skrevet av", re.IGNORECASE)
_AUTHOR_FIRM = re.compile(
    r"\b(?:utført|utarbeid(?:et|a)|skrevet|skrive)\s+av\s+(?P<name>[A-ZÆØÅ][\w&.-]*(?:\s+[A-ZÆØÅ][\w&.-]*){0,3}\s+(?:AS|IKS|ASA|SA))\b"
)
_ASK = re.compile(
    r"\b(?:ber|bad|ba)\s+(?:\S+\s+){0,3}?om\s+(?:å|at)\b|\b(?:bes|bedes)\s+(?:også\s+)?om\s+å\b"
    r"|\b(?:gir|gav|ga)\s+(?:\S+\s+){0,3}?råd\s+om\b|\b(?:forutsetter|forutsatte)\s+at\b"
    r"|\betterlys(?:er|te)\b|\bpeker\s+på\s+(?:behovet|nødvendigheten)\s+(?:for|av)\b",
    re.IGNORECASE,
)
_AREAS = re.compile(
    r"\b(?:pekte|peker|påpekte|påpeker|viste|viser)\s+(?:på\s+|til\s+)?(?:\S+\s+){0,4}?"
    r"(?:forbedringsområder|områder\s+(?:\S+\s+){0,3}?(?:kunne|kan|bør|burde)\s+(?:bli\s+)?(?:bedre|forbedre)\w*)"
    r"[^:]{0,40}:\s*(?:blant annet|mellom anna|bl\.\s?a\.|for eksempel)?\s*",
    re.IGNORECASE,
)
"""A finding that names areas to improve, then lists them ("Rambøll pekte på
områder kommunen kunne bli bedre på: å …, og …"): each listed area is one
recommendation."""
_AREA_SPLIT = re.compile(r"\s*(?:;|,\s+og\s+|,\s+samt\s+|,\s+(?=(?:å|få|og)\s))\s*")
_FIRST_PERSON_ASK = re.compile(
    r"\b(?:jeg|eg|vi)\s+(?:ber|bed|anmoder|oppfordrer|oppmoder)\s+(?:derfor\s+|også\s+)?"
    r"(?:kommunen|bydelen|etaten|nemnda|klagenemnda)\b",
    re.IGNORECASE,
)
"""An ombudsman's or an auditor's own request in the first person ("jeg ber
kommunen ha oppmerksomheten rettet mot …"), in a text by that organisation.
A request to the state ("vi ber departementet …") is a municipality's own
voice in a høringsuttalelse, not advice to it."""
_REPORT_NOUNS = r"rapporten|foranalysen|analysen|utredningen|utgreiinga|evalueringen|evalueringa|kartleggingen|undersøkelsen"
_REPORT_SUBJECT = re.compile(rf"^(?:{_REPORT_NOUNS})\b", re.IGNORECASE)
_OPINION = re.compile(
    r"^(?:\S+\s+){0,3}?(?:mener|meiner|understreker|peker på|konkluderer med)\b.*?"
    r"(?:\b(?:bør|må)\b|\bkan\s+(?:\S+\s+){0,3}?(?:ved|gjennom)\s+(?:at|å)\b"
    r"|\b(?:er|vil være)\s+(?:viktig|nødvendig|avgjørende|lurt|hensiktsmessig)\s+å\b)",
    re.IGNORECASE | re.DOTALL,
)
_LIST_END = re.compile(r"^(?:anbefalingene|disse|dette|det)\b", re.IGNORECASE)
_OWN_VOICE = re.compile(
    r"^(?:rådmannen|rådmann|kommunedirektøren|kommunedirektør|administrasjonen|arbeidsgruppa|arbeidsgruppen"
    r"|prosjektgruppa|prosjektgruppen|styringsgruppa|styringsgruppen|formannskapet|kommunestyret|bystyret"
    r"|utvalget|utvalet|ordføreren|kommunalsjefen)\b",
    re.IGNORECASE,
)
"""The municipality's own bodies as the subject ("Rådmannen foreslår at …",
"Arbeidsgruppen anbefaler …"): their proposals are the municipality's own,
not advice from the organisation the text reported on just before."""
_ADVICE_VERB = r"(?:anbefaler|anbefalte|tilrår|tilrådde|foreslår|foreslo|mener|meiner|ber|bad|ba|konkluderer|konkluderte)"
_SUBJECT_AGENTS = (
    (re.compile(rf"^(?:forvaltnings|kommune)?revisjonen\s+(?:\S+\s+)?{_ADVICE_VERB}\b", re.IGNORECASE), "revisjon"),
)
"""Advisers named only by their role as the sentence's subject, right before
the verb ("Revisjonen tilrår at …"), as keys of the vocabulary's
[recommenders]. Only there: "revisjonen av planen" is a revision, not the
auditor."""
_REPORTED_ADVICE = re.compile(
    rf"^(?:{_REPORT_NOUNS}|gjennomgangen|revisjonen)\s+(?:\S+\s+){{0,2}}?"
    r"(?:viser|viste|konkluderer|konkluderte|mener|meiner|påpeker|påpekte|fastslår|fremhever|framhever|understreker)"
    r"\s+(?:med\s+)?(?:\S+\s+){0,2}?at\b.{0,80}?\b(?:bør|burde)\b",
    re.IGNORECASE,
)
"""A report's finding that something should be done ("Evalueringen viser at
kommunen bør …", "Rapporten konkluderer med at …bør …"): advice by the report
being written about. ("viser at … må" is a finding, not advice.)"""
_AUTHORS_OPINION = re.compile(
    r"^(?:\S+\s+){0,2}?(?:(?:mener|meiner)\s+vi|vi\s+(?:mener|meiner))\s+(?:\S+\s+){0,2}?at\b.{0,80}?\b(?:bør|burde)\b",
    re.IGNORECASE,
)
"""The report's authors' own opinion that something should be done ("Videre
mener vi at kommunen bør vurdere …"): advice by the analysis being reported
on, in a text that names who made it."""
_PERFECT_ADVICE = re.compile(
    r"\b(?:har|hadde)\s+(?:\S+\s+){0,2}?(?:anbefalt|tilrådd|tilrådt|rådd|foreslått)\s+(?:\S+\s+){0,2}?(?:å|at|om)\b",
    re.IGNORECASE,
)
"""Advice in the perfect tense by an organisation named before it
("Husbanken har anbefalt kommunen å …"; not "Kommunen har foreslått at
Husbanken …")."""


def _norm_header(h: str) -> str:
    return re.sub(r"[\s\-\u00ad]+", "", (h or "").lower())


def _rec_column(table: Table) -> int | None:
    for i, h in enumerate(table.header):
        n = _norm_header(h)
        if "anbefal" in n or "tilråd" in n or n in ("råd", "forslag", "forslagtiltiltak"):
            return i
    return None


class _Attribution:
    """Who is being reported on, as the text goes along: an organisation named
    together with its analysis or recommendations stays "in force" for the
    rest of that paragraph and the next two, unless a heading comes first."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.current: str | None = None
        self.block_no = {id(b): i for i, b in enumerate(ctx.blocks)}
        self.since = -(10**9)
        self.doc_level = self._doc_level()

    def _doc_level(self) -> str | None:
        md = self.ctx.doc.metadata
        # a national report's publisher (NOVA, Fafo …) made its recommendations;
        # a municipal document's "publisher" says nothing about who advised it
        national = not (md and md.municipality.value)
        pub = md.publisher.value if md and md.publisher.value and national else None
        if pub:
            found = self.ctx.vocab.match_recommenders(str(pub))
            if found:
                return found[0]
        # A report whose opening names its author: "Rambøll presenterer …",
        # "NIBR … har gjennomført en foranalyse …", or a report's title page
        # ("… foranalyse", "Oppdragsutførar: NIBR")
        head = self.ctx.units[:8]
        for u in head[:6]:
            if _CONTEXT_CUE.search(u.text):
                found = self._named(u.text)
                if found:
                    return found[0]
        if any(_CONTEXT_CUE.search(u.text) for u in head):
            for u in head:
                if _AUTHOR_CUE.search(u.text) or len(u.text.split()) <= 3:
                    found = self._named(u.text)
                    if found:
                        return found[0]
            # a firm the vocabulary does not know, named as the report's author:
            # "Rapport utarbeidet av Nordvik Analyse AS på oppdrag fra Alvdal kommune"
            for u in head:
                if m := _AUTHOR_FIRM.search(u.text):
                    return m.group("name")
        return None

    def _named(self, text: str) -> list[str]:
        # Husbanken is named in nearly every text; it counts only when the
        # sentence itself says it recommends (see `in_sentence`).
        return [n for n in self.ctx.vocab.match_recommenders(text) if n not in _SENTENCE_ONLY]

    def see(self, unit: Unit) -> None:
        no = self.block_no[id(unit.block)]
        if unit.is_heading or no - self.since > 2:
            self.current = None
        if _CONTEXT_CUE.search(unit.text):
            found = self._named(unit.text)
            if not found:  # "Rambøll har … . Dette er noen av hovedfunnene:"
                for prev in self.ctx.units[max(0, unit.index - 2) : unit.index]:
                    found = self._named(prev.text) or found
            if found:
                self.current, self.since = found[0], no

    def in_sentence(self, text: str) -> str | None:
        for pattern, key in _SUBJECT_AGENTS:
            if pattern.match(text):
                return self.ctx.vocab.recommender_label(key)
        found = self.ctx.vocab.match_recommenders(text)
        return found[0] if found else None

    def who(self, text: str, verb_at: int | None = None) -> str | None:
        """Who advises in `text`: an organisation named in it, else the one
        reported on, else the document's author. `verb_at`: where the advice
        verb stands; a sentence-only organisation named after it ("Kommunen
        bør søke Husbanken …") is not the adviser."""
        named = self.in_sentence(text)
        if named in _SENTENCE_ONLY and verb_at is not None and self.in_sentence(text[:verb_at]) != named:
            named = None
        return named or self.current or self.doc_level

    def speaker(self, text: str) -> str | None:
        """Who says "jeg ber kommunen …": `who`, else the first organisation
        named in the document's opening (an ombudsman's statement opens with
        "… ble ombudsmannen anmodet om å undersøke …")."""
        if found := self.who(text):
            return found
        for u in self.ctx.units[:8]:
            if named := self._named(u.text):
                return named[0]
        return None


def _bor_is_main(doc) -> bool:
    """'BK bør avklare …', 'Personer som bor lenge i mottak bør …' yes;
    'hva kommunen bør arbeide med' no (a subordinate clause right before)."""
    for i, tok in enumerate(doc):
        if _REC_VERB.match(tok.text):
            if i > 12:
                return False
            if any(t.lower_ in _NOT_BEFORE_BOR for t in doc[max(0, i - 3) : i]):
                return False
            # something must be advised: not a sentence cut off after the
            # verb ("… anbefalte NTNU Samfunnsforskning" at an excerpt's end)
            return sum(1 for t in doc[i + 1 :] if not t.is_punct) >= 3
    return False


def table_recommendations(ctx: Context, attribution: _Attribution) -> list[Recommendation]:
    out: list[Recommendation] = []
    for table in unique_tables(ctx.doc):
        col = _rec_column(table)
        if col is None:
            continue
        theme_col = next((i for i in range(len(table.header)) if i != col), None)
        by = _table_recommender(ctx, table) or attribution.doc_level
        theme = ""
        for r, row in enumerate(table.rows):
            if theme_col is not None and theme_col < len(row) and (row[theme_col] or "").strip():
                theme = " ".join(row[theme_col].split())
            cell = row[col] if col < len(row) else ""
            if not (cell or "").strip():
                continue
            pg = table.row_pages[r] if r < len(table.row_pages) else table.page
            for s in sentences(" ".join(cell.split())):
                text = s.text.strip()
                if len(text.split()) < 3:
                    continue
                out.append(
                    Recommendation(
                        text=clip(text),
                        citation=ctx.citation(pg, table.title or theme),
                        by=by,
                        topics=ctx.topics(f"{theme} {text}"),
                        theme=theme,
                        municipality=ctx.municipality,
                    )
                )
    return out


def _table_recommender(ctx: Context, table: Table) -> str | None:
    """The organisation named nearest before the table (same or previous page)."""
    found = ctx.vocab.match_recommenders(table.title)
    if found:
        return found[0]
    before = [u for u in ctx.units if u.page in (table.page - 1, table.page)]
    for u in reversed(before):
        names = ctx.vocab.match_recommenders(u.text)
        if names:
            return names[0]
    return None


def text_recommendations(ctx: Context, attribution: _Attribution) -> tuple[list[Recommendation], set[int]]:
    """Recommendations in running text; also the indices of the units used."""
    out: list[Recommendation] = []
    used: set[int] = set()
    in_list = False
    list_by: str | None = None
    prev_block = None
    for u in ctx.units:
        attribution.see(u)
        if u.is_heading:
            in_list = False
            if _LIST_HEADING.match(u.text) and _outside_analysis(ctx) and (by := attribution.who(u.text)):
                in_list, list_by = True, by
            # "Anbefaling 1: Etabler én felles inngang for boligsøkere": a numbered recommendation as a heading
            numbered = _NUMBERED_HEADING.match(u.text)
            if numbered and _outside_analysis(ctx) and (by := attribution.who(u.text)):
                out.append(_make(ctx, u, numbered.group("text"), by))
                used.add(u.index)
            continue
        if prev_block is not None and u.block is not prev_block:
            # a new paragraph ends the list; its next item or a page break does not
            page_break = u.block.page != prev_block.page
            if not page_break and u.block.kind != "item":
                in_list = False
        prev_block = u.block
        text = u.text
        doc = tokens(text)

        own = bool(_OWN_VOICE.match(text)) and attribution.in_sentence(text) is None
        if _LIST_INTRO.search(text):
            in_list = not own
            list_by = attribution.who(text)
            continue

        if in_list:
            # (a bullet of the list is an item of it, however it reads: "• ved framtidige boligkjøp vektlegger …")
            narrative = (
                u.block.kind != "item" and is_narrative(doc) and not any(t.lower_ in ("må", "bør", "skal") for t in doc[:6])
            )
            if _LIST_END.match(text) or narrative:
                in_list = False
            else:
                for a, e in split_run_on(text, REC_STARTERS):
                    piece = text[a:e].strip()
                    # a list item may be a theme in a word or two ("4) Forankring")
                    if len(piece.split()) >= 3 or (u.block.kind == "item" and u.sent.start == 0 and piece[:1].isupper()):
                        out.append(_make(ctx, u, piece, list_by or attribution.who(piece)))
                used.add(u.index)
                continue

        if text.rstrip().endswith("?"):
            continue
        # "Ombudet ber klagenemnda om å …", "Rambøll gav råd om at det burde …",
        # "NIBR mener at … kan framskyndes ved at …": a request, advice or an
        # opinion with advice, by an organisation named in the sentence
        named = [n for n in ctx.vocab.match_recommenders(text) if n not in _SENTENCE_ONLY]
        if named and (areas := _AREAS.search(text)):
            pieces = [p.strip(" .") for p in _AREA_SPLIT.split(text[areas.end():])]
            for piece in (p for p in pieces if len(p.split()) >= 3):
                out.append(_make(ctx, u, piece, named[0]))
            used.add(u.index)
            continue
        if named and (_ASK.search(text) or _OPINION.match(text)):
            out.append(_make(ctx, u, text, named[0]))
            used.add(u.index)
            continue
        if own:
            continue
        if (_REPORTED_ADVICE.match(text) or _AUTHORS_OPINION.match(text)) and (by := attribution.who(text)):
            out.append(_make(ctx, u, text, by))
            used.add(u.index)
            continue
        if (perfect := _PERFECT_ADVICE.search(text)) and (by := attribution.in_sentence(text[: perfect.start()])):
            out.append(_make(ctx, u, text, by))
            used.add(u.index)
            continue
        if not any(_REC_VERB.match(t.text) for t in doc):
            if _FIRST_PERSON_ASK.search(text) and (by := attribution.speaker(text)):
                out.append(_make(ctx, u, text, by))
                used.add(u.index)
            elif (_PASSIVE_ADVICE.match(text) or (_REPORT_SUBJECT.match(text) and _ASK.search(text))) and (
                by := attribution.who(text)
            ):
                # "Kommunen blei tilrådd å …", "Rapporten etterlyser …" in a
                # text about a named organisation's report
                out.append(_make(ctx, u, text, by))
                used.add(u.index)
            continue
        if not _bor_is_main(doc):
            continue
        by = attribution.who(text, verb_at=next(t.idx for t in doc if _REC_VERB.match(t.text)))
        if not by:
            continue
        out.append(_make(ctx, u, text, by))
        used.add(u.index)
    return out, used


def _outside_analysis(ctx: Context) -> bool:
    """Is the document someone else's analysis of the municipality (a
    foranalyse, an evaluation, a report), not its own plan or report?"""
    md = ctx.doc.metadata
    return not (md and md.doc_type.value in _OWN_PLANS)


def _make(ctx: Context, u: Unit, text: str, by: str | None) -> Recommendation:
    return Recommendation(
        text=clip(text),
        citation=ctx.citation(u.page, u.block.section_text),
        by=by,
        topics=ctx.topics(text),
        theme=u.block.section[-1] if u.block.section else "",
        municipality=ctx.municipality,
    )


def extract_recommendations(ctx: Context) -> tuple[list[Recommendation], set[int]]:
    attribution = _Attribution(ctx)
    recs = table_recommendations(ctx, attribution)
    more, used = text_recommendations(ctx, attribution)
    return recs + more, used


__all__ = ["extract_recommendations"]
