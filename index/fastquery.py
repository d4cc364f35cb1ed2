"""A static query encoder: a query's embedding without running the transformer.

Hybrid search weighs the dense ranking at 0.2 (`index.search.FusionConfig`),
yet embedding the query with multilingual-e5-small was half the CPU of a
search (8.6 of 16.7 ms at 100 000 chunks, bench/results/index.md). This
student, trained by `eval/train_query_encoder.py` to put a query where the
teacher puts it, reads only the teacher's input layer:

    tokens -> word + position + type embeddings -> LayerNorm   (the teacher's, frozen)
           -> u = x + MLP(x)                                  (token-wise)
           -> [attention-pooled u, mean-pooled u]
           -> linear + MLP head -> L2-normalised 384-d vector (the teacher's space)

No transformer layer runs, so a query costs well under a millisecond. The
teacher's tables are read from the installed model's ``model.safetensors``
through a read-only memory map (the OS shares the pages between workers; a
query touches only its tokens' rows); the trained weights (2.1 M, float16: 3.8 MB)
ship in ``index/data/query_encoder.npz`` with the checksum of the teacher
they were trained against. Any other model, or a query longer than
`MAX_TOKENS`, uses the full encoder (`index.embed.Encoder.encode_query`).

Quality is measured in eval/results/retrieval.md: the dense ranking alone
is clearly worse than the teacher's, the hybrid ranking a little (test
nDCG@10 0.800 -> 0.782, dev 0.853 -> 0.852; see the README).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np

PROMPT = "query: "
MAX_TOKENS = 64
"""Longest query (tokens, prompt and specials included) the student was
trained on; longer ones go to the full encoder."""
WEIGHTS = Path(__file__).resolve().parent / "data" / "query_encoder.npz"
_EMBEDDINGS = ("word_embeddings.weight", "position_embeddings.weight", "token_type_embeddings.weight")
_FIRST_POSITION = 0  # the model is a BERT (XLM-R's vocabulary, BERT's positions from 0)


class StaticQueryUnavailable(RuntimeError):
    """The static encoder cannot serve this model (no weights, other teacher)."""


def _safetensors_map(path: Path) -> dict[str, np.ndarray]:
    """Read-only memory maps of a safetensors file's float32 tensors."""
    with path.open("rb") as fh:
        n = int.from_bytes(fh.read(8), "little")
        header = json.loads(fh.read(n))
    out = {}
    for name, meta in header.items():
        if name == "__metadata__" or meta.get("dtype") != "F32":
            continue
        start, end = meta["data_offsets"]
        shape = tuple(meta["shape"])
        out[name] = np.memmap(path, dtype="<f4", mode="r", offset=8 + n + start, shape=shape)
        assert out[name].nbytes == end - start
    return out


class InputTables:
    """The teacher's embedding tables and their LayerNorm (memory-mapped)."""

    def __init__(self, word: np.ndarray, position: np.ndarray, token_type: np.ndarray, ln_w: np.ndarray, ln_b: np.ndarray, eps: float) -> None:
        self.word, self.position, self.token_type = word, position, token_type
        self.ln_w, self.ln_b, self.eps = ln_w, ln_b, eps

    @classmethod
    def load(cls, model_dir: Path | str) -> InputTables:
        folder = Path(model_dir)
        path = folder / "model.safetensors"
        if not path.is_file():
            raise StaticQueryUnavailable(f"{path} not found (the static query encoder reads the model's float32 tables)")
        tensors = _safetensors_map(path)

        def find(suffix: str) -> np.ndarray:
            hits = [k for k in tensors if k.endswith(suffix)]
            if len(hits) != 1:
                raise StaticQueryUnavailable(f"{path}: no single float32 tensor named *{suffix}")
            return tensors[hits[0]]

        word, position, token_type = (find("embeddings." + s) for s in _EMBEDDINGS)
        eps = 1e-5
        cfg = folder / "config.json"
        if cfg.is_file():
            eps = float(json.loads(cfg.read_text()).get("layer_norm_eps", eps))
        return cls(word, position, np.array(token_type[0]), np.array(find("embeddings.LayerNorm.weight")),
                   np.array(find("embeddings.LayerNorm.bias")), eps)

    def layer0(self, ids: list[int], start: int = 0) -> np.ndarray:
        """(tokens, dim) LayerNorm(word + position + type), as the teacher's
        first layer sees it; `start`: the position of the first of `ids`."""
        first = _FIRST_POSITION + start
        x = self.word[ids] + self.position[first : first + len(ids)] + self.token_type
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + self.eps) * self.ln_w + self.ln_b


