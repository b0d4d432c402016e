"""Write the held-out rows of one public source (never trained on) as a CSV that `moderation evaluate` reads.

    python bench/heldout.py olid /tmp/olid_heldout.csv [--data ../shared/data]
    flask --app wsgi moderation evaluate --data /tmp/olid_heldout.csv --task toxicity

Sources: davidson, olid (toxicity); suicide_detection, cssrs_reddit (self_harm; one row per held-out *user*, the
user's whole text, labelled with the user's C-SSRS level). The split is training.is_holdout(id), the same one the
trainer leaves out. The CSV is derived from ../shared/data: write it outside the repository, never commit it.
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from moderation.classifiers.training import _read_csv, is_holdout  # noqa: E402

# Each source's own label column is kept as is: `evaluate` reads hate/offensive/neither, OFF/NOT, suicide/non-suicide
# and the C-SSRS levels.
SOURCES = ("cssrs_reddit", "davidson", "olid", "suicide_detection")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", choices=SOURCES)
    ap.add_argument("out", type=Path)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    a = ap.parse_args()
    src = a.data / a.source / "train.csv"
    if not src.exists():
        sys.exit(f"no such file: {src}")
    rows = [r for r in _read_csv(src) if is_holdout(r["id"])]
    with open(a.out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text", "label"])
        for r in rows:
            w.writerow([r["id"], r["text"], r["label"]])
    print(f"{len(rows)} held-out rows of {a.source} -> {a.out}")


if __name__ == "__main__":
    main()
