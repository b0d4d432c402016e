"""Training the safe-messaging heads (safe_messaging_head.py) on the project's own labelled posts.

    flask --app wsgi moderation train-safe-messaging [--data moderation/data/safe_messaging] [--out weights/]

Data: `moderation/data/safe_messaging/*.csv`, one file per writer, columns `id,text,method_details,
detail_sentence,encouragement,pact,context,lang` (README in that folder). `detail_sentence` is the sentence that
carries the row's finding: the method detail, or in a row of encouragement or a pact without method details, the
urging or the proposal.

* method details, per sentence (the rules' sentences): the sentence holding `detail_sentence` is a positive, the
  other sentences of that post weak negatives (another may carry a detail too), every sentence of a post without
  details a negative; a row with both a method detail and encouragement or a pact counts only when it is one
  sentence (its `detail_sentence` may be either).
* encouragement and pacts, per post: the whole post with its label; the marked sentence of a positive post is a
  positive too, the sentences of a negative post negatives (serving takes the highest of the post and its
  sentences).

Ordinary short posts from the self-harm training files (tier `none`, `moderation/data/short_posts*.csv`) are added
as weak negatives for every label so the heads learn the finding, not the register. Each label's choices are made
by leave-one-writer-out on the labelled files alone (each writer scored by a head fitted without them): the
regularisation C from a small grid by the held-out writers' average precision, then the threshold as the lowest
probability at which the held-out writers' share of negatives taken for the label stays at or under its
TARGET_FALSE (pooled): negative sentences for method details (a mask is per sentence), negative posts for
encouragement and pacts (a post is held when the post or any of its sentences is found). The evaluation sets (moderation/eval/method_details_m*.csv) are never read. Deterministic:
the encoder is deterministic and liblinear runs with a fixed seed.
"""
from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from moderation.classifiers import safe_messaging_head as heads
from moderation.classifiers.encoder import clean_text
from moderation.classifiers.training import _fit_lr as _fit, _sigmoid

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = REPO_ROOT / "moderation" / "data" / "safe_messaging"
SHORT_POSTS = REPO_ROOT / "moderation" / "data"
C_GRID = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
# Share of an unseen writer's negatives a head may take for its label: masking a sentence costs little (a moderator
# lifts it in one click); removing a post that was kind costs its author more.
TARGET_FALSE = {"method_details": 0.05, "encouragement": 0.02, "pact": 0.02}
W_WEAK = 0.5  # weight of a method-details post's other sentences and of the ordinary short posts
MIN_POSITIVES = 20  # a writer's positives for their average precision to count in choosing C
SHORT_POSTS_PER_FILE = 120  # ordinary posts taken from each short_posts*.csv (the first ones: deterministic)


@dataclass
class Units:
    texts: list[str] = field(default_factory=list)  # cleaned sentences or posts
    y: list[int] = field(default_factory=list)
    w: list[float] = field(default_factory=list)
    writer: list[str] = field(default_factory=list)  # file stem, or "" for the added ordinary posts (always trained on)
    post: list[str] = field(default_factory=list)  # the post each unit comes from ("<writer>:<row>")

    def add(self, text: str, label: int, weight: float, writer: str, post: str = "") -> None:
        self.texts.append(text), self.y.append(label), self.w.append(weight), self.writer.append(writer)
        self.post.append(post)

    def arrays(self):
        return np.asarray(self.y, np.int64), np.asarray(self.w, np.float64), np.asarray(self.writer)


def _rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _flag(row: dict, name: str) -> bool:
    return str(row.get(name, "")).strip() == "1"


def _marked(spans: list[tuple[int, int]], text: str, detail: str) -> int | None:
    """The index of the sentence holding `detail` (the one it overlaps most), or None."""
    detail = (detail or "").strip()
    at = text.find(detail) if detail else -1
    if at < 0:
        return None
    end = at + len(detail)
    overlaps = [i for i, (a, b) in enumerate(spans) if a < end and at < b]
    return max(overlaps, key=lambda i: min(spans[i][1], end) - max(spans[i][0], at)) if overlaps else None


