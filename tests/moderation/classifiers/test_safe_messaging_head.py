"""The learned safe-messaging judgements: merging their findings with the rules', masking by sentence, training
(deterministic, leave-one-writer-out choices) and the engine filling `Scores.spans`.

Training texts here are made up, with the shape of method talk and no real doses, places or instructions."""
from __future__ import annotations

import csv
import json
import shutil

import numpy as np
import pytest

from moderation.classifiers import method_details
from moderation.classifiers import safe_messaging_head as method_head
from moderation.classifiers import safe_messaging_training as method_training
from moderation.classifiers.embedded import WEIGHTS_DIR, load_embedded
from moderation.classifiers.method_details import MASK, MethodFindings, sentence_spans, with_learned

HEADER = ["id", "text", "method_details", "detail_sentence", "encouragement", "pact", "context", "lang"]

POSITIVE = [
    "I know exactly which one I would use and where it is kept.",
    "The packet is hidden behind the books on my shelf, ready.",
    "I counted out everything in the cabinet again tonight.",
    "I worked out how many of them I would need.",
    "Found a spot by the tracks nobody walks past at night.",
    "The box from the chemist is in my coat pocket now.",
    "I bought a second packet today so there would be more than enough.",
    "The bridge on my way to work has no fence on one side.",
]
NEGATIVE = [
    "I had a really rough week and slept most of it.",
    "My cat knocked my coffee over this morning.",
    "Please call the helpline, they were kind to me.",
    "Going for a walk with my sister helped a bit.",
    "The bus was late again and I missed my class.",
    "I made soup and watched an old film tonight.",
    "Work has been busy but my manager is understanding.",
    "I started journaling before bed and it helps.",
]


URGING = ["Nobody is stopping you, just get it over with.", "Go on then, do it, nobody would miss you.",
          "Honestly the world would be better off if you ended it.", "You keep saying it so follow through already."]
TOGETHER = ["Let's end it together on the same night.", "If you go I'm coming with you, we do it together.",
            "You and me, same time, then neither of us has to suffer.", "Want to end it with me this weekend?"]


