"""The FastAPI app factory. `create_app(index_dir)` returns an app serving the
JSON API (documented at /docs and /openapi.json) and the web interface."""

from __future__ import annotations

import gc
import logging
import re
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Path as PathParam, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.service import MAX_K, MAX_OFFSET, MAX_QUERY, SearchParams, canonical_municipality, run_search
from index.collection import Index
from index.search import Hit
from index.compare import compare, compared_item, comparison_csv, municipality_profile, peers, score_items

DOC_ID = r"^[0-9a-f]{16}$"


class SearchOut(BaseModel):
    query: str
    total: int
    hits: list[Hit]  # the dataclass the index returns: one definition
    facets: dict[str, dict[str, int]] | None = None


class Health(BaseModel):
    status: str
    documents: int
    chunks: int
    generation: int


class ErrorOut(BaseModel):
    detail: Any


ERRORS = {400: {"model": ErrorOut}, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}}


def app_from_env() -> FastAPI:
    """The app for the index in $BOSO_INDEX (what `boso serve --workers N`
    starts in each worker process)."""
    from index.collection import default_index_dir

    return create_app(default_index_dir(), warm=True)


def _warm_up(idx: Index) -> None:
    """Load the model and analyser before the first request, not during it."""
    try:
        idx.search("bolig", k=1)
    except Exception as exc:  # an empty or model-less index still serves what it can
        logging.getLogger(__name__).warning("warm-up search failed: %s", exc)