def post_units(text: str, detail: str, labelled: bool) -> list[tuple[str, int, float]]:
    """(cleaned sentence, label, weight) for each sentence of one post, for the method-details head."""
    spans = heads.units(text)
    hit = _marked(spans, text, detail) if labelled else None
    out = []
    for i, (a, b) in enumerate(spans):
        sentence = clean_text(text[a:b])
        if not labelled:
            out.append((sentence, 0, 1.0))
        elif hit is None:
            if len(spans) == 1:
                out.append((sentence, 1, 1.0))  # a one-sentence post: the post is the sentence
        else:
            out.append((sentence, int(i == hit), 1.0 if i == hit else W_WEAK))
    return out


def load_units(data_dir: Path = DATA, short_posts: Path | None = SHORT_POSTS) -> dict[str, Units]:
    """{label: Units} for every label of safe_messaging_head.LABELS."""
    out = {label: Units() for label in heads.LABELS}
    md = out["method_details"]
    for path in sorted(Path(data_dir).glob("*.csv")):
        for n, row in enumerate(_rows(path)):
            key = f"{path.stem}:{n}"
            text, detail = row.get("text") or "", row.get("detail_sentence") or ""
            if not text.strip():
                continue
            has_md, other = _flag(row, "method_details"), _flag(row, "encouragement") or _flag(row, "pact")
            if not (has_md and other and len(heads.units(text)) > 1):
                for sentence, label, weight in post_units(text, detail, has_md):
                    md.add(sentence, label, weight, path.stem)
            spans = heads.units(text)
            for name in ("encouragement", "pact"):
                positive = _flag(row, name)
                out[name].add(clean_text(text), int(positive), 1.0, path.stem, key)
                if len(spans) < 2 or len(spans) > heads.POST_SENTENCES:
                    continue
                if not positive:
                    for a, b in spans:
                        out[name].add(clean_text(text[a:b]), 0, W_WEAK, path.stem, key)
                elif not has_md:  # the marked sentence is the urging or the proposal
                    hit = _marked(spans, text, detail)
                    if hit is not None:
                        out[name].add(clean_text(text[spans[hit][0]:spans[hit][1]]), 1, 1.0, path.stem, key)
    if short_posts is not None:
        for path in sorted(Path(short_posts).glob("short_posts*.csv")):
            ordinary = [r for r in _rows(path) if r.get("tier") == "none" and str(r.get("toxic", "0")) == "0"]
            for row in ordinary[:SHORT_POSTS_PER_FILE]:
                for sentence, _, _ in post_units(row["text"], "", False):
                    md.add(sentence, 0, W_WEAK, "")
                for name in ("encouragement", "pact"):
                    out[name].add(clean_text(row["text"]), 0, W_WEAK, "")
    return out


def _average_precision(y, s) -> float:
    order = np.argsort(-s, kind="stable")
    y = np.asarray(y)[order]
    if not y.sum():
        return 0.0
    hits = np.cumsum(y)
    return float(np.sum((hits / np.arange(1, len(y) + 1))[y == 1]) / y.sum())


def out_of_writer(E, y, w, writer, C: float, seed: int) -> np.ndarray:
    """Each writer's units scored by a head fitted without that writer (NaN for the added ordinary posts)."""
    p = np.full(len(y), np.nan)
    for name in sorted(set(writer.tolist()) - {""}):
        test = writer == name
        if len(set(y[~test].tolist())) < 2:
            continue
        coef, b = _fit(E[~test], y[~test], w[~test], C, seed)
        p[test] = _sigmoid(E[test] @ coef + b)
    return p


def _threshold(y, p, target: float) -> float:
    """The lowest threshold keeping the pooled share of negatives at or above it at or under `target`."""
    neg = np.sort(p[(y == 0) & ~np.isnan(p)])[::-1]
    if not len(neg):
        return 0.5
    k = int(np.floor(target * len(neg)))
    return float(min(0.99, max(neg[min(k, len(neg) - 1)] + 1e-6, 0.05)))


def figures(y, writer, p: np.ndarray, threshold: float) -> dict:
    out = {}
    for name in sorted(set(writer.tolist()) - {""}):
        m = (writer == name) & ~np.isnan(p)
        yy, q = y[m], p[m]
        out[name] = {"units": int(m.sum()), "positives": int(yy.sum()),
                     "recall": round(float(np.mean(q[yy == 1] >= threshold)), 3) if yy.sum() else None,
                     "false": round(float(np.mean(q[yy == 0] >= threshold)), 3) if (yy == 0).any() else None,
                     "average_precision": round(_average_precision(yy, q), 3) if yy.sum() else None}
    return out


