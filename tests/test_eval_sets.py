"""The written evaluation sets (eval/written/) are consistent: every text has
its manifest line and gold file, and every gold quote stands in its text, so
a score on them measures the extractor, not a broken label."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "eval"))
import extract_eval as E  # noqa: E402

SETS = sorted((d for d in (REPO / "eval" / "written").glob("set-*") if (d / "gold").is_dir()), key=lambda d: int(d.name[4:]))
"""The adjudicated sets (a set being written has no gold yet)."""


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def test_there_are_written_sets_with_first_runs():
    assert len(SETS) >= 7
    assert {f"written {d.name[4:]}" for d in SETS} <= set(E.WRITTEN_FIRST_RUN)


@pytest.mark.parametrize("folder", SETS, ids=lambda d: d.name)
def test_a_written_set_is_whole_and_its_quotes_stand_in_its_texts(folder: Path):
    texts = {p.name: p.read_text(encoding="utf-8") for p in (folder / "pages").glob("*.txt")}
    manifest = [json.loads(line) for line in (folder / "manifest.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    assert sorted(m["file"] for m in manifest) == sorted(texts)
    assert all(m.get("fictional") is True for m in manifest)
    for name, text in texts.items():
        gold = folder / "gold" / f"pages__{Path(name).stem}.jsonl"
        assert gold.exists(), f"{folder.name}: no gold for {name}"
        for lab in E.load_labels(gold):
            assert lab["type"] in E.TYPES
            assert _norm(lab["text"]) in _norm(text), f"{folder.name}/{name}: {lab['text'][:60]!r} not in the text"
            if lab["type"] == "figure":
                assert isinstance(lab["value"], (int, float))
