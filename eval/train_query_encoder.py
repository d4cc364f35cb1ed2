"""Train the static query encoder that hybrid search uses (`index.fastquery`).

    .venv/bin/python eval/train_query_encoder.py [--index DIR] [--epochs 8] \
        [--write index/data/query_encoder.npz]

The student learns to put a query where the installed embedding model
(multilingual-e5-small, float32, ``query:`` prompt, mean-pooled, normalised)
puts it, from the model's own input layer only: the token and position
embeddings and their LayerNorm (read from the installed model, not shipped),
a token-wise MLP, attention pooling next to mean pooling, and a residual MLP
head. No transformer layer runs, so a query costs well under a millisecond
instead of the teacher's ~6-9 ms (bench/results/embed.md).

Training texts are what advisors type, made without any evaluation query:
- windows of 1-16 words from the chunks of an index of the sample corpus
  (`eval/run_retrieval.py` builds it in var/eval-index); the chunks of every
  seventh document (by doc_id) are held out and give the held-out cosine;
- topic and target-group terms of ingest/data/vocabulary.toml, alone or
  combined with each other, with words like "tiltak" or "erfaringer", and
  with municipality names;
- windows behind question openings ("hvordan", "hva gjør kommunene med",
  "korleis", …).
The targets are the teacher's vectors of the same texts. Loss: 1 - cosine.
AdamW, batch 256, one-cycle learning rate (peak 2e-3).

``--write`` saves the trained weights (float16) with the checksum of the
teacher they were trained against, and checks that `index.fastquery` loads
them and reproduces the torch model (cosine >= 0.999). The cosines with the
teacher are printed for held-out windows and for the evaluation queries of
eval/queries.jsonl (never trained on).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import time
import tomllib
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

QUESTION_OPENINGS = [
    "hvordan", "hvordan kan kommunen", "hva gjør kommunene med", "hva gjør", "hvem har", "hvor mange",
    "erfaringer med", "eksempler på", "tiltak for", "kommuner som har", "hva er", "hva koster",
    "korleis", "kor mange", "kva gjer kommunen med", "røynsler med", "tiltak mot", "resultater av",
]
QUERY_WORDS = ["tiltak", "erfaringer", "resultater", "kommune", "kostnad", "evaluering", "plan", "rapport",
               "anbefalinger", "for", "og", "i", "med", "til"]


def _words(texts: list[str]) -> list[list[str]]:
    return [w for w in (re.findall(r"\S+", t) for t in texts) if len(w) > 3]


def windows(texts: list[str], n: int, rng: random.Random) -> list[str]:
    """n query-like spans: 1-16 consecutive words, often lower-cased and without punctuation."""
    words = _words(texts)
    out: list[str] = []
    while len(out) < n:
        w = rng.choice(words)
        size = rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5, 6, 7, 8, 10, 12, 16])
        i = rng.randrange(0, max(1, len(w) - size))
        s = " ".join(w[i : i + size]).strip(" ,.;:()")
        if rng.random() < 0.5:
            s = s.lower()
        if rng.random() < 0.7:
            s = re.sub(r"[.,;:()«»\"]", "", s)
        if s:
            out.append(s)
    return out


def vocabulary_terms() -> list[str]:
    from ingest.vocabulary import Vocabulary

    voc = Vocabulary.load()
    terms: set[str] = set()
    for entry in list(voc.topics.values()) + list(voc.target_groups.values()):
        terms.add(entry.label)
        terms.update(t for t in entry.terms if 2 < len(t) < 40 and not re.search(r"[\\\[\]()?*+|^$]", t))
    return sorted(terms)


def training_texts(chunks: list[tuple[str, str]], municipalities: list[str], seed: int = 1) -> tuple[list[str], list[str]]:
    """(train, held-out) texts from (doc_id, text) chunks; see the module docstring."""
    rng = random.Random(seed)
    held_doc = lambda d: int(hashlib.sha1(d.encode()).hexdigest(), 16) % 7 == 0  # noqa: E731
    train_chunks = [t for d, t in chunks if not held_doc(d)]
    held_chunks = [t for d, t in chunks if held_doc(d)]
    train = windows(train_chunks, 70000, rng)
    terms = vocabulary_terms()
    for _ in range(15000):
        parts = [rng.choice(terms)]
        r = rng.random()
        if r < 0.5:
            parts.append(rng.choice(QUERY_WORDS))
        if r < 0.2:
            parts.append(rng.choice(terms))
        if rng.random() < 0.25 and municipalities:
            parts.append(rng.choice(municipalities))
        if rng.random() < 0.3:
            rng.shuffle(parts)
        train.append(" ".join(parts).lower() if rng.random() < 0.5 else " ".join(parts))
    for w in windows(train_chunks, 20000, rng):
        train.append(f"{rng.choice(QUESTION_OPENINGS)} {w if rng.random() < 0.5 else w.lower()}")
    held = windows(held_chunks, 3000, random.Random(seed + 1))
    return list(dict.fromkeys(train)), held


def teacher_vectors(texts: list[str], batch: int = 128) -> np.ndarray:
    """The installed model's float32 query vectors (mean-pooled, normalised)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from index import model as _model

    folder = _model.default_model_dir()
    tok = AutoTokenizer.from_pretrained(folder)
    net = AutoModel.from_pretrained(folder).eval()
    out = np.zeros((len(texts), net.config.hidden_size), np.float32)
    order = np.argsort([len(t) for t in texts])
    for s in range(0, len(texts), batch):
        idx = order[s : s + batch]
        b = tok(["query: " + texts[i] for i in idx], padding=True, truncation=True, max_length=512, return_tensors="pt")
        with torch.no_grad():
            h = net(**b).last_hidden_state
        mask = b["attention_mask"].unsqueeze(-1).float()
        v = (h * mask).sum(1) / mask.sum(1)
        out[idx] = torch.nn.functional.normalize(v, dim=-1).numpy()
    return out


