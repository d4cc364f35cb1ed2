"""Manifests and sidecars: metadata given by people, which overrides inference.

Two forms are read from anywhere under a root folder:

* ``manifest.jsonl`` — one JSON object per line with a ``file`` key (relative
  to the manifest's own folder) and any of ``title``, ``url``, ``municipality``,
  ``doc_type``, ``year``, ``period``, ``programme``, ``publisher``. This is the
  format of the sample corpus' ``pages/manifest.jsonl``.
* ``<file>.meta.json`` — one JSON object for the file next to it.

``load_overrides(root)`` returns ``{relative posix path: {key: value}}``. A
sidecar wins over a manifest for the keys it sets. Each entry also carries
``"_source": {key: "manifest" | "sidecar"}`` so metadata can say where a value
came from. A key present with value null is kept: for ``municipality`` it
means "national document, no municipality", not "unknown".
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

KNOWN_KEYS = frozenset(
    {"title", "url", "municipality", "doc_type", "year", "period", "programme", "publisher",
     "kommunenummer", "fylke"}
)
_SKIP_DIRS = {".git", ".venv", "node_modules", "__pycache__"}


def load_overrides(root: Path) -> dict[str, dict[str, Any]]:
    """Collect manifest and sidecar metadata under ``root``, keyed by path relative to root."""
    root = Path(root)
    out: dict[str, dict[str, Any]] = {}
    if not root.is_dir():
        return out
    for mf in sorted(_walk(root, "manifest.jsonl")):
        for rel, entry in _read_manifest(mf, root):
            _merge(out, rel, entry, "manifest")
    for sc in sorted(_walk(root, "*.meta.json")):
        rel = sc.relative_to(root).as_posix()[: -len(".meta.json")]
        entry = _read_sidecar(sc)
        if entry is not None:
            _merge(out, rel, entry, "sidecar")
    return out


def _walk(root: Path, pattern: str):  # type: ignore[no-untyped-def]
    for p in root.rglob(pattern):
        if any(part in _SKIP_DIRS or part.startswith(".") for part in p.relative_to(root).parts[:-1]):
            continue
        if p.is_file():
            yield p


def _read_manifest(mf: Path, root: Path) -> list[tuple[str, dict[str, Any]]]:
    rows = []
    base = mf.parent
    try:
        lines = mf.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        log.warning("manifest %s unreadable: %s", mf, e)
        return rows
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            log.warning("%s:%d: not JSON (%s); line skipped", mf, n, e.msg)
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("file"), str):
            log.warning("%s:%d: no 'file' key; line skipped", mf, n)
            continue
        target = (base / obj["file"]).resolve()
        try:
            rel = target.relative_to(root.resolve()).as_posix()
        except ValueError:
            log.warning("%s:%d: %s lies outside %s; skipped", mf, n, obj["file"], root)
            continue
        rows.append((rel, _clean(obj)))
    return rows


def _read_sidecar(sc: Path) -> dict[str, Any] | None:
    try:
        obj = json.loads(sc.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        log.warning("sidecar %s unreadable: %s", sc, e)
        return None
    if not isinstance(obj, dict):
        log.warning("sidecar %s is not a JSON object", sc)
        return None
    return _clean(obj)


def _clean(obj: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in obj.items() if k in KNOWN_KEYS}
    if "year" in out and out["year"] is not None:
        try:
            out["year"] = int(out["year"])
        except (TypeError, ValueError):
            out.pop("year")
    if isinstance(out.get("period"), list) and len(out["period"]) == 2:
        out["period"] = tuple(int(x) for x in out["period"])
    return out


def _merge(out: dict[str, dict[str, Any]], rel: str, entry: dict[str, Any], source: str) -> None:
    cur = out.setdefault(rel, {"_source": {}})
    for k, v in entry.items():
        cur[k] = v
        cur["_source"][k] = source