def _write(path, prefix, rows):
    """rows: (text, method_details, encouragement, pact)."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i, (text, md, enc, pact) in enumerate(rows):
            w.writerow([f"{prefix}-{i}", text, md, text if (md or enc or pact) else "", enc, pact,
                        "crisis" if md else "ordinary", "en"])


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("md")
    for name, half in (("writer_x", slice(0, 4)), ("writer_y", slice(4, 8))):
        two = slice(half.start // 2, half.start // 2 + 2)
        rows = ([(t, 1, 0, 0) for t in POSITIVE[half]] + [(t, 0, 0, 0) for t in NEGATIVE[half]]
                + [(t, 0, 1, 0) for t in URGING[two]] + [(t, 0, 0, 1) for t in TOGETHER[two]])
        _write(folder / f"{name}.csv", name[-1], rows)
    return folder


def test_learned_sentences_are_merged_in_order_and_lookalikes_still_cancel():
    text = ("I have been low. My doctor upped my sertraline to 100mg last week. "
            "I know which one I would use. Talking helps.")
    spans = sentence_spans(text)
    found = with_learned(MethodFindings(), text, {"method_details": [spans[2], spans[1], (5, 10_000), ("a", 3)]})
    assert found.sentences == [spans[2]]  # the prescriber sentence is a look-alike; bad spans are ignored
    assert found.kinds == ["described"] and "prescriber" in found.lookalikes
    assert "method_details:described" in found.reasons()
    rules = MethodFindings(sentences=[spans[3]], kinds=["quantity"])
    merged = with_learned(rules, text, {"method_details": [spans[2], spans[3]]})  # the rules' sentence stays theirs
    assert merged.sentences == [spans[2], spans[3]] and merged.kinds == ["described", "quantity"]
    urged = with_learned(MethodFindings(), text, {"encouragement": [spans[0]], "pact": [(0, len(text))]})
    # A learned finding is a suspicion (held for a person), never a rules finding (removed).
    assert urged.suspected_encouragement == [spans[0]] and urged.suspected_pact == [(0, len(text))]
    assert not urged.encouragement and not urged.pact
    assert urged.reasons() == ["encouragement:suspected", "pact:suspected"] and not urged.sentences
    rules = MethodFindings(encouragement=[spans[1]])
    both = with_learned(rules, text, {"encouragement": [spans[0]]})
    assert both.encouragement == [spans[1]] and not both.suspected_encouragement and both.reasons() == ["encouragement"]
    assert not with_learned(MethodFindings(), text, None).reasons()


def test_masking_by_sentence_covers_each_field_of_a_post():
    sentence = "I know which one I would use."
    title, body = "I know which one I would use.", f"Rough night. {sentence} Going to call someone."
    assert method_details.mask_sentences(title, [sentence]) == MASK
    assert method_details.mask_sentences(body, [sentence + "\n"]) == f"Rough night. {MASK} Going to call someone."
    assert method_details.mask_sentences(body, []) == body


def test_post_units_label_the_detail_sentence_and_weakly_the_rest():
    text = "Things have been hard lately. I counted out everything in the cabinet again tonight. I'm really scared now."
    units = method_training.post_units(text, "I counted out everything in the cabinet again tonight.", True)
    assert [(label, weight) for _, label, weight in units] == [(0, 0.5), (1, 1.0), (0, 0.5)]
    assert [label for _, label, _ in method_training.post_units(text, "", False)] == [0, 0, 0]


def test_training_is_deterministic_and_reports_each_unseen_writer(tiny_data, tmp_path, models):
    encoder = models[1]._engine.encoder
    a = method_training.train(encoder, tiny_data, tmp_path / "a", short_posts=None, log=lambda *_: None)
    b = method_training.train(encoder, tiny_data, tmp_path / "b", short_posts=None, log=lambda *_: None)
    assert a == b
    ha, hb = method_head.load(tmp_path / "a"), method_head.load(tmp_path / "b")
    assert np.array_equal(ha.W, hb.W) and np.array_equal(ha.b, hb.b) and np.array_equal(ha.thresholds, hb.thresholds)
    assert set(a["labels"]) == {"method_details", "encouragement", "pact"}
    for label, positives in (("method_details", 4), ("encouragement", 2), ("pact", 2)):
        lowo = a["labels"][label]["leave_one_writer_out"]
        assert set(lowo) == {"writer_x", "writer_y"}
        assert all(f["positives"] == positives and f["units"] == 12 for f in lowo.values())


def test_training_needs_two_writers(tmp_path, models):
    _write(tmp_path / "only.csv", "o", [(POSITIVE[0], 1, 0, 0), (NEGATIVE[0], 0, 1, 1)])
    with pytest.raises(ValueError, match="two writers"):
        method_training.train(models[1]._engine.encoder, tmp_path, None, short_posts=None, log=lambda *_: None)


def test_the_engine_fills_method_spans_from_its_head(tiny_data, tmp_path, models):
    weights = tmp_path / "weights"
    weights.mkdir()
    for name in ("heads.npz", "manifest.json"):
        shutil.copy(WEIGHTS_DIR / name, weights / name)
    method_training.train(models[1]._engine.encoder, tiny_data, weights, short_posts=None, log=lambda *_: None)
    head = method_head.load(weights)
    # Heads that find every label everywhere, and none anywhere: the spans follow them exactly.
    method_head.save(weights / method_head.FILE, head.W, np.full(3, 40.0), head.thresholds, "all")
    _, self_harm = load_embedded(weights, encoder=models[1]._engine.encoder)
    text = "Rough week at work. I know which one I would use. Going to bed now."
    got = self_harm.score([text])[0]
    assert got.spans == {label: sentence_spans(text) for label in method_head.LABELS}
    assert all(got.labels[label] == 1.0 for label in method_head.LABELS)
    assert self_harm.version.endswith("+sm.all")
    one = "  do it pls "  # too short to be judged as a sentence: the whole post is still judged
    assert self_harm.score([one])[0].spans == {"method_details": [], "encouragement": [(2, 11)], "pact": [(2, 11)]}
    method_head.save(weights / method_head.FILE, head.W, np.full(3, -40.0), head.thresholds, "none")
    _, self_harm = load_embedded(weights, encoder=models[1]._engine.encoder)
    got = self_harm.score([text])[0]
    assert got.spans == {label: [] for label in method_head.LABELS}
    assert all(got.labels[label] == 0.0 for label in method_head.LABELS)


def test_training_on_the_shipped_data_reproduces_the_shipped_head(tmp_path, models):
    if not method_training.DATA.is_dir():
        pytest.skip("no method-details training data in this checkout")
    report = method_training.train(models[1]._engine.encoder, method_training.DATA, tmp_path, log=lambda *_: None)
    shipped = method_head.load(WEIGHTS_DIR)
    made = method_head.load(tmp_path)
    # The same data and seed give the same heads; the encoder's floats may differ in the last bits between CPUs
    # and ONNX Runtime builds, so the comparison allows for that (on this build machine they are byte-identical).
    assert np.allclose(made.W, shipped.W, atol=1e-3) and np.allclose(made.b, shipped.b, atol=1e-3)
    assert np.allclose(made.thresholds, shipped.thresholds, atol=1e-3)
    assert report["data_hash"] == json.loads((WEIGHTS_DIR / method_head.REPORT).read_text())["data_hash"]
