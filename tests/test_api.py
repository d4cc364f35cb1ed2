"""HTTP API on the sample corpus index: the contract, citations, errors."""

from __future__ import annotations

import os
from pathlib import Path

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


def test_warm_start_moves_startup_objects_out_of_the_cyclic_collector(sample_index):
    import gc

    gc.unfreeze()
    try:
        with TestClient(create_app(sample_index.folder, index=sample_index, warm=True)) as c:
            assert c.get("/health").status_code == 200
            assert gc.get_freeze_count() > 10_000  # model, analyser and index, frozen after the warm-up
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("gated,expected", [(True, 1), (False, 4)])
def test_worker_app_runs_one_search_at_a_time(sample_index, monkeypatch, gated, expected):
    """A worker's app queues searches (they would only contend for the GIL);
    the single-process app runs them side by side."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    import api.app as app_module

    running, most = [0], [0]
    guard = threading.Lock()
    real = app_module.run_search

    def counting(*args, **kwargs):
        with guard:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.2)
        with guard:
            running[0] -= 1
        return real(*args, **kwargs)

    monkeypatch.setattr(app_module, "run_search", counting)
    with TestClient(create_app(sample_index.folder, index=sample_index, one_search_at_a_time=gated)) as c:
        with ThreadPoolExecutor(4) as pool:
            codes = list(pool.map(lambda q: c.get("/search", params={"q": q}).status_code, ["bolig", "startlån", "bostøtte", "tilvisning"]))
    assert codes == [200] * 4
    assert most[0] == expected


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


def test_a_huge_documents_offset_is_a_4xx_not_a_crash(client):
    # found by the contract test: SQLite cannot hold 2**64
    r = client.get("/documents", params={"offset": 2**64})
    assert r.status_code == 422 and "offset" in r.text
    assert client.get("/documents", params={"offset": 1_000_000}).json()["documents"] == []


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


def test_handed_over_connections_alternate_and_get_tcp_nodelay():
    """`boso serve --workers N`: the parent accepts and hands connections to
    the workers in turn; each arrives in the worker's event loop (uvloop, as
    uvicorn runs it) with TCP_NODELAY, or every keep-alive response waits for
    the client's delayed ACK (~40 ms)."""
    import asyncio
    import socket

    import uvloop

    from api.workers import Dispatcher, channel_pair, listen_socket, receive_connections

    async def main() -> list[list[int]]:
        loop = asyncio.get_running_loop()
        listener = listen_socket("127.0.0.1", 0)
        port = listener.getsockname()[1]
        pairs = [channel_pair() for _ in range(2)]
        dispatcher = Dispatcher(listener, [parent for parent, _ in pairs])
        seen: list[list[int]] = [[], []]
        arrived = asyncio.Event()

        def probe(worker: int):
            class Probe(asyncio.Protocol):
                def connection_made(self, transport):
                    s = transport.get_extra_info("socket")
                    seen[worker].append(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                    if sum(map(len, seen)) == 6:
                        arrived.set()
            return Probe

        for w, (_, child) in enumerate(pairs):
            receive_connections(loop, child, probe(w), on_parent_gone=lambda: None)
        writers = []
        for _ in range(6):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writers.append(writer)
            assert dispatcher.accept_pending() == 1
        await asyncio.wait_for(arrived.wait(), 5)
        for writer in writers:
            writer.close()
        listener.close()
        return seen

    seen = uvloop.run(main())
    assert seen == [[1, 1, 1], [1, 1, 1]]


def _connections_per_process(pids: list[str], port: int) -> dict[str, int]:
    """How many established TCP connections on local `port` each process
    holds (from /proc: socket inodes of its descriptors)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        f = line.split()
        if int(f[1].split(":")[1], 16) == port and f[3] == "01":
            inodes.add(f[9])
    counts = {}
    for pid in pids:
        fds = Path(f"/proc/{pid}/fd")
        links = [os.readlink(fds / fd) for fd in os.listdir(fds)]
        counts[pid] = sum(1 for link in links if link.startswith("socket:[") and link[8:-1] in inodes)
    return counts


def test_serve_with_two_workers_answers_and_stops(sample_index):
    """`boso serve --workers 2`: both processes serve the index, 8 keep-alive
    connections are split 4/4 between them; SIGTERM to the parent stops them
    all."""
    import signal
    import socket
    import subprocess
    import sys
    import time

    import httpx

    from api.workers import listen_socket

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
        conns = []
        for _ in range(8):  # keep-alive clients: each answered, then held open
            c = socket.create_connection(("127.0.0.1", port), timeout=30)
            c.sendall(f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            assert c.recv(65536).startswith(b"HTTP/1.1 200")
            conns.append(c)
        split = _connections_per_process(workers, port)
        for c in conns:
            c.close()
        assert sorted(n for n in split.values() if n) == [4, 4], split
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
