"""Training the method-details head (method_head.py) on the project's own labelled sentences.

    flask --app wsgi moderation train-method-details [--data moderation/data/method_details] [--out weights/]

Data: `moderation/data/method_details/*.csv`, one file per writer, columns `id,text,method_details,
detail_sentence,encouragement,pact,context,lang` (README in that folder). Each post is cut into the rules'
sentences (method_details.sentence_spans); the sentence holding `detail_sentence` is a positive, the other
sentences of a method-details post count as weak negatives (a writer marks the clearest sentence, another may carry
a detail too), every sentence of a post without details is a negative. Ordinary short posts from the self-harm
training files (tier `none`, `moderation/data/short_posts*.csv`) are added as weak negatives so the head learns the
details, not the register.

Choices are made by leave-one-writer-out on those files alone (each writer's sentences scored by a head fitted
without them): the regularisation C from a small grid by the held-out writers' average precision, then the threshold
as the lowest probability at which the held-out writers' false-positive share over negative sentences stays at or
under TARGET_FALSE (pooled). The evaluation sets (moderation/eval/method_details_m*.csv) are never read.
Deterministic: the encoder is deterministic and liblinear runs with a fixed seed.
"""
from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from moderation.classifiers import method_head
from moderation.classifiers.encoder import clean_text

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = REPO_ROOT / "moderation" / "data" / "method_details"
SHORT_POSTS = REPO_ROOT / "moderation" / "data"
C_GRID = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
TARGET_FALSE = 0.05  # share of negative sentences by an unseen writer the head may call method details
W_WEAK = 0.5  # weight of a method-details post's other sentences and of the ordinary short posts
SHORT_POSTS_PER_FILE = 120  # ordinary posts taken from each short_posts*.csv (the first ones: deterministic)


@dataclass
class Units:
    texts: list[str]  # cleaned sentences
    y: np.ndarray
    w: np.ndarray
    writer: np.ndarray  # file stem, or "" for the added ordinary posts (always in training)


def _rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def post_units(text: str, detail: str, labelled: bool) -> list[tuple[str, int, float]]:
    """(cleaned sentence, label, weight) for each sentence of one post."""
    spans = method_head.units(text)
    if not spans:
        return []
    at = text.find(detail.strip()) if labelled and detail.strip() else -1
    hit = None
    if at >= 0:
        end = at + len(detail.strip())
        overlaps = [i for i, (a, b) in enumerate(spans) if a < end and at < b]
        hit = max(overlaps, key=lambda i: min(spans[i][1], end) - max(spans[i][0], at)) if overlaps else None
    out = []
    for i, (a, b) in enumerate(spans):
        if not labelled:
            out.append((clean_text(text[a:b]), 0, 1.0))
        elif hit is None:
            if len(spans) == 1:
                out.append((clean_text(text[a:b]), 1, 1.0))  # a one-sentence post: the post is the sentence
        elif i == hit:
            out.append((clean_text(text[a:b]), 1, 1.0))
        else:
            out.append((clean_text(text[a:b]), 0, W_WEAK))
    return out


def load_units(data_dir: Path = DATA, short_posts: Path | None = SHORT_POSTS) -> Units:
    texts, y, w, writer = [], [], [], []
    for path in sorted(Path(data_dir).glob("*.csv")):
        for row in _rows(path):
            labelled = str(row.get("method_details", "")).strip() == "1"
            for t, label, weight in post_units(row.get("text") or "", row.get("detail_sentence") or "", labelled):
                texts.append(t), y.append(label), w.append(weight), writer.append(path.stem)
    if short_posts is not None:
        for path in sorted(Path(short_posts).glob("short_posts*.csv")):
            ordinary = [r for r in _rows(path) if r.get("tier") == "none" and str(r.get("toxic", "0")) == "0"]
            for row in ordinary[:SHORT_POSTS_PER_FILE]:
                for t, label, weight in post_units(row["text"], "", False):
                    texts.append(t), y.append(label), w.append(W_WEAK), writer.append("")
    return Units(texts, np.asarray(y, np.int64), np.asarray(w, np.float64), np.asarray(writer))


