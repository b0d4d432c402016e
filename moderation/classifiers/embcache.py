"""On-disk embedding cache for training/evaluation iterations (never shipped, never committed).

Keyed by sha1 of the exact text; stored as one .npy matrix + one keys file per cache directory. Default location
is $HAVEN_EMB_CACHE or /tmp/haven-emb-cache.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable, Sequence

import numpy as np


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def default_cache_dir() -> Path:
    return Path(os.environ.get("HAVEN_EMB_CACHE", "/tmp/haven-emb-cache"))


class EmbeddingCache:
    def __init__(self, directory: Path | None, encoder, log: Callable = print):
        self.dir = Path(directory) if directory else None
        self.encoder = encoder  # object with .encode(list[str]) -> np.ndarray, or a zero-arg factory
        self.log = log
        self.index: dict[str, int] = {}
        self.vecs = np.zeros((0, 384), dtype=np.float32)
        if self.dir and (self.dir / "keys.txt").exists() and (self.dir / "vecs.npy").exists():
            keys = (self.dir / "keys.txt").read_text().split()
            vecs = np.load(self.dir / "vecs.npy")
            if len(keys) == len(vecs):
                self.index = {k: i for i, k in enumerate(keys)}
                self.vecs = vecs

    def _save(self) -> None:
        if not self.dir:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        keys = sorted(self.index, key=self.index.get)
        tmp = self.dir / "vecs.tmp.npy"
        np.save(tmp, self.vecs)
        os.replace(tmp, self.dir / "vecs.npy")
        (self.dir / "keys.tmp").write_text("\n".join(keys))
        os.replace(self.dir / "keys.tmp", self.dir / "keys.txt")

    def get(self, texts: Sequence[str], chunk: int = 2048) -> np.ndarray:
        keys = [text_key(t) for t in texts]
        todo = {}
        for k, t in zip(keys, texts):
            if k not in self.index and k not in todo:
                todo[k] = t
        if todo:
            enc = self.encoder() if callable(self.encoder) and not hasattr(self.encoder, "encode") else self.encoder
            self.encoder = enc
            items = list(todo.items())
            for s in range(0, len(items), chunk):
                part = items[s:s + chunk]
                v = enc.encode([t for _, t in part], use_cache=False)
                base = len(self.vecs)
                self.vecs = np.concatenate([self.vecs, v.astype(np.float32)])
                for j, (k, _) in enumerate(part):
                    self.index[k] = base + j
                self._save()
                self.log(f"  embedded {min(s + chunk, len(items))}/{len(items)} new texts")
        return self.vecs[[self.index[k] for k in keys]] if keys else np.zeros((0, 384), np.float32)
