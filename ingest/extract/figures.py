"""Figures: numeric facts with a quantity, a unit, a subject and year(s).

    "fra 165 husstander i 2010 til 7 på ventelista"   → 165 → 7 husstander, 2010
    "i perioden 2014-2018 er det etablert 63 boliger"  → 63 boliger, 2014–2018
    "Av alle disse 63 boligene er det 36 boliger til psykisk helse og rus,
     13 til flyktninger og 14 til mennesker som har økonomiske utfordringer"
                                                       → 63 boliger, breakdown
    "160 millioner kroner", "189 mill. kroner"         → kr

A number counts only with a unit: money (kr, kroner, mill., mrd.), a percent,
or a count noun (boliger, husstander, personer, flyktninger …). Dates, years,
section numbers and durations are not figures. Amounts inside an activity
plan belong to its measures (their cost), not here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.extract.common import Context, Unit, is_toc, table_columns, unique_tables, year_range, years_in
from ingest.extract.money import NUM, Money, find_money, money_changes, parse_number
from ingest.records import Figure

_MOD = (
    r"(?:nye|nya|kommunale|kommunalt|disponerte|disponible|lavterskel|egnede|tilrettelagte|tilpassede|ordinære"
    r"|private|ledige|midlertidige|varige|permanente|små|store|flere|sosiale|bosatte|enslige|unge|eldre|ekstra"
    r"|særskilt|eide|aktive|registrerte|ulike|heldøgns|bemannede|statlige|nyetablerte|nybygde"
    # any other attributive adjective in the plural/definite: "vanskeligstilte",
    # "rusavhengige", "kommunalt eigde" (Nynorsk "nye kommunale bustader")
    r"|(?![a-zæøå]+ste\b)[a-zæøå]{2,}(?:e|t))"
)
UNIT_CLASSES: list[tuple[str, str]] = [
    ("boliger", r"\w*boliger|\w*boligene|\w*leiligheter|\w*leilighetene|\w+enheter|\w+enhetene|enheter|småhus|hus|familiehjem"
                r"|bofellesskap|(?:omsorgs|sykehjems|institusjons|bo|bu|avlastnings|bolig|bustad|hospits|akutt|døgn|omsorgs)?plass(?:er|ar)|\w*bustader|\w*bustadene|\w*leilegheiter"
                r"|\w*einingar|\w*einingane|husvære|hybler|\w*hybelleiligheter"),
    ("husstander", r"husstander|husstandene|husholdninger|husholdningene|hushald|husstandar|familier|familiene"
                   r"|familiar|barnefamilier|hushaldningar|hushaldningane|husstandane|barnefamiliar"),
    ("personer", r"personer|mennesker|individer|brukere|beboere|søkere|ungdommer|mindreårige|barn|flyktninger"
                 r"|bostedsløse|innbyggere|deltakere|deltagere|representanter|ansatte|leietakere|flyktningar|bebuarar|personar"
                 r"|innbyggarar|innbyggjarar|deltakarar|bustadlause|menneske|brukarar|søkjarar|søkarar|leigetakarar"
                 r"|innvandrere|asylsøkere|boligsøkere|bustadsøkarar|tilsette|medarbeidere|ungdomar|beboerne"
                 r"|\w*veiledere|\w*rettleiarar|\w*konsulenter|\w*koordinatorer|\w*terapeuter|\w*rådgivere|\w*rådgjevarar"),
    ("kommuner", r"\w*kommuner|\w*kommunar"),
    ("årsverk", r"årsverk|stillinger|stillingar"),
    # loans, grants and applications counted: "innvilget 41 startlån", "143 søknader om kommunal bolig"
    ("lån", r"startlån|startlånet|lån|\w*tilskudd|\w*tilskot"),
    ("søknader", r"søknader|søknadar|søknadene|\w+søknader"),
]
_UNITS = "|".join(f"(?:{p})" for _, p in UNIT_CLASSES)
_UNIT_RX = re.compile(rf"(?P<num>{NUM})\s+(?P<mods>(?:{_MOD}\s+){{0,3}})(?P<unit>{_UNITS})\b", re.IGNORECASE)
_OF_UNIT = re.compile(
    rf"(?P<num>{NUM})\s+av\s+(?:de|dei|disse)?\s*(?:{_MOD}\s+){{0,2}}(?P<unit>{_UNITS})(?<=ene|ane|rne)\b",
    re.IGNORECASE,
)
"""A part of a named whole: "248 av boligene er kjøpt …", "37 av boligene"."""
_COUNT_UNITS = {name for name, _ in UNIT_CLASSES}
_UNIT_CLASS_RX = [(name, re.compile(rf"^(?:{p})$", re.IGNORECASE)) for name, p in UNIT_CLASSES]
_PERCENT = re.compile(rf"(?P<num>{NUM})\s*(?:%|prosent\b|pst\.?)", re.IGNORECASE)
_CHANGE = re.compile(
    rf"\bfr[aå]\s+(?P<a>{NUM})\b(?P<mid>[^.;]{{0,60}}?)\btil\s+(?P<b>{NUM})\b",
    re.IGNORECASE,
)
_COUNT_NAMED = re.compile(
    r"\b(?:antall|antallet|tal på|talet på|talet|tallet på)\s+(?:\w+\s+){0,2}?(?P<unit>\w+)\b[^.;]{0,60}$", re.IGNORECASE
)
"""A count named before its change: "Antallet bostedsløse gikk ned fra 23 til 9"."""
_RANGE_BEFORE_MONEY = re.compile(rf"(?:(?P<a>{NUM})\s*(?:til|[-–])|\bmellom\s+(?P<b>{NUM})\s+og)\s*$", re.IGNORECASE)
_COUNT_RANGE = re.compile(
    rf"(?:(?P<a>{NUM})(?:\s+til\s+|\s*[-–]\s*)|\bmellom\s+(?P<b>{NUM})\s+og\s+)(?=(?:{NUM})\s)", re.IGNORECASE
)
"""The first number of a range before a count or an amount: "tre til fem",
"20–30", "mellom 40 og 60" (`_range_start`)."""
_SUM_WORD = re.compile(
    rf"\b(?:summen|beløpet|kostnaden|prisen|leien|husleien|månedsleien)\s+(?:er\s+|på\s+|blir\s+|var\s+)?(?P<num>{NUM})",
    re.IGNORECASE,
)
_VERSUS = re.compile(rf"[^.;:]{{0,40}}?\bmot\s+(?P<num>{NUM})(?![\d,.]*\s*(?:%|prosent|pst|mill|mrd|kr|kroner|år\b))", re.IGNORECASE)
"""The number a count is compared with, right after it ("…, mot 117 året før")."""
_BARE_PART = re.compile(rf"(?P<num>{NUM})\s+(?=(?:til|for)\s)", re.IGNORECASE)
_YEARISH = re.compile(r"^(?:19[89]\d|20[0-4]\d)$")
_DATE = re.compile(r"\b\d{1,2}\.\s?\d{1,2}\.\s?(?:\d{4}|\d{2})\b")
_MONEY_SUBJECT = re.compile(
    r"\b(startlån\w*|\w*tilskudd\w*|investering\w*|\w*ramme\w*|bevilg\w*|budsjett\w*|kostnad\w*|husleie\w*"
    r"|månedsleie\w*|leie|lønn\w*|pris\w*|kvadratmeter\w*|tilsagn\w*|støtte\w*|\w*midler|utgift\w*|bostøtte\w*)\b",
    re.IGNORECASE,
)
_TOC = re.compile(r"(?:\.{3,}|…)\s*\d+")
_REFERENCE = re.compile(r"(?:§§?|\bparagraf|\bkapittel|\bkap\.)\s*$", re.IGNORECASE)
"""What a number right after it is: a section of a law or a document ("sosialtjenesteloven § 15 Boliger …")."""
_THOUSANDS = re.compile(
    r"\b(?:tall|beløp\w*)\s+(?:er\s+|er\s+oppgitt\s+)?i\s+(?:hele\s+)?(?:tusen|1[ .]?000)(?:\s*(?:kr|kroner))?\b"
    r"|\(\s*(?:i\s+)?(?:1[ .]?000|tusen)\s*(?:kr|kroner)\s*\)|\bi\s+(?:1[ .]?000|tusen)\s+kroner\b",
    re.IGNORECASE,
)
"""A table's note that its amounts are in thousands ("Alle tall i tusen kroner", "(i 1000 kr)")."""
_BUDGET_CONTEXT = re.compile(r"budsjett", re.IGNORECASE)
_BUDGET_CONTEXT2 = re.compile(r"regnskap", re.IGNORECASE)
_BUDGET_AMOUNT = re.compile(r"(?<![\d.,])(?:\d[ \u00a0]\d{3}[ \u00a0]\d{3}|\d{1,3}[ \u00a0]\d{3})(?![\d])")


