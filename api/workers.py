"""`boso serve --workers N`: N server processes behind one listening socket.

The parent process owns the socket. It accepts every connection itself and
hands it to the next worker in turn (round-robin, like Node's cluster
module), passing the file descriptor over a Unix socketpair
(`socket.send_fds`). Each worker runs uvicorn (uvloop, httptools, the app's
lifespan, graceful shutdown) without a socket of its own: it reads
descriptors from its end of the pair and serves each one with
`loop.connect_accepted_socket`.

Why not let the kernel choose: with one SO_REUSEPORT socket per worker the
kernel hashes connections over the workers, so 8 keep-alive clients often
landed 5/3 or 6/2 on two workers; with one socket shared by all workers, one
worker's event loop accepts most of them. Round-robin gives 4/4.
"""

from __future__ import annotations

import asyncio
import logging
import os
import selectors
import socket
from pathlib import Path

READY = b"r"  # worker -> parent: startup (lifespan, warm-up search) finished
CONNECTION = b"c"  # parent -> worker: one accepted connection, its descriptor attached

log = logging.getLogger("uvicorn.error")


class WorkerStopped(Exception):
    def __init__(self, worker: int, exitcode: int | None) -> None:
        super().__init__(f"worker {worker} stopped (exit code {exitcode})")
        self.worker, self.exitcode = worker, exitcode


def listen_socket(host: str, port: int, *, listen: bool = True) -> socket.socket:
    """A TCP socket bound to host:port (SO_REUSEADDR, no SO_REUSEPORT: a port
    already in use is refused), made with proto=IPPROTO_TCP so that asyncio
    sets TCP_NODELAY on the connections it accepts. `listen=False` binds only:
    connections are refused until `.listen()`."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        if listen:
            sock.listen(1024)
    except OSError:
        sock.close()
        raise
    return sock


def channel_pair() -> tuple[socket.socket, socket.socket]:
    """(parent end, worker end): SOCK_SEQPACKET keeps one message per
    descriptor."""
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)


class Dispatcher:
    """Parent side: accepts from `listener` and hands each connection to the
    next channel in turn. TCP_NODELAY is set here, on the accepted socket
    (the option travels with it): without it a keep-alive client waits
    ~40 ms for every response (Nagle's algorithm against delayed ACKs)."""

    def __init__(self, listener: socket.socket, channels: list[socket.socket]) -> None:
        self.listener, self.channels = listener, channels
        self.next = 0
        listener.setblocking(False)

    def accept_pending(self) -> int:
        """Accept and hand over every connection waiting; returns how many.
        Raises WorkerStopped when a worker's channel is gone."""
        n = 0
        while True:
            try:
                conn, _ = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return n
            except ConnectionAbortedError:  # the client gave up while queued
                continue
            with conn:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                i = self.next
                self.next = (i + 1) % len(self.channels)
                try:
                    socket.send_fds(self.channels[i], [CONNECTION], [conn.fileno()])
                except OSError:
                    raise WorkerStopped(i, None) from None
            n += 1


def receive_connections(
    loop: asyncio.AbstractEventLoop, channel: socket.socket, protocol_factory, on_parent_gone
) -> set[asyncio.Task]:
    """Worker side: serve every descriptor that arrives on `channel` with
    `protocol_factory` (from the loop's reader callback). Returns the set of
    connection tasks still being set up."""
    pending: set[asyncio.Task] = set()
    channel.setblocking(False)

    def connected(sock: socket.socket, task: asyncio.Task) -> None:
        pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("could not serve a connection: %s", task.exception())
            sock.close()

    def readable() -> None:
        while True:
            try:
                msg, fds, _, _ = socket.recv_fds(channel, 16, 4)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                msg, fds = b"", []
            if not msg and not fds:  # the parent is gone: stop serving
                loop.remove_reader(channel.fileno())
                on_parent_gone()
                return
            for fd in fds:
                sock = socket.socket(fileno=fd)
                task = loop.create_task(loop.connect_accepted_socket(protocol_factory, sock))
                pending.add(task)
                task.add_done_callback(lambda t, s=sock: connected(s, t))

    loop.add_reader(channel.fileno(), readable)
    return pending


def _uvicorn_server_class():
    import functools

    import uvicorn

    class HandedConnectionsServer(uvicorn.Server):
        """uvicorn's server with no listening socket: connections come from
        the parent over `channel`. Lifespan, signals, graceful shutdown and
        connection tracking are uvicorn's own."""

        def __init__(self, config: uvicorn.Config, channel: socket.socket) -> None:
            super().__init__(config)
            self.channel = channel

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=[])  # lifespan; no socket to listen on
            config = self.config
            # the factory uvicorn's Server.startup gives its own servers
            factory = functools.partial(
                config.http_protocol_class, config=config, server_state=self.server_state,
                app_state=self.lifespan.state,
            )
            self.pending = receive_connections(asyncio.get_running_loop(), self.channel, factory, self._parent_gone)
            self.channel.send(READY)

        def _parent_gone(self) -> None:
            self.should_exit = True

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            try:
                asyncio.get_running_loop().remove_reader(self.channel.fileno())
            except (ValueError, OSError):
                pass
            for task in list(self.pending):  # connections handed over but not yet set up
                await asyncio.wait([task], timeout=1)
            await super().shutdown(sockets=None)
            self.channel.close()

    return HandedConnectionsServer


