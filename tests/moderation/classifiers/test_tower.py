"""The toxicity tower (moderation/classifiers/tower.py): fine-tuned top layers that share the encoder's forward pass.

What must hold: the tower never changes the sentence embedding (so self-harm scores are untouched), the int8 storage
round-trips to nearly the same logits, training-time and serving-time logits agree, and the shipped weights carry a
tower that the engine actually uses.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from moderation.classifiers.features import embed_texts

from .conftest import require

require("torch")
from moderation.classifiers import tower as tw  # noqa: E402 (needs torch)
from tests.support import ROOT

WEIGHTS = ROOT / "moderation" / "classifiers" / "weights"

TEXTS = ["you are a pathetic idiot and everyone knows it", "lovely walk by the river this morning",
         "shut up @USER nobody asked", "i finally slept a full night", "go to hell, loser"]


@pytest.fixture(scope="module")
def encoder(torch_encoder):
    """Training runs on the PyTorch encoder (fine-tuning needs it); serving's ONNX tower is checked below."""
    return torch_encoder


@pytest.fixture(scope="module")
def small_tower(encoder):
    """A real tower, fine-tuned for one quick epoch on a handful of labelled texts (real training code)."""
    start = encoder.model.n_layers - tw.TOWER_LAYERS
    states = encoder.hidden_states(TEXTS * 4, start)
    y = np.array([1, 0, 1, 0, 1] * 4)
    return tw.fine_tune(states, y, np.ones(len(y)), encoder.model, seed=0, epochs=1, lr=5e-4, log=lambda *_: None)


def test_tower_leaves_the_sentence_embedding_exactly_as_it_was(encoder, small_tower):
    plain = encoder.encode(TEXTS, use_cache=False)
    with_tower, logits = encoder.encode_with_tower(TEXTS, small_tower)
    assert np.array_equal(plain, with_tower)  # bit for bit: the self-harm heads read the same vectors
    assert logits.shape == (len(TEXTS),) and np.isfinite(logits).all()


def test_fine_tuning_learns_and_is_deterministic(encoder, small_tower):
    start = small_tower.start
    states = encoder.hidden_states(TEXTS * 4, start)
    again = tw.fine_tune(states, np.array([1, 0, 1, 0, 1] * 4), np.ones(20), encoder.model, seed=0, epochs=1,
                         lr=5e-4, log=lambda *_: None)
    a, b = tw.logits(small_tower, states[:5]), tw.logits(again, states[:5])
    assert np.array_equal(a, b)
    assert a[[0, 2, 4]].min() > a[[1, 3]].max()  # it separates what it was trained on


def test_int8_storage_round_trips(encoder, small_tower):
    arrays = tw.to_arrays(small_tower, encoder.model)
    assert tw.has_tower(arrays) and int(arrays[tw.PREFIX + "layers"]) == tw.TOWER_LAYERS
    assert sum(v.nbytes for v in arrays.values()) < 2.2 * 1024 * 1024 * tw.TOWER_LAYERS
    states = encoder.hidden_states(TEXTS, small_tower.start)
    before = tw.logits(small_tower, states)
    after = tw.logits(tw.from_arrays(arrays, encoder.model), states)
    assert np.abs(before - after).max() < 0.05


def test_training_states_and_serving_path_agree(encoder, small_tower):
    states = encoder.hidden_states(TEXTS, small_tower.start)  # float16, as training stores them
    _, served = encoder.encode_with_tower(TEXTS, small_tower)
    assert np.abs(tw.logits(small_tower, states) - served).max() < 0.02


def test_tower_from_the_wrong_encoder_is_refused(encoder, small_tower):
    arrays = tw.to_arrays(small_tower, encoder.model)
    arrays[tw.PREFIX + "start"] = np.int64(1)
    with pytest.raises(ValueError, match="expects layers"):
        tw.from_arrays(arrays, encoder.model)


def test_long_text_takes_its_most_toxic_chunk():
    def get(parts):
        return np.ones((len(parts), 384), np.float32), np.array([5.0 if "idiot" in p else -3.0 for p in parts])

    calm = "A calm sentence about the weather and the garden. " * 40
    E, T = embed_texts(get, [calm + " You absolute idiot, get lost. " + calm, "short and kind"])
    assert E.shape == (2, 384) and T.tolist() == [5.0, -3.0]


def test_shipped_weights_carry_a_tower_the_engine_uses(models):
    toxicity, _, _ = models
    engine = toxicity._engine
    assert engine.tower is not None and engine.tower.start == engine.encoder.model.n_layers - tw.TOWER_LAYERS
    manifest = json.loads((WEIGHTS / "manifest.json").read_text())
    assert manifest["toxicity_tower"]["layers_fine_tuned"] == tw.TOWER_LAYERS
    _, logits = engine.encoder.encode_with_tower(TEXTS, engine.tower)
    assert logits[[0, 2, 4]].min() > logits[[1, 3]].max()


def test_weights_without_a_tower_still_load(models, tmp_path):
    """Older weight folders (no tower keys) keep working: toxicity falls back to the frozen-embedding heads."""
    from moderation.classifiers.embedded import load_embedded

    toxicity, _, _ = models
    with np.load(WEIGHTS / "heads.npz") as z:
        kept = {k: z[k] for k in z.files if not k.startswith(tw.PREFIX)}
    np.savez_compressed(tmp_path / "heads.npz", **kept)
    (tmp_path / "manifest.json").write_text((WEIGHTS / "manifest.json").read_text())
    tox, sh = load_embedded(tmp_path, encoder=toxicity._engine.encoder)
    assert tox._engine.tower is None
    scores = tox.score(["you are a worthless idiot, shut up", "lovely weather today"])
    assert scores[0].score > scores[1].score


def test_a_retrained_tower_is_served_by_onnx_as_torch_computes_it(models, encoder, small_tower):
    """Whatever tower heads.npz holds (here one just fine-tuned, stored as int8 differences), the ONNX graph built
    from it at load time gives the logits the PyTorch tower gives."""
    toxicity, _, _ = models
    onnx_encoder = toxicity._engine.encoder
    arrays = tw.to_arrays(small_tower, encoder.model)
    _, expected = encoder.encode_with_tower(TEXTS, tw.from_arrays(arrays, encoder.model))
    _, served = onnx_encoder.encode_with_tower(TEXTS, onnx_encoder.load_tower(arrays))
    assert np.abs(expected - served).max() < 1e-4
