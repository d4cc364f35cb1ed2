"""A learned second opinion on measures in running text.

The rules in `measures.py` find a measure by its cue: a lead-in ("Tiltak:",
"… gjennom å:"), an action verb with a concrete object, a decision. On text
nobody had read while writing them, about three in four of the measures they
missed had no such cue (eval/blind/README.md). This module scores every
sentence the rules left with a logistic regression trained on the labelled
sentences, and adds those it is confident about (`THRESHOLD`) as measures.

Features of a sentence (one `Unit`):
- character 3–5-grams inside word boundaries, TF-IDF with sublinear counts,
  L2-normalised (what scikit-learn's ``TfidfVectorizer(analyzer="char_wb")``
  computes; the analyzer is scikit-learn's own);
- its structure: list item / heading / paragraph, the list's lead-in (a
  measure or a goal), whether the document is national, the rules' cue
  words, narrative and goal openings, a status, an amount, its length, a
  trailing colon, "kommune", "vi/kommunen".

The weights live in ``ingest/data/measure_model.npz``, written by
``eval/train_measure_model.py`` from the labelled sets (no pickle: plain
arrays). Nothing is downloaded and nothing is trained at ingest time.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from ingest.extract.common import Context, Unit
from ingest.extract.measures import GOAL_LEAD, MEASURE_LEAD, _dedupe, _measure_from_text, budget_blocks, passes_guards
from ingest.extract.money import find_money
from ingest.extract.nlp import action_cues, has_goal_start, is_narrative, status_of, tokens
from ingest.records import Measure

MODEL_FILE = Path(__file__).resolve().parent.parent / "data" / "measure_model.npz"
NGRAMS = (3, 5)
COVERED = 0.6
"""A sentence is taken already when it and a measure the rules found on its
page overlap this much, either way (the evaluation's matching rule): the
measure is (mostly) this sentence, or a clause of it."""

STOPWORDS = frozenset(
    "og i på av til for med som er det den de en et at å har var ble vil skal kan om fra ved seg sin sitt sine "
    "ikke også eller men så der her alle andre dette disse the".split()
)
"""Words that carry no content: the evaluation matches labels on the rest."""

STRUCTURE = (
    "item", "heading", "paragraph", "measure_lead", "goal_lead", "national", "activity_plan", "action_cue",
    "action_cues", "narrative", "goal_start", "status", "amount", "length", "short", "colon", "kommune",
    "after_measure_lead", "we",
)


def content_words(text: str) -> list[str]:
    return [t for t in re.findall(r"\w+", text.lower()) if len(t) >= 3 and t not in STOPWORDS]


def norm_words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def overlap(part: str, whole: str) -> float:
    """Share of `part`'s content words found in `whole` (1 when `part` is in it)."""
    if norm_words(part) and norm_words(part) in norm_words(whole):
        return 1.0
    words = content_words(part)
    if not words:
        return 0.0
    have = set(content_words(whole))
    return sum(1 for t in words if t in have) / len(words)


@dataclass(frozen=True)
class Sentence:
    """What the model reads of one unit."""

    text: str
    kind: str
    intro: str
    prev: str
    national: bool
    activity_plan: bool


def sentences(ctx: Context, activity_blocks: set[int]) -> list[Sentence]:
    out = []
    for u in ctx.units:
        b = u.block
        out.append(Sentence(
            text=u.text, kind=b.kind, intro=(b.intro or "")[-200:],
            prev=ctx.units[u.index - 1].text if u.index else "",
            national=ctx.national, activity_plan=id(b) in activity_blocks,
        ))
    return out


COSTLY = ("action_cue", "action_cues", "narrative", "goal_start", "status", "amount")
"""Structure features that need spaCy's matchers; the others are regexes."""


def structure(s: Sentence, costly: bool = True) -> list[float]:
    """The STRUCTURE features of `s`, each in [0, 1]. `costly=False` leaves
    the COSTLY ones at 0 (a lower bound for `MeasureModel.accepts`)."""
    words = s.text.split()
    f = [
        s.kind == "item", s.kind == "heading", s.kind == "para",
        bool(MEASURE_LEAD.search(s.intro)), bool(GOAL_LEAD.search(s.intro)),
        s.national, s.activity_plan, False, 0.0, False, False, False, False,
        min(len(words), 60) / 60, len(words) < 4,
        s.text.rstrip().endswith(":"), bool(re.search(r"\bkommune", s.text, re.I)),
        bool(MEASURE_LEAD.search(s.prev)) and s.prev.rstrip().endswith(":"),
        bool(re.search(r"\b(vi|kommunen)\b", s.text, re.I)),
    ]
    if costly:
        d = tokens(s.text)
        cues = action_cues(d)
        f[7:13] = [len(cues) > 0, min(len(cues), 3) / 3, is_narrative(d), has_goal_start(d),
                   status_of(s.text) is not None, bool(find_money(s.text))]
    return [float(x) for x in f]


_COSTLY_AT = [STRUCTURE.index(n) for n in COSTLY]


@lru_cache(maxsize=1)
def _analyzer():
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS).build_analyzer()