@dataclass
class _Cand:
    start: int
    end: int
    value: float
    unit: str
    subject: str
    value_to: float | None = None
    year: int | None = None
    year_to: int | None = None
    breakdown: dict[str, float] | None = None
    parenthetical: bool = False
    budget: bool = False


def _range_start(m: re.Match[str] | None) -> str | None:
    """The first number of a `_RANGE_BEFORE_MONEY` or `_COUNT_RANGE` match, unless it is a year."""
    first = m and (m.group("a") or m.group("b"))
    return None if not first or _YEARISH.match(first) else first


def _unit_class(word: str) -> str:
    for name, rx in _UNIT_CLASS_RX:
        if rx.match(word):
            return name
    return word.lower()


def _complement(text: str, pos: int, limit: int = 7) -> str:
    """'til psykisk helse og rus', 'på venteliste for tildeling av bolig'."""
    rest = text[pos:]
    m = re.match(r"\s+((?:til|for|på|med|i|innen)\s+[^,.;:()\d]{2,80})", rest)
    if not m:
        return ""
    words = m.group(1).split()
    out = []
    for w in words[:limit]:
        if re.match(r"(?:er|har|var|ble|vil|skal|kan|og|som|at)$", w) and out:
            break
        out.append(w)
    return " ".join(out)


