"""How the toxicity tower is stored in heads.npz, readable without torch (the serving path rebuilds the fine-tuned
layers with numpy; tower.py trains and writes them).

Keys start with PREFIX: "start" (first fine-tuned layer), "layers" (how many), then for layer i and each weight name
of LAYER_KEYS either "<i>.<name>.q" (int8 difference from the pretrained weight) with "<i>.<name>.scale"
(one float32 scale per output row), or "<i>.<name>" (float32, biases and LayerNorms), and "head.weight" /
"head.bias" (the linear head on the pooled, normalised, POOL_SCALE-scaled vector).
"""
from __future__ import annotations

import numpy as np

LAYER_KEYS = ("attention.self.query.weight", "attention.self.query.bias", "attention.self.key.weight",
              "attention.self.key.bias", "attention.self.value.weight", "attention.self.value.bias",
              "attention.output.dense.weight", "attention.output.dense.bias", "attention.output.LayerNorm.weight",
              "attention.output.LayerNorm.bias", "intermediate.dense.weight", "intermediate.dense.bias",
              "output.dense.weight", "output.dense.bias", "output.LayerNorm.weight", "output.LayerNorm.bias")
PREFIX = "tower."
POOL_SCALE = 5.0  # the head reads a unit vector; a fixed scale lets it reach confident logits with small weights


def has_tower(arrays: dict) -> bool:
    return PREFIX + "start" in arrays


def tower_span(arrays: dict, n_layers: int) -> tuple[int, int]:
    """(start, count) of the stored tower, checked against an encoder with n_layers layers."""
    start, count = int(arrays[PREFIX + "start"]), int(arrays[PREFIX + "layers"])
    if start + count != n_layers:
        raise ValueError(f"toxicity tower expects layers {start}..{start + count - 1}, encoder has {n_layers}")
    return start, count


def layer_weights(arrays: dict, i: int, base_layer: dict) -> dict[str, np.ndarray]:
    """Tower layer i as float32 arrays: pretrained weight + int8 difference * row scale, or the stored value.
    The same float32 arithmetic as tower.from_arrays, so the numpy and torch towers hold the same numbers."""
    out = {}
    for name in LAYER_KEYS:
        key = f"{PREFIX}{i}.{name}"
        if key + ".q" in arrays:
            scale = np.asarray(arrays[key + ".scale"], np.float32)[:, None]
            out[name] = np.asarray(base_layer[name], np.float32) + arrays[key + ".q"].astype(np.float32) * scale
        else:
            out[name] = np.asarray(arrays[key], np.float32)
    return out


def head(arrays: dict) -> tuple[np.ndarray, np.ndarray]:
    return (np.asarray(arrays[PREFIX + "head.weight"], np.float32),
            np.asarray(arrays[PREFIX + "head.bias"], np.float32))