def create_app(
    index_dir: Path | str, *, index: Index | None = None, warm: bool = False, one_search_at_a_time: bool = False
) -> FastAPI:
    """The app for the index in `index_dir`. With `warm`, the first search
    (model and analyser loading, several seconds) runs at startup.

    `one_search_at_a_time` runs /search on the event loop, one request after
    the other, instead of side by side on the thread pool (what `boso serve
    --workers N` asks of each worker, one per core). A hybrid search is mostly
    Python since the static query encoder, so parallel searches in one
    process only contend for the GIL, and the thread hop costs too. 8 clients
    on 2 workers, 100 000 chunks, p95 of new queries over whole benchmark
    runs: 38-48 ms at 232-303 q/s on the loop (three runs), 45-50 ms at
    206-259 q/s queued on a lock in the pool (four runs), 45-50 ms at 252-266
    q/s side by side (four rounds). Other requests wait while a search runs
    (~6 ms)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm:
            await run_in_threadpool(_warm_up, app.state.index)
            # What start-up loaded (model, spaCy, word lists, the index)
            # lives as long as the process. Keep it out of the cyclic
            # collector: at 100 000 chunks a worker tracks ~460 000 objects,
            # and one full collection over them took ~280 ms, a stall for
            # every request the worker holds.
            gc.collect()
            gc.freeze()
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="boso",
        version="0.1.0",
        description=(
            "Søk i kommunale dokumenter om boligsosialt arbeid: planer, rapporter og "
            "foranalyser, med sitater til dokument og side."
        ),
    )
    idx = index or Index(index_dir)
    lock = threading.RLock()
    app.state.index = idx
    app.state.lock = lock

    @app.exception_handler(ValueError)
    async def _bad_value(request: Request, exc: ValueError) -> JSONResponse:
        return JSONResponse(status_code=400, content={"detail": str(exc)})

    @app.get("/health", response_model=Health, tags=["meta"])
    def health() -> Health:
        with lock:
            s = idx.store.stats()
            return Health(status="ok", documents=s["documents"], chunks=s["chunks"], generation=idx._generation)

    @app.get("/search", response_model=SearchOut, responses=ERRORS, tags=["search"])
    async def search(
        q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY, description="Søketekst")],
        municipality: Annotated[str | None, Query(max_length=100)] = None,
        doc_type: Annotated[str | None, Query(max_length=40)] = None,
        year_from: Annotated[int | None, Query(ge=1900, le=2100)] = None,
        year_to: Annotated[int | None, Query(ge=1900, le=2100)] = None,
        programme: Annotated[str | None, Query(max_length=100)] = None,
        k: Annotated[int, Query(ge=1, le=MAX_K)] = 10,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
        mode: Annotated[str, Query(pattern="^(hybrid|lexical|dense)$")] = "hybrid",
        facets: bool = False,
    ) -> dict[str, Any]:
        params = SearchParams(
            q=q, municipality=municipality, doc_type=doc_type, year_from=year_from, year_to=year_to,
            programme=programme, k=k, offset=offset, mode=mode,
        )
        if one_search_at_a_time:  # on the event loop: queued, no thread hop
            return run_search(idx, params, facets=facets)
        # side by side on the thread pool; no index lock: searches only read
        # (per-thread SQLite connections)
        return await run_in_threadpool(run_search, idx, params, facets=facets)

    @app.get("/documents", tags=["documents"], responses=ERRORS)
    def documents(
        municipality: Annotated[str | None, Query(max_length=100)] = None,
        doc_type: Annotated[str | None, Query(max_length=40)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,  # SQLite's integers end at 2**63
    ) -> dict[str, Any]:
        params = SearchParams(q="-", municipality=municipality, doc_type=doc_type)
        params.validate()
        with lock:
            total, docs = idx.store.documents(params.filters(), limit=limit, offset=offset)
        return {"total": total, "documents": [_doc_summary(d) for d in docs]}

    @app.get("/documents/{doc_id}", tags=["documents"], responses=ERRORS)
    def document(doc_id: Annotated[str, PathParam(pattern=DOC_ID)]) -> dict[str, Any]:
        with lock:
            d = _get_doc(idx, doc_id)
            d["duplicates"] = [_doc_summary(x) for x in idx.store.duplicates_of(doc_id)]
            d["chunks"] = len(idx.store.chunks_of(doc_id))
        d.pop("path", None)
        return d

    @app.get("/documents/{doc_id}/pages/{n}", tags=["documents"], responses=ERRORS)
    def page(doc_id: Annotated[str, PathParam(pattern=DOC_ID)], n: Annotated[int, PathParam(ge=1, le=100000)]):
        with lock:
            d = _get_doc(idx, doc_id)
            p = idx.store.page(doc_id, n)
        if p is None:
            raise HTTPException(404, f"document {doc_id} has no page {n} (it has {d['n_pages']})")
        return {"doc_id": doc_id, "source": d["source"], "title": d["title"], "n_pages": d["n_pages"], **p}

    @app.get("/documents/{doc_id}/file", tags=["documents"], responses=ERRORS)
    def original_file(doc_id: Annotated[str, PathParam(pattern=DOC_ID)]) -> FileResponse:
        # The path comes from the index, never from the request: no traversal.
        with lock:
            d = _get_doc(idx, doc_id)
        path = Path(d["path"])
        if not path.is_file():
            raise HTTPException(404, f"the original file of {doc_id} is no longer at its indexed location")
        media = {"pdf": "application/pdf", "html": "text/html", "text": "text/plain",
                 "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
        return FileResponse(path, media_type=media.get(d["format"], "application/octet-stream"),
                            filename=path.name, content_disposition_type="inline")

    @app.get("/municipalities", tags=["municipalities"])
    def municipalities() -> dict[str, Any]:
        with lock:
            rows = idx.store.municipalities()
        return {"total": len(rows), "municipalities": [
            {"name": r["municipality"], "kommunenummer": r["kommunenummer"], "fylke": r["fylke"],
             "documents": r["n"]} for r in rows]}

    @app.get("/measures", tags=["measures"], responses=ERRORS)
    def measures(
        q: Annotated[str | None, Query(max_length=MAX_QUERY, description="Søketekst")] = None,
        topic: Annotated[str | None, Query(max_length=60)] = None,
        target_group: Annotated[str | None, Query(max_length=60)] = None,
        municipality: Annotated[str | None, Query(max_length=100)] = None,
        year_from: Annotated[int | None, Query(ge=1900, le=2100)] = None,
        year_to: Annotated[int | None, Query(ge=1900, le=2100)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=10000)] = 0,
    ) -> dict[str, Any]:
        """Measures (tiltak) matching a query, topic or target group, best
        first, each cited to document and page."""
        params = SearchParams(q=q or "-", municipality=municipality, year_from=year_from, year_to=year_to)
        params.validate()
        tg = _target_group(target_group)
        if not (q and q.strip()) and not topic and not tg:
            # no relevance to rank by: list in document order
            with lock:
                rows = idx.store.items(types=["measure"], municipality=params.filters().municipality,
                                       year_from=year_from, year_to=year_to)
            items = [asdict(compared_item(0.0, r)) | {"municipality": r["municipality"]} for r in rows]
        else:
            with lock:
                _, scored, _ = score_items(idx, q, topic, filters=params.filters(), types=("measure",),
                                           target_group=tg)
            items = [asdict(compared_item(s, r)) | {"municipality": r["municipality"]} for s, r in scored]
        return {"total": len(items), "measures": items[offset : offset + limit]}

    @app.get("/compare", tags=["measures"], responses=ERRORS)
    def compare_route(
        q: Annotated[str | None, Query(max_length=MAX_QUERY, description="Søketekst")] = None,
        topic: Annotated[str | None, Query(max_length=60)] = None,
        municipality: Annotated[str | None, Query(max_length=100)] = None,
        doc_type: Annotated[str | None, Query(max_length=40)] = None,
        year_from: Annotated[int | None, Query(ge=1900, le=2100)] = None,
        year_to: Annotated[int | None, Query(ge=1900, le=2100)] = None,
        format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
    ):
        """One row per municipality, ranked by relevance: its matching
        measures, recommendations and figures with citations."""
        if not (q and q.strip()) and not topic:
            raise HTTPException(400, "give q (a query) or topic")
        params = SearchParams(q=q or "-", municipality=municipality, doc_type=doc_type, year_from=year_from,
                              year_to=year_to)
        params.validate()
        with lock:
            cmp = compare(idx, q, topic, filters=params.filters())
        if format == "csv":
            name = re.sub(r"[^a-z0-9]+", "-", (q or topic or "sammenligning").lower()).strip("-") or "sammenligning"
            return Response(comparison_csv(cmp), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="boso-{name}.csv"'})
        return asdict(cmp)

    @app.get("/municipalities/{name}", tags=["municipalities"], responses=ERRORS)
    def municipality(name: Annotated[str, PathParam(max_length=100)]) -> dict[str, Any]:
        """A profile: documents, programmes and periods, measures by topic,
        key figures."""
        canon = canonical_municipality(name)
        with lock:
            prof = municipality_profile(idx, canon)
        if prof is None:
            raise HTTPException(404, f"no documents from municipality '{name}'")
        prof["documents"] = [_doc_summary(d) for d in prof["documents"]]
        return _plain(prof)

    @app.get("/municipalities/{name}/peers", tags=["municipalities"], responses=ERRORS)
    def municipality_peers(
        name: Annotated[str, PathParam(max_length=100)],
        topic: Annotated[str | None, Query(max_length=60)] = None,
        n: Annotated[int, Query(ge=1, le=50)] = 10,
    ) -> dict[str, Any]:
        """Comparable municipalities (same fylke or similar population) and
        what they did on the topic."""
        with lock:
            return _plain(peers(idx, canonical_municipality(name), topic, n=n))

    try:
        from api.web import router as web_router
    except ImportError:  # the web interface is optional in a minimal install
        web_router = None
    if web_router is not None:
        app.include_router(web_router)

    return app


def _target_group(name: str | None) -> str | None:
    if not name:
        return None
    from ingest.vocabulary import Vocabulary

    vocab = Vocabulary.load()
    key = vocab.resolve(name, "target_group")
    if key is None:
        raise ValueError(f"unknown target_group '{name}'; one of: {', '.join(vocab.target_group_ids())}")
    return key


def _plain(obj: Any) -> Any:
    """Dataclasses inside dicts/lists → plain JSON-able data."""
    if is_dataclass(obj):
        return asdict(obj)
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


def _get_doc(idx: Index, doc_id: str) -> dict[str, Any]:
    d = idx.store.document(doc_id)
    if d is None:
        raise HTTPException(404, f"no document {doc_id}")
    return d


def _doc_summary(d: dict[str, Any]) -> dict[str, Any]:
    keys = ("doc_id", "source", "format", "title", "municipality", "fylke", "publisher", "doc_type", "year",
            "period_start", "period_end", "programme", "n_pages", "ocr_pages", "duplicate_of")
    return {k: d.get(k) for k in keys}
