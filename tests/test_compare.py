"""Comparison across municipalities on the sample corpus: the API routes and
the CLI (issue #4)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from index.compare import compare

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def client(sample_index):
    with TestClient(create_app(sample_index.folder, index=sample_index)) as c:
        yield c


def _row(cmp, name):
    return next((r for r in cmp.rows if r.municipality == name), None)


def test_ventelister_compare_lists_asker_and_baerum_with_pages(sample_index):
    cmp = compare(sample_index, "ventelister tiltak")
    assert "ventelister" in cmp.topics
    asker, baerum = _row(cmp, "Asker"), _row(cmp, "Bærum")
    assert asker is not None and baerum is not None
    fig = next(f for f in asker.figures if f.data.get("value") == 165)
    assert fig.data.get("value_to") == 7 and fig.page == 1
    assert fig.source in {"seeds/001_5ce3752c033720c9.txt", "html/asker__statens-pris-nominasjon-2018.html"}
    m = next(m for m in baerum.measures if "BOKART" in m.text)
    assert m.source == "pdf/baerum__programplan-boso-2010.pdf" and m.page == 17
    assert "venteliste" in (m.data.get("indicator") or "").lower()
    # the project the BOKART action belongs to carries the row's cost, "Totalt kr 800 000"
    project = next(x for x in baerum.measures if x.text.startswith("Underskudd på boliger"))
    assert project.page == 17 and project.data["cost"]["amount_nok"] == 800000


def test_compare_route_json_and_csv(client):
    body = client.get("/compare", params={"q": "ventelister tiltak"}).json()
    names = [r["municipality"] for r in body["rows"]]
    assert {"Asker", "Bærum"} <= set(names)
    r = client.get("/compare", params={"topic": "ventelister", "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert any(x["municipality"] == "Bærum" and x["cost_nok"] == "800000" and x["page"] == "17" for x in rows)
    assert client.get("/compare").status_code == 400
    assert client.get("/compare", params={"topic": "romfart"}).status_code == 400


def test_measures_route_filters_by_topic_and_municipality(client):
    body = client.get("/measures", params={"topic": "ventelister", "municipality": "Bærum"}).json()
    assert body["total"] >= 1
    assert all(m["municipality"] == "Bærum" for m in body["measures"])
    assert all("ventelister" in m["topics"] for m in body["measures"])
    assert client.get("/measures", params={"target_group": "marsboere"}).status_code == 400


def test_municipality_profile_and_peers(client):
    p = client.get("/municipalities/Baerum").json()
    assert p["municipality"] == "Bærum" and p["fylke"] and p["population"] > 100000
    assert "BOSO" in p["programmes"]
    assert any(d["source"] == "pdf/baerum__programplan-boso-2010.pdf" for d in p["documents"])
    assert p["measures_by_topic"] and p["figures"]
    peers = client.get("/municipalities/Asker/peers", params={"topic": "ventelister"}).json()
    names = [x["municipality"] for x in peers["peers"]]
    assert "Bærum" in names and "Asker" not in names
    assert client.get("/municipalities/Atlantis").status_code == 404


def test_a_small_municipality_finds_peers_of_its_size_that_did_something_on_the_topic(client):
    # Hitra (5 300 inhabitants): the nearest indexed municipalities in size have
    # nothing on waiting lists; Stord (19 300), within five times its size, does
    body = client.get("/municipalities/Hitra/peers", params={"topic": "ventelister"}).json()
    first = body["peers"][0]
    assert first["municipality"] == "Stord" and first["items"], [p["municipality"] for p in body["peers"]]
    from index.compare import PEER_DISTANCE
    from ingest.municipalities import Municipalities

    reg = Municipalities.load()
    hitra = reg.get("Hitra")
    assert all(reg.distance(hitra, reg.get(p["municipality"])) <= PEER_DISTANCE for p in body["peers"])
    assert body["population"] == hitra.population < 6000
    with_items = [p["municipality"] for p in body["peers"] if p["items"]]
    assert body["peers"][: len(with_items)] == [p for p in body["peers"] if p["items"]]


def test_cli_compare_csv_and_json(sample_index):
    base = [sys.executable, "-m", "api.cli", "compare", "ventelister tiltak", "--index", str(sample_index.folder)]
    out = subprocess.run(base + ["--json"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    data = json.loads(out.stdout)
    assert {"Asker", "Bærum"} <= {r["municipality"] for r in data["rows"]}
    out = subprocess.run(base + ["--csv"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.startswith("municipality,")


def test_ingest_asks_the_fine_tuned_encoder(sample_index, client):
    # the sample index was built as `boso ingest` builds one: with the encoder's
    # second opinion, which takes Bodø's housing fund (the regression alone does not)
    from ingest.extract.encoder_model import EncoderMeasureModel

    assert isinstance(sample_index.second_opinion, EncoderMeasureModel)
    body = client.get("/measures", params={"municipality": "Bodø", "q": "boligfond"}).json()
    assert any(m["text"].startswith("I tillegg har kommunen satt av et eget boligfond") for m in body["measures"])


def test_the_encoder_can_be_turned_off(tmp_path, monkeypatch):
    from index.collection import Index

    monkeypatch.setenv("BOSO_MEASURE_ENCODER", "0")
    idx = Index(tmp_path / "idx")
    try:
        assert idx.second_opinion is None
    finally:
        idx.close()


def test_a_model_the_adapters_do_not_fit_leaves_the_regression(tmp_path, caplog):
    # a model folder of another shape (here: a config only) is refused with a
    # reason, and ingest goes on with the regression deciding
    import json as _json

    from index.collection import Index

    folder = tmp_path / "other-model"
    folder.mkdir()
    (folder / "config.json").write_text(_json.dumps({"hidden_size": 768, "num_hidden_layers": 12, "vocab_size": 30522}))

    class _Other:  # what Index asks of an encoder here: its folder (and info, for a stored index)
        path, info = folder, None

    idx = Index(tmp_path / "idx", encoder=_Other())
    try:
        with caplog.at_level("WARNING"):
            assert idx.second_opinion is None
        assert "hidden_size" in caplog.text and "regression alone" in caplog.text
    finally:
        idx.close()
