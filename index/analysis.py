"""Norwegian lexical analysis for BM25 and snippet highlighting.

`NorwegianAnalyzer` turns text into index terms:

1. words: letters/digits, hyphen-joined words kept together ("bo-oppfølging"),
   a dangling hyphen dropped ("rus- og psykisk helse" -> rus, psykisk, helse);
   NFKC, lower case, soft hyphens removed, accents folded except æ ø å;
2. synonyms from `data/synonyms.txt`, matched on the word and its likely
   inflected forms, mapped to the canonical (first) term of the group:
   bustøtta -> bostøtte; compounds are rewritten part by part
   (bustadsosialt -> boligsosialt);
3. stopwords from `data/stopwords.txt` (Bokmål + Nynorsk function words);
4. compound splitting against a vocabulary (the system word lists
   /usr/share/dict/bokmaal and nynorsk from Debian's `wnorwegian` when present,
   `data/compound_parts.txt`, and words learnt from the corpus), with the
   linking elements -s- and -e-: ventelistetiltak -> venteliste + tiltak,
   startlånsordningen -> startlån + ordningen;
5. Snowball Norwegian stemming (PyStemmer), plus -alt/-ivt -> -al/-iv
   (boligsosialt = boligsosial) and -ere/-erne agent nouns (leietakere =
   leietaker).

Each word yields its whole stem first and then the stems of its parts, so an
exact compound match scores above a match on the parts alone.

Analysis must be identical at index and query time: keep the analyzer that
built an index (`vocabulary_counts` is what to persist with it).
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import Stemmer

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_SYNONYMS = DATA_DIR / "synonyms.txt"
DEFAULT_STOPWORDS = DATA_DIR / "stopwords.txt"
DEFAULT_PARTS = DATA_DIR / "compound_parts.txt"
SYSTEM_DICTIONARIES: tuple[Path, ...] = (
    Path("/usr/share/dict/bokmaal"),
    Path("/usr/share/dict/nynorsk"),
)

MIN_PART = 3  # shortest compound part is MIN_PART + 1, or MIN_PART.. for domain parts
MIN_SPLIT = 6  # words shorter than this are never split
DICT_PRIOR = 1  # frequency bonus for a word in the system word list
DOMAIN_PRIOR = 5  # frequency bonus for a word in compound_parts.txt
S_LINK_SUFFIXES = ("ing", "het", "heit", "sjon", "dom", "skap", "else", "sted", "stad", "ment", "tet", "nad", "al")
MAX_WORD = 40  # longer "words" are garbage (URLs, hashes): kept whole, not split
MAX_DICT_WORD = 14  # longer dictionary entries are compounds themselves, not parts
MAX_PART = 24  # longest non-final compound part considered
PREFIX_LEN = 5  # prefixes up to this length prune the compound search
FUGE = ("s", "e")  # linking elements between compound parts

_WORD_RE = re.compile(r"[^\W_](?:[^\W_]|\u00ad)*(?:[-\u2010\u2011](?:[^\W_]|\u00ad)+)*")
_SEGMENT_RE = re.compile(r"[^-\u2010\u2011]+")
# `_WORD_RE` on text that went through `normalize_word`, which removes soft
# hyphens and turns the other hyphens into "-": the same matches, found
# about twice as fast (no alternation per character).
_FOLDED_WORD_RE = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_FOLD = str.maketrans(
    {
        "é": "e", "è": "e", "ê": "e", "ë": "e", "á": "a", "à": "a", "â": "a",
        "ó": "o", "ò": "o", "ô": "o", "í": "i", "ì": "i", "ú": "u", "ù": "u",
        "ü": "u", "ö": "ø", "ä": "æ", "ç": "c", "\u00ad": None,
        "\u2010": "-", "\u2011": "-",
    }
)


@dataclass(frozen=True)
class Term:
    """One analysed word (or synonym phrase) of a text.

    `start`/`end` are character offsets into the analysed text; `tokens` are
    its index terms, the whole-word stem first, then compound parts.
    """

    start: int
    end: int
    tokens: tuple[str, ...]

    @property
    def stem(self) -> str:
        return self.tokens[0]


_FOLD_CHARS = re.compile("[" + "".join(chr(c) for c in _FOLD) + "]")


def normalize_word(word: str) -> str:
    """Lower-case, NFKC, soft hyphens removed, accents folded (æøå kept).

    Also used on whole texts, so the (slow, dictionary-driven) translate and
    normalisation steps run only when the text needs them."""
    if not unicodedata.is_normalized("NFKC", word):
        word = unicodedata.normalize("NFKC", word)
    word = word.lower()
    return word.translate(_FOLD) if _FOLD_CHARS.search(word) else word


def _read_words(path: Path) -> list[str]:
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.append(normalize_word(line))
    return words


_ENDINGS = (
    "", "e", "n", "r", "s", "t", "a", "ne", "en", "er", "et", "es", "ar", "as", "te",
    "ane", "ene", "ens", "ers", "ets", "ars", "ere", "enes", "anes", "erne",
)


def inflections(word: str) -> set[str]:
    """Likely inflected forms of a Bokmål/Nynorsk word (noun, adjective or
    verb): bustad -> bustaden, bustader, bustadene ...; tjeneste -> tjenester.
    Used to match synonym terms by surface form, which is safer than by
    Snowball stem (that maps "huseigar" to "hus")."""
    if len(word) <= 3:
        return {word, word + "r", word + "en", word + "er"}
    forms = {word + e for e in _ENDINGS}
    if word.endswith("e"):
        forms.update(word[:-1] + e for e in _ENDINGS if e)
    return forms


@lru_cache(maxsize=4)
def _dictionary_prefixes(paths: tuple[Path, ...]) -> frozenset[str]:
    words = _load_dictionaries(paths)
    return frozenset(w[:n] for w in words for n in range(MIN_PART + 1, min(len(w), PREFIX_LEN) + 1))


@lru_cache(maxsize=4)
def _load_dictionaries(paths: tuple[Path, ...]) -> frozenset[str]:
    """Simple words from the system word lists (ISO-8859-1, one per line)."""
    words: set[str] = set()
    for path in paths:
        try:
            lines = path.read_bytes().decode("latin-1").lower().split("\n")
        except OSError:
            continue
        words.update(w for w in lines if MIN_PART < len(w) <= MAX_DICT_WORD and w.isalpha())
    return frozenset(words)


def _file_digest(paths: Iterable[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(str(p.name).encode())
        try:
            st = p.stat()
            h.update(p.read_bytes() if st.st_size < 1_000_000 else f"{st.st_size}".encode())
        except OSError:
            h.update(b"-")
    return h.hexdigest()[:16]


class NorwegianAnalyzer:
    """Lowercase, stopwords, synonyms, compound splitting and Snowball stemming.

    `vocabulary` adds words usable as compound parts: an iterable of words, or
    a mapping word -> corpus count (as returned by `vocabulary_counts`).

    Splitting is frequency-aware (Koehn & Knight 2003): a word is split only
    when its parts are, on geometric average, more frequent than the word
    itself. Frequencies are corpus counts plus a prior (+1 for a word in the
    system word list, +5 for a domain word from compound_parts.txt). So a rare
    "ventelistetiltak" is split, "tjenester" is not split into tjen + ester,
    and a corpus that uses "boligsosial" a lot keeps it whole.
    """

    def __init__(
        self,
        vocabulary: Iterable[str] | Mapping[str, int] | None = None,
        synonyms_path: Path | str | None = DEFAULT_SYNONYMS,
        stopwords_path: Path | str | None = DEFAULT_STOPWORDS,
        *,
        parts_path: Path | str | None = DEFAULT_PARTS,
        dictionaries: Iterable[Path | str] | None = SYSTEM_DICTIONARIES,
    ) -> None:
        self._local = threading.local()
        self._stem_cache: dict[str, str] = {}
        self._files = [Path(p) for p in (synonyms_path, stopwords_path, parts_path) if p]
        self.stopwords: frozenset[str] = frozenset(_read_words(Path(stopwords_path))) if stopwords_path else frozenset()
        self._dict_paths = tuple(Path(p) for p in (dictionaries or ()))
        self._dictionary = _load_dictionaries(self._dict_paths) if self._dict_paths else frozenset()
        self._dict_prefixes = _dictionary_prefixes(self._dict_paths) if self._dict_paths else frozenset()
        self._prefixes: frozenset[str] = self._dict_prefixes
        if self._dict_paths and not self._dictionary:
            log.warning(
                "no Norwegian word list at %s (Debian package wnorwegian); compound splitting "
                "falls back to compound_parts.txt and the corpus vocabulary",
                ", ".join(map(str, self._dict_paths)),
            )
        entries = _read_words(Path(parts_path)) if parts_path else []
        parts = [e for e in entries if not e.startswith("!")]
        self._not_parts = frozenset(e[1:] for e in entries if e.startswith("!"))
        self._domain_parts = frozenset(parts)
        # inflected forms of domain words may end a compound (kommunal + boligene)
        self._domain_forms = frozenset(
            f for p in parts if len(p) > MIN_PART for f in inflections(p) if f not in self.stopwords
        )
        self._counts: Counter[str] = Counter()
        self._stem_counts: Counter[str] = Counter()
        self._syn_groups: list[tuple[str, list[list[str]]]] = []
        self._word_cache: dict[str, tuple[str, ...]] = {}
        self._hl_query_cache: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        self._rough_patterns: dict[frozenset[str], re.Pattern[str] | None] = {}
        self._syn_words: dict[str, tuple[str, ...]] = {}
        self._syn_phrases: list[tuple[tuple[frozenset[str], ...], tuple[str, ...]]] = []
        self._canonical_surface: dict[str, str] = {}
        self._phrase_starts: dict[str, list[tuple[tuple[frozenset[str], ...], tuple[str, ...]]]] = {}
        if synonyms_path:
            self._load_synonyms(Path(synonyms_path))
        else:
            self._compile_synonyms()
        if vocabulary is not None:
            self.add_vocabulary(vocabulary)

    # ------------------------------------------------------------------ setup
    def _load_synonyms(self, path: Path) -> None:
        for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            terms = [[normalize_word(w) for w in _WORD_RE.findall(t)] for t in line.split(",")]
            terms = [t for t in terms if t]
            if len(terms) == 1:
                log.warning("%s:%d: a synonym group needs two or more terms", path, lineno)
            if len(terms) >= 2:
                self._syn_groups.append((f"{path.name}:{lineno}", terms))
        self._compile_synonyms(warn=True)

    def _compile_synonyms(self, warn: bool = False) -> None:
        """(Re)build the synonym maps. Canonical tokens depend on how the
        canonical term is split, hence on the vocabulary: rerun after it changes."""
        extra = {w[:n] for w in self._domain_parts.union(self._counts) for n in range(MIN_PART + 1, min(len(w), PREFIX_LEN) + 1)}
        self._prefixes = self._dict_prefixes.union(extra) if extra - self._dict_prefixes else self._dict_prefixes
        self._syn_words.clear()
        self._syn_phrases.clear()
        self._phrase_starts.clear()
        self._canonical_surface.clear()
        self._word_cache.clear()
        expansions: list[tuple[str, tuple[str, ...], str | None]] = []
        for where, terms in self._syn_groups:
            canonical_words = terms[0]
            tokens: list[str] = []
            for w in canonical_words:
                tokens.extend(self._analyse_word(w, use_synonyms=False))
            canonical = tuple(dict.fromkeys(tokens))
            surface = canonical_words[0] if len(canonical_words) == 1 else None
            for words in terms:
                if len(words) > 1:
                    key = tuple(frozenset(inflections(w)) for w in words)
                    self._syn_phrases.append((key, canonical))
                    continue
                word = words[0]
                if self._syn_words.get(word, canonical) != canonical:
                    if warn:
                        log.warning("%s: '%s' is already in another group; first group wins", where, word)
                    continue
                self._syn_words[word] = canonical
                if surface:
                    self._canonical_surface[word] = surface
                expansions.append((word, canonical, surface))
        # inflected forms never override a form listed in the file
        for word, canonical, surface in expansions:
            for form in inflections(word):
                if form not in self.stopwords and form not in self._syn_words:
                    self._syn_words[form] = canonical
                    if surface:
                        self._canonical_surface[form] = surface
        self._syn_phrases.sort(key=lambda p: -len(p[0]))
        for key, canonical in self._syn_phrases:
            for form in key[0]:
                self._phrase_starts.setdefault(form, []).append((key, canonical))

    def add_vocabulary(self, vocabulary: Iterable[str] | Mapping[str, int]) -> None:
        """Add words (or word -> count) usable as compound parts."""
        items = vocabulary.items() if isinstance(vocabulary, Mapping) else ((w, 1) for w in vocabulary)
        for w, n in items:
            w = normalize_word(w)
            if w.isalpha() and w not in self.stopwords:
                self._counts[w] += int(n)
                self._stem_counts[self.stem(w)] += int(n)
        self._compile_synonyms()

    def set_vocabulary(self, vocabulary: Iterable[str] | Mapping[str, int]) -> None:
        """Replace the learnt vocabulary (e.g. with the counts saved with an index)."""
        self._counts.clear()
        self._stem_counts.clear()
        self.add_vocabulary(vocabulary)

    def learn_vocabulary(self, texts: Iterable[str], min_count: int = 2, *, replace: bool = False) -> int:
        """Count the words of `texts`; words seen at least `min_count` times
        become compound parts and their counts steer splitting (`replace`
        forgets earlier counts first). Returns the number of words kept."""
        if replace:
            self._counts.clear()
            self._stem_counts.clear()
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(_WORD_RE.findall(normalize_word(text)))
        for word in [w for w in counts if "-" in w]:  # hyphenated: count the parts
            n = counts.pop(word)
            for part in word.split("-"):
                if part:
                    counts[part] += n
        counts = Counter({w: n for w, n in counts.items() if len(w) >= MIN_PART and w.isalpha()})
        kept = {w: n for w, n in counts.items() if n >= min_count and w not in self.stopwords}
        self.add_vocabulary(kept)
        return len(kept)

    @property
    def vocabulary_counts(self) -> dict[str, int]:
        """Learnt words and their counts: pass back as `vocabulary=` to
        recreate an analyzer that splits exactly like this one."""
        return dict(self._counts)

    @property
    def fingerprint(self) -> str:
        """Changes when the data files or the system word lists change, i.e.
        when tokens made earlier may no longer match."""
        return _file_digest([*self._files, *self._dict_paths])

    # ---------------------------------------------------------------- stemming
    @property
    def _stemmer(self) -> Stemmer.Stemmer:
        st = getattr(self._local, "stemmer", None)
        if st is None:  # PyStemmer objects are not thread-safe: one per thread
            st = self._local.stemmer = Stemmer.Stemmer("norwegian", 50_000)
        return st

    def stem(self, word: str) -> str:
        """Snowball Norwegian with two fixes for one-pass suffix stripping:
        neuter adjectives -alt/-ivt -> -al/-iv (boligsosialt = boligsosial) and
        agent nouns in -ere/-erne (leietakere = leietakerne = leietaker)."""
        s = self._stem_cache.get(word)
        if s is None:
            if len(self._stem_cache) > 1_000_000:
                self._stem_cache.clear()
            s = self._stem_cache[word] = self._stem_uncached(word)
        return s

    def _stem_uncached(self, word: str) -> str:
        s = self._stemmer.stemWord(word)
        if len(s) >= 6 and (s.endswith("alt") or s.endswith("ivt")):
            s = s[:-1]
        elif s.endswith("ern") and len(s) >= 6 and word[len(s) :] in ("e", "es"):
            s = s[:-3]
        elif s.endswith("er") and len(s) >= 5 and word[len(s) :] in ("e", "en", "es", "ens"):
            s = s[:-2]
        return s

    # --------------------------------------------------------------- splitting
    def _is_domain(self, part: str, final: bool) -> bool:
        return part in self._domain_parts or (final and part in self._domain_forms)

    def _known(self, part: str, final: bool = False) -> bool:
        if part in self._dictionary or part in self._counts or part in self._domain_parts:
            if part in self.stopwords or part in self._not_parts:
                return False
            return len(part) > MIN_PART or part in self._domain_parts
        return final and part in self._domain_forms

    def _freq(self, w: str, final: bool = True) -> int:
        """Corpus count of all forms sharing w's stem, plus priors."""
        f = self._stem_counts.get(self.stem(w), 0) + 1
        if w in self._dictionary:
            f += DICT_PRIOR
        if self._is_domain(w, final):
            f += DOMAIN_PRIOR
        return f

    def split(self, word: str) -> list[tuple[str, str]] | None:
        """Best split of a lower-case word into (part, linking element) pairs,
        or None if it stays whole. Fewest parts first, then the most natural
        linking (-s- after -ing/-het/-sjon/-sted ..., none elsewhere), then the
        most frequent parts.

        >>> NorwegianAnalyzer().split("startlånsordningen")
        [('startlån', 's'), ('ordningen', '')]
        """
        n = len(word)
        if n < MIN_SPLIT or n > MAX_WORD or not word.isalpha():
            return None
        known, prefixes, freq = self._known, self._prefixes, self._freq
        Best = tuple[int, int, float, list[tuple[str, str]]]
        memo: dict[int, Best | None] = {}

        def best(i: int) -> Best | None:
            """(parts, penalty, -sum log freq, [(part, fuge), ...]) for word[i:]."""
            if i in memo:
                return memo[i]
            found: Best | None = None
            if i > 0 and known(word[i:], True):
                found = (1, 0, -math.log(freq(word[i:])), [(word[i:], "")])
            for j in range(i + 2, min(n - 1, i + MAX_PART + 1)):
                part = word[i:j]
                if not known(part):
                    if MIN_PART < j - i <= PREFIX_LEN and part not in prefixes:
                        break  # no known word starts like this
                    continue
                s_suffix = part.endswith(S_LINK_SUFFIXES)
                log_f = math.log(freq(part, False))
                for fuge in ("", *FUGE):
                    k = j + len(fuge)
                    if n - k < 2 or (fuge and word[j:k] != fuge):
                        continue
                    tail = best(k)
                    if tail is None:
                        continue
                    if fuge == "s":
                        penalty = 0 if s_suffix else 1
                    elif fuge:
                        penalty = 1
                    else:
                        penalty = 1 if s_suffix and word[j] == "s" else 0
                    key = (tail[0] + 1, tail[1] + penalty, tail[2] - log_f)
                    if found is None or key < found[:3]:
                        found = (*key, [(part, fuge), *tail[3]])
            memo[i] = found
            return found

        result = best(0)
        if result is None or result[0] < 2:
            return None
        n_parts, _, neg_log_sum, parts = result
        # Koehn & Knight: keep a word whole unless its parts are more frequent.
        if -neg_log_sum / n_parts <= math.log(self._freq(word)):
            return None
        return parts

    # ---------------------------------------------------------------- analysis
    def _analyse_word(self, word: str, use_synonyms: bool = True) -> tuple[str, ...]:
        """Tokens of one normalised word (no stopword check): whole stem first."""
        if use_synonyms:
            cached = self._word_cache.get(word)
            if cached is not None:
                return cached
        if "-" in word:
            segs = [s for s in word.split("-") if s]
            joined = "".join(segs)
            whole = self._analyse_word(joined, use_synonyms) if len(joined) <= MAX_WORD else (joined,)
            tokens = list(whole[:1])
            for seg in segs:
                if seg not in self.stopwords:
                    tokens.extend(self._analyse_word(seg, use_synonyms))
            tokens.extend(whole[1:])
            out = tuple(dict.fromkeys(tokens))
        else:
            out = self._analyse_simple(word, use_synonyms)
        if use_synonyms:
            if len(self._word_cache) > 500_000:
                self._word_cache.clear()
            self._word_cache[word] = out
        return out

    def _analyse_simple(self, word: str, use_synonyms: bool) -> tuple[str, ...]:
        if use_synonyms and (canon := self._syn_words.get(word)) is not None:
            return canon
        stem = self.stem(word)
        parts = self.split(word) if not word.isdigit() else None
        if not parts:
            return (stem,)
        part_tokens: list[str] = []
        surfaces: list[str] = []
        for part, fuge in parts:
            canon = self._syn_words.get(part) if use_synonyms else None
            if canon is not None:
                part_tokens.extend(canon)
                surfaces.append(self._canonical_surface.get(part, part) + fuge)
            else:
                part_tokens.append(self.stem(part))
                surfaces.append(part + fuge)
        rewritten = "".join(surfaces)
        if rewritten != word:  # bustadsosialt -> boligsosialt, leigebustad -> leiebolig
            canon = self._syn_words.get(rewritten)
            stem = canon[0] if canon else self.stem(rewritten)
        return tuple(dict.fromkeys([stem, *part_tokens]))

    def _words(self, text: str) -> tuple[list[str], list[tuple[int, int]]]:
        """Normalised words of `text` and their character spans."""
        words: list[str] = []
        spans: list[tuple[int, int]] = []
        folded = normalize_word(text)
        # Usual case: normalising kept every character in place, so the folded
        # text's offsets are the original's (one call, not one per word).
        same = len(folded) == len(text)
        norm = (lambda w: w) if same else normalize_word
        for m in (_FOLDED_WORD_RE.finditer(folded) if same else _WORD_RE.finditer(text)):
            raw = m.group()
            w = norm(raw)
            if "-" in w and any(c.isdigit() for c in w):
                # 2012-2015, § 4-2: number ranges are separate words
                pos = m.start()
                for seg in _SEGMENT_RE.finditer(raw):
                    words.append(norm(seg.group()))
                    spans.append((pos + seg.start(), pos + seg.end()))
            elif len(w) <= 2 * MAX_WORD:
                words.append(w)
                spans.append(m.span())
        return words, spans

    def _fast_words(self, text: str) -> list[str]:
        """`_words` without offsets: normalises the whole text at once."""
        out: list[str] = []
        for w in _FOLDED_WORD_RE.findall(normalize_word(text)):
            if "-" in w and any(c.isdigit() for c in w):
                out.extend(_SEGMENT_RE.findall(w))
            elif len(w) <= 2 * MAX_WORD:
                out.append(w)
        return out

    def _scan(self, words: list[str]) -> Iterator[tuple[int, int, tuple[str, ...]]]:
        """(first word, last word + 1, tokens) for each term; stopwords skipped."""
        stop, starts, cache = self.stopwords, self._phrase_starts, self._word_cache
        i, n = 0, len(words)
        while i < n:
            w = words[i]
            if w in starts:
                match = next(
                    (
                        (len(key), canonical)
                        for key, canonical in starts[w]
                        if i + len(key) <= n and all(words[i + j] in forms for j, forms in enumerate(key))
                    ),
                    None,
                )
                if match is not None:
                    length, canonical = match
                    own = [t for x in words[i : i + length] if x not in stop for t in self._analyse_word(x)]
                    yield i, i + length, tuple(dict.fromkeys([*canonical, *own]))
                    i += length
                    continue
            i += 1
            if w not in stop:
                yield i - 1, i, cache.get(w) or self._analyse_word(w)

    def analyze(self, text: str) -> list[Term]:
        """Terms of `text` with character offsets, stopwords dropped."""
        words, spans = self._words(text)
        return [Term(spans[a][0], spans[b - 1][1], tokens) for a, b, tokens in self._scan(words)]

    def tokens(self, text: str) -> list[str]:
        """Index-time tokens: for each word its whole stem, then its parts."""
        return [t for _, _, tokens in self._scan(self._fast_words(text)) for t in tokens]

    def query_tokens(self, text: str) -> list[str]:
        """Query-time tokens: as `tokens`, each token once."""
        return list(dict.fromkeys(self.tokens(text)))

    def highlight_terms(self, query: str) -> set[str]:
        """All stems a snippet word may match to be marked for `query`."""
        return set(self.query_tokens(query))

    def _highlight_query(self, query: str) -> tuple[frozenset[str], frozenset[str]]:
        """(all stems and parts, whole-word stems) of `query`, memoised: a
        results page highlights the same query in every hit."""
        cache = self._hl_query_cache
        got = cache.get(query)
        if got is None:
            q_terms = self.analyze(query)
            got = (frozenset(t for term in q_terms for t in term.tokens), frozenset(term.stem for term in q_terms))
            if len(cache) > 2048:
                cache.clear()
            cache[query] = got
        return got

    def rough_spans(self, query: str, text: str) -> list[tuple[int, int]]:
        """Where the query's stems and parts occur in `text` as substrings:
        a fast, approximate stand-in for `highlight_spans`, good enough to
        choose a snippet window (which is then highlighted exactly). Empty
        when nothing occurs or the text's offsets would not survive folding."""
        q_all, _ = self._highlight_query(query)
        pattern = self._rough_patterns.get(q_all)
        if pattern is None:
            alts = sorted((t for t in q_all if len(t) >= 3), key=len, reverse=True)
            pattern = re.compile("|".join(map(re.escape, alts))) if alts else None
            if len(self._rough_patterns) > 2048:
                self._rough_patterns.clear()
            self._rough_patterns[q_all] = pattern
        if pattern is None:
            return []
        folded = normalize_word(text)
        if len(folded) != len(text):
            return []
        return [m.span() for m in pattern.finditer(folded)]

    def highlight_spans(self, query: str, text: str) -> list[tuple[int, int]]:
        """Character spans of `text` to mark for `query`, sorted, disjoint.

        A text word is marked when its whole stem is one of the query's stems
        (ventelisten for "ventelister"; tiltak for "ventelistetiltak") or when
        one of its parts is a whole query word (ventelistetiltak for "tiltak").
        """
        q_all, q_whole = self._highlight_query(query)
        if not q_all:
            return []
        words, offsets = self._words(text)
        spans: list[tuple[int, int]] = []
        for a, b, tokens in self._scan(words):
            if tokens[0] in q_all or (len(tokens) > 1 and not q_whole.isdisjoint(tokens[1:])):
                start, end = offsets[a][0], offsets[b - 1][1]
                if spans and spans[-1][1] >= start:
                    spans[-1] = (spans[-1][0], max(spans[-1][1], end))
                else:
                    spans.append((start, end))
        return spans

    def highlight(self, query: str, text: str, before: str = "<mark>", after: str = "</mark>", escape=None) -> str:
        """`text` with the spans of `highlight_spans` wrapped in before/after.
        Pass `escape=html.escape` to escape the text between the marks."""
        esc = escape or (lambda s: s)
        out: list[str] = []
        pos = 0
        for start, end in self.highlight_spans(query, text):
            out.append(esc(text[pos:start]))
            out.append(before + esc(text[start:end]) + after)
            pos = end
        out.append(esc(text[pos:]))
        return "".join(out)