def worker_main(folder: str, channel: socket.socket) -> None:
    """One worker process: its own app and model, connections from `channel`."""
    import uvicorn

    from api.app import create_app

    config = uvicorn.Config(create_app(folder, warm=True, one_search_at_a_time=True), log_level="warning")
    _uvicorn_server_class()(config, channel).run()


def serve_workers(folder: Path, listener: socket.socket, workers: int) -> None:
    """Run `workers` server processes behind `listener` (bound, from
    `listen_socket(..., listen=False)`) until one stops or we are told to
    stop (SIGTERM, Ctrl-C); raises RuntimeError when a worker stops by
    itself. The socket listens once every worker has started, so clients
    are refused rather than kept waiting while the models load. Each worker
    runs its model on one thread: concurrency across requests uses the
    cores."""
    import multiprocessing
    import signal

    # Inherited by the spawned workers, read when their libraries load: one
    # thread in the model, in numpy's OpenBLAS and in FAISS's OpenMP. Under
    # concurrent requests a second thread per library only contends for the
    # cores the other requests need: with OpenBLAS on two threads the static
    # query encoder's small products took 8 clients from 247 to 46 q/s.
    for var in ("BOSO_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    ctx = multiprocessing.get_context("spawn")
    channels, procs = [], []
    for _ in range(workers):
        mine, theirs = channel_pair()
        procs.append(ctx.Process(target=worker_main, args=(str(folder), theirs), daemon=True))
        channels.append(mine)
        procs[-1].start()
        theirs.close()

    def stop(*_: object) -> None:
        listener.close()  # new connections are refused from here on
        for p in procs:
            if p.is_alive():
                p.terminate()  # uvicorn shuts down gracefully on SIGTERM
        for p in procs:
            p.join(10)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    sel = selectors.DefaultSelector()
    for i, ch in enumerate(channels):
        sel.register(ch, selectors.EVENT_READ, i)
    try:
        ready = 0
        while ready < workers:  # listen only once every worker can serve
            for key, _ in sel.select():
                if key.fileobj.recv(16) != READY:
                    raise WorkerStopped(key.data, None)
                ready += 1
        listener.listen(1024)
        dispatcher = Dispatcher(listener, channels)
        sel.register(listener, selectors.EVENT_READ, None)
        while True:
            for key, _ in sel.select():
                if key.data is None:
                    dispatcher.accept_pending()
                else:  # a worker only writes once (READY): anything else is its end closing
                    raise WorkerStopped(key.data, None)
    except WorkerStopped as exc:
        listener.close()
        p = procs[exc.worker]
        p.join(5)
        for q in procs:
            if q.is_alive():
                q.terminate()
        for q in procs:
            q.join(10)
        raise RuntimeError(f"a worker process stopped (exit code {p.exitcode}); stopped the others") from None
    except KeyboardInterrupt:
        stop()
