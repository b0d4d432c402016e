"""The heads' arithmetic on the sentence embedding, the n-gram features and the tower's logit: one definition that
training (training.py), evaluation and serving (embedded.py) all call, so they cannot drift apart. numpy only (a
server imports this; training.py, with scipy and scikit-learn, is for `moderation train`)."""
from __future__ import annotations

import numpy as np


def sh_logits(heads: dict, E: np.ndarray, N=None) -> np.ndarray:
    """(n, 3) self-harm logits: the MLP's on the sentence embedding, mixed (share `sh_ng_mix`) with a linear head's on
    the hashed word and character n-grams `N` (features.ngram_rows of the same cleaned texts) when the weights have
    one; times the calibration temperature `sh_scale` (Platt scaling fitted on out-of-fold own posts; absent in
    older weights), plus the operating-point shifts `sh_shift`. Without `N` (or for weights without an n-gram head)
    the MLP alone."""
    h = np.maximum(E @ heads["sh_W1"] + heads["sh_b1"], 0.0)
    raw = h @ heads["sh_W2"] + heads["sh_b2"]
    if N is not None and "sh_ng_W" in heads:
        mix = float(heads["sh_ng_mix"])
        lin = np.asarray(N @ np.asarray(heads["sh_ng_W"], np.float32), np.float64).reshape(raw.shape)
        raw = (1.0 - mix) * raw + mix * (lin + heads["sh_ng_b"])
    if "sh_scale" in heads:
        raw = raw * heads["sh_scale"]
    return raw + heads["sh_shift"]


def other_logits(heads: dict, E: np.ndarray) -> np.ndarray | None:
    """(n, 2) logits of the someone-else heads (worried about another person, that person in danger now), or None
    when the weights have no such heads."""
    if "other_W" not in heads:
        return None
    return E @ heads["other_W"] + heads["other_b"]


TOWER_WEIGHT = 0.5  # share of the fine-tuned tower in the toxicity logit (the rest: the frozen-embedding heads)


def tox_logits(heads: dict, E: np.ndarray, N, T: np.ndarray | None = None) -> np.ndarray:
    """Toxicity logit: the mean of the linear [embedding + n-gram] model and the embedding MLP, averaged with the
    fine-tuned tower's logit T when the weights have a tower, plus the shift."""
    # asarray, not astype: the serving engine's weights are float32 already, and astype would copy the 1.5 MB n-gram
    # weight vector on every call (a third of a millisecond per post).
    lin = E @ np.asarray(heads["tox_w_emb"], np.float32) \
        + np.asarray(N @ np.asarray(heads["tox_w_ngram"], np.float32)).ravel() + float(heads["tox_b"])
    mlp = (np.maximum(E @ heads["tox_W1"] + heads["tox_b1"], 0.0) @ heads["tox_W2"] + heads["tox_b2"]).ravel()
    frozen = 0.5 * (lin + mlp)
    if T is not None:
        frozen = (1.0 - TOWER_WEIGHT) * frozen + TOWER_WEIGHT * np.asarray(T, np.float64).ravel()
    return frozen + float(heads["tox_shift"])
