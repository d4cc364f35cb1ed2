"""Which extractor made a document's items (`extractor_stamp`).

Kept apart from `ingest.extract`, which loads spaCy (~3.5 s): the server and
`boso stats` only compare stamps.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

_INGEST = Path(__file__).resolve().parent


@lru_cache(maxsize=2)
def extractor_stamp(encoder: bool) -> str:
    """What produced a document's items: a hash of the extraction code, the
    vocabulary and the model weights, and whether the fine-tuned encoder
    decided (`encoder`). An index stores it per document, so items extracted
    by an older extractor are extracted again (`index.collection.Index`)
    without reading, chunking or embedding anything else."""
    files = sorted(_INGEST.glob("extract/*.py")) + [
        _INGEST / "vocabulary.py",
        _INGEST / "records.py",
        _INGEST / "data" / "vocabulary.toml",
        _INGEST / "data" / "measure_model.npz",
    ]
    if encoder:
        files.append(_INGEST / "data" / "measure_adapter.npz")
    h = hashlib.sha256(b"encoder" if encoder else b"regression")
    for f in files:
        h.update(f.relative_to(_INGEST).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]
