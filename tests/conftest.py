from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    if not SHARED_CORPUS.is_dir():
        pytest.skip(f"sample corpus not found at {SHARED_CORPUS} (expected ../shared/corpus beside the checkout)")
    return SHARED_CORPUS


@pytest.fixture(scope="session")
def sample_index(shared_corpus, tmp_path_factory):
    """An index of the whole sample corpus (broken files included: they must
    be reported, not indexed), built once per test session."""
    from index.collection import Index

    # BOSO_TEST_INDEX=DIR reuses (and updates) an index folder between runs
    # while developing; CI builds a fresh one.
    reuse = os.environ.get("BOSO_TEST_INDEX")
    folder = Path(reuse) if reuse else tmp_path_factory.mktemp("sample-index")
    idx = Index(folder)
    summary = idx.ingest([shared_corpus])
    idx.summary = summary
    yield idx
    idx.close()
