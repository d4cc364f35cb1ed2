"""HTTP API on the sample corpus index: the contract, citations, errors."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from api.app import create_app


@pytest.fixture(scope="module")
def client(sample_index):
    app = create_app(sample_index.folder, index=sample_index)
    with TestClient(app) as c:
        yield c


def test_search_returns_cited_hits(client):
    r = client.get("/search", params={"q": "ventelister tiltak", "k": 5})
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "ventelister tiltak" and body["total"] >= 5
    hit = body["hits"][0]
    for key in ("doc_id", "source", "title", "municipality", "doc_type", "year", "page", "pages", "section",
                "score", "text", "snippet"):
        assert key in hit
    assert any("165" in h["text"] for h in body["hits"][:3])


def test_search_filter_and_paging(client):
    a = client.get("/search", params={"q": "booppfølging", "municipality": "Baerum", "k": 4}).json()
    assert a["hits"] and all(h["municipality"] == "Bærum" for h in a["hits"])
    b = client.get("/search", params={"q": "booppfølging", "municipality": "Baerum", "k": 4, "offset": 4}).json()
    assert not {h["chunk_id"] for h in a["hits"]} & {h["chunk_id"] for h in b["hits"]}


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"q": ""}, "q"),
        ({"q": "bolig", "k": 0}, "k"),
        ({"q": "bolig", "doc_type": "roman"}, "doc_type"),
        ({"q": "bolig", "year_from": 2015, "year_to": 2010}, "year_from"),
        ({"q": "bolig", "mode": "magic"}, "mode"),
    ],
)
def test_bad_parameters_are_4xx_with_reason(client, params, fragment):
    r = client.get("/search", params=params)
    assert 400 <= r.status_code < 500
    assert fragment in r.text


def test_documents_pages_and_file(client, sample_index):
    docs = client.get("/documents", params={"municipality": "Asker", "limit": 100}).json()
    pdf = next(d for d in docs["documents"] if d["source"] == "pdf/asker__programplan-boso-2012-2015.pdf")
    d = client.get(f"/documents/{pdf['doc_id']}").json()
    assert d["n_pages"] == 15 and d["format"] == "pdf" and "path" not in d
    assert any(x["source"] == "seeds/004_64afeb5b8bf62330.txt" for x in d["duplicates"])
    p = client.get(f"/documents/{pdf['doc_id']}/pages/3").json()
    assert "Leserveiledning" in p["text"]
    assert client.get(f"/documents/{pdf['doc_id']}/pages/99").status_code == 404
    f = client.get(f"/documents/{pdf['doc_id']}/file")
    assert f.status_code == 200 and f.content[:4] == b"%PDF"
    assert client.get("/documents/../../etc/passwd/file").status_code == 404
    assert client.get("/documents/0123456789abcdef").status_code == 404


def test_municipalities_and_health(client):
    m = client.get("/municipalities").json()
    names = {x["name"]: x for x in m["municipalities"]}
    assert {"Asker", "Bærum", "Drammen"} <= set(names)
    assert names["Bærum"]["documents"] >= 1 and names["Bærum"]["kommunenummer"]
    h = client.get("/health").json()
    assert h["status"] == "ok" and h["documents"] > 100


def test_openapi_contract(client):
    """Property-based calls generated from the OpenAPI spec for every
    operation: never a 5xx, and every response conforms to its documented
    status codes and schema."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        op = result.ok()
        operations += 1

        @given(case=op.as_strategy())
        @settings(max_examples=12, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        def check(case):
            response = case.call()
            try:
                case.validate_response(
                    response, checks=[not_a_server_error, response_schema_conformance, status_code_conformance]
                )
            except Exception as e:  # collect, so one run reports every operation
                failures.append(f"{op.label} {case.path_parameters} {case.query}: {str(e)[:300]}")

        check()
    assert operations >= 10
    assert not failures, "\n".join(failures[:10])


def test_worker_sockets_get_tcp_nodelay():
    """Each `boso serve --workers N` process listens on its own socket; the
    connections asyncio accepts from it must have TCP_NODELAY, or every
    keep-alive response waits for the client's delayed ACK (~40 ms)."""
    import asyncio
    import socket

    from api.cli import listen_socket

    async def main() -> int:
        sock = listen_socket("127.0.0.1", 0)
        port = sock.getsockname()[1]
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport):
                s = transport.get_extra_info("socket")
                seen.set_result(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        flag = await asyncio.wait_for(seen, 5)
        writer.close()
        server.close()
        return flag

    assert asyncio.run(main()) == 1


def test_serve_with_two_workers_answers_and_stops(sample_index):
    """`boso serve --workers 2`: both processes serve the index; SIGTERM to
    the parent stops them all."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    import httpx

    from api.cli import listen_socket

    probe = listen_socket("127.0.0.1", 0)
    port = probe.getsockname()[1]
    probe.close()
    repo = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--index", str(sample_index.folder), "--port", str(port), "--workers", "2"],
        cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.time() + 180
        while True:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.time() < deadline, "server did not start"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        workers = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        assert len(workers) >= 2
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as c:
            for q in ("ventelister tiltak", "Housing First", "bostøtte"):
                r = c.get("/search", params={"q": q, "k": 3})
                assert r.status_code == 200 and r.json()["hits"], q
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    time.sleep(0.5)
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower(), pid


def test_serve_workers_refuses_a_port_in_use(sample_index):
    import socket
    import subprocess
    import sys
    from pathlib import Path

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = subprocess.run(
            [sys.executable, "-m", "api.cli", "serve", "--index", str(sample_index.folder), "--port", str(port),
             "--workers", "2"],
            cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, timeout=120,
        )
    assert r.returncode == 1
    assert f"cannot serve on 127.0.0.1:{port}" in r.stderr and "in use" in r.stderr
