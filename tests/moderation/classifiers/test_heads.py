"""The heads' arithmetic: the self-harm logits mix the embedding MLP with the n-gram head, on the serving rows and on
training's scipy matrix alike."""
import numpy as np

from moderation.classifiers.features import ngram_rows, ngrams
from moderation.classifiers.heads import sh_logits


def _heads(rng, n_features, with_ngrams=True):
    h = {"sh_W1": rng.normal(size=(384, 8)).astype(np.float32), "sh_b1": np.zeros(8, np.float32),
         "sh_W2": rng.normal(size=(8, 3)).astype(np.float32), "sh_b2": np.zeros(3, np.float32),
         "sh_shift": np.array([0.5, 0.5, 1.0], np.float32), "sh_scale": np.array([1.0, 0.8, 1.2], np.float32)}
    if with_ngrams:
        h.update({"sh_ng_W": rng.normal(size=(n_features, 3)).astype(np.float32),
                  "sh_ng_b": np.array([-1.0, -2.0, -3.0], np.float32), "sh_ng_mix": np.float32(0.7)})
    return h


def test_self_harm_logits_mix_the_mlp_and_the_ngram_head():
    rng = np.random.default_rng(0)
    texts = ["i want to die tonight", "quiero morirme", "lovely weather"]
    rows, csr = ngram_rows(texts), ngrams(texts)
    E = rng.normal(size=(3, 384)).astype(np.float32)
    h = _heads(rng, rows.shape[1])
    mlp_only = sh_logits({k: v for k, v in h.items() if not k.startswith("sh_ng")}, E)
    mlp_raw = (mlp_only - h["sh_shift"]) / h["sh_scale"]
    lin = np.asarray(csr @ h["sh_ng_W"]) + h["sh_ng_b"]
    expected = (0.3 * mlp_raw + 0.7 * lin) * h["sh_scale"] + h["sh_shift"]
    # serving's sparse rows and training's scipy matrix give the same logits
    assert np.allclose(sh_logits(h, E, rows), expected, atol=1e-3)
    assert np.allclose(sh_logits(h, E, csr), expected, atol=1e-3)
    # without n-gram rows (or with weights that have no n-gram head) the MLP alone
    assert np.allclose(sh_logits(h, E), mlp_only)
    assert not np.allclose(sh_logits(h, E, rows), mlp_only, atol=1e-2)


def test_ngram_rows_times_a_matrix_is_one_column_per_output():
    rng = np.random.default_rng(1)
    rows = ngram_rows(["one text", "another, longer text here"])
    W = rng.normal(size=(rows.shape[1], 3)).astype(np.float32)
    got = rows @ W
    assert got.shape == (2, 3)
    assert np.allclose(got[:, 1], rows @ W[:, 1], atol=1e-4)


def test_no_rows_give_no_logits():
    """A training run without own posts scores zero rows (leave_one_writer_out): that must not raise."""
    rng = np.random.default_rng(2)
    rows = ngram_rows([])
    h = _heads(rng, rows.shape[1])
    assert sh_logits(h, np.zeros((0, 384), np.float32), rows).shape == (0, 3)
    assert sh_logits(h, np.zeros((0, 384), np.float32), ngrams([])).shape == (0, 3)