def load_tokenizer(model_dir: Path | str) -> Any:
    """The model's fast tokenizer, specials added, never padded or truncated."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    return tok


def _gelu(z: np.ndarray) -> np.ndarray:
    return 0.5 * z * (1.0 + np.tanh(0.7978845608028654 * (z + 0.044715 * (z * z * z))))  # z**3 is 25x slower


class StaticQueryEncoder:
    """Query text -> (dim,) float32 unit vector in the teacher's space, in numpy."""

    def __init__(self, tables: InputTables, tokenizer: Any, weights: dict[str, np.ndarray]) -> None:
        self.tables = tables
        self.tokenizer = tokenizer
        w = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in weights.items()}
        # transposed once so a query is row-vector @ matrix
        self._t1, self._b1 = w["tmlp.0.weight"].T.copy(), w["tmlp.0.bias"]
        self._t2, self._b2 = w["tmlp.2.weight"].T.copy(), w["tmlp.2.bias"]
        self._score, self._score_b = w["score.weight"][0], float(w["score.bias"][0])
        self._lin, self._lin_b = w["lin.weight"].T.copy(), w["lin.bias"]
        self._h1, self._hb1 = w["head.0.weight"].T.copy(), w["head.0.bias"]
        self._h2, self._hb2 = w["head.2.weight"].T.copy(), w["head.2.bias"]
        # The prompt's tokens (<s> ▁que ry :) open every query at the same
        # positions: their token states are computed once.
        probe = tokenizer.encode(PROMPT + "bolig")
        n = len(list(itertools.takewhile(lambda span: span[1] <= len(PROMPT.rstrip()), probe.offsets)))
        self._prefix = list(probe.ids[:n])
        self._prefix_u = self._tokens(self._prefix, 0)

    def _tokens(self, ids: list[int], start: int) -> np.ndarray:
        x = self.tables.layer0(ids, start)
        return x + _gelu(x @ self._t1 + self._b1) @ self._t2 + self._b2

    @classmethod
    def load(
        cls, model_dir: Path | str, weights: Path | str = WEIGHTS, *, teacher_checksum: str | None = None, tokenizer: Any = None
    ) -> StaticQueryEncoder:
        """Raise StaticQueryUnavailable unless `weights` were trained against
        `teacher_checksum` (the model's float32 checksum; None: not checked).
        Pass the model's `load_tokenizer` copy when one is loaded already (a
        second one costs ~250 MB)."""
        path = Path(weights)
        if not path.is_file():
            raise StaticQueryUnavailable(f"{path} not found")
        with np.load(path) as z:
            data = {k: z[k] for k in z.files}
        trained_on = str(data.pop("teacher_checksum"))
        if teacher_checksum is not None and trained_on != teacher_checksum:
            raise StaticQueryUnavailable(
                f"{path.name} was trained against model checksum {trained_on[:16]}, this model is {teacher_checksum[:16]}"
            )
        return cls(InputTables.load(model_dir), tokenizer or load_tokenizer(model_dir), data)

    def encode(self, text: str) -> np.ndarray | None:
        """The query's vector; None when it is longer than MAX_TOKENS."""
        ids = self.tokenizer.encode(PROMPT + text).ids
        if len(ids) > MAX_TOKENS:
            return None
        n = len(self._prefix)
        if ids[:n] == self._prefix:
            u = np.concatenate([self._prefix_u, self._tokens(ids[n:], n)])
        else:
            u = self._tokens(ids, 0)
        s = u @ self._score + self._score_b
        a = np.exp(s - s.max())
        z = np.concatenate([(a / a.sum()) @ u, u.mean(0)])
        out = z @ self._lin + self._lin_b + _gelu(z @ self._h1 + self._hb1) @ self._h2 + self._hb2
        return (out / max(float(np.linalg.norm(out)), 1e-12)).astype(np.float32)


# ----------------------------------------------------------------- training


def TorchStudent(tables: InputTables, hidden: int = 768) -> Any:  # noqa: N802 - a factory for a torch module
    """The same network in torch, for `eval/train_query_encoder.py`; called
    with a list of token-id lists, returns (n, dim) unit vectors."""
    import torch

    dim = tables.word.shape[1]

    class Student(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.tmlp = torch.nn.Sequential(torch.nn.Linear(dim, hidden), torch.nn.GELU(approximate="tanh"), torch.nn.Linear(hidden, dim))
            self.score = torch.nn.Linear(dim, 1)
            self.lin = torch.nn.Linear(2 * dim, dim)
            self.head = torch.nn.Sequential(torch.nn.Linear(2 * dim, 1024), torch.nn.GELU(approximate="tanh"), torch.nn.Linear(1024, dim))

        def forward(self, batch: list[list[int]]) -> torch.Tensor:
            n = max(len(ids) for ids in batch)
            x = torch.zeros(len(batch), n, dim)
            mask = torch.zeros(len(batch), n)
            for i, ids in enumerate(batch):
                x[i, : len(ids)] = torch.from_numpy(tables.layer0(ids))
                mask[i, : len(ids)] = 1
            u = x + self.tmlp(x)
            a = self.score(u).squeeze(-1).masked_fill(mask == 0, -1e4).softmax(-1)
            att = (a.unsqueeze(-1) * u).sum(1)
            mean = (u * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True)
            z = torch.cat([att, mean], -1)
            return torch.nn.functional.normalize(self.lin(z) + self.head(z), dim=-1)

    return Student()


def save(path: Path | str, net: Any, *, teacher_checksum: str) -> None:
    """Write a trained `TorchStudent`'s weights (float16) and its teacher's checksum."""
    arrays = {k: v.detach().numpy().astype(np.float16) for k, v in net.state_dict().items()}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, teacher_checksum=np.array(teacher_checksum), **arrays)