def _masked(text: str) -> str:
    return _DATE.sub(lambda m: " " * len(m.group(0)), text)


def _free_number(m: re.Match[str], taken: list[tuple[int, int]]) -> tuple[tuple[int, int], float] | None:
    """Span and value of the match's "num" group, unless it overlaps a number
    already read or looks like a year."""
    span = (m.start("num"), m.end("num"))
    if _overlaps(span, taken) or _YEARISH.match(m.group("num")):
        return None
    v = parse_number(m.group("num"))
    return None if v is None else (span, v)


def _overlaps(a: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(not (a[1] <= s or a[0] >= e) for s, e in spans)


_COLOPHON = re.compile(
    r"\b(?:ISBN|ISSN|Antall sider|Utgiver|kan bestilles|Pris\s*:|rapporten(?:e)? koster|abonnement\w*|porto)\b",
    re.IGNORECASE,
)
_LABELLED = re.compile(
    rf"(?:\b(?:antall|antallet|tal på|talet på)\s+(?:{_MOD}\s+){{0,3}}(?P<unit>{'|'.join(f'(?:{p})' for _, p in UNIT_CLASSES)})\b"
    rf"|(?P<pop>\b(?:innbyggertall\w*|innbyggjartal\w*|folketall\w*|folketal\w*|folkemengde\w*|befolkningstall\w*)))"
    rf"[^\d:.;]{{0,30}}(?:\s*(?:per|pr\.?)\s*[\d.]+)?"
    rf"(?:\s*:|\s+(?:er|var|er på|var på|ligger på|låg på|utgjør|utgjorde|økte til|auka til|har økt til|har auka til"
    rf"|(?:har\s+)?stabilisert seg på|(?:har\s+)?(?:steget|sunket|falt|gått ned|gått opp) til))"
    rf"\s*(?:om lag\s+|ca\.?\s+|cirka\s+|rundt\s+|nesten\s+|over\s+)?(?P<num>{NUM})(?!\s*(?:%|prosent))",
    re.IGNORECASE,
)
_DWELLING_CONTEXT = re.compile(
    r"\b(?:\w*bolig(?:er|ene|en)?|\w*leilighet\w*|\w*bustad(?:er|ene)?|bygg\w*|\w*prosjekt\w*|bofellesskap\w*|borettslag\w*"
    r"|omsorgsbolig\w*|\w*boliger|boligpotensial\w*|\w*reguleringsplan\w*|boligtomt\w*)\b",
    re.IGNORECASE,
)
_SIZE_CLASS = re.compile(r"\b(?:husstand\w*|hushald\w*|familie\w*|husholdning\w*)\s+(?:på|med)\s+$", re.IGNORECASE)
_ELLIPTIC = re.compile(
    rf"(?:(?P<av>\bav\s+(?:disse|dem|de|desse|dei)\s+(?:har|hadde|er|var|ble|vart|fikk|fekk|bor|budde)\s+(?:det\s+)?)"
    rf"|(?:^|[,;]\s*|\bog\s+|\b(?:hvorav|herav|derav|kor av)\s+)"
    rf"(?=(?:{NUM})\s+(?:har|hadde|er|var|ble|vart|fikk|fekk|bor|bodde|budde|flyttet|flytta|kjøpte|mistet|mista"
    rf"|mottok|mottek|sto|står|kom|gikk)\b)"
    rf"|(?P<og>\bog\s+)(?=(?:{NUM})\s+(?:under|i|på|er|var|ble|blir|til|som|med|uten)\b)"
    # "passert 60 000 innbyggere, og om 20 år regner vi med å være over 70 000"
    rf"|(?P<be>\b(?:være|vere|bli|verte|passere|nå|øke til|auke til|stige til)\s+(?:over|under|om lag|ca\.?|cirka|rundt|nesten|drøyt|vel)?\s*)"
    rf"(?=(?:{NUM})(?:\s*[.,;]|\s*$|\s+(?:i|innen|før|etter)\s)))"
    rf"(?P<num>{NUM})(?!\s*(?:%|prosent))",
    re.IGNORECASE,
)


def _nearest(counts: list[_Cand], pos: int) -> _Cand | None:
    """The count before `pos` (closest), else the first one after it."""
    before = [c for c in counts if c.end <= pos and c.unit in _COUNT_UNITS]
    if before:
        return before[-1]
    after = [c for c in counts if c.start >= pos and c.unit in _COUNT_UNITS]
    return after[0] if after else None


def figures_in_sentence(text: str, ctx: Context | None = None, prev_count: _Cand | None = None) -> list[_Cand]:
    masked = _masked(text)
    cands: list[_Cand] = []
    taken: list[tuple[int, int]] = []

    # 1. changes "fra A … til B"
    for m in _CHANGE.finditer(masked):
        a, b = parse_number(m.group("a")), parse_number(m.group("b"))
        if a is None or b is None or _YEARISH.match(m.group("a")) or _YEARISH.match(m.group("b")):
            continue
        mid = m.group("mid")
        unit_m = re.match(rf"\s*(?:{_MOD}\s+){{0,3}}(\w+)", mid)
        unit_word = unit_m.group(1) if unit_m else ""
        cls = _unit_class(unit_word) if unit_word else ""
        after = re.match(r"\s*(?:prosent|%)", masked[m.end():])
        end = m.end()
        if cls not in _COUNT_UNITS and not after:
            # the unit after the second number: "redusert fra 45 til 12 husstander"
            post = re.match(rf"\s*(?:{_MOD}\s+){{0,3}}(\w+)", masked[m.end():])
            if post is not None and _unit_class(post.group(1)) in _COUNT_UNITS:
                unit_word, cls, end = post.group(1), _unit_class(post.group(1)), m.end() + post.end()
            elif named := _COUNT_NAMED.search(masked[: m.start()]):
                # the count named before: "Talet på hushald i mellombels bustad gjekk ned frå 12 til 4"
                unit_word, cls = named.group("unit"), _unit_class(named.group("unit"))
                if cls not in _COUNT_UNITS:
                    continue
            else:
                continue
        years = years_in(mid)
        tail = masked[end: end + 40]
        years_after = years_in(tail.split(".")[0])
        cands.append(
            _Cand(m.start(), end, a, "prosent" if after else cls, unit_word if not after else "prosent",
                  value_to=b, year=years[0] if years else None, year_to=years_after[0] if years_after else None)
        )
        taken.append((m.start(), end))

    # 2. money — not the price of the report itself ("Pris: kr 250,-")
    money: list[Money] = [] if _COLOPHON.search(text) else find_money(text)
    for ch in money_changes(text, money):
        if not _overlaps((ch.before.start, ch.after.end), taken):
            cands.append(_Cand(ch.before.start, ch.after.end, ch.before.amount, "kr", _money_subject(text),
                               value_to=ch.after.amount, year=ch.year, year_to=ch.year_to))
            taken.append((ch.before.start, ch.after.end))
    for mo in money:
        if _overlaps((mo.start, mo.end), taken):
            continue
        value_to = None
        start = mo.start
        rb = _RANGE_BEFORE_MONEY.search(masked[: mo.start])
        if start_text := _range_start(rb):
            first = parse_number(start_text)
            if first is not None:
                mag = mo.amount / (parse_number(re.search(NUM, mo.text).group(0)) or 1) if re.search(NUM, mo.text) else 1
                value_to, start = mo.amount, rb.start()
                cands.append(_Cand(start, mo.end, first * mag, "kr", _money_subject(text), value_to=value_to))
                taken.append((start, mo.end))
                continue
        cands.append(_Cand(start, mo.end, mo.amount, "kr", _money_subject(text)))
        taken.append((start, mo.end))

    # 3. percent
    for m in _PERCENT.finditer(masked):
        if _overlaps((m.start(), m.end()), taken):
            continue
        v = parse_number(m.group("num"))
        if v is None:
            continue
        # "kr 4 mill. (12 %)", "9 personer (18 %)": the same quantity again, as a share
        paren = masked[: m.start()].rstrip().endswith("(") and (
            any(0 <= m.start() - e <= 4 for _, e in taken)
            or re.search(r"\b\d[\d .,]*\s+[a-zæøå]+\s*\($", masked[: m.start()].rstrip()[-40:]) is not None
        )
        cands.append(_Cand(m.start(), m.end(), v, "prosent", _complement(text, m.end()) or "", parenthetical=paren))
        taken.append((m.start(), m.end()))

    # 3b. "summen 22.500", "husleien er 8 000": an amount named by its noun
    for m in _SUM_WORD.finditer(masked):
        span = (m.start("num"), m.end("num"))
        if _overlaps(span, taken) or _YEARISH.match(m.group("num")):
            continue
        v = parse_number(m.group("num"))
        if v is not None and v >= 100:
            cands.append(_Cand(span[0], span[1], v, "kr", m.group(0).split()[0].lower()))
            taken.append(span)

    # 4. counts
    counts: list[_Cand] = []
    for m in _UNIT_RX.finditer(masked):
        if _overlaps((m.start(), m.end()), taken):
            continue
        if _YEARISH.match(m.group("num")):
            continue
        v = parse_number(m.group("num"))
        if v is None:
            continue
        unit_word = m.group("unit")
        if unit_word.lower() in ("enheter", "enhetene") and not _DWELLING_CONTEXT.search(text):
            continue  # "fordelt på fem enheter": units of the organisation
        if unit_word.isupper() and len(unit_word) > 3:
            continue  # "1 PROSJEKT BOSTEDSLØSE": a heading in capitals, not a count
        mods = " ".join(m.group("mods").split())
        subject = " ".join(x for x in (mods, unit_word, _complement(text, m.end())) if x)
        c = _Cand(m.start(), m.end(), v, _unit_class(unit_word), subject)
        lo = max(0, m.start() - 30)
        rng = _COUNT_RANGE.search(masked[lo : m.end()])
        if (start_text := _range_start(rng)) and masked[lo + rng.end() :].startswith(m.group("num")):
            first = parse_number(start_text)
            if first is not None and first < v:  # "tre til fem barn"
                c.value, c.value_to = first, v
                c.start = lo + rng.start()
        counts.append(c)
        taken.append((c.start, m.end()))

    for m in _OF_UNIT.finditer(masked):
        if _overlaps((m.start(), m.end()), taken) or _YEARISH.match(m.group("num")):
            continue
        if re.search(r"\b(?:par|noen|noen få)\s+$", masked[max(0, m.start() - 12) : m.start()], re.IGNORECASE):
            continue  # "et par hundre av boligene": no count
        v = parse_number(m.group("num"))
        if v is not None:
            subject = " ".join(x for x in (m.group("unit"), _complement(text, m.end())) if x)
            counts.append(_Cand(m.start(), m.end(), v, _unit_class(m.group("unit")), subject))
            taken.append((m.start(), m.end()))

    # "husstander med 2 personer": a size class, not a count; "per 1000
    # innbyggere": the denominator of a rate
    counts = [
        c for c in counts
        if not _SIZE_CLASS.search(masked[max(0, c.start - 40) : c.start])
        and not re.search(r"\b(?:per|pr\.?)\s*$", masked[max(0, c.start - 6) : c.start], re.IGNORECASE)
    ]

    # 4a. "Antall kommunale boliger: 120", "Innbyggertal 1.1.2020: 14 500"
    for m in _LABELLED.finditer(masked):
        got = _free_number(m, taken)
        if got is None:
            continue
        span, v = got
        unit = "personer" if m.group("pop") else _unit_class(m.group("unit"))
        counts.append(_Cand(m.start(), span[1], v, unit, " ".join(m.group(0)[: m.start("num") - m.start()].split()).rstrip(":")))
        taken.append(span)

    # 4c. the same count a year before, as a bare number: "143 søknader, mot 117 året før",
    # "41 startlån i 2023, mot 33 i 2022" (BRIEF: two figures)
    for c in list(counts):
        m = _VERSUS.match(masked, c.end)
        if m is None or _YEARISH.match(m.group("num")) or _overlaps((m.start("num"), m.end("num")), taken):
            continue
        v = parse_number(m.group("num"))
        if v is not None:
            counts.append(_Cand(m.start("num"), m.end("num"), v, c.unit, c.subject))
            taken.append((m.start("num"), m.end("num")))

    # 4b. elliptic counts: "Av disse har 40 etablert seg …, 2 har kjøpt egen
    # bolig og 13 personer …", "57 boenheter ferdigstilt og 61 under bygging":
    # a bare number that is the subject of a clause or the second half of a
    # coordination takes the unit of a count in the same sentence (or, for
    # "Av disse har N", of the sentence before).
    for m in _ELLIPTIC.finditer(masked):
        got = _free_number(m, taken)
        if got is None:
            continue
        span, v = got
        # the count of the sentence before: "Av disse har 40 …", or a sentence
        # that opens with the number ("25 personer var bostedsløse. 23 hadde …")
        opens = m.group("av") or not masked[: span[0]].strip()
        ref = _nearest(counts, span[0]) or (prev_count if opens else None)
        if ref is None:
            continue
        if (m.group("og") or m.group("be")) and (ref.end > span[0] or span[0] - ref.end > 80):
            continue  # coordination: the count comes first and close by
        counts.append(_Cand(span[0], span[1], v, ref.unit, ref.subject))
        taken.append(span)
    counts.sort(key=lambda c: c.start)

    # 5. breakdown: a total and its parts in one sentence
    parts_bare: list[_Cand] = []
    for m in _BARE_PART.finditer(masked):
        if _overlaps((m.start(), m.end()), taken) or _YEARISH.match(m.group("num")):
            continue
        v = parse_number(m.group("num"))
        if v is not None and m.group("num").strip().isdigit():
            parts_bare.append(_Cand(m.start(), m.end(), v, "", _complement(text, m.end() - 1)))
    if len(counts) >= 1 and len(counts) + len(parts_bare) >= 3:
        pool = counts + parts_bare
        for total in counts:
            parts = [c for c in pool if c is not total and c.start > total.start]
            if len(parts) >= 2 and abs(sum(p.value for p in parts) - total.value) < 1e-6:
                bd: dict[str, float] = {}
                for p in parts:
                    key = _part_key(text[p.start:], ctx)
                    bd[key] = bd.get(key, 0) + p.value
                total.breakdown = bd
                counts = [c for c in counts if c is total or c not in parts]
                break
    cands.extend(counts)

    cands = [c for c in cands if not c.parenthetical and not _REFERENCE.search(text[: c.start])]
    cands.sort(key=lambda c: c.start)
    # years for those without
    rng = year_range(masked)
    ys = years_in(masked)
    for c in cands:
        if c.year is None:
            if rng:
                c.year, c.year_to = rng
            elif ys:
                c.year = ys[0]
                if len(set(ys)) > 1 and c.value_to is None:
                    c.year_to = None
    return cands


def _part_key(rest: str, ctx: Context | None) -> str:
    """Name a breakdown part ('36 boliger til psykisk helse og rus, …') by the
    target group it is for, else by its own words."""
    m = re.match(r"\s*\S+\s+(.*?)(?:,|;|\.|\s+og\s+\d|$)", rest)
    chunk = (m.group(1) if m else rest).strip()
    if ctx is not None:
        groups = ctx.target_groups(chunk)
        if groups:
            return groups[0]
    return " ".join(chunk.split()[:6]) or "annet"


def _money_subject(text: str) -> str:
    m = _MONEY_SUBJECT.search(text)
    return m.group(1).lower() if m else ""


def _budget_figures(ctx: Context, u: Unit, scale: float = 1.0) -> list[_Cand]:
    """Bare amounts in a flattened budget/accounts table: an amount right after
    a text label ('Kompetanseheving 50 000') is a figure in kr (times `scale`
    where the page says its amounts are in thousands); amounts after another
    number (the accounts column) are left out: which column they are in can
    no longer be told."""
    out: list[_Cand] = []
    masked = _masked(u.text)
    for m in _BUDGET_AMOUNT.finditer(masked):
        # (a minus sign belongs to the amount: "… 520 000 - 46 001" is the next column,
        # "videreutlån- 222 850" the row's first)
        before = re.sub(r"[\s\-–\u2212]+$", "", masked[: m.start()])
        if not before or before[-1].isdigit() or find_money(u.text[max(0, m.start() - 4): m.end()]):
            continue
        label = re.findall(r"[^\d]{1,60}$", before)
        v = parse_number(m.group(0))
        if v is None or v < 1000:
            continue
        subject = " ".join(label[0].split()[-4:]) if label else ""
        out.append(_Cand(m.start(), m.end(), v * scale, "kr", subject, budget=True))
    return out


# A table typed as text: "År Kostnader (i kr) Antall husstander 2010 267 000
# 22 2011 2 550 000 67 …" — rows that open with a year and hold only numbers.
_ROW = re.compile(r"(?<![\d.,])(?P<year>19[89]\d|20[0-4]\d)(?P<cells>(?:[ \u00a0\t]+(?:\d{1,3}(?:,\d+)?|-|–))+)(?=\s|$)")
_COLUMN_START = re.compile(
    r"\b(?:antall|tal på|talet på|kostnad\w*|utgift\w*|beløp\w*|sum\w*|andel\w*|budsjett\w*|regnskap\w*"
    r"|gjennomsnitt\w*|ventetid\w*|netto|brutto)\b",
    re.IGNORECASE,
)
_MONEY_HEADER = re.compile(r"\b(?:kr|kroner|nok|kostnad\w*|utgift\w*|beløp\w*|budsjett\w*|regnskap\w*|lønn\w*)\b", re.I)
_PERCENT_HEADER = re.compile(r"%|\bprosent\b|\bandel\w*", re.I)
_DURATION_HEADER = re.compile(r"\b(?:ventetid\w*|dager|døgn|måneder|uker|år)\b\s*$|\bventetid", re.I)


def _segment(tokens: list[str], k: int | None) -> list[str] | None:
    """Group the number tokens of a row into cells: '2 550 000 67 11' →
    ['2 550 000', '67', '11']. With k columns known, the one grouping that
    gives k cells (a 3-digit token after another continues its number);
    otherwise the greedy one."""
    def ways(i: int) -> list[list[str]]:
        if i == len(tokens):
            return [[]]
        t = tokens[i]
        if t in ("-", "–"):
            return [["-"] + rest for rest in ways(i + 1)]
        if len(t) == 3 and t.startswith("0") and t != "0":
            return []  # "000" cannot open a number
        out = []
        j = i + 1
        while True:
            for rest in ways(j):
                out.append([" ".join(tokens[i:j])] + rest)
            if j < len(tokens) and re.fullmatch(r"\d{3}", tokens[j]) and "," not in tokens[j - 1]:
                j += 1
                continue
            break
        return out

    if len(tokens) > 12:
        return None
    options = ways(0)
    if k:
        fit = [o for o in options if len(o) == k]
        if fit:
            return min(fit, key=len)
        return None
    return min(options, key=len) if options else None


def _row_unit(header: str) -> tuple[str, str] | None:
    """(unit, subject) of a column from its header text."""
    h = " ".join(header.split())
    if not h:
        return None
    if re.match(r"(?:antall|tal på|talet på)\b", h, re.I):
        for w in re.findall(r"\w+", h)[1:4]:
            cls = _unit_class(w)
            if cls in _COUNT_UNITS:
                return cls, h  # "Antall husstander bodd over tre måneder"
    if _DURATION_HEADER.search(h):
        return None
    if _PERCENT_HEADER.search(h):
        return "prosent", h
    if _MONEY_HEADER.search(h):
        return "kr", h
    for w in re.findall(r"\w+", h):
        cls = _unit_class(w)
        if cls in _COUNT_UNITS:
            return cls, h
    return None


def table_row_figures(text: str) -> list[_Cand]:
    """Figures of a table flattened into text whose rows open with a year.
    Needs at least two rows with increasing years and a header naming the
    columns (their unit: kr, prosent or a count noun); empty and zero cells
    are left out."""
    masked = _masked(text)
    rows = list(_ROW.finditer(masked))
    # keep runs of rows with increasing years
    run: list[re.Match] = []
    for m in rows:
        if run and int(m.group("year")) <= int(run[-1].group("year")):
            break
        if run and masked[run[-1].end() : m.start()].strip():
            break  # words between: not the next row
        run.append(m)
    if len(run) < 2:
        return []
    head = masked[: run[0].start()]
    head = re.split(r"(?<=[.:!?])\s+", head.strip())[-1] if head.strip() else ""
    starts = [m.start() for m in _COLUMN_START.finditer(head)]
    if not starts:
        return []
    columns = [head[a:b] for a, b in zip(starts, starts[1:] + [len(head)])]
    units = [_row_unit(c) for c in columns]
    out: list[_Cand] = []
    for m in run:
        cells = _segment(m.group("cells").split(), len(columns))
        if not cells:
            continue
        year = int(m.group("year"))
        for cell, unit in zip(cells, units):
            if unit is None or cell in ("-", "–"):
                continue
            v = parse_number(cell)
            if not v:
                continue
            c = _Cand(m.start(), m.end(), v, unit[0], unit[1], year=year)
            c.row = True  # type: ignore[attr-defined]
            out.append(c)
    return out


def _window(text: str, start: int, end: int, limit: int = 300) -> str:
    """The sentence, or for a long run-on 'sentence' the words around the figure."""
    text = " ".join(text.split()) if len(text) <= limit else text
    if len(text) <= limit:
        return text
    a = max(0, start - 120)
    b = min(len(text), end + 120)
    a = text.rfind(" ", 0, a) + 1 if a > 0 else 0
    nb = text.find(" ", b)
    b = len(text) if nb < 0 else nb
    return ("… " if a > 0 else "") + " ".join(text[a:b].split()) + (" …" if b < len(text) else "")


_MAX_COUNT = 10_000_000
"""More dwellings, households or persons than this is a misread number (Norway has 5.6 million people)."""


def _figure(ctx: Context, c: _Cand, text: str, citation, context_text: str) -> Figure:
    """The Figure of candidate `c`, quoted as `text`; topics from `context_text`."""
    return Figure(
        text=text, citation=citation, value=c.value, unit=c.unit, subject=c.subject, value_to=c.value_to,
        year=c.year, year_to=c.year_to, breakdown=c.breakdown or {}, municipality=ctx.municipality,
        topics=ctx.topics(context_text),
    )


def extract_figures(ctx: Context, skip_blocks: set[int]) -> list[Figure]:
    out: list[tuple[Figure, bool]] = []  # (figure, read from an accounts table)
    budget_blocks = {
        id(b) for b in ctx.blocks if _BUDGET_CONTEXT.search(b.text) and _BUDGET_CONTEXT2.search(b.text)
    }
    budget_pages = {b.page for b in ctx.blocks if id(b) in budget_blocks}
    thousands = {b.page for b in ctx.blocks if b.page in budget_pages and _THOUSANDS.search(b.text)}
    prev_count: _Cand | None = None
    prev_block = None
    for u in ctx.units:
        if u.block is not prev_block:
            prev_count, prev_block = None, u.block
        if id(u.block) in skip_blocks or is_toc(u.block.text):
            continue
        if len(_TOC.findall(u.text)) >= 2:
            continue  # a table of contents: "Kartlegging... 7 Unge i etableringsfasen... 7"
        if u.is_heading and u.page == 1 and u.index <= 2:
            continue  # a title or headline: "Tre kommuner nominert til boligsosial pris"
        rows = table_row_figures(u.text)
        row_spans = [(c.start, c.end) for c in rows]
        cands = [c for c in figures_in_sentence(u.text, ctx, prev_count) if not _overlaps((c.start, c.end), row_spans)]
        counted = [c for c in cands if c.unit in _COUNT_UNITS]
        prev_count = counted[-1] if counted else prev_count
        if u.page in budget_pages:
            have = [(c.start, c.end) for c in cands] + row_spans
            scale = 1000.0 if u.page in thousands else 1.0
            cands += [c for c in _budget_figures(ctx, u, scale) if not _overlaps((c.start, c.end), have)]
        cands += rows
        for c in cands:
            if c.unit in _COUNT_UNITS and c.value > _MAX_COUNT:
                continue  # "128 154 181 187" read as one number: cells of a flattened table row
            row = getattr(c, "row", False)
            text = f"{' '.join(u.text[c.start:c.end].split())} ({c.subject})" if row else _window(u.text, c.start, c.end)
            out.append((_figure(ctx, c, text, ctx.citation(u.page, u.block.section_text), u.text), c.budget))
    # the counts a plan table's measures name ("Kjøpe 4 husvære"); its money is their cost, no figure
    for table in unique_tables(ctx.doc):
        mi = table_columns(table).get("measure")
        if mi is None:
            continue
        for r, row in enumerate(table.rows):
            cell = " ".join((row[mi] if mi < len(row) else "").split())
            pg = table.row_pages[r] if r < len(table.row_pages) else table.page
            for c in figures_in_sentence(cell, ctx, None):
                if c.unit == "kr" or (c.unit in _COUNT_UNITS and c.value > _MAX_COUNT):
                    continue
                out.append((_figure(ctx, c, _window(cell, c.start, c.end), ctx.citation(pg, table.title), cell), False))
    # an accounts table's amount that the page's prose also states, rounded
    # ("Videreutlån 473 999" in thousands, "474 mill." in the text), once: in the prose
    prose = [f for f, table in out if not table and f.unit == "kr"]
    kept = [
        f for f, table in out
        if not table
        or not any(p.citation.page == f.citation.page and abs(p.value - f.value) <= 0.005 * f.value for p in prose)
    ]
    # a sentence repeated on the same page (web pages often repeat a lead
    # paragraph) states its figures once
    seen: set[tuple] = set()
    unique: list[Figure] = []
    for f in kept:
        key = (f.citation.page, " ".join(f.text.split()).lower(), f.value, f.unit)
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique
