"""Did a change to the embedded models' code move any score? Dump every score of a fixed set of texts, before and
after, and compare.

    python bench/score_drift.py dump /tmp/after.json                        # this tree's code
    git archive <commit> | tar -x -C /tmp/anchor
    python bench/score_drift.py dump /tmp/before.json --root /tmp/anchor    # the anchor's code, same texts
    python bench/score_drift.py compare /tmp/before.json /tmp/after.json [--tol 1e-5]

The texts: 600 posts drawn (seeded) from moderation/data/short_posts*.csv of the tree that runs the bench, plus 60
posts made by joining 2-40 of them (multi-sentence posts, and long ones that are embedded in chunks). Nothing is
written outside the output file. Each text is scored twice: alone (the first 300, both classifiers, as a server
screens a post) and in batches of 16 (all of them), so the comparison also shows whether a text's scores depend on
its batch. `compare` prints the largest difference of any score or label and how many texts' reasons differ, and
exits non-zero when the difference passes --tol or a reason changed.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def fixed_texts() -> list[str]:
    rows = []
    for path in sorted((ROOT / "moderation" / "data").glob("short_posts*.csv")):
        with open(path, newline="") as fh:
            rows += [r["text"] for r in csv.DictReader(fh)]
    rng = random.Random(0)
    sample = rng.sample(rows, min(600, len(rows)))
    joined = [". ".join(rng.sample(rows, k)) for k in (2, 3, 5, 8, 20, 40) for _ in range(10)]
    return sample + joined


def _row(pair) -> list:
    tox, sh = pair
    return [tox.score, tox.labels, tox.reasons, sh.score, sh.labels, sh.reasons]


def dump(out: str, root: str | None) -> None:
    sys.path.insert(0, str(Path(root).resolve() if root else ROOT))
    from moderation.classifiers.embedded import load_embedded

    texts = fixed_texts()
    toxicity, self_harm = load_embedded()
    engine = toxicity._engine
    scores = {}
    started = time.process_time()
    for t in texts[:300]:
        scores["single:" + t] = _row((toxicity.score([t])[0], self_harm.score([t])[0]))
    engine._results.clear()
    for i in range(0, len(texts), 16):
        chunk = texts[i:i + 16]
        for t, pair in zip(chunk, engine.results(chunk)):
            scores["batch:" + t] = _row(pair)
    Path(out).write_text(json.dumps(scores))
    print(f"{len(scores)} scorings of {len(texts)} texts in {time.process_time() - started:.1f} s of CPU -> {out}")


def _values(row) -> list[float]:
    return [row[0], row[3]] + [row[1][k] for k in sorted(row[1])] + [row[4][k] for k in sorted(row[4])]


def compare(a_path: str, b_path: str, tol: float) -> int:
    a, b = json.loads(Path(a_path).read_text()), json.loads(Path(b_path).read_text())
    if a.keys() != b.keys():
        print("the two dumps scored different texts")
        return 2
    worst, where, reasons = 0.0, "", 0
    for key in a:
        x, y = a[key], b[key]
        if sorted(x[1]) != sorted(y[1]) or sorted(x[4]) != sorted(y[4]):
            print(f"labels differ: {key[:80]!r}")
            return 2
        diff = max(abs(p - q) for p, q in zip(_values(x), _values(y)))
        if diff > worst:
            worst, where = diff, key
        if x[2] != y[2] or x[5] != y[5]:
            reasons += 1
            if reasons <= 5:
                print(f"reasons differ: {key[:80]!r}\n  {x[2] + x[5]}\n  {y[2] + y[5]}")
    print(f"{len(a)} scorings; largest score/label difference {worst:.2e}"
          + (f" ({where[:70]!r})" if worst else "") + f"; reasons differ in {reasons}")
    for name, d in (("before", a), ("after", b)):
        alone = max((max(abs(p - q) for p, q in zip(_values(d[k]), _values(d["batch:" + k[7:]])))
                     for k in d if k.startswith("single:")), default=0.0)
        print(f"  {name}: largest difference between a text alone and in a batch of 16: {alone:.2e}")
    return 0 if worst <= tol and not reasons else 1


def main() -> int:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="mode", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out")
    d.add_argument("--root", help="load the models' code from this tree instead (e.g. an anchor's git archive)")
    c = sub.add_parser("compare")
    c.add_argument("before")
    c.add_argument("after")
    c.add_argument("--tol", type=float, default=1e-5)
    args = ap.parse_args()
    if args.mode == "dump":
        dump(args.out, args.root)
        return 0
    return compare(args.before, args.after, args.tol)


if __name__ == "__main__":
    sys.exit(main())
