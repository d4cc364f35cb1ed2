"""A document's pages as a sequence of blocks: headings, paragraphs and list
items, each with its page, character span and heading path.

Readers hand over cleaned page text with paragraphs separated by blank lines
and, where they found them, heading offsets (`Page.headings`). List items
keep their markers ("•", "-", "1.", "a)") at the start of a line. Plain-text
documents often have no heading offsets; a short unpunctuated line followed by
more text is then taken as a heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator, Literal

from ingest.records import Document, Page

BlockKind = Literal["heading", "para", "item"]

BULLET = re.compile(r"^\s*(?P<marker>[•\-–*▪·●◦‣]|\d{1,2}[.)]|\(?\d{1,2}\)|[a-zA-Z][.)])\s+(?=\S)")
_END_PUNCT = re.compile(r"[.!?;,]\s*$")
_LETTERS = re.compile(r"[A-Za-zÆØÅæøåÉé]")
_SECTION_NUMBER = re.compile(r"^\d{1,2}(?:\.\d{1,2}){0,3}\s+(?=[A-ZÆØÅ])")


@dataclass
class Block:
    page: int
    start: int  # char offset in the page text
    end: int
    text: str
    kind: BlockKind
    section: list[str] = field(default_factory=list)  # heading path, outermost first
    marker: str = ""  # list marker of an item ("•", "1.")
    intro: str = ""  # for items: the text just before the list (its heading or lead-in)

    @property
    def section_text(self) -> str:
        return " › ".join(self.section)


def _is_heading_line(line: str, next_nonempty: str | None) -> bool:
    s = line.strip()
    if not s or next_nonempty is None:
        return False
    if len(s) > 90 or _END_PUNCT.search(s) or BULLET.match(line):
        return False
    numbered = _SECTION_NUMBER.sub("", s, count=1)  # "2.1 Fremskaffelse av boliger", "3 Økonomi"
    if numbered != s and re.search(r"\s\d{1,3}$", numbered):
        return False  # a contents entry: "1.2 Organisering av planarbeidet 3"
    s = numbered
    if not _LETTERS.search(s[:1] or "") or not s[0].isupper():
        return False
    words = s.split()
    return 1 <= len(words) <= 12


def _split_lines(text: str) -> list[tuple[int, int, str]]:
    out = []
    pos = 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line), line))
        pos += len(line) + 1
    return out


def page_blocks(page: Page) -> list[Block]:
    """Blocks of one page, without section paths (see `iter_blocks`)."""
    text = page.text or ""
    heading_at = {off: (lvl, h) for off, lvl, h in page.headings}
    lines = _split_lines(text)
    blocks: list[Block] = []
    cur: list[tuple[int, int, str]] = []
    cur_kind: BlockKind = "para"
    cur_marker = ""

    def flush() -> None:
        nonlocal cur, cur_kind, cur_marker
        if cur:
            s, e = cur[0][0], cur[-1][1]
            # strip leading/trailing whitespace, keeping offsets right
            raw = text[s:e]
            lead = len(raw) - len(raw.lstrip())
            body = raw.strip()
            if body:
                blocks.append(Block(page.number, s + lead, s + lead + len(body), body, cur_kind, marker=cur_marker))
        cur, cur_kind, cur_marker = [], "para", ""

    nonempty = [i for i, (_, _, ln) in enumerate(lines) if ln.strip()]
    next_of = {a: b for a, b in zip(nonempty, nonempty[1:])}
    has_heading_offsets = bool(page.headings)
    for i, (s, e, line) in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        lead = s + (len(line) - len(line.lstrip()))
        if lead in heading_at or s in heading_at:
            flush()
            blocks.append(Block(page.number, lead, e, stripped, "heading"))
            continue
        m = BULLET.match(line)
        if m:
            flush()
            cur, cur_kind, cur_marker = [(s, e, line)], "item", m.group("marker")
            continue
        if not has_heading_offsets and not cur:
            nxt = next_of.get(i)
            prev_blank = i == 0 or not lines[i - 1][2].strip()
            next_blank = i + 1 < len(lines) and not lines[i + 1][2].strip()
            if prev_blank and next_blank and _is_heading_line(line, lines[nxt][2] if nxt is not None else None):
                blocks.append(Block(page.number, lead, e, stripped, "heading"))
                continue
            # a short title line right above its text, no blank line between
            # ("Planar for neste halvår\nKommunen skal tilsetje …"): a subheading,
            # not the first words of the paragraph
            below = lines[i + 1][2].strip() if i + 1 < len(lines) else ""
            if (
                prev_blank and below and below[0].isupper()
                and (len(stripped.split()) <= 6 and len(below) > 1.5 * len(stripped)
                     # a longer title ("Mål 3: Riktig bolig til riktig tid") over a paragraph line
                     or len(below) > 2.5 * len(stripped))
                and _is_heading_line(line, below)
            ):
                blocks.append(Block(page.number, lead, e, stripped, "heading"))
                continue
        if (
            cur and cur_kind == "item" and not line[:1].isspace() and not cur[-1][2].rstrip().endswith((",", "-"))
            and not stripped[:1].islower()
        ):
            # an unindented line after an item: a new paragraph (not a wrapped item's
            # next line, which goes on in lower case: "… begrunnelse og\nklageadgang")
            flush()
        cur.append((s, e, line))
    flush()
    # Item text without its marker
    for b in blocks:
        if b.kind == "item":
            m = BULLET.match(b.text)
            if m:
                cut = m.end()
                b.text = b.text[cut:]
                b.start += cut
    return blocks


def iter_blocks(doc: Document) -> Iterator[Block]:
    """All blocks of the document in reading order, with heading paths and
    list lead-ins filled in. An item's `intro` is the heading or the
    colon-ended paragraph right before its list; a list after plain prose
    has no intro."""
    stack: list[tuple[int, str]] = []
    lead = ""
    for page in doc.pages:
        levels = {off: lvl for off, lvl, _ in page.headings}
        for b in page_blocks(page):
            if b.kind == "heading":
                lvl = levels.get(b.start, 2)
                while stack and stack[-1][0] >= lvl:
                    stack.pop()
                stack.append((lvl, b.text))
                lead = b.text
            elif b.kind == "para":
                lead = b.text[-300:] if b.text.rstrip().endswith(":") else ""
            b.section = [h for _, h in stack]
            if b.kind == "item":
                b.intro = lead
            yield b
