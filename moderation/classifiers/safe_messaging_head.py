"""Learned safe-messaging judgements: logistic heads on MiniLM embeddings for method details, encouragement to
self-harm and suicide pacts.

The rules in method_details.py find the shapes they were written for (an amount beside a means and a harm word,
"first you ...", "you should just end it") and little else: writers describe methods and urge people in ways no
list of patterns foresees ("I know which one I'd use", "nobody is stopping you"). These heads read the embeddings
the engine already computes (the same encoder as the other heads):

* `method_details` is judged per sentence (the rules' sentences, so a mask covers exactly what was judged);
* `encouragement` and `pact` per post and per sentence, the highest counting (the policy removes the whole text).

A sentence or post at or above a label's threshold counts like a rules finding (`method_details:described`,
`encouragement`, `pact`); the rules' look-alike contexts still cancel a method sentence. The heads are trained by
`flask --app wsgi moderation train-safe-messaging` (safe_messaging_training.py) on the project's own labelled posts
(moderation/data/safe_messaging/, one file per writer, never the evaluation sets), each threshold chosen by
leave-one-writer-out on those files alone. Weights: `weights/safe_messaging.npz`; without it the rules run alone.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from moderation.classifiers.method_details import sentence_spans

FILE = "safe_messaging.npz"
REPORT = "safe_messaging.json"
LABELS = ("method_details", "encouragement", "pact")
SENTENCE_LABELS = ("method_details",)  # judged on sentences only; the others on the post and its sentences
MAX_UNITS = 40  # sentences a post is judged on by the heads (the rules read every sentence); evenly sampled beyond
MIN_CHARS = 12  # shorter fragments ("ok.", "idk") carry nothing on their own
# Encouragement and pacts are short replies; in a longer post each extra sentence is one more chance of a false
# finding, so beyond this many sentences only the whole post is judged for them.
POST_SENTENCES = 6


@dataclass(frozen=True)
class SafeMessagingHeads:
    W: np.ndarray  # (384, len(LABELS)) float32
    b: np.ndarray  # (len(LABELS),)
    thresholds: np.ndarray  # (len(LABELS),) probability at or above which a label counts
    version: str

    def probabilities(self, E: np.ndarray) -> np.ndarray:
        """(n, len(LABELS)) probabilities for n embeddings."""
        z = np.asarray(E, np.float64).reshape(-1, self.W.shape[0]) @ self.W.astype(np.float64) + self.b
        return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))

    def judge(self, text: str, units: list[tuple[int, int]], post: np.ndarray | None, sentences: np.ndarray):
        """({label: highest probability}, {label: [spans at or above its threshold]}) for one text; `post` is the
        whole text's probabilities, `sentences` the units'."""
        best, spans = {}, {}
        for j, label in enumerate(LABELS):
            by_sentence = label in SENTENCE_LABELS or len(units) <= POST_SENTENCES
            per = sentences[:, j] if len(units) and by_sentence else np.zeros(0)
            whole = None if (label in SENTENCE_LABELS or post is None) else float(post[j])
            best[label] = float(max([*per.tolist(), *([whole] if whole is not None else [])], default=0.0))
            found = [span for span, p in zip(units[:len(per)], per) if p >= self.thresholds[j]]
            if not found and whole is not None and whole >= self.thresholds[j] and text.strip():
                start = len(text) - len(text.lstrip())
                found = [(start, len(text.rstrip()))]
            spans[label] = found
        return best, spans


def load(weights_dir: Path) -> SafeMessagingHeads | None:
    path = Path(weights_dir) / FILE
    if not path.exists():
        return None
    with np.load(path) as z:
        if tuple(str(x) for x in z["labels"]) != LABELS:
            raise ValueError(f"{path}: labels {list(z['labels'])} are not {list(LABELS)}")
        return SafeMessagingHeads(W=z["W"].astype(np.float32), b=z["b"].astype(np.float64),
                                  thresholds=z["thresholds"].astype(np.float64), version=str(z["version"]))


def units(text: str) -> list[tuple[int, int]]:
    """The sentence spans of `text` the heads judge (the same sentences as the rules, so masking lines up)."""
    spans = [s for s in sentence_spans(text) if s[1] - s[0] >= MIN_CHARS]
    if len(spans) > MAX_UNITS:
        step = len(spans) / MAX_UNITS
        spans = [spans[int(i * step)] for i in range(MAX_UNITS)]
    return spans


def save(path: Path, W: np.ndarray, b: np.ndarray, thresholds: np.ndarray, version: str) -> None:
    np.savez(path, W=np.asarray(W, np.float32), b=np.asarray(b, np.float64),
             thresholds=np.asarray(thresholds, np.float64), labels=np.array(LABELS), version=np.array(version))
