"""What the CLI and the HTTP routes share: parameter validation and the JSON
shape of results. Both print/return exactly these dicts."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from index.search import MODES, Hit
from index.store import Filters
from ingest.records import DOC_TYPES

MAX_K = 100
MAX_OFFSET = 1000
MAX_QUERY = 500


@dataclass
class SearchParams:
    q: str
    municipality: str | None = None
    doc_type: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    programme: str | None = None
    k: int = 10
    offset: int = 0
    mode: str = "hybrid"

    def validate(self) -> None:
        """Raise ValueError with a message a user can act on."""
        if not self.q or not self.q.strip():
            raise ValueError("the query is empty")
        if len(self.q) > MAX_QUERY:
            raise ValueError(f"the query is longer than {MAX_QUERY} characters")
        if not 1 <= self.k <= MAX_K:
            raise ValueError(f"k must be between 1 and {MAX_K}")
        if not 0 <= self.offset <= MAX_OFFSET:
            raise ValueError(f"offset must be between 0 and {MAX_OFFSET}")
        if self.doc_type and self.doc_type not in DOC_TYPES:
            raise ValueError(f"unknown doc_type '{self.doc_type}'; one of: {', '.join(DOC_TYPES)}")
        if self.mode not in MODES:
            raise ValueError(f"unknown mode '{self.mode}'; one of: {', '.join(MODES)}")
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            raise ValueError("year_from is after year_to")

    def filters(self) -> Filters:
        return Filters(
            municipality=canonical_municipality(self.municipality),
            doc_type=self.doc_type or None,
            year_from=self.year_from,
            year_to=self.year_to,
            programme=self.programme or None,
        )


def canonical_municipality(name: str | None) -> str | None:
    """Resolve user spellings (Baerum, bydel names, old names) to the name
    stored at ingest; unknown names pass through unchanged."""
    if not name:
        return None
    try:
        from ingest.municipalities import Municipalities

        m = Municipalities.load().get(name)
    except Exception:
        return name
    return m.name if m is not None else name


HIT_FIELDS = tuple(f.name for f in fields(Hit))
"""A hit's fields in order: its dict is a shallow copy (`asdict` deep-copied
every list for ~20 µs a hit, and nothing mutates them)."""


def run_search(idx: Any, params: SearchParams, *, facets: bool = False) -> dict[str, Any]:
    params.validate()
    resp = idx.search(
        params.q.strip(), params.filters(), k=params.k, offset=params.offset, mode=params.mode, facets=facets
    )
    out = {"query": resp.query, "total": resp.total, "hits": [{f: getattr(h, f) for f in HIT_FIELDS} for h in resp.hits]}
    if facets:
        out["facets"] = resp.facets
    return out
