from __future__ import annotations

import json
import math
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from moderation.classifiers.base import SELF_HARM, TOXICITY, Classifier, Scores
from moderation.policy import Thresholds, check_scores, decide

from .conftest import NETWORK_ATTEMPTS, NetworkBlocked, _guarded
from tests.support import ROOT

WEIGHTS = ROOT / "moderation" / "classifiers" / "weights"


def test_weights_are_shipped_and_small():
    manifest = json.loads((WEIGHTS / "manifest.json").read_text())
    assert manifest["version"]
    total = sum(f.stat().st_size for f in WEIGHTS.iterdir())
    assert total < 8 * 1024 * 1024


def test_loads_offline_without_network(models):
    toxicity, self_harm, seconds = models
    assert NETWORK_ATTEMPTS == []
    assert isinstance(toxicity, Classifier) and isinstance(self_harm, Classifier)
    assert toxicity.kind == TOXICITY and self_harm.kind == SELF_HARM
    assert toxicity.name == "haven-embedded-toxicity" and self_harm.name == "haven-embedded-self-harm"
    manifest = json.loads((WEIGHTS / "manifest.json").read_text())
    assert toxicity.version == self_harm.version
    # The heads' version, then the safe-messaging heads' when the weights have them (safe_messaging_head.py).
    base, _, safe = toxicity.version.partition("+sm.")
    assert base == manifest["version"]
    if (WEIGHTS / "safe_messaging.json").exists():
        assert safe == json.loads((WEIGHTS / "safe_messaging.json").read_text())["version"]
    import numpy as np

    from moderation.classifiers.training import weights_hash

    with np.load(WEIGHTS / "heads.npz") as z:  # the shipped version names the shipped weights
        assert manifest["version"].endswith("." + weights_hash({k: z[k] for k in z.files}))


def test_network_guard_itself_blocks():
    import socket

    s = socket.socket()
    try:
        with pytest.raises(NetworkBlocked):
            _guarded(socket.socket.connect)(s, ("203.0.113.5", 443))
    finally:
        s.close()
        NETWORK_ATTEMPTS.clear()


def test_batch_scores_are_valid_and_in_order(models):
    toxicity, self_harm, _ = models
    texts = ["hello everyone, nice to meet you", "you are a worthless idiot, shut up",
             "i have the pills lined up and tonight i'm taking them all", "", "  ", "😀" * 3, "a" * 5000]
    tox = toxicity.score(texts)
    sh = self_harm.score(texts)
    assert len(tox) == len(sh) == len(texts)
    for a, b in zip(tox, sh):
        check_scores(a, "toxicity")
        check_scores(b, "self_harm")
        # The tiers, plus the someone_else labels (moderation/classifiers/someone_else.py) the policy reads.
        assert set(b.labels) == {"concern", "ideation", "intent", "someone_else", "someone_else_danger",
                                 *(["method_details", "encouragement", "pact"]
                                   if (WEIGHTS / "safe_messaging.npz").exists() else [])}
        assert b.labels["concern"] >= b.labels["ideation"] >= b.labels["intent"]
        assert set(a.labels) <= {"insult", "threat", "identity_attack", "obscene", "severe_toxicity"}
    # order: the abusive text is the most toxic, the crisis text the most at risk
    assert max(range(len(texts)), key=lambda i: tox[i].score) == 1
    assert max(range(len(texts)), key=lambda i: sh[i].score) == 2
    single = [toxicity.score([t])[0].score for t in texts[:3]]
    assert all(math.isclose(x, y.score, abs_tol=1e-4) for x, y in zip(single, tox[:3]))
    assert toxicity.score([]) == [] and self_harm.score([]) == []


def test_encoder_runs_once_for_both_classifiers(models):
    toxicity, self_harm, _ = models
    enc = toxicity._engine.encoder
    texts = [f"cache check number {i}: feeling a bit flat today" for i in range(5)]
    before = enc.forward_calls
    toxicity.score(texts)
    self_harm.score(texts)
    assert enc.forward_calls - before == len(texts)


def test_sentence_rows_skip_the_tower(models, monkeypatch):
    """A multi-sentence post's sentences feed the self-harm heads only: they go through the encoder, never through the
    toxicity tower (whose logits for them would be thrown away)."""
    from moderation.classifiers.encoder import clean_text
    from moderation.classifiers.features import sentences

    toxicity, self_harm, _ = models
    engine = toxicity._engine
    post = ("I finally went back to the climbing gym after months away. My arms gave out on the first easy wall. "
            "Everyone there was kind about it anyway. I think I will go again on Thursday with my brother.")
    n_sentences = len(sentences(clean_text(post)))
    assert n_sentences >= 2
    tower_rows = []
    real_tower = engine.tower.__call__

    class Counting:
        start = engine.tower.start

        def __call__(self, hidden, mask):
            tower_rows.append(len(hidden))
            return real_tower(hidden, mask)

    monkeypatch.setattr(engine, "tower", Counting())
    engine._results.clear()
    before = engine.encoder.forward_calls
    toxicity.score([post])
    assert engine.encoder.forward_calls - before == 1 + n_sentences  # the post and each sentence, once
    assert sum(tower_rows) == 1  # the tower read the post alone


