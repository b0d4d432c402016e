"""A learned method-details judgement: a logistic head on each sentence's MiniLM embedding.

The rules in method_details.py find the shapes they were written for (an amount beside a means and a harm word,
"first you ...") and little else: writers describe methods in ways no list of patterns foresees ("I know which one
I'd use", "the pills are in my drawer"). This head reads each sentence's embedding (the same encoder as the other
heads) and says how likely it is to carry method details; a sentence the head calls a method detail counts like one
the rules found (kind `described`), and the rules' look-alike contexts still cancel it (a prescriber, first aid,
climbing, ...).

It is trained by `flask --app wsgi moderation train-method-details` (moderation/classifiers/method_training.py) on
the project's own labelled sentences (moderation/data/method_details/, one file per writer, never the evaluation
sets), and the threshold is chosen by leave-one-writer-out on those files alone. Its weights are
`weights/method_details.npz`; without that file the engine simply runs the rules.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from moderation.classifiers.method_details import sentence_spans

FILE = "method_details.npz"
MAX_UNITS = 40  # sentences a post is judged on by the head (the rules read every sentence); evenly sampled beyond
MIN_CHARS = 12  # shorter fragments ("ok.", "idk") carry no method on their own


@dataclass(frozen=True)
class MethodHead:
    w: np.ndarray  # (384,) float32
    b: float
    threshold: float  # P(method details) at or above which a sentence counts
    version: str

    def probabilities(self, E: np.ndarray) -> np.ndarray:
        z = np.asarray(E, np.float64) @ self.w.astype(np.float64) + self.b
        return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def load(weights_dir: Path) -> MethodHead | None:
    path = Path(weights_dir) / FILE
    if not path.exists():
        return None
    with np.load(path) as z:
        return MethodHead(w=z["w"].astype(np.float32), b=float(z["b"]), threshold=float(z["threshold"]),
                          version=str(z["version"]))


def units(text: str) -> list[tuple[int, int]]:
    """The sentence spans of `text` the head judges (the same sentences as the rules, so masking lines up)."""
    spans = [s for s in sentence_spans(text) if s[1] - s[0] >= MIN_CHARS]
    if len(spans) > MAX_UNITS:
        step = len(spans) / MAX_UNITS
        spans = [spans[int(i * step)] for i in range(MAX_UNITS)]
    return spans


def save(path: Path, w: np.ndarray, b: float, threshold: float, version: str) -> None:
    np.savez(path, w=np.asarray(w, np.float32), b=np.float64(b), threshold=np.float64(threshold),
             version=np.array(version))
