"""features.py hashes n-grams itself (mmh3) so a server never imports scikit-learn: the features must be exactly
what sklearn's HashingVectorizer gives, since the shipped n-gram weights were trained on those."""
from __future__ import annotations

import numpy as np

from moderation.classifiers import features

from .conftest import require

TEXTS = ["", "  ", "Hello there, you IDIOT!!! ?!", "a", "ab cd", "naïve café — ünïcödé ЖЖЖ 日本語 #HashTag @USER URL",
         "i can't do this anymore " * 40, "tabs\tand\nnew  lines   here", "😀😀 emoji only 😀", "x" * 300,
         "shut up @USER nobody asked", "it's   fine.\u00a0really   fine"]


def test_ngrams_equal_sklearns_hashing_vectorizer():
    text = require("sklearn.feature_extraction.text")
    word = text.HashingVectorizer(analyzer="word", ngram_range=(1, 2), n_features=features.N_WORD,
                                  alternate_sign=False, norm="l2", lowercase=True,
                                  token_pattern=r"(?u)\b\w+\b|[!?]+")
    char = text.HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), n_features=features.N_CHAR,
                                  alternate_sign=False, norm="l2", lowercase=True)
    ours_word = features._hashed(TEXTS, features._word_ngrams, features.N_WORD)
    ours_char = features._hashed(TEXTS, features._char_wb_ngrams, features.N_CHAR)
    for (indices, values), theirs in ((ours_word, word.transform(TEXTS)), (ours_char, char.transform(TEXTS))):
        theirs = theirs.tocsr()
        theirs.sort_indices()
        for j in range(len(TEXTS)):
            row = slice(theirs.indptr[j], theirs.indptr[j + 1])
            assert np.array_equal(indices[j], theirs.indices[row]), TEXTS[j]
            assert np.allclose(values[j], theirs.data[row], rtol=0, atol=1e-12), TEXTS[j]


def test_the_serving_product_equals_the_training_matrix_product():
    """Serving multiplies NgramRows by the head's weights; training uses the scipy matrix: the same numbers."""
    require("scipy.sparse")
    w = np.random.default_rng(0).normal(size=features.N_WORD + features.N_CHAR + features.N_EXTRA).astype(np.float32)
    rows = features.ngram_rows(TEXTS)
    assert np.allclose(rows @ w, np.asarray(rows.tocsr() @ w).ravel(), rtol=1e-6, atol=1e-6)


def test_ngram_matrix_shape_and_rows():
    rows = features.ngram_rows(["hello world", ""])
    assert rows.shape == (2, features.N_WORD + features.N_CHAR + features.N_EXTRA)
    assert (rows.indices[1] >= features.N_WORD + features.N_CHAR).all()  # an empty text has only the dense cues
