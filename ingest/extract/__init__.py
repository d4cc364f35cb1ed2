"""Rule-based extraction of measures (tiltak), recommendations (anbefalinger)
and figures (tall) from a read document, each with its citation.

    >>> measures, recommendations, figures = extract_items(doc)

spaCy's blank Norwegian pipeline (tokenizer + sentencizer) and token
Matchers find the sentences and cue words; the table structure from the
readers gives activity plans and recommendation tables their columns; topics,
target groups and recommending organisations come from
`ingest/data/vocabulary.toml`. `learned` then adds the sentences a small
logistic regression (plain arrays in `ingest/data/`) is sure are measures,
or, given the fine-tuned encoder as a `second` opinion, those it accepts
among the sentences the regression finds worth asking (`encoder_model`).
"""

from __future__ import annotations

from ingest.extract.common import Context
from ingest.extract.figures import extract_figures
from ingest.extract.learned import SecondOpinion, learned_measures
from ingest.extract.measures import extract_measures
from ingest.extract.money import find_money, parse_nok
from ingest.extract.recommendations import extract_recommendations
from ingest.records import Document, Figure, Measure, Recommendation
from ingest.stamp import extractor_stamp
from ingest.vocabulary import Vocabulary

__all__ = ["extract_items", "extractor_stamp", "parse_nok", "find_money", "Vocabulary"]


def extract_items(
    doc: Document, *, learned: bool = True, second: SecondOpinion | None = None,
) -> tuple[list[Measure], list[Recommendation], list[Figure]]:
    """Measures, recommendations and figures of `doc`, in reading order.
    `learned=False`: the rules' measures only, without the learned model's
    additions (`ingest.extract.learned`). `second`: the fine-tuned encoder
    (`ingest.extract.encoder_model.EncoderMeasureModel`) decides on the
    sentences the regression finds worth asking."""
    ctx = Context.build(doc)
    recommendations, rec_units = extract_recommendations(ctx)
    measures, activity_blocks = extract_measures(ctx, skip_units=rec_units)
    if learned:
        measures = learned_measures(ctx, measures, rec_units, activity_blocks, second=second)
    figures = extract_figures(ctx, skip_blocks=activity_blocks)
    return measures, recommendations, figures
