"""A lean closed-loop HTTP load generator for the service benchmarks.

Each simulated client holds one keep-alive connection and sends its next
request as soon as the previous answer is read, so N clients keep N requests
in flight. It is plain asyncio on raw sockets (about 0.1 ms of CPU per
request), so on a 2-core machine the client takes little from the server it
measures; an httpx client costs ~10x more.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from urllib.parse import urlencode

_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)


@dataclass
class LoadResult:
    clients: int
    latencies_ms: list[float]
    errors: int
    wall_s: float

    @property
    def qps(self) -> float:
        return len(self.latencies_ms) / self.wall_s if self.wall_s else 0.0

    def summary(self) -> dict:
        import numpy as np

        a = np.array(self.latencies_ms) if self.latencies_ms else np.zeros(1)
        return {
            "clients": self.clients,
            "requests": len(self.latencies_ms),
            "p50_ms": float(np.percentile(a, 50)),
            "p95_ms": float(np.percentile(a, 95)),
            "p99_ms": float(np.percentile(a, 99)),
            "max_ms": float(a.max()),
            "qps": self.qps,
            "errors": self.errors,
        }


def search_path(query: str, k: int = 10, **params: object) -> str:
    return "/search?" + urlencode({"q": query, "k": k, **{a: b for a, b in params.items() if b is not None}})


async def _client(host: str, port: int, paths: list[str], lat: list[float], errors: list[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for path in paths:
            t0 = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            m = _LENGTH.search(head)
            if m is None:
                raise RuntimeError(f"response without content-length: {head[:200]!r}")
            await reader.readexactly(int(m.group(1)))
            lat.append((time.perf_counter() - t0) * 1000)
            if not head.startswith(b"HTTP/1.1 200"):
                errors[0] += 1
    finally:
        writer.close()


def run_load(host: str, port: int, paths_per_client: list[list[str]]) -> LoadResult:
    """Run one client per list of paths, all at once; wait for all."""

    async def main() -> LoadResult:
        lat: list[float] = []
        errors = [0]
        t0 = time.perf_counter()
        await asyncio.gather(*(_client(host, port, paths, lat, errors) for paths in paths_per_client))
        return LoadResult(len(paths_per_client), lat, errors[0], time.perf_counter() - t0)

    return asyncio.run(main())
