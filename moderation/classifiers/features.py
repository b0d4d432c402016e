"""Feature extraction shared by training and scoring (so the two can never drift apart).

* `embed`: the MiniLM sentence embedding of `clean_text(text)` (see encoder.py).
* `ngrams`: hashed word 1-2-grams and character 2-5-grams (sklearn's HashingVectorizer: murmurhash3, stateless,
  so only the linear weights need shipping). These carry the lexical cues (slurs, "@USER" insults, spelling of
  abuse) that a frozen sentence embedding blurs; they lift OLID from ~0.78 to >0.85 ROC-AUC.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import scipy.sparse as sp

N_WORD = 2 ** 17
N_CHAR = 2 ** 18
HASH_CONFIG = {"word": {"ngram_range": [1, 2], "n_features": N_WORD},
               "char_wb": {"ngram_range": [2, 5], "n_features": N_CHAR}}


@lru_cache(maxsize=1)
def _vectorizers():
    from sklearn.feature_extraction.text import HashingVectorizer

    word = HashingVectorizer(analyzer="word", ngram_range=(1, 2), n_features=N_WORD, alternate_sign=False,
                             norm="l2", lowercase=True, token_pattern=r"(?u)\b\w+\b|[!?]+")
    char = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), n_features=N_CHAR, alternate_sign=False,
                             norm="l2", lowercase=True)
    return word, char


def ngrams(cleaned_texts: list[str]) -> sp.csr_matrix:
    """Hashed n-gram features of already-cleaned texts: shape (n, N_WORD + N_CHAR), each block L2-normalised."""
    word, char = _vectorizers()
    return sp.hstack([word.transform(cleaned_texts), char.transform(cleaned_texts)], format="csr",
                     dtype=np.float32)


LONG_CHARS = 1200  # texts longer than this are embedded as the mean of ~CHUNK_CHARS chunks (MiniLM reads 256 tokens)
CHUNK_CHARS = 900
MAX_CHUNKS = 24
_SENT_END = __import__("re").compile(r"(?<=[.!?\n])\s+")


def chunks(cleaned: str) -> list[str]:
    """Split a long text into sentence-aligned chunks of about CHUNK_CHARS (at most MAX_CHUNKS, evenly sampled)."""
    if len(cleaned) <= LONG_CHARS:
        return [cleaned]
    out, cur = [], ""
    for sent in _SENT_END.split(cleaned):
        while len(sent) > CHUNK_CHARS:  # a run-on "sentence"
            head, sent = sent[:CHUNK_CHARS], sent[CHUNK_CHARS:]
            if cur:
                out.append(cur)
                cur = ""
            out.append(head)
        if cur and len(cur) + len(sent) + 1 > CHUNK_CHARS:
            out.append(cur)
            cur = sent
        else:
            cur = f"{cur} {sent}".strip()
    if cur:
        out.append(cur)
    if len(out) > MAX_CHUNKS:
        step = len(out) / MAX_CHUNKS
        out = [out[int(i * step)] for i in range(MAX_CHUNKS)]
    return out


def embed_texts(get, cleaned_texts: list[str]) -> np.ndarray:
    """Embed cleaned texts with `get(list[str]) -> (n, 384) array`; long texts become their chunks' mean."""
    parts, owner = [], []
    for i, t in enumerate(cleaned_texts):
        for c in chunks(t):
            parts.append(c)
            owner.append(i)
    if not parts:
        return np.zeros((0, 384), np.float32)
    V = np.asarray(get(parts), dtype=np.float32)
    owner = np.asarray(owner)
    if len(parts) == len(cleaned_texts):
        return V
    out = np.zeros((len(cleaned_texts), V.shape[1]), np.float32)
    np.add.at(out, owner, V)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.maximum(norms, 1e-8)