def main() -> None:
    import torch

    from index import fastquery
    from index import model as _model
    from index.store import Store

    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path, default=REPO / "var" / "eval-index")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--hidden", type=int, default=768)
    ap.add_argument("--write", type=Path)
    args = ap.parse_args()
    torch.manual_seed(0)

    store = Store(args.index / "boso.sqlite")
    chunks = store.all_chunk_texts()
    manifest = REPO.parent / "shared" / "corpus" / "pages" / "manifest.jsonl"
    munis = sorted({json.loads(l).get("municipality") or "" for l in manifest.read_text().splitlines() if l.strip()} - {""}) if manifest.is_file() else []
    train, held = training_texts(chunks, munis)
    queries = [json.loads(l)["query"] for l in (REPO / "eval" / "queries.jsonl").read_text().splitlines() if l.strip()]
    print(f"{len(train)} training texts, {len(held)} held-out windows, {len(queries)} evaluation queries", flush=True)

    t0 = time.time()
    y_train, y_held, y_q = (torch.tensor(teacher_vectors(t)) for t in (train, held, queries))
    print(f"teacher vectors: {time.time() - t0:.0f} s", flush=True)

    folder = _model.default_model_dir()
    tables = fastquery.InputTables.load(folder)
    tok = fastquery.load_tokenizer(folder)
    ids = lambda texts: [e.ids[: fastquery.MAX_TOKENS] for e in tok.encode_batch([fastquery.PROMPT + t for t in texts])]  # noqa: E731
    i_train, i_held, i_q = ids(train), ids(held), ids(queries)
    net = fastquery.TorchStudent(tables, args.hidden)
    opt = torch.optim.AdamW([p for p in net.parameters() if p.requires_grad], lr=1e-3, weight_decay=1e-4)
    bs = 256
    steps = args.epochs * (len(i_train) // bs)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)

    def cos(i: list[list[int]], y: torch.Tensor) -> str:
        with torch.no_grad():
            c = torch.cat([(net(i[s : s + 512]) * y[s : s + 512]).sum(1) for s in range(0, len(i), 512)])
        return f"mean {c.mean():.4f}, 5th percentile {c.quantile(0.05):.4f}, min {c.min():.4f}"

    t0 = time.time()
    for ep in range(args.epochs):
        net.train()
        perm = torch.randperm(len(i_train)).tolist()
        for s in range(0, len(perm) - bs + 1, bs):
            b = perm[s : s + bs]
            loss = 1 - (net([i_train[j] for j in b]) * y_train[b]).sum(1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        net.eval()
        print(f"epoch {ep + 1}: loss {loss.item():.4f}; held-out {cos(i_held, y_held)}; "
              f"queries {cos(i_q, y_q)} ({time.time() - t0:.0f} s)", flush=True)

    if args.write:
        checksum = _model.read_manifest(folder)["checksums"]["torch"]
        fastquery.save(args.write, net, teacher_checksum=checksum)
        student = fastquery.StaticQueryEncoder.load(folder, args.write)
        with torch.no_grad():
            ref = net(i_q).numpy()
        got = np.stack([student.encode(q) for q in queries])
        worst = float((ref * got).sum(1).min())
        print(f"wrote {args.write}; numpy against torch: worst cosine {worst:.5f}")
        if worst < 0.999:
            sys.exit("the saved encoder does not reproduce the trained one")


if __name__ == "__main__":
    main()
