"""Typed records passed downstream: ingest -> index -> api.

Every stage hands the next one plain dataclasses from this module. Nothing here
knows about files on disk, SQL or HTTP. Page numbers are 1-based physical page
numbers of the source file; every derived record keeps them so that a citation
always points at a page a reader can open.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Format = Literal["pdf", "html", "docx", "text"]

DOC_TYPES: tuple[str, ...] = (
    "foranalyse",
    "programplan",
    "aktivitetsplan",
    "halvaarsrapport",
    "aarsrapport",
    "sluttrapport",
    "samarbeidsavtale",
    "saksframlegg",
    "handlingsplan",
    "veileder",
    "artikkel",
    "annet",
)

PROGRAMMES: tuple[str, ...] = (
    "BOSO",
    "Boligsosialt velferdsprogram",
    "Bolig for velferd",
    "BASIS",
    "By- og tettstedsprogram",
)


class IngestError(Exception):
    """A file that cannot be ingested. `cause` is a short machine-readable
    reason (empty, truncated, encrypted, not_pdf, unreadable, unsupported,
    no_text); the message names the file and says what is wrong."""

    def __init__(self, path: str, cause: str, detail: str = "") -> None:
        self.path = str(path)
        self.cause = cause
        self.detail = detail
        msg = f"{self.path}: {cause.replace('_', ' ')}"
        if detail:
            msg += f" ({detail})"
        super().__init__(msg)


@dataclass
class Table:
    """A table as a header plus rows of cell strings. A table continued on
    the next page is merged into one Table whose `pages` lists every page;
    `row_pages[i]` is the page row i stands on."""

    header: list[str]
    rows: list[list[str]]
    page: int  # first page
    pages: list[int] = field(default_factory=list)
    row_pages: list[int] = field(default_factory=list)
    title: str = ""  # nearest heading / caption above the table

    def as_text(self) -> str:
        """Searchable rendering: one line per row, 'Header: cell' pairs."""
        lines = []
        if self.title:
            lines.append(self.title)
        for row in self.rows:
            parts = []
            for h, c in zip(self.header, row):
                c = (c or "").strip()
                if not c:
                    continue
                parts.append(f"{h.strip()}: {c}" if h and h.strip() else c)
            if parts:
                lines.append(" | ".join(parts))
        return "\n".join(lines)

    def row_text(self, i: int) -> str:
        parts = []
        for h, c in zip(self.header, self.rows[i]):
            c = (c or "").strip()
            if c:
                parts.append(f"{h.strip()}: {c}" if h and h.strip() else c)
        return " | ".join(parts)


@dataclass
class Page:
    number: int  # 1-based physical page
    text: str  # cleaned running text (tables excluded where detected)
    tables: list[Table] = field(default_factory=list)
    ocr: bool = False
    headings: list[tuple[int, int, str]] = field(default_factory=list)
    """(char offset in `text`, level 1..3, heading text)."""


@dataclass
class Field:
    """An inferred metadata value with where it came from and how sure we are."""

    value: Any = None
    confidence: float = 0.0
    source: str = ""  # "manifest", "filename", "title", "text", "default"


@dataclass
class Metadata:
    title: Field = field(default_factory=Field)
    municipality: Field = field(default_factory=Field)  # canonical current name
    kommunenummer: Field = field(default_factory=Field)
    fylke: Field = field(default_factory=Field)
    publisher: Field = field(default_factory=Field)  # national docs: Husbanken, NOVA …
    doc_type: Field = field(default_factory=Field)
    year: Field = field(default_factory=Field)
    period: Field = field(default_factory=Field)  # (start, end) years
    programme: Field = field(default_factory=Field)
    url: Field = field(default_factory=Field)

    def values(self) -> dict[str, Any]:
        return {k: getattr(self, k).value for k in self.__dataclass_fields__}


@dataclass
class Document:
    doc_id: str  # content hash of the source bytes (sha256, first 16 hex)
    source: str  # path relative to the ingested root, posix
    format: Format
    pages: list[Page]
    metadata: Metadata = field(default_factory=Metadata)
    sha256: str = ""
    size: int = 0
    warnings: list[str] = field(default_factory=list)
    duplicate_of: str | None = None  # doc_id of a near-duplicate already known
    fingerprint: list[int] = field(default_factory=list)
    """MinHash signature of the word shingles; near-duplicates share most."""

    @property
    def title(self) -> str:
        return self.metadata.title.value or self.source.rsplit("/", 1)[-1]

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.pages)


@dataclass
class Chunk:
    chunk_id: str  # f"{doc_id}:{seq:04d}"
    doc_id: str
    seq: int
    text: str
    page_start: int
    page_end: int
    heading_path: list[str] = field(default_factory=list)
    char_start: int = 0  # offset into page_start's text
    char_end: int = 0  # offset into page_end's text
    kind: Literal["text", "table"] = "text"
    n_tokens: int = 0

    @property
    def section(self) -> str:
        return " › ".join(self.heading_path)


@dataclass
class Citation:
    doc_id: str
    page: int
    section: str = ""
    source: str = ""


@dataclass
class Cost:
    amount_nok: float
    text: str  # as written, e.g. "Totalt kr 800 000"


@dataclass
class Measure:
    text: str
    citation: Citation
    municipality: str | None = None
    period: tuple[int, int] | None = None
    target_groups: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    cost: Cost | None = None
    indicator: str = ""  # result target / indicator
    status: str | None = None  # planlagt, igangsatt, gjennomført
    responsible: str = ""
    fields: dict[str, str] = field(default_factory=dict)  # table cells by header


@dataclass
class Recommendation:
    text: str
    citation: Citation
    by: str | None = None  # Rambøll, NOVA, NIBR …
    topics: list[str] = field(default_factory=list)
    theme: str = ""  # the heading/theme the recommendation is filed under
    municipality: str | None = None


@dataclass
class Figure:
    """A numeric fact: `value` (and `value_to` for a change A → B)."""

    text: str  # the sentence it came from
    citation: Citation
    value: float
    unit: str  # husstander, boliger, kr, personer, prosent …
    subject: str = ""  # e.g. "venteliste"
    value_to: float | None = None
    year: int | None = None
    year_to: int | None = None
    breakdown: dict[str, float] = field(default_factory=dict)
    municipality: str | None = None
    topics: list[str] = field(default_factory=list)


Item = Measure | Recommendation | Figure


@dataclass
class IngestResult:
    document: Document
    chunks: list[Chunk]
    measures: list[Measure] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    extractor: str | None = None
    """`ingest.stamp.extractor_stamp` of what extracted the items; None when
    extraction was not run."""


@dataclass
class ExtractedItems:
    """A document's items extracted again from its unchanged file, by the
    extractor `extractor` (`ingest.pipeline.extract_again`)."""

    doc_id: str
    extractor: str
    measures: list[Measure] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


def to_dict(obj: Any) -> dict[str, Any]:
    return asdict(obj)
