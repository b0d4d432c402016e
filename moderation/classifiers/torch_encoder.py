"""The sentence encoder in PyTorch (minilm.py): what `moderation train` uses (hidden states entering a layer, the
toxicity tower fine-tuned in tower.py) and what the parity test compares the ONNX serving path against. Serving never
imports this module (requirements-train.txt has torch)."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from moderation.classifiers.encoder import DIM, CachedEncoder, model_path
from moderation.classifiers.minilm import MiniLM


class TorchEncoder(CachedEncoder):
    runtime = "torch"

    def __init__(self, path: str | None = None, cache_size: int = 4096, batch_size: int = 64):
        super().__init__(cache_size, batch_size)
        self.path = path or model_path()
        self.model = MiniLM(self.path)

    def load_tower(self, arrays: dict):
        from moderation.classifiers.tower import from_arrays

        return from_arrays(arrays, self.model)

    def _raw(self, texts: list[str], tower=None) -> tuple[np.ndarray, np.ndarray | None]:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        tower_out = np.zeros(len(texts), dtype=np.float64) if tower is not None else None
        with self._forward_lock(texts), torch.inference_mode():
            for idx, ids, attention in self._batches(texts):
                states = self.model.forward(ids, attention)
                hidden = states[-1]
                mask = attention.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                out[idx] = torch.nn.functional.normalize(pooled, dim=1).numpy()
                if tower is not None:
                    tower_out[idx] = tower(states[tower.start], attention).double().numpy()
        return out, tower_out

    def hidden_states(self, texts: Sequence[str], layer: int) -> list[np.ndarray]:
        """Per-text hidden states entering transformer layer `layer` (padding dropped, float16): the input a
        toxicity tower is trained on. Training only; nothing is cached."""
        texts = [t if isinstance(t, str) else str(t) for t in texts]
        states: list = [None] * len(texts)
        with self._model_lock, torch.inference_mode():
            for idx, ids, attention in self._batches(texts):
                h = self.model.forward(ids, attention, layers=layer)[layer].numpy()
                for j, (i, length) in enumerate(zip(idx, attention.sum(1).tolist())):
                    states[i] = h[j, :length].astype(np.float16)
        return states
