"""A fine-tuned sentence classifier: the measures' second opinion on fresh text.

The logistic regression in `learned.py` reads character n-grams; on text no
rule was written on, most measures it and the rules miss are plain sentences
that only read as an action ("Kommunen har ansatt en boligkoordinator …").
This model reads them with the embedding model's own encoder: the installed
multilingual-e5-small (`boso model install`) with low-rank adapters (LoRA,
rank 16) on the linear maps of its top six layers and a linear head on the
mean-pooled output. Only the adapters and the head are trained and shipped
(``ingest/data/measure_adapter.npz``, 1.2 MB in float16); the base weights
come from the installed model folder, so nothing is downloaded.

`learned.learned_measures` uses it as a second opinion: a sentence the rules
left is scored here only when the regression gives it at least `gate` (0.3:
about one sentence in ten of the sample corpus reaches the encoder), and added when this
model's probability reaches `threshold` (0.8) and no guard rejects it. Both
were chosen on labels held out from training: at 0.8 it is as precise as
the regression or more on every held-out test and finds as much or more;
gating at 0.3 rather than 0.15 halves its work for 1–2 matches
(``eval/train_measure_encoder.py`` has the tables).

The caller says where the installed model is (ingest knows no model
folders): `EncoderMeasureModel.load(folder)`; `index.collection` passes
the embedding model's folder, unless ``BOSO_MEASURE_ENCODER=0``. It runs in
float32 torch, exactly the arithmetic it was trained in, so its threshold
holds as measured. Cost: ~26 ms a scored sentence on one thread, about 44
ms of extraction a page against 11 without it (bench/results/extract.md);
loading it takes ~7 s and ~470 MB, once per process (`unload` frees it).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

ADAPTER_FILE = Path(__file__).resolve().parent.parent / "data" / "measure_adapter.npz"
TARGETS = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
           "intermediate.dense", "output.dense")
"""The linear maps of a BERT layer that carry adapters."""


_LOADED: dict[tuple[str, str], EncoderMeasureModel] = {}
_LOAD_LOCK = threading.Lock()


class EncoderModelError(RuntimeError):
    """The adapter file cannot be applied to the given model folder."""


class EncoderMeasureModel:
    """Probability that a sentence is a measure, from the adapted encoder."""

    def __init__(self, folder: Path, adapter: Path = ADAPTER_FILE, batch_size: int = 32) -> None:
        import torch
        from transformers import AutoTokenizer, BertModel

        folder = Path(folder)
        with np.load(adapter, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        self.meta = json.loads(str(arrays.pop("meta")))
        self.threshold = float(self.meta["threshold"])
        self.gate = float(self.meta["gate"])
        self.max_tokens = int(self.meta["max_tokens"])
        self.batch_size = batch_size
        if not (folder / "config.json").is_file():
            raise EncoderModelError(f"{folder}: not a model folder (no config.json)")
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        base = self.meta["base"]
        mismatch = [k for k in ("hidden_size", "num_hidden_layers", "vocab_size") if config.get(k) != base.get(k)]
        if mismatch:
            raise EncoderModelError(
                f"{adapter.name} was trained on {base.get('name')}; {folder} differs in {', '.join(mismatch)}")
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        bert = BertModel.from_pretrained(str(folder), dtype=torch.float32, local_files_only=True).eval()
        scale = float(self.meta["scale"])
        with torch.no_grad():
            for i in self.meta["layers"]:
                layer = bert.encoder.layer[i]
                for name in TARGETS:
                    lin = layer.get_submodule(name)
                    a = torch.from_numpy(arrays[f"{i}.{name}.a"].astype(np.float32))
                    b = torch.from_numpy(arrays[f"{i}.{name}.b"].astype(np.float32))
                    lin.weight += scale * (b @ a)
        self.bert = bert
        self.head_w = torch.from_numpy(arrays["head.weight"].astype(np.float32)).reshape(-1)
        self.head_b = float(arrays["head.bias"].reshape(-1)[0])
        self._lock = threading.Lock()

    @classmethod
    def load(cls, folder: Path | str, adapter: Path = ADAPTER_FILE) -> EncoderMeasureModel:
        """The model for `folder`, loaded once per process (see `unload`)."""
        if not adapter.is_file():
            raise EncoderModelError(f"{adapter}: no adapter file")
        key = (str(Path(folder).resolve()), str(adapter.resolve()))
        with _LOAD_LOCK:
            model = _LOADED.get(key)
            if model is None:
                model = _LOADED[key] = cls(Path(folder), adapter)
        return model

    @staticmethod
    def unload() -> None:
        """Forget the loaded models (~470 MB each), e.g. before serving."""
        with _LOAD_LOCK:
            _LOADED.clear()

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """P(measure) of each text, batched by length."""
        import torch

        out = np.zeros(len(texts))
        if not texts:
            return out
        order = np.argsort([len(t) for t in texts])
        with self._lock, torch.inference_mode():
            for i in range(0, len(texts), self.batch_size):
                idx = order[i:i + self.batch_size]
                b = self.tokenizer([texts[j] for j in idx], padding=True, truncation=True,
                                   max_length=self.max_tokens, return_tensors="pt")
                h = self.bert(input_ids=b["input_ids"], attention_mask=b["attention_mask"]).last_hidden_state
                m = b["attention_mask"].unsqueeze(-1).float()
                z = ((h * m).sum(1) / m.sum(1)) @ self.head_w + self.head_b
                out[idx] = torch.sigmoid(z).numpy()
        return out


__all__ = ["EncoderMeasureModel", "EncoderModelError", "ADAPTER_FILE"]