def data_hash(data_dir: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(Path(data_dir).glob("*.csv")):
        h.update(path.name.encode()), h.update(path.read_bytes())
    return h.hexdigest()[:12]


def per_post(u: Units, y, writer, p):
    """Each post's label, writer and highest held-out probability (over the post and its sentences): a post is
    removed or held when any of them is found, so its thresholds and figures are read per post."""
    order = list(dict.fromkeys(k for k in u.post if k))
    index = {k: i for i, k in enumerate(order)}
    py, pw, pp = np.zeros(len(order), np.int64), np.empty(len(order), object), np.full(len(order), -np.inf)
    for k, label, who, q in zip(u.post, y, writer, p):
        if not k or np.isnan(q):
            continue
        i = index[k]
        py[i], pw[i], pp[i] = max(py[i], label), who, max(pp[i], q)
    keep = np.isfinite(pp)
    return py[keep], pw[keep].astype(str), pp[keep]


def _fit_label(label: str, u: Units, encoder, seed: int, log: Callable) -> tuple[np.ndarray, float, float, dict]:
    y, w, writer = u.arrays()
    writers = sorted(set(writer.tolist()) - {""})
    with_positives = [n for n in writers if y[writer == n].sum()]
    if len(with_positives) < 2:
        raise ValueError(f"training the {label} head needs labelled posts from two writers or more")
    # C is chosen on the writers with enough positives for an average precision to mean something.
    judged = [n for n in with_positives if y[writer == n].sum() >= MIN_POSITIVES] or with_positives
    E = encoder.encode(u.texts).astype(np.float64)
    by_c = {}
    for C in C_GRID:
        p = out_of_writer(E, y, w, writer, C, seed)
        by_c[C] = (float(np.mean([_average_precision(y[writer == n], p[writer == n]) for n in judged])), p)
    C = max(C_GRID, key=lambda c: (round(by_c[c][0], 6), -c))
    p = by_c[C][1]
    if label in heads.SENTENCE_LABELS:
        mine = writer != ""
        threshold = _threshold(y[mine], p[mine], TARGET_FALSE[label])
        lowo, unit = figures(y, writer, p, threshold), "sentences"
    else:
        py, pw, pp = per_post(u, y, writer, p)
        threshold = _threshold(py, pp, TARGET_FALSE[label])
        lowo, unit = figures(py, pw, pp, threshold), "posts"
    coef, b = _fit(E, y, w, C, seed)
    report = {"C": C, "threshold": round(threshold, 4), "target_false": TARGET_FALSE[label], "units": int(len(y)),
              "positives": int(y.sum()), "figures_per": unit, "leave_one_writer_out": lowo}
    log(f"{label}: {len(y)} units ({int(y.sum())} positive), C={C}, threshold {threshold:.3f}, "
        f"leave-one-writer-out average precision {by_c[C][0]:.3f}")
    return coef, b, threshold, report


def train(encoder, data_dir: Path = DATA, out_dir: Path | None = None, seed: int = 0,
          log: Callable = print, short_posts: Path | None = SHORT_POSTS) -> dict:
    """Fit each head on every writer, with C and the threshold chosen leave-one-writer-out; save them to out_dir."""
    units = load_units(data_dir, short_posts)
    writers = sorted({w for u in units.values() for w in u.writer} - {""})
    if len(writers) < 2:
        raise ValueError(f"safe-messaging training needs labelled files from two writers or more in {data_dir}")
    W, b, thresholds, labels = [], [], [], {}
    for label in heads.LABELS:
        coef, bias, threshold, report = _fit_label(label, units[label], encoder, seed, log)
        W.append(coef), b.append(bias), thresholds.append(threshold)
        labels[label] = report
    W, b, thresholds = np.stack(W, axis=1), np.asarray(b), np.asarray(thresholds)
    version = hashlib.sha256(W.astype(np.float32).tobytes() + b.tobytes() + thresholds.tobytes()).hexdigest()[:8]
    report = {"version": version, "writers": writers, "data_hash": data_hash(data_dir), "seed": seed,
              "labels": labels}
    if out_dir is not None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        heads.save(out_dir / heads.FILE, W, b, thresholds, version)
        (out_dir / heads.REPORT).write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    return report
