"""Norwegian municipalities: the 357 of 2024, their predecessors and city districts.

Data lives in ``data/kommuner.csv`` (current municipalities with SSB population)
and ``data/kommuner_history.csv`` (municipalities merged or renamed 2017–2024,
plus the bydeler of Oslo and Bergen). Both files name their public source in a
header comment.

Conventions:

* A current municipality has ``successor is None``.
* A historical municipality (Fjell, Nedre Eiker, Nærøy …) keeps its own name and
  2016 number; ``successor`` is the kommunenummer of the municipality it became
  part of, and ``fylke`` is the successor's (2024) county. ``population`` is None.
* Bydeler (Alna, Grorud, Groruddalen …) resolve to their city: ``get("Alna")``
  returns Oslo.

Lookups are case and diacritic tolerant ("Baerum" → Bærum, "Tromso" → Tromsø,
"Aalesund" → Ålesund) and accept kommunenummer, current or 2016.
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

__all__ = ["Municipality", "Municipalities", "fold"]


@dataclass(frozen=True)
class Municipality:
    number: str  # kommunenummer; for historical ones the 2016 number
    name: str
    fylke: str  # county of the (current successor) municipality, 2024 division
    population: int | None = None  # SSB 1.1.2024, current municipalities only
    successor: str | None = None  # kommunenummer of the current successor
    aliases: tuple[str, ...] = ()
    kind: str = "kommune"  # "kommune" or "bydel"
    ended: int | None = None  # last year it existed (historical)
    note: str = ""

    @property
    def is_current(self) -> bool:
        return self.successor is None

    @property
    def short_name(self) -> str:
        """Name without a disambiguating county suffix: 'Nes (Buskerud)' → 'Nes'."""
        return re.sub(r"\s*\(.*\)$", "", self.name)


def fold(s: str) -> str:
    """Case- and diacritic-insensitive key: 'Bærum' and 'Baerum' → 'baerum',
    'Tromsø'/'Tromso' → 'tromso', 'Ålesund'/'Aalesund' → 'alesund'."""
    s = s.casefold().strip()
    s = s.replace("æ", "ae").replace("ø", "o").replace("å", "a").replace("aa", "a")
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = re.sub(r"[\s_\-–]+", " ", s)
    s = re.sub(r"\s+kommunes?$", "", s)
    return s.strip()


# Names that are also everyday words, person names or common place names.
# In running text they only count as a municipality when written "X kommune".
WEAK_NAMES = frozenset(
    """Time Lund Vik Bø Os Nes Hole Gran Sel Vang Stad Fjord Heim Alver Kinn Sula Grue Lom Hol Ål Ås
    Frosta Leka Osen Rana Nome Tinn Vega Sola Strand Lier Sande Re Eid Eide Hof Ski Fet Sund Fjell Berg
    Bokn Hå Klepp Flora Valle Vinje Røst Grane Flå Gol Aure Stranda Kvam Luster Tana Meland Halsa Roan
    Åmot Herøy Våler Dovre Loppa Marker Modalen Fauske Bjerke Frogner Arna Fana Sagene""".split()
)

_WORD = r"[^\W\d_]"  # a letter
_POSTCODE_BEFORE = re.compile(r"\b\d{4}\s*$")
_PLACE_PREP = re.compile(r"(?:^|\s)(?:i|fra|på)\s+$")
_KOMMUNE_AFTER = re.compile(r"s?\s*(?:-\s*)?(?:kommunes?|kommunestyre|bykommune|Kommunes?|KOMMUNES?)\b")


class Municipalities:
    """Registry of municipalities. Use ``Municipalities.load()`` (cached)."""

    _cache: dict[tuple[Path, Path], "Municipalities"] = {}

    def __init__(self, current: list[Municipality], history: list[Municipality]) -> None:
        self._current = sorted(current, key=lambda m: m.number)
        self._history = history
        self._by_number: dict[str, Municipality] = {m.number: m for m in self._current}
        self._old_by_number: dict[str, Municipality] = {
            m.number: m for m in history if m.number and m.kind == "kommune"
        }
        self._index: dict[str, list[Municipality]] = {}
        for m in self._current:
            for form in (m.name, *m.aliases):
                self._add_key(form, m)
        for m in history:
            for form in (m.name, m.short_name, *m.aliases):
                self._add_key(form, m)
        self._pattern, self._surface = self._build_pattern()

    # ------------------------------------------------------------------ load
    @classmethod
    def load(
        cls, current_csv: Path | None = None, history_csv: Path | None = None
    ) -> "Municipalities":
        """Load (and cache) the registry from the CSV files in ``ingest/data``."""
        cur = Path(current_csv or DATA_DIR / "kommuner.csv")
        hist = Path(history_csv or DATA_DIR / "kommuner_history.csv")
        key = (cur, hist)
        if key not in cls._cache:
            current = [
                Municipality(
                    number=r["kommunenummer"],
                    name=r["navn"],
                    fylke=r["fylke"],
                    population=int(r["folketall"]),
                    aliases=tuple(a for a in (r.get("aliases") or "").split("|") if a),
                )
                for r in _read_csv(cur)
            ]
            by_number = {m.number: m for m in current}
            history = []
            for r in _read_csv(hist):
                succ = by_number[r["successor"]]
                history.append(
                    Municipality(
                        number=r["old_number"] or "",
                        name=r["name"],
                        fylke=succ.fylke,
                        population=None,
                        successor=succ.number,
                        aliases=tuple(a for a in (r.get("aliases") or "").split("|") if a),
                        kind=r["kind"],
                        ended=int(r["ended"]) if r.get("ended") else None,
                        note=r.get("note") or "",
                    )
                )
            cls._cache[key] = cls(current, history)
        return cls._cache[key]

    # ---------------------------------------------------------------- lookup
    def all(self, include_historical: bool = False) -> list[Municipality]:
        """The 357 current municipalities (plus historical ones if asked)."""
        if include_historical:
            return self._current + [m for m in self._history if m.kind == "kommune"]
        return list(self._current)

    def by_number(self, number: str) -> Municipality | None:
        return self._by_number.get(number.zfill(4)) if number.isdigit() else None

    def get(self, name_or_number: str, fylke: str | None = None) -> Municipality | None:
        """Find a municipality by name, alias or kommunenummer.

        Historical names return the historical record (``successor`` set; use
        :meth:`current` for the municipality of today). Bydel names return the
        city. Ambiguous names (Herøy, Våler) prefer ``fylke`` if given, else
        the current municipality with the most inhabitants.
        """
        if not name_or_number:
            return None
        q = name_or_number.strip()
        if q.isdigit():
            n = q.zfill(4)
            return self._by_number.get(n) or self._old_by_number.get(n)
        cands = self._index.get(fold(q))
        if not cands:
            return None
        if fylke:
            in_fylke = [m for m in cands if fold(m.fylke) == fold(fylke)]
            cands = in_fylke or cands
        # current municipalities first, then historical ones; bydeler last
        def rank(m: Municipality) -> tuple[int, int]:
            order = 0 if m.is_current else (1 if m.kind == "kommune" else 2)
            return (order, -(m.population or 0))

        best = sorted(cands, key=rank)[0]
        if best.kind == "bydel":
            return self._by_number[best.successor or ""]
        return best

    def current(self, m: Municipality | str | None) -> Municipality | None:
        """The municipality of today for a (possibly historical) one."""
        if isinstance(m, str):
            m = self.get(m)
        if m is None:
            return None
        return m if m.is_current else self._by_number.get(m.successor or "")

    def peers(self, name: str, n: int = 10) -> list[Municipality]:
        """Comparable municipalities: similar population, same fylke preferred.

        Distance is |log(pop/pop0)|, reduced by 0.35 for the same county, so a
        neighbour of similar size ranks first and a same-size municipality
        elsewhere comes before a much larger one nearby.
        """
        m = self.current(name)
        if m is None or not m.population:
            return []
        others = [o for o in self._current if o.number != m.number]
        return sorted(others, key=lambda o: self.distance(m, o))[:n]

    @staticmethod
    def distance(m: Municipality, o: Municipality) -> float:
        """How unlike `o` is to `m` (see `peers`): |log(pop/pop0)|, less 0.35
        in the same county."""
        d = abs(math.log(max(o.population or 1, 1)) - math.log(max(m.population or 1, 1)))
        return d - (0.35 if o.fylke == m.fylke else 0.0)

    # ------------------------------------------------------------- find text
    def find_in_text(
        self, text: str, strict: bool = False
    ) -> list[tuple[Municipality, int, int]]:
        """Municipalities mentioned in ``text`` as (municipality, count, first offset).

        A mention is a capitalised name (or ALL CAPS) on word boundaries; a
        genitive -s is allowed ("Askers"). Names that are also ordinary words
        (Time, Lund, Vik, Nes …) only count when followed by "kommune". With
        ``strict=True`` every name needs "kommune" after it (or "bydel"
        before it). Place names after a 4-digit postcode ("0213 Oslo") are
        addresses, not subjects, and are skipped. Bydel mentions count for
        their city; historical names are reported as the historical record.
        Sorted by count (desc), then first offset.
        """
        found: dict[tuple[str, str], list[int]] = {}
        recs: dict[tuple[str, str], Municipality] = {}
        for mt in self._pattern.finditer(text):
            surf = mt.group(1)
            cands = self._surface.get(_skey(surf))
            if not cands:
                continue
            after = text[mt.end(1) : mt.end(1) + 24]
            before = text[max(0, mt.start() - 12) : mt.start()]
            has_kommune = bool(_KOMMUNE_AFTER.match(after))
            if not surf[0].isupper() and not has_kommune:
                continue  # lower case only in "nesseby kommune"
            bydel_ctx = bool(re.search(r"[Bb]ydel(?:en)?\s*$", before))
            if _POSTCODE_BEFORE.search(before):
                continue
            m = _pick(cands)
            name_ok = has_kommune or (m.kind == "bydel" and bydel_ctx)
            if not name_ok:
                if strict:
                    continue
                weak = m.short_name in WEAK_NAMES or len(m.short_name) <= 3
                # a weak name still counts as a place after "i"/"fra" ("arbeid i Flora")
                if weak and not (len(m.short_name) >= 4 and _PLACE_PREP.search(before)):
                    continue
                if surf.isupper() and len(surf) <= 4:
                    continue
            if m.kind == "bydel":
                m = self._by_number[m.successor or ""]
            k = (m.number, m.name)
            found.setdefault(k, []).append(mt.start(1))
            recs[k] = m
        out = [(recs[k], len(v), v[0]) for k, v in found.items()]
        out.sort(key=lambda t: (-t[1], t[2]))
        return out

    find = find_in_text  # name used in docs/ARCHITECTURE.md

    # -------------------------------------------------------------- internals
    def _add_key(self, form: str, m: Municipality) -> None:
        lst = self._index.setdefault(fold(form), [])
        if m not in lst:
            lst.append(m)

    def _build_pattern(self) -> tuple[re.Pattern[str], dict[str, list[Municipality]]]:
        surface: dict[str, list[Municipality]] = {}
        forms_all: set[str] = set()
        current_short = {m.name for m in self._current}
        for m in [*self._current, *self._history]:
            forms = {m.name, *m.aliases}
            if m.short_name != m.name and m.short_name not in current_short:
                forms.add(m.short_name)
            for f in forms:
                if "(" in f:
                    continue  # "Nes (Buskerud)" is never written like that in documents
                lst = surface.setdefault(_skey(f), [])
                if m not in lst:
                    lst.append(m)
                forms_all.add(f)
        words = sorted(forms_all, key=len, reverse=True)
        alts = []
        for w in words:
            parts = [re.escape(p) for p in re.split(r"\s+", w)]
            alts.append(r"\s*".join(parts))
        pat = re.compile(
            r"(?<![^\W\d_])(" + "|".join(alts) + r")(?:s)?(?![^\W\d_])", re.IGNORECASE
        )
        return pat, surface


def _skey(s: str) -> str:
    return fold(s).replace(" ", "")


def _pick(cands: list[Municipality]) -> Municipality:
    """Prefer a current municipality, then a historical one, then a bydel."""
    def rank(m: Municipality) -> tuple[int, int]:
        return (0 if m.is_current else (1 if m.kind == "kommune" else 2), -(m.population or 0))

    return sorted(cands, key=rank)[0]


def _read_csv(path: Path) -> Iterable[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        lines = [ln for ln in f if not ln.startswith("#") and ln.strip()]
    return list(csv.DictReader(lines))