def test_mapped_word_rows_are_dropped_from_memory_now_and_then(models, monkeypatch):
    """The trunk copies the word-embedding rows it needs out of the mapped file and drops the mapped pages every
    RELEASE_EVERY lookups, so the process's resident memory does not grow with every new word it reads."""
    from moderation.classifiers import bert_onnx

    toxicity, _, _ = models
    trunk = toxicity._engine.encoder.trunk
    released = []
    monkeypatch.setattr(trunk, "_release", lambda: released.append(1))
    ids, mask = toxicity._engine.encoder.model.tokenize(["a few words"], 256)
    for _ in range(2 * bert_onnx.RELEASE_EVERY):
        feeds = trunk._feeds(ids, mask)
    assert len(released) == 2
    assert feeds["word_embeddings"].flags.owndata  # a copy, not a view of the mapped pages


def test_results_are_copies(models):
    toxicity, _, _ = models
    a = toxicity.score(["mutation check"])[0]
    a.labels["insult"] = 2.0
    a.reasons.append("x")
    b = toxicity.score(["mutation check"])[0]
    assert b.labels["insult"] <= 1.0 and "x" not in b.reasons


def test_thread_safe_concurrent_scoring(models):
    toxicity, self_harm, _ = models
    texts = [f"thread {i}: {'i want to die' if i % 3 == 0 else 'what a lovely walk'} {i}" for i in range(40)]
    expected = [s.score for s in self_harm.score(texts)]
    toxicity._engine._results.clear()

    def work(i):
        chunk = texts[i % 8::8]
        return chunk, [s.score for s in self_harm.score(chunk)], toxicity.score(chunk)

    with ThreadPoolExecutor(max_workers=6) as ex:
        for chunk, scores, _ in ex.map(work, range(24)):
            for t, s in zip(chunk, scores):
                assert math.isclose(s, expected[texts.index(t)], abs_tol=1e-4)


@pytest.mark.parametrize("text", [
    "just tried a new ramen place downtown, 10/10",
    "has anyone got a good podcast for the commute?",
    "this playlist is absolutely slaying me lol",
    "my laptop is dead, posting from my phone",
])
def test_ordinary_posts_published(models, text):
    toxicity, self_harm, _ = models
    d = decide(toxicity.score([text])[0], self_harm.score([text])[0], Thresholds())
    assert d.status == "published", (text, d)


@pytest.mark.parametrize("text", [
    "the pills are on my bedside table and i'm taking them after midnight",
    "said bye to my sister today without her knowing it was the last time",
    "i'm up on the multistorey roof and i'm going to jump",
])
def test_explicit_intent_held_urgent(models, text):
    toxicity, self_harm, _ = models
    sh = self_harm.score([text])[0]
    d = decide(toxicity.score([text])[0], sh, Thresholds())
    assert d.status == "held" and d.tier == "intent" and d.priority == "urgent", (text, d, sh)
    assert sh.reasons


@pytest.mark.parametrize("text", [
    "honestly mate just kill yourself, no one would notice",
    "go jump off something you clown",
])
def test_second_person_abuse_is_not_the_authors_crisis(models, text):
    toxicity, self_harm, _ = models
    tox, sh = toxicity.score([text])[0], self_harm.score([text])[0]
    d = decide(tox, sh, Thresholds())
    assert d.tier in ("none", "concern")
    assert tox.score >= Thresholds().toxicity_hold and d.status in ("held", "removed")


@pytest.mark.parametrize("text", [
    "i fucking hate my life and i want to be dead",
    "i'm a useless piece of shit and i don't want to be here anymore",
])
def test_crisis_with_swearing_is_not_toxic(models, text):
    toxicity, self_harm, _ = models
    tox, sh = toxicity.score([text])[0], self_harm.score([text])[0]
    assert tox.score < Thresholds().toxicity_hold
    assert decide(tox, sh, Thresholds()).status == "held"


def test_a_crisis_post_with_you_words_is_not_scored_as_abuse(models):
    """People in crisis talk to themselves ("you could hang yourself and nobody would care"): with first-person
    crisis statements present, such words never push toxicity above 0.5; the reason stays for the moderator, and
    the same words aimed at a person are still abuse."""
    toxicity, self_harm, _ = models
    crisis = ["i'm done, i've given away my things and tonight's the night. you could hang yourself and nobody "
              "would care, i keep thinking",
              "i want to die so badly. you should just die, i say to the mirror every morning. i've been planning "
              "how to do it"]
    abuse = ["you could hang yourself and nobody would care, freak", "you should just die, loser"]
    tox = toxicity.score(crisis + abuse)
    sh = self_harm.score(crisis + abuse)
    for t, s in zip(tox[:2], sh[:2]):
        assert s.score >= 0.5 and t.score <= 0.5
        assert any(r.startswith("aimed at someone else") for r in t.reasons)
    for t, s in zip(tox[2:], sh[2:]):
        assert t.score >= Thresholds().toxicity_hold and s.score < 0.5
