"""Set each label's page to the reader's page where its quote stands.

    .venv/bin/python eval/locate_pages.py --corpus DIR LABEL_DIR [LABEL_DIR …]

Labellers of a `pages/` text see one file and write "page 1"; the reader
splits a text at form feeds, so a quote can stand on page 2 or 3. Only the
page number changes, and only where the quote is found on exactly one other
page and not on the labelled one. Prints what moved.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "eval"))

import extract_eval as E  # noqa: E402


def locate(corpus: Path, folder: Path) -> int:
    moved = 0
    for lf in sorted(folder.glob("*.jsonl")):
        lines = lf.read_text(encoding="utf-8").splitlines()
        labels = [json.loads(line) if line.strip() else None for line in lines]
        if not any(labels):
            continue
        doc = E.load_document(E.corpus_file(corpus, lf), corpus)
        pages = {p.number: E._norm(p.text) for p in doc.pages}
        changed = False
        for lab in labels:
            if lab is None:
                continue
            quote = E._norm(lab["text"])
            if quote in pages.get(lab["page"], ""):
                continue
            found = [n for n, text in pages.items() if quote in text]
            if len(found) == 1:
                print(f"{lf.name}: page {lab['page']} -> {found[0]}: {lab['text'][:60]}")
                lab["page"] = found[0]
                moved += 1
                changed = True
        if changed:
            out = [json.dumps(lab, ensure_ascii=False) if lab is not None else "" for lab in labels]
            lf.write_text("\n".join(out) + "\n", encoding="utf-8")
    return moved


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("folders", type=Path, nargs="+")
    args = ap.parse_args(argv)
    total = sum(locate(args.corpus, f) for f in args.folders)
    print(f"{total} label(s) moved")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
