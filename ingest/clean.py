"""Reusable text cleaning for every reader (PDF, OCR, DOCX, HTML, text).

* `normalise_text`: NFC, ligatures (ﬁ ﬂ …), soft hyphens, odd spaces,
  zero-width and control characters, collapsed whitespace.
* `dehyphenate`: repair words split over a line break ("bolig-\\nsosialt" →
  "boligsosialt") while keeping real hyphens ("rus-\\nog psykisk helse" →
  "rus- og psykisk helse", "BOSO-\\nprogrammet" → "BOSO-programmet").
* `join_lines`: the lines of one paragraph → one line of running text.
* `remove_running_lines`: drop running headers/footers (lines recurring at
  the top or bottom of many pages), "Side N av M" and bare page numbers.
* `build_vocabulary`: the word forms of a document, evidence for the
  hyphenation decisions above.

Everything here is pure string work: no file access, no PDF objects.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Sequence

__all__ = [
    "CONJUNCTIONS",
    "FUNCTION_WORDS",
    "build_vocabulary",
    "dehyphenate",
    "is_page_marker",
    "join_lines",
    "line_key",
    "normalise_text",
    "remove_running_lines",
    "running_line_mask",
]

SOFT_HYPHEN = "\u00ad"

_LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
    "\u0132": "IJ",
    "\u0133": "ij",
}
# Non-breaking, thin, figure … spaces → plain space; zero-width → nothing.
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t\f\v"), " ")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_HYPHENS = dict.fromkeys(map(ord, "\u2010\u2011"), "-")  # typographic hyphen → ASCII
_TRANSLATE = {**_SPACES, **_ZERO_WIDTH, **_HYPHENS, **{ord(k): v for k, v in _LIGATURES.items()}}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")

# Words after a line-end hyphen that mark an elided compound part:
# "rus- og psykisk helse", "tre- til femårsperspektiv", "bolig- eller …".
CONJUNCTIONS = frozenset({"og", "eller", "samt", "til", "enn", "and", "or", "&"})

# Short function words: a fragment equal to one of these after a full line is
# a word of its own, not the tail of a split word.
FUNCTION_WORDS = frozenset(
    "og i på av til for med som er en et ei det den de å at om fra har ikke eller kan skal vil "
    "seg sin sitt sine ved etter under over mot hos samt så bli blir være var vi du jeg han hun "
    "man må nå når der her hva alle også men enn per pr".split()
)

_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*", re.UNICODE)


def normalise_text(text: str) -> str:
    """NFC-normalise and tidy one piece of text.

    Ligatures become letters, soft hyphens disappear (a soft hyphen before a
    line break joins the word), odd spaces become plain spaces, control and
    zero-width characters go, runs of spaces collapse and each line is
    stripped. Line breaks are kept (at most one blank line in a row).
    """
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace(SOFT_HYPHEN + "\n", "").replace(SOFT_HYPHEN, "")
    text = text.translate(_TRANSLATE)
    text = _CONTROL.sub("", text)
    text = unicodedata.normalize("NFC", text)
    lines = [re.sub(r" {2,}", " ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def build_vocabulary(texts: Iterable[str]) -> set[str]:
    """Lower-cased word forms (hyphenated compounds kept whole, and also
    their parts) of `texts`. Both halves of a word cut by a line-end hyphen
    are left out: only words that stand whole on a line are evidence."""
    vocab: set[str] = set()
    for text in texts:
        cut = False  # the previous line ended in a hyphen: this line starts with a word's tail
        for line in text.split("\n"):
            line = line.strip()
            if cut:
                line = line.split(" ", 1)[1] if " " in line else ""
            cut = line.endswith(("-", SOFT_HYPHEN))
            if cut:
                line = line[: line.rfind(" ") + 1] if " " in line else ""
            for m in _WORD.finditer(line):
                w = m.group().lower()
                vocab.add(w)
                if "-" in w:
                    vocab.update(w.split("-"))
    return vocab


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _hyphen_decision(left: str, right: str, vocabulary: set[str] | None) -> str:
    """How to join 'left-' at a line end with 'right' on the next line.

    Returns "join" (drop hyphen: boligsosialt), "keep" (keep hyphen, no
    space: BOSO-programmet) or "space" (keep hyphen, add a space: "rus- og").
    """
    if not left or not right:
        return "space"
    first = right.split("/", 1)[0].lower()
    if first in CONJUNCTIONS or right.startswith("/"):
        return "space"
    if right[0].isupper() or right[0].isdigit() or not right[0].isalpha():
        return "keep"
    if left[-1].isdigit() or _is_acronym(left) or len(left) == 1:
        return "keep"
    if vocabulary:
        head = re.match(r"[^\W_]+", right)
        tail = head.group().lower() if head else right.lower()
        lo = left.lower()
        if f"{lo}-{tail}" in vocabulary and f"{lo}{tail}" not in vocabulary:
            return "keep"
    return "join"


_HYPHEN_BREAK = re.compile(r"([^\W_][^\W_]*)-[ \t]*\n[ \t]*(\S+)", re.UNICODE)


def dehyphenate(text: str, vocabulary: set[str] | None = None) -> str:
    """Repair words split by a hyphen at a line break.

    "bolig-\\nsosialt" → "boligsosialt"; a conjunction after the break keeps
    the hyphen and a space ("rus-\\nog psykisk" → "rus- og psykisk"); an
    upper-case or numeric continuation, an acronym or a digit before the
    hyphen keeps the hyphen ("BOSO-\\nprogrammet", "2012-\\n2015",
    "Nord-\\nNorge"). With a `vocabulary` (see `build_vocabulary`), a
    compound the document writes with a hyphen elsewhere keeps it. Soft
    hyphens at a break always join. Other line breaks are left alone.
    """
    text = text.replace(SOFT_HYPHEN + "\n", "")

    def repl(m: re.Match[str]) -> str:
        left, right = m.group(1), m.group(2)
        decision = _hyphen_decision(left, right, vocabulary)
        if decision == "join":
            return f"{left}{right}"
        if decision == "keep":
            return f"{left}-{right}"
        return f"{left}- {right}"

    return _HYPHEN_BREAK.sub(repl, text)


def join_lines(lines: Sequence[str], vocabulary: set[str] | None = None) -> str:
    """Join the lines of one paragraph into running text: de-hyphenate the
    breaks, then turn the remaining breaks into spaces and normalise."""
    raw = "\n".join(line.strip() for line in lines if line and line.strip())
    text = dehyphenate(normalise_text(raw), vocabulary)
    return re.sub(r"\s*\n\s*", " ", text).strip()


# --- running headers and footers ------------------------------------------

_PAGE_MARKER = re.compile(
    r"""^[\s\-–—|•·]*(?:
        (?:side|s\.|page|pg\.?)\s*\d{1,4}(?:\s*(?:av|of|/|fra)\s*\d{1,4})?
      | \d{1,4}\s*(?:av|of|/)\s*\d{1,4}
    )[\s\-–—|•·]*$""",
    re.IGNORECASE | re.VERBOSE,
)
_BARE_NUMBER = re.compile(r"^[\s\-–—|•·(\[]*\d{1,4}[\s\-–—|•·)\]]*$")
_DATE_ONLY = re.compile(r"^(?:dato:?\s*)?\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$", re.IGNORECASE)


_DASHED_NUMBER = re.compile(r"^[-–—]\s*\d{1,4}\s*[-–—]$")


def is_page_marker(line: str) -> bool:
    """'Side 3 av 25', 'side 4', '3 av 25', 'Page 2 of 9', '- 7 -'."""
    line = line.strip()
    return bool(_PAGE_MARKER.match(line) or _DASHED_NUMBER.match(line))


def line_key(line: str) -> str:
    """Comparison key for recurring lines: case-folded, digits → '#',
    whitespace collapsed, so 'Side 3 av 25' and 'Side 4 av 25' match."""
    key = unicodedata.normalize("NFC", line).casefold()
    key = re.sub(r"\d+", "#", key)
    return re.sub(r"\s+", " ", key).strip()


def running_line_mask(
    pages_lines: Sequence[Sequence[str]],
    *,
    edge: int = 3,
    min_share: float = 0.25,
    loose: Collection[int] = (),
) -> list[list[bool]]:
    """For each line of each page: True if it is page furniture.

    Furniture is (a) a page marker ("Side N av M") anywhere on the page,
    (b) a bare number or a lone date among the first/last `edge` lines, or
    (c) a line among the first/last `edge` lines whose `line_key` recurs in
    that zone on at least `min_share` of the pages (and on two or more), or
    on three or more pages with different numbers in it (a chapter header
    with its page number: "Kapittel 2: Tiltak 14", "… 15", "… 16").
    On the pages whose 0-based indices are in `loose` (OCR output, where
    reading order is unreliable) rule (c) applies to every line.
    """
    n_pages = len(pages_lines)
    counts: Counter[str] = Counter()
    variants: dict[str, set[str]] = {}
    for lines in pages_lines:
        zone = _edge_indices(len(lines), edge)
        keys = {line_key(lines[i]): lines[i].strip() for i in zone if lines[i].strip()}
        counts.update(keys.keys())
        for key, raw in keys.items():
            if "#" in key:
                variants.setdefault(key, set()).add(raw)
    threshold = max(2, math.ceil(min_share * n_pages))
    numbered = {key for key, raws in variants.items() if len(raws) >= 3}
    mask: list[list[bool]] = []
    for page_index, lines in enumerate(pages_lines):
        zone = _edge_indices(len(lines), edge)
        anywhere = page_index in loose
        flags = []
        for i, line in enumerate(lines):
            s = line.strip()
            key = line_key(s)
            recurring = n_pages >= 2 and (counts[key] >= threshold or key in numbered) and any(c.isalpha() for c in s)
            running = False
            if not s:
                running = False
            elif is_page_marker(s):
                running = True
            elif i in zone:
                running = (
                    bool(_BARE_NUMBER.match(s))
                    or (bool(_DATE_ONLY.match(s)) and counts[key] >= 2)
                    or recurring
                )
            elif anywhere:
                running = recurring
            flags.append(running)
        mask.append(flags)
    return mask


def _edge_indices(n: int, edge: int) -> set[int]:
    return set(range(min(edge, n))) | set(range(max(0, n - edge), n))


def remove_running_lines(
    pages_lines: Sequence[Sequence[str]],
    *,
    edge: int = 3,
    min_share: float = 0.25,
    loose: Collection[int] = (),
) -> list[list[str]]:
    """`pages_lines` without running headers/footers and page markers
    (see `running_line_mask`)."""
    mask = running_line_mask(pages_lines, edge=edge, min_share=min_share, loose=loose)
    return [[ln for ln, drop in zip(lines, flags) if not drop] for lines, flags in zip(pages_lines, mask)]
