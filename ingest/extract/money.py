"""Norwegian numbers and money amounts.

    >>> parse_nok("Totalt kr 800 000")
    800000.0
    >>> parse_nok("60 mill. kr"), parse_nok("1 mrd."), parse_nok("6,4 millioner kroner")
    (60000000.0, 1000000000.0, 6400000.0)

Thousands are grouped with a space, a no-break space or a dot ("800 000",
"800.000", "1.700"); the decimal mark is a comma ("6,4"). A dot followed by
anything but exactly three digits is not a thousands separator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Spelled-out numbers. "en/ett/ei" are left out on purpose: they are the
# indefinite article far more often than the number one.
WORD_NUMBERS: dict[str, float] = {
    "null": 0, "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "sju": 7, "syv": 7, "åtte": 8,
    "ni": 9, "ti": 10, "elleve": 11, "tolv": 12, "tretten": 13, "fjorten": 14, "femten": 15,
    "seksten": 16, "sytten": 17, "atten": 18, "nitten": 19, "tjue": 20, "tretti": 30,
    "førti": 40, "femti": 50, "hundre": 100,
}

_SEP = r"[ \u00a0\u202f.]"
# A number: grouped thousands or plain digits, optional decimal comma.
NUMBER = rf"\d{{1,3}}(?:{_SEP}\d{{3}})+(?:,\d+)?|\d+(?:,\d+)?"
_WORDNUM = "|".join(sorted(WORD_NUMBERS, key=len, reverse=True))
NUM = rf"(?<![\w,.:/])(?:{NUMBER}|(?:{_WORDNUM})(?=\s))(?![\d])"

MAGNITUDES: dict[str, float] = {
    "mrd": 1e9, "milliard": 1e9, "milliarder": 1e9, "milliarden": 1e9, "mia": 1e9,
    "mill": 1e6, "million": 1e6, "millioner": 1e6, "millionar": 1e6, "mln": 1e6, "mil": 1e6,
    "tusen": 1e3, "tusener": 1e3, "mnok": 1e6, "mkr": 1e6,
}
_MAG = r"(?:mrd|milliard(?:er|en)?|mia|mill|million(?:er|ar)?|mln|tusen(?:er)?|mnok|mkr)\b\.?"
_CUR = r"(?:kr\b\.?|kroner\b|NOK\b|,-)"

# kr 800 000 | kr 120 millioner | NOK 3 mill.
_PRE = re.compile(rf"(?P<cur>{_CUR})\s*(?P<num>{NUM})(?:\s*(?P<mag>{_MAG}))?", re.IGNORECASE)
# 800 000 kr | 60 mill. kr | 6,4 millioner kroner | 250,- | 29 millioner | 1 mrd.
_POST = re.compile(rf"(?P<num>{NUM})(?:\s*(?P<mag>{_MAG}))?\s*(?P<cur>{_CUR})?", re.IGNORECASE)

# "under en million", "ein milliard": the article "en/ein/ett" before a magnitude is the number one
_ONE = re.compile(r"(?<![\w,.])(?:en|én|ein|eitt|ett)\s+(?P<mag>million|milliard|mill\.|mrd\.)(?!\w)", re.IGNORECASE)
# "Hver leilighet vil koste 840.000": a price with no currency word; only whole thousands
_PRICE = re.compile(
    rf"\b(?:koste[rt]?|kostar|kosta|prisen\s+(?:er|blir|var|vil\s+bli)|pris\s+på)\s+"
    rf"(?:(?:ca|cirka|om\s+lag|rundt|omkring|drøyt|snaut|nesten|over|under)\.?\s+)?"
    rf"(?P<num>\d{{1,3}}(?:{_SEP}\d{{3}})+)(?!\d|,\d)",
    re.IGNORECASE,
)

_BARE = re.compile(
    rf"^\W*(?:(?:totalt|samlet|sum|budsjett|kostnad\w*|ca|cirka|inntil|om lag|kr|kroner|nok)\b\.?:?\s*)*"
    rf"(?P<num>{NUMBER})\W*$",
    re.IGNORECASE,
)

# Things that look like numbers but are not amounts.
_DATE = re.compile(r"\b\d{1,2}\.\s?\d{1,2}\.\s?(?:\d{4}|\d{2})\b|\b\d{1,2}\.\d{1,2}\.(?!\d)")
_NOT_MONEY_AFTER = re.compile(
    r"\s*(?:innbyggere|personer|mennesker|husstander|boliger|leiligheter|brukere|kvadratmeter|m2|år)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Money:
    amount: float  # NOK
    start: int
    end: int
    text: str


def parse_number(text: str) -> float | None:
    """'1.700' → 1700, '800 000' → 800000, '6,4' → 6.4, 'seks' → 6."""
    t = text.strip().lower()
    if t in WORD_NUMBERS:
        return float(WORD_NUMBERS[t])
    if not re.fullmatch(NUMBER, t):
        return None
    t = re.sub(_SEP, "", t).replace(",", ".")
    try:
        return float(t)
    except ValueError:
        return None


def _magnitude(mag: str | None) -> float:
    if not mag:
        return 1.0
    return MAGNITUDES.get(mag.lower().rstrip("."), 1.0)


def _masked(text: str) -> str:
    """Dates replaced by spaces (same length) so '1.1.2011' is not a number."""
    return _DATE.sub(lambda m: " " * len(m.group(0)), text)


def find_money(text: str) -> list[Money]:
    """Every money amount in `text`: a number with a currency word (kr,
    kroner, NOK, ',-') or a magnitude (mill., millioner, mrd.), "en million"
    (the article as the number one before a magnitude), or whole thousands
    priced by a verb ("vil koste 840.000"). A number with a magnitude but
    followed by a count noun ("1 million innbyggere") is not money."""
    masked = _masked(text)
    found: list[Money] = []
    taken: list[tuple[int, int]] = []

    def take(s: int, e: int, amount: float) -> None:
        """Record an amount at [s, e) unless an earlier pattern already has that text."""
        if all(e <= a or s >= b for a, b in taken):
            taken.append((s, e))
            found.append(Money(amount, s, e, text[s:e].strip()))

    for rx in (_PRE, _POST):
        for m in rx.finditer(masked):
            cur, mag = m.group("cur"), m.group("mag")
            if not cur and not mag:
                continue
            if rx is _POST and not cur and _NOT_MONEY_AFTER.match(masked, m.end()):
                continue
            num = parse_number(m.group("num"))
            if num is None:
                continue
            if not mag and m.group("num").lower() in WORD_NUMBERS:
                continue  # "to kr" — too weak
            take(m.start(), m.end(), num * _magnitude(mag))
    for m in _ONE.finditer(masked):
        if not _NOT_MONEY_AFTER.match(masked, m.end()):
            take(m.start(), m.end(), _magnitude(m.group("mag")))
    for m in _PRICE.finditer(masked):
        num = parse_number(m.group("num"))
        if num is not None and not _NOT_MONEY_AFTER.match(masked, m.end("num")):
            take(m.start("num"), m.end("num"), num)
    found.sort(key=lambda x: x.start)
    return found


_CHANGE_FROM = re.compile(r"\b(?:fra|frå)\s+$", re.IGNORECASE)
_CHANGE_TO = re.compile(r"^\s*(?:i\s+(?P<year>\d{4})\s+)?til\s+$", re.IGNORECASE)
_CHANGE_YEAR_TO = re.compile(r"^\s*i\s+(?P<year>\d{4})\b")


@dataclass(frozen=True)
class MoneyChange:
    """Two amounts of one change: "fra 20 mill. kr i 2016 til 45 mill. kr i 2020"."""

    before: Money
    after: Money
    year: int | None = None
    year_to: int | None = None


def money_changes(text: str, found: list[Money] | None = None) -> list[MoneyChange]:
    """The pairs of `find_money(text)` that state one amount changing into
    another ("økt rammen fra 20 mill. kr i 2016 til 45 mill. kr i 2020"),
    with the years beside them. Neither amount is a cost."""
    found = find_money(text) if found is None else found
    out = []
    for a, b in zip(found, found[1:]):
        between = _CHANGE_TO.match(text[a.end : b.start])
        if between and _CHANGE_FROM.search(text[max(0, a.start - 12) : a.start]):
            y = between.group("year")
            y2 = _CHANGE_YEAR_TO.match(text[b.end :])
            out.append(MoneyChange(a, b, int(y) if y else None, int(y2.group("year")) if y2 else None))
    return out


def parse_nok(text: str) -> float | None:
    """The first money amount in `text`, in NOK; None if there is none.

    A cell or phrase that is only an amount ("800 000", "Totalt 750 000",
    "500.000.") is read as NOK too; a sentence with numbers but no currency
    or magnitude word is not."""
    if not text:
        return None
    found = find_money(text)
    if found:
        return found[0].amount
    m = _BARE.match(_masked(text))
    if m:
        return parse_number(m.group("num"))
    return None
