"""Topics, target groups and recommending organisations from one editable file.

`data/vocabulary.toml` holds every term; nothing here knows a topic by name.
The term syntax is described at the top of that file:

    bostøtte      the word itself          bostøtte*   with inflections / tails
    *bostøtte*    also compound heads      nye * boliger   up to 3 words between
    ROP           capitals: case-sensitive

    >>> v = Vocabulary.load()
    >>> v.match_topics("Færre søkere på ventelisten til kommunal bolig")
    ['ventelister']
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

Kind = Literal["topic", "target_group", "recommender"]

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "vocabulary.toml"

_SECTIONS: dict[Kind, str] = {
    "topic": "topics",
    "target_group": "target_groups",
    "recommender": "recommenders",
}

# A word is letters/digits; Python's \w covers æøå and other Unicode letters.
_LEFT = r"(?<![\w])"
_RIGHT = r"(?![\w])"
_GAP = r"(?:\S+\s+){0,3}?"  # " * " inside a phrase
_SEP = r"[\s\-–/]+"  # between the words of a phrase


class VocabularyError(ValueError):
    """The vocabulary file is malformed (missing label, empty terms …)."""


@dataclass(frozen=True)
class Concept:
    key: str
    kind: Kind
    label: str
    terms: tuple[str, ...]
    framing: str = ""


@dataclass(frozen=True)
class ConceptMatch:
    key: str
    kind: Kind
    start: int
    end: int
    text: str


def _word_regex(word: str) -> str:
    head = word.startswith("*")
    tail = word.endswith("*")
    core = word.strip("*")
    if not core:
        raise VocabularyError(f"empty word in term {word!r}")
    return (r"\w*" if head else "") + re.escape(core) + (r"\w*" if tail else "")


def compile_term(term: str) -> re.Pattern[str]:
    """One term of the file syntax → a compiled regular expression."""
    term = term.strip()
    if not term:
        raise VocabularyError("empty term")
    words = term.split()
    if words[0] == "*" or words[-1] == "*":
        raise VocabularyError(f"a lone '*' must stand between words: {term!r}")
    pattern = ""
    for i, w in enumerate(words):
        if w == "*":
            pattern += r"\s+" + _GAP  # the gap ends after whitespace
            continue
        if i and words[i - 1] != "*":
            pattern += _SEP
        pattern += _word_regex(w)
    letters = [c for c in term if c.isalpha()]
    case_sensitive = len(letters) >= 2 and all(c.isupper() for c in letters) or (
        term[:1].isupper() and any(c.isupper() for c in term[1:]) and " " not in term
    )
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.compile(_LEFT + pattern + _RIGHT, flags)


@dataclass
class Vocabulary:
    concepts: dict[Kind, dict[str, Concept]]
    path: Path | None = None
    _patterns: dict[Kind, list[tuple[str, re.Pattern[str], str, bool]]] = field(default_factory=dict, repr=False)
    """kind -> (concept key, pattern, needle, ignores case): the needle is the
    term's longest literal word, which every match contains (lower-cased when
    the pattern ignores case), so `find` skips patterns whose needle is absent."""

    # ------------------------------------------------------------ loading --
    @classmethod
    def load(cls, path: Path | str | None = None) -> "Vocabulary":
        """The vocabulary from `path` (default: the packaged file). Cached per path."""
        return _load(str(Path(path).resolve()) if path else str(DEFAULT_PATH))

    @classmethod
    def from_dict(cls, data: dict, path: Path | None = None) -> "Vocabulary":
        concepts: dict[Kind, dict[str, Concept]] = {}
        for kind, section in _SECTIONS.items():
            entries = data.get(section, {})
            if not isinstance(entries, dict):
                raise VocabularyError(f"[{section}] must be a table")
            out: dict[str, Concept] = {}
            for key, entry in entries.items():
                if not isinstance(entry, dict):
                    raise VocabularyError(f"[{section}.{key}] must be a table")
                label = str(entry.get("label", "")).strip()
                terms = entry.get("terms", [])
                if not label:
                    raise VocabularyError(f"[{section}.{key}] has no label")
                if not isinstance(terms, list) or not terms or not all(isinstance(t, str) and t.strip() for t in terms):
                    raise VocabularyError(f"[{section}.{key}] needs a non-empty list of terms")
                framing = str(entry.get("framing", "")).strip()
                if kind == "topic" and not framing:
                    raise VocabularyError(f"[{section}.{key}] has no framing sentence")
                out[key] = Concept(key=key, kind=kind, label=label, terms=tuple(terms), framing=framing)
            concepts[kind] = out
        vocab = cls(concepts=concepts, path=path)
        vocab._compile()
        return vocab

    def _compile(self) -> None:
        for kind, entries in self.concepts.items():
            pats: list[tuple[str, re.Pattern[str], str, bool]] = []
            for key, c in entries.items():
                for t in c.terms:
                    try:
                        pat = compile_term(t)
                    except (re.error, VocabularyError) as e:
                        raise VocabularyError(f"{kind} {key}: bad term {t!r}: {e}") from e
                    needle = max((w.strip("*") for w in t.split() if w != "*"), key=len)
                    fold = bool(pat.flags & re.IGNORECASE)
                    pats.append((key, pat, needle.lower() if fold else needle, fold))
            self._patterns[kind] = pats

    # ----------------------------------------------------------- matching --
    def find(self, text: str, kind: Kind) -> list[ConceptMatch]:
        """Every term occurrence of `kind` in `text`, by position."""
        out: list[ConceptMatch] = []
        low = text.lower()
        for key, pat, needle, fold in self._patterns.get(kind, []):
            if needle not in (low if fold else text):
                continue
            for m in pat.finditer(text):
                out.append(ConceptMatch(key, kind, m.start(), m.end(), m.group(0)))
        out.sort(key=lambda m: (m.start, -(m.end - m.start)))
        return out

    def _keys(self, text: str, kind: Kind) -> list[str]:
        seen: dict[str, None] = {}
        for m in self.find(text or "", kind):
            seen.setdefault(m.key, None)
        return list(seen)

    def match_topics(self, text: str) -> list[str]:
        """Topic keys mentioned in `text`, in order of first mention."""
        return self._keys(text, "topic")

    def match_target_groups(self, text: str) -> list[str]:
        """Target-group keys mentioned in `text`, in order of first mention."""
        return self._keys(text, "target_group")

    def match_recommenders(self, text: str) -> list[str]:
        """Labels of recommending organisations named in `text`."""
        return [self.concepts["recommender"][k].label for k in self._keys(text, "recommender")]

    def recommender_label(self, key: str) -> str:
        """The label of the recommending organisation `key` ([recommenders.key])."""
        return self.concepts["recommender"][key].label

    # ------------------------------------------------------------ lookups --
    def topic_ids(self) -> list[str]:
        return list(self.concepts.get("topic", {}))

    def target_group_ids(self) -> list[str]:
        return list(self.concepts.get("target_group", {}))

    @property
    def topics(self) -> dict[str, Concept]:
        return self.concepts.get("topic", {})

    @property
    def target_groups(self) -> dict[str, Concept]:
        return self.concepts.get("target_group", {})

    def topic_label(self, key: str) -> str:
        return self.topics[key].label

    def topic_framing(self, key: str) -> str:
        return self.topics[key].framing

    def target_group_label(self, key: str) -> str:
        return self.target_groups[key].label

    def resolve(self, name: str, kind: Kind = "topic") -> str | None:
        """A key from a key, a label or any text naming the concept
        ("Startlån", "startlan", "ventelistene" → key); None if unknown."""
        name = (name or "").strip()
        if not name:
            return None
        entries = self.concepts.get(kind, {})
        low = name.lower()
        for key, c in entries.items():
            if low == key.lower() or low == c.label.lower():
                return key
        keys = self._keys(name, kind)
        return keys[0] if keys else None


@lru_cache(maxsize=8)
def _load(path: str) -> Vocabulary:
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise VocabularyError(f"vocabulary file not found: {p}") from e
    except tomllib.TOMLDecodeError as e:
        raise VocabularyError(f"{p}: {e}") from e
    return Vocabulary.from_dict(data, path=p)
