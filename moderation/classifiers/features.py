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
