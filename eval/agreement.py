"""Agreement between two labellers, scored like the extractor.

    .venv/bin/python eval/agreement.py                      # eval/agreement/sets-4-6 vs eval/labels
    .venv/bin/python eval/agreement.py --a DIR --b DIR      # any two label folders

Labeller B's items are matched against labeller A's labels with the rule of
`extract_eval.py` (same type, label quote contained in the item or >= 60 % of
its content tokens in it; figures with the same value), so "B vs A" precision
and recall read on the same scale as the extractor's. That rule is
asymmetric: a quote of B shorter than A's quote of the same item can fail it,
which never happens to the extractor (it emits whole sentences). The
symmetric row takes the better of both directions, so two quotes of one item
of different lengths still agree.

Every quote is compared within its document (labellers quote page 1 of a
`pages/` file; the PDFs' labels carry pages), so pages are not compared.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "eval"))

import extract_eval as E  # noqa: E402

DEFAULT_B = REPO / "eval" / "agreement" / "sets-4-6"


def _as_item(label: dict) -> SimpleNamespace:
    # B's quote stands for an item; its line-end hyphens are joined as the reader joins them
    return SimpleNamespace(text=E.quote_text(label["text"]), citation=SimpleNamespace(page=1),
                           value=label.get("value"), value_to=label.get("value_to"))


def agreement(a_dir: Path, b_dir: Path, symmetric: bool = False) -> dict[str, tuple[int, int, int]]:
    """{type: (A labels, B items, matched)} over the documents both labelled."""
    overlap = E.overlap
    if symmetric:
        E.overlap = lambda x, y: max(overlap(x, y), overlap(y, x))
    try:
        tot = {t: (0, 0, 0) for t in E.TYPES}
        for bf in sorted(b_dir.glob("*.jsonl")):
            af = a_dir / bf.name
            if not af.exists():
                continue
            a = [dict(lab, page=1) for lab in E.load_labels(af)]
            items = [(lab["type"], _as_item(lab)) for lab in E.load_labels(bf)]
            matched, _, _ = E.match(a, items)
            for t in E.TYPES:
                row = (sum(lab["type"] == t for lab in a), sum(typ == t for typ, _ in items),
                       sum(lab["type"] == t for lab, _ in matched))
                tot[t] = tuple(x + y for x, y in zip(tot[t], row))
        return tot
    finally:
        E.overlap = overlap


def report(a_dir: Path, b_dir: Path) -> str:
    docs = sum(1 for f in b_dir.glob("*.jsonl") if (a_dir / f.name).exists())
    lines = [f"Agreement of {b_dir.name} (B) with {a_dir.name} (A) on {docs} documents", "",
             "| matching | type | A labels | B items | both | B-vs-A P | B-vs-A R |", "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for sym in (False, True):
        for t, (la, ib, m) in agreement(a_dir, b_dir, sym).items():
            lines.append(f"| {'symmetric' if sym else 'eval rule'} | {t} | {la} | {ib} | {m} | "
                         f"{E.fmt(m / ib if ib else None)} | {E.fmt(m / la if la else None)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--a", type=Path, default=E.LABELS, help="labeller A's folder (default eval/labels)")
    ap.add_argument("--b", type=Path, default=DEFAULT_B, help="labeller B's folder")
    args = ap.parse_args(argv)
    print(report(args.a, args.b))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