class MeasureModel:
    """Logistic regression over char n-grams and structure (see module doc)."""

    def __init__(self, vocabulary: list[str], idf: np.ndarray, coef: np.ndarray, intercept: float,
                 threshold: float, meta: dict) -> None:
        self.index = {t: i for i, t in enumerate(vocabulary)}
        self.vocabulary = vocabulary
        self.idf = np.asarray(idf, dtype=np.float64)
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = float(intercept)
        self.threshold = float(threshold)
        self.meta = meta
        if len(self.coef) != len(vocabulary) + len(STRUCTURE):
            raise ValueError(f"measure model: {len(self.coef)} weights for {len(vocabulary)} n-grams "
                             f"and {len(STRUCTURE)} structure features")

    # -- persistence ----------------------------------------------------------
    def save(self, path: Path = MODEL_FILE) -> None:
        np.savez_compressed(
            path, vocabulary=np.array(self.vocabulary), idf=self.idf.astype(np.float32),
            coef=self.coef.astype(np.float32), intercept=np.float64(self.intercept),
            threshold=np.float64(self.threshold), meta=np.array(json.dumps(self.meta, ensure_ascii=False)),
        )

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> MeasureModel:
        with np.load(path, allow_pickle=False) as z:
            return cls([str(t) for t in z["vocabulary"]], z["idf"], z["coef"], float(z["intercept"]),
                       float(z["threshold"]), json.loads(str(z["meta"])))

    # -- scoring --------------------------------------------------------------
    def text_features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(n-gram indices, TF-IDF weights) of `text`, as scikit-learn's
        vectorizer: sublinear counts times idf, L2-normalised."""
        found = [i for i in map(self.index.get, _analyzer()(text)) if i is not None]
        if not found:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        ids, counts = np.unique(np.array(found, dtype=np.int64), return_counts=True)
        w = (1.0 + np.log(counts)) * self.idf[ids]
        return ids, w / np.linalg.norm(w)

    def _text_logit(self, text: str) -> float:
        ids, w = self.text_features(text)
        return self.intercept + float(w @ self.coef[ids])

    def probability(self, s: Sentence) -> float:
        z = self._text_logit(s.text) + float(np.dot(self.coef[len(self.vocabulary):], structure(s)))
        return float(1.0 / (1.0 + np.exp(-z)))

    def accepts(self, s: Sentence, threshold: float | None = None) -> bool:
        """probability(s) >= threshold (the model's own by default). The
        structure features lie in [0, 1]: when the text and the cheap
        features cannot reach the threshold even with every helpful costly
        feature on, the costly ones (spaCy's matchers, ~2 ms a sentence) are
        not computed."""
        cut = _logit(self.threshold if threshold is None else threshold)
        w = self.coef[len(self.vocabulary):]
        text = self._text_logit(s.text)
        if text + float(np.dot(w, structure(s, costly=False))) + float(np.clip(w[_COSTLY_AT], 0, None).sum()) < cut:
            return False
        return text + float(np.dot(w, structure(s))) >= cut


def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


class SecondOpinion(Protocol):
    """A costlier sentence model consulted after the regression
    (`encoder_model.EncoderMeasureModel`): the sentences the regression
    gives at least `gate` are scored by `probabilities`, and those at
    `threshold` or above are measures."""

    gate: float
    threshold: float

    def probabilities(self, texts: Sequence[str]) -> np.ndarray: ...


@lru_cache(maxsize=1)
def default_model() -> MeasureModel | None:
    return MeasureModel.load() if MODEL_FILE.exists() else None


def learned_measures(
    ctx: Context, found: list[Measure], skip_units: set[int], activity_blocks: set[int],
    model: MeasureModel | None = None, second: SecondOpinion | None = None,
) -> list[Measure]:
    """`found` (the rules' measures) plus the sentences the model takes that
    the rules did not: not in an activity plan (its rows are measures
    already), not a recommendation (`skip_units`), not covered by a measure
    on the same page, and not rejected by any of the rules' guards
    (`measures.passes_guards`: goals by context, modals, the state acting,
    contents pages …). With a `second` opinion the regression only picks
    the sentences worth asking (p >= second.gate) and `second` decides, in
    one batch per document. Call after `extract_measures` on the same `ctx`."""
    model = model or default_model()
    if model is None:
        return found
    by_page: dict[int, list[str]] = {}
    for m in found:
        by_page.setdefault(m.citation.page, []).append(m.text)
    taken: list[Unit] = []
    budget = budget_blocks(ctx)
    for u, s in zip(ctx.units, sentences(ctx, activity_blocks)):
        if s.activity_plan or u.index in skip_units:
            continue
        if any(max(overlap(u.text, t), overlap(t, u.text)) >= COVERED for t in by_page.get(u.page, ())):
            continue
        if model.accepts(s, second.gate if second else None) and passes_guards(ctx, u, budget):
            taken.append(u)
    if second is not None and taken:
        p = second.probabilities([u.text for u in taken])
        taken = [u for u, pu in zip(taken, p) if pu >= second.threshold]
    extra = [_measure_from_text(ctx, u, u.text) for u in taken]
    return _dedupe(found + extra) if extra else found


__all__ = ["MeasureModel", "SecondOpinion", "learned_measures", "Sentence", "sentences", "structure", "overlap", "content_words"]
