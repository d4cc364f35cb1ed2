"""End-to-end index behaviour on the sample corpus: ingest, hybrid search,
filters, near-duplicates, deletes, atomic commits, model mismatch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from index.collection import Index
from index.store import Filters

REPO = Path(__file__).resolve().parent.parent


def test_broken_files_reported_and_rest_indexed(sample_index):
    s = sample_index.summary
    failed = {Path(o.path).name: o.error for o in s.failed}
    assert set(failed) == {"empty.pdf", "encrypted.pdf", "garbage.pdf", "html-named-pdf.pdf", "truncated.pdf"}
    for name, err in failed.items():
        assert name in err
    st = sample_index.stats()
    assert st["documents"] == len(s.outcomes) - len(s.failed)
    assert st["documents"] >= 155  # 149 pages + 5 seeds + 3 html + 3 pdf, minus nothing
    assert st["vectors"] == st["chunks"]


def test_ventelister_tiltak_finds_asker_165_to_7(sample_index):
    resp = sample_index.search("ventelister tiltak", k=3)
    top = resp.hits[:3]
    hit = next((h for h in top if "165" in h.text and h.municipality == "Asker"), None)
    assert hit is not None, [(h.source, h.text[:80]) for h in top]
    sources = {hit.source} | {d["source"] for d in hit.also_in}
    assert sources & {"seeds/001_5ce3752c033720c9.txt", "html/asker__statens-pris-nominasjon-2018.html"}
    assert hit.page == 1
    assert "<mark>" in hit.snippet and "ventelist" in hit.snippet.lower()


def test_hybrid_search_embeds_the_query_without_the_transformer(sample_index):
    """Hybrid ranking takes the static query vector (index.fastquery); the
    transformer runs (and memoises) only for dense-only search."""
    enc = sample_index.encoder
    if enc.static_query_encoder() is None:
        pytest.fail("the static query encoder should serve the installed default model")
    query = "hvem har prøvd Housing First for bostedsløse"
    enc._query_cache.pop(query, None)
    hybrid = sample_index.search(query, k=5)
    assert hybrid.hits and query not in enc._query_cache
    dense = sample_index.search(query, k=5, mode="dense")
    assert dense.hits and query in enc._query_cache


def test_unchanged_reingest_is_noop(sample_index, shared_corpus):
    before = sample_index.stats()
    summary = sample_index.ingest([shared_corpus / "seeds"])
    assert summary.count("unchanged") == 5 and summary.count("added") == 0
    assert sample_index.stats()["generation"] == before["generation"]


def test_municipality_filter_returns_only_that_municipality(sample_index):
    resp = sample_index.search("boliger til vanskeligstilte", Filters(municipality="Bærum"), k=10)
    assert resp.hits and all(h.municipality == "Bærum" for h in resp.hits)
    # not fewer than k when more match
    n_baerum = len(sample_index.store.filtered_vids(Filters(municipality="Bærum")))
    assert len(resp.hits) == min(10, n_baerum)


def test_year_and_doc_type_filters(sample_index):
    resp = sample_index.search("boligsosialt arbeid", Filters(doc_type="programplan", year_from=2010, year_to=2012), k=20)
    assert resp.hits
    for h in resp.hits:
        assert h.doc_type == "programplan"
        d = sample_index.store.document(h.doc_id)
        lo = d["period_start"] or d["year"]
        hi = d["period_end"] or d["year"]
        assert lo <= 2012 and hi >= 2010


def test_near_duplicates_appear_once_with_both_sources(sample_index):
    resp = sample_index.search("Asker programplan boligsosialt utviklingsprogram balansert målstyring", k=20)
    asker_plan = {"pdf/asker__programplan-boso-2012-2015.pdf", "seeds/004_64afeb5b8bf62330.txt"}
    hits = [h for h in resp.hits if h.source in asker_plan]
    assert hits, [h.source for h in resp.hits]
    assert len({h.source for h in hits}) == 1  # only one copy shows
    assert {d["source"] for d in hits[0].also_in} == asker_plan - {hits[0].source}


def test_delete_and_crash_safety(shared_corpus, tmp_path):
    folder = tmp_path / "idx"
    idx = Index(folder)
    files = [shared_corpus / "seeds" / "001_5ce3752c033720c9.txt", shared_corpus / "seeds" / "000_93a0c4f6dbd5542d.txt"]
    idx.ingest(files)
    assert idx.search("165 husstander venteliste", k=5).hits
    doc = idx.store.doc_id_for_path(str(files[0].resolve()))
    idx.delete(doc)
    idx.commit()
    assert all(h.doc_id != doc for h in idx.search("165 husstander venteliste", k=50).hits)
    assert all(h.doc_id != doc for h in idx.search("165 husstander venteliste", k=50, mode="dense").hits)
    gen = idx.stats()["generation"]
    idx.close()

    # A process that stages a document and dies before commit leaves the
    # previous index intact and searchable.
    code = (
        "import os, sys; from index.collection import Index; "
        f"idx = Index({str(folder)!r}); "
        "from ingest.pipeline import ingest_file; from pathlib import Path; "
        f"p = Path({str(files[0])!r}); r = ingest_file(p, p.parent, count_tokens=idx.encoder.count_tokens); "
        "idx.add(r, p); os._exit(1)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    idx = Index(folder)
    assert idx.stats()["generation"] == gen
    assert idx.stats()["documents"] == 1
    assert all(h.doc_id != doc for h in idx.search("165 husstander venteliste", k=50).hits)
    assert idx.search("63 boliger", k=5).hits
    idx.close()


def test_index_refuses_vectors_from_another_model(shared_corpus, tmp_path):
    from index.embed import ModelMismatchError

    idx = Index(tmp_path / "idx")
    idx.ingest([shared_corpus / "seeds" / "000_93a0c4f6dbd5542d.txt"])
    idx.store.set_meta("model", json.dumps({"name": "intfloat/multilingual-e5-base", "dim": 768, "checksum": "x"}))
    idx.close()
    idx = Index(tmp_path / "idx")
    with pytest.raises(ModelMismatchError, match="multilingual-e5-base"):
        idx.search("boliger", k=3, mode="dense")
    # lexical search needs no model and still works
    assert idx.search("boliger", k=3, mode="lexical").hits


def test_index_of_a_rebuilt_model_is_reembedded_not_lost(shared_corpus, tmp_path):
    """After `boso model install` rebuilt the same model into other files, the
    index refuses its old vectors; `reembed` (and `boso reembed`, which `boso
    run` calls for this case) encodes the stored chunks again, keeping every
    document, without reading the files."""
    from typer.testing import CliRunner

    from api.cli import app as cli
    from index.embed import ModelMismatchError

    folder = tmp_path / "idx"
    idx = Index(folder)
    idx.ingest([shared_corpus / "seeds" / "001_5ce3752c033720c9.txt", shared_corpus / "seeds" / "000_93a0c4f6dbd5542d.txt"])
    before = [(h.doc_id, h.page) for h in idx.search("165 husstander venteliste", k=5, mode="dense").hits]
    current = json.loads(idx.store.get_meta("model"))
    stats = idx.stats()
    old_build = dict(current, checksum="0" * 64)
    idx.store.set_meta("model", json.dumps(old_build))
    idx.close()

    idx = Index(folder)
    with pytest.raises(ModelMismatchError, match="boso reembed"):
        idx.search("165 husstander venteliste", k=5, mode="dense")
    assert idx.model_rebuilt()
    assert idx.reembed() == stats["chunks"]
    assert json.loads(idx.store.get_meta("model")) == current
    assert idx.stats()["generation"] == stats["generation"] + 1 and idx.stats()["documents"] == stats["documents"]
    assert [(h.doc_id, h.page) for h in idx.search("165 husstander venteliste", k=5, mode="dense").hits] == before
    assert not idx.model_rebuilt()
    idx.store.set_meta("model", json.dumps(old_build))
    idx.close()

    out = CliRunner().invoke(cli, ["reembed", "--index", str(folder)])
    assert out.exit_code == 0 and f"re-embedded {stats['chunks']} chunks" in out.output, out.output
    idx = Index(folder)
    assert [(h.doc_id, h.page) for h in idx.search("165 husstander venteliste", k=5, mode="dense").hits] == before
    idx.close()


@pytest.mark.parametrize("query", ["ventelister tiltak", "booppfølging rus og psykisk helse", "bustadsosialt velferdsprogram"])
def test_snippets_mark_exactly_what_whole_text_highlighting_marks(sample_index, query):
    """Snippets are highlighted on the excerpt only (for speed); each marked
    word must be one the whole-text highlight marks at the same place."""
    import html
    import re

    resp = sample_index.search(query, k=10)
    assert resp.hits
    marked_any = False
    for h in resp.hits:
        full = {h.text[a:b] for a, b in sample_index.analyzer.highlight_spans(query, h.text)}
        marks = [html.unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", h.snippet)]
        assert set(marks) <= full, (h.source, marks)
        marked_any |= bool(marks)
        plain = html.unescape(h.snippet.replace("<mark>", "").replace("</mark>", "")).strip("…")
        assert plain in h.text
    assert marked_any


def _items(idx: Index, doc_id: str) -> list[tuple]:
    rows = idx.store.items(doc_ids=[doc_id], limit=10_000)
    return sorted((r["item"].citation.page, type(r["item"]).__name__, r["item"].text) for r in rows)


def _of(idx: Index, doc_id: str, kind: str) -> list:
    return [r["item"] for r in idx.store.items(doc_ids=[doc_id], types=[kind], limit=10_000)]


def test_items_of_an_older_extractor_are_extracted_again_without_reembedding(shared_corpus, tmp_path):
    """An update that changes the extractor reaches an existing index: `ingest`
    (so `boso run`) extracts the items of unchanged files again, and `boso
    reextract` does it for every indexed file. Chunks and vectors stay; a
    file that is gone or changed keeps its items and is named."""
    from typer.testing import CliRunner

    from api.cli import app as cli
    from ingest.stamp import extractor_stamp
    from ingest.records import ExtractedItems

    folder = tmp_path / "idx"
    docs = tmp_path / "docs"
    docs.mkdir()
    plan = docs / "baerum-plan.pdf"
    plan.write_bytes((shared_corpus / "pdf" / "baerum__programplan-boso-2010.pdf").read_bytes())
    seed = docs / "asker.txt"
    seed.write_bytes((shared_corpus / "seeds" / "001_5ce3752c033720c9.txt").read_bytes())
    idx = Index(folder)
    idx.ingest([docs])
    plan_id = idx.store.doc_id_for_path(str(plan.resolve()))
    seed_id = idx.store.doc_id_for_path(str(seed.resolve()))
    full = _items(idx, plan_id)
    rambøll = [r for r in _of(idx, plan_id, "recommendation") if r.by == "Rambøll"]
    assert len(rambøll) >= 8
    stats = idx.stats()
    assert idx.store.extractors() == {plan_id: extractor_stamp(True), seed_id: extractor_stamp(True)}

    # the plan's items as an older extractor left them: one measure, no recommendations
    first = _of(idx, plan_id, "measure")[:1]
    with idx.store.transaction():
        idx.store.replace_items(ExtractedItems(plan_id, "older-extractor", measures=first))
    assert len(_items(idx, plan_id)) == 1
    assert idx.stats()["outdated_items"] == 1
    idx.close()

    idx = Index(folder)
    summary = idx.ingest([docs])
    assert [(Path(o.path).name, o.status) for o in summary.outcomes] == [("asker.txt", "unchanged"), ("baerum-plan.pdf", "reextracted")]
    assert "1 reextracted" in summary.line()
    assert _items(idx, plan_id) == full
    cost = [m for m in _of(idx, plan_id, "measure") if m.cost and m.cost.amount_nok == 800_000]
    assert cost, "the 4.2.3 measure with 'Totalt kr 800 000' is back"
    after = idx.stats()
    assert (after["generation"], after["chunks"], after["vectors"]) == (stats["generation"], stats["chunks"], stats["vectors"])
    assert idx.store.extractors()[plan_id] == extractor_stamp(True)
    assert idx.stale_extractions() == [] and idx.stats()["outdated_items"] == 0

    # a changed file and a missing one: reported by name, their items kept
    with idx.store.transaction():
        idx.store.replace_items(ExtractedItems(plan_id, "older-extractor", measures=first))
        idx.store.replace_items(ExtractedItems(seed_id, "older-extractor", measures=first))
    plan.write_bytes(plan.read_bytes() + b"\n% changed\n")
    seed.unlink()
    summary = idx.reextract()
    errors = sorted(o.error for o in summary.failed)
    assert len(errors) == 2 and "asker.txt: unreadable (file not found)" in errors[0]
    assert "baerum-plan.pdf: changed" in errors[1] and "ingest it again" in errors[1]
    assert all("items from the earlier extraction are kept" in e for e in errors)
    assert _items(idx, plan_id) == [(first[0].citation.page, "Measure", first[0].text)]
    idx.close()

    # the CLI: `boso reextract --all` does every document whose file is there
    seed.write_bytes((shared_corpus / "seeds" / "001_5ce3752c033720c9.txt").read_bytes())
    plan.write_bytes((shared_corpus / "pdf" / "baerum__programplan-boso-2010.pdf").read_bytes())
    out = CliRunner().invoke(cli, ["reextract", "--all", "--index", str(folder)])
    assert out.exit_code == 0, out.output
    assert "reextracted 2 documents" in out.output
    idx = Index(folder)
    assert _items(idx, plan_id) == full and idx.stale_extractions() == []
    idx.close()