def _fit(E, y, w, C: float, seed: int):
    from sklearn.linear_model import LogisticRegression

    m = LogisticRegression(C=C, max_iter=5000, solver="liblinear", random_state=seed)
    m.fit(E, y, sample_weight=w)
    return m.coef_[0].astype(np.float64), float(m.intercept_[0])


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def _average_precision(y, s) -> float:
    order = np.argsort(-s, kind="stable")
    y = np.asarray(y)[order]
    if not y.sum():
        return 0.0
    hits = np.cumsum(y)
    return float(np.sum((hits / np.arange(1, len(y) + 1))[y == 1]) / y.sum())


def out_of_writer(E, u: Units, C: float, seed: int) -> np.ndarray:
    """Each writer's sentences scored by a head fitted without that writer (NaN for the added ordinary posts)."""
    p = np.full(len(u.y), np.nan)
    for name in sorted(set(u.writer.tolist()) - {""}):
        test = u.writer == name
        coef, b = _fit(E[~test], u.y[~test], u.w[~test], C, seed)
        p[test] = _sigmoid(E[test] @ coef + b)
    return p


def _threshold(y, p) -> float:
    """The lowest threshold keeping the pooled false-positive share at or under TARGET_FALSE."""
    neg = np.sort(p[y == 0])[::-1]
    k = int(np.floor(TARGET_FALSE * len(neg)))
    return float(min(0.99, max(0.5 if not len(neg) else neg[min(k, len(neg) - 1)] + 1e-6, 0.05)))


def figures(u: Units, p: np.ndarray, threshold: float) -> dict:
    out = {}
    for name in sorted(set(u.writer.tolist()) - {""}):
        m = u.writer == name
        y, q = u.y[m], p[m]
        out[name] = {"sentences": int(m.sum()), "positives": int(y.sum()),
                     "recall": round(float(np.mean(q[y == 1] >= threshold)), 3) if y.sum() else None,
                     "false": round(float(np.mean(q[y == 0] >= threshold)), 3) if (y == 0).any() else None,
                     "average_precision": round(_average_precision(y, q), 3)}
    return out


def data_hash(data_dir: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(Path(data_dir).glob("*.csv")):
        h.update(path.name.encode()), h.update(path.read_bytes())
    return h.hexdigest()[:12]


def train(encoder, data_dir: Path = DATA, out_dir: Path | None = None, seed: int = 0,
          log: Callable = print, short_posts: Path | None = SHORT_POSTS) -> dict:
    """Fit the head on every writer, with C and the threshold chosen leave-one-writer-out; save it to out_dir."""
    u = load_units(data_dir, short_posts)
    writers = sorted(set(u.writer.tolist()) - {""})
    if len(writers) < 2 or not u.y.sum():
        raise ValueError(f"method-details training needs labelled files from two writers or more in {data_dir}")
    log(f"method details: {len(u.y)} sentences ({int(u.y.sum())} positive) from {len(writers)} writers")
    E = encoder.encode(u.texts).astype(np.float64)
    by_c = {}
    for C in C_GRID:
        p = out_of_writer(E, u, C, seed)
        by_c[C] = (float(np.mean([_average_precision(u.y[u.writer == n], p[u.writer == n]) for n in writers])), p)
        log(f"  C={C}: leave-one-writer-out average precision {by_c[C][0]:.3f}")
    C = max(C_GRID, key=lambda c: (round(by_c[c][0], 6), -c))
    p = by_c[C][1]
    mine = u.writer != ""
    threshold = _threshold(u.y[mine], p[mine])
    lowo = figures(u, p, threshold)
    coef, b = _fit(E, u.y, u.w, C, seed)
    version = hashlib.sha256(np.asarray(coef, np.float32).tobytes() + np.float64(b).tobytes()
                             + np.float64(threshold).tobytes()).hexdigest()[:8]
    report = {"version": version, "C": C, "threshold": round(threshold, 4), "target_false": TARGET_FALSE,
              "writers": writers, "data_hash": data_hash(data_dir), "sentences": int(len(u.y)),
              "positives": int(u.y.sum()), "leave_one_writer_out": lowo, "seed": seed}
    if out_dir is not None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        method_head.save(out_dir / method_head.FILE, coef, b, threshold, version)
        (out_dir / "method_details.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    return report
