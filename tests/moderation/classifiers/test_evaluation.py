from moderation.classifiers.base import Scores
from moderation.classifiers.evaluation import evaluate, format_report, parse_label, pr_auc, roc_auc, score_lines
from moderation.policy import Thresholds


class Fake:
    def __init__(self, kind, fn):
        self.kind, self.name, self.version, self.fn = kind, "fake", "0", fn
        self.calls = 0

    def score(self, texts):
        self.calls += 1
        return [self.fn(t) for t in texts]


def _tox(t):
    return Scores(0.99 if "idiot" in t else 0.1, {"insult": 0.9 if "idiot" in t else 0.0})


def _sh(t):
    if "pills" in t:
        return Scores(0.9, {"concern": 0.95, "ideation": 0.9, "intent": 0.8}, ["plan"])
    if "die" in t:
        return Scores(0.7, {"concern": 0.8, "ideation": 0.7, "intent": 0.1})
    return Scores(0.05, {"concern": 0.1, "ideation": 0.05, "intent": 0.01})


def test_auc_helpers():
    assert roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert roc_auc([0, 1], [0.5, 0.5]) == 0.5
    assert roc_auc([1, 1], [0.1, 0.2]) is None
    assert abs(pr_auc([1, 0, 1], [0.9, 0.8, 0.1]) - (0.5 * 1 + 0.5 * 2 / 3)) < 1e-9


def test_parse_labels():
    assert parse_label("hate", "toxicity") == (1, None)
    assert parse_label("NOT", "toxicity") == (0, None)
    assert parse_label("Attempt", "self_harm") == (1, "intent")
    assert parse_label("Indicator", "self_harm") == (0, "concern")
    assert parse_label("suicide", "self_harm") == (1, None)
    assert parse_label("0", "self_harm") == (0, "none")
    assert parse_label("weird", "self_harm") == (None, None)


def test_evaluate_and_report():
    rows = [{"text": "you idiot", "label": "OFF"}, {"text": "nice day", "label": "NOT"},
            {"text": "hm", "label": "??"}]
    rep = evaluate(rows, "toxicity", Fake("toxicity", _tox), Fake("self_harm", _sh), Thresholds())
    assert rep["n"] == 2 and rep["skipped"] == 1 and rep["roc_auc"] == 1.0
    assert rep["at_remove"]["tp"] == 1
    rows = [{"text": "i have the pills", "tier": "intent"}, {"text": "i want to die", "label": "ideation"},
            {"text": "nice day", "label": "none"}, {"text": "meh", "label": "Indicator"}]
    rep = evaluate(rows, "self_harm", Fake("toxicity", _tox), Fake("self_harm", _sh), Thresholds())
    assert rep["tier_confusion"]["intent"]["intent"] == 1 and rep["intent_ranked_intent"] == 1.0
    assert rep["held_for_self_harm"]["recall"] == 1.0
    text = format_report(rep)
    assert "ROC-AUC" in text and "tier confusion" in text


def test_score_lines_shape_and_batching():
    tox, sh = Fake("toxicity", _tox), Fake("self_harm", _sh)
    out = score_lines(["you idiot", "i have the pills", "nice"] * 30, tox, sh, Thresholds())
    assert len(out) == 90 and tox.calls == 2  # batches of 64
    assert set(out[0]) == {"toxicity", "toxicity_labels", "self_harm", "decision"}
    assert set(out[0]["self_harm"]) == {"tier", "score"} and set(out[0]["decision"]) == {"status", "reasons"}
    assert out[0]["decision"]["status"] == "removed"
    assert out[1]["decision"]["status"] == "held" and out[1]["self_harm"]["tier"] == "intent"
    assert out[2]["decision"]["status"] == "published"


def test_score_lines_in_flight_chunks_keep_the_input_order():
    """Two chunks are scored at once; each line is still its own text's result, in input order."""
    texts = [f"post {i} " + ("you idiot" if i % 7 == 0 else "i have the pills" if i % 11 == 0 else "nice day")
             for i in range(333)]
    seen = []

    def tox(t):
        seen.append(t)
        return Scores(int(t.split()[1]) / 1000.0, {})

    out = score_lines(texts, Fake("toxicity", tox), Fake("self_harm", _sh), Thresholds())
    assert [row["toxicity"] for row in out] == [i / 1000.0 for i in range(333)]
    assert sorted(seen) == sorted(texts)
    assert [row["self_harm"]["tier"] == "intent" for row in out] == ["pills" in t for t in texts]


def test_score_lines_a_failing_chunk_fails_the_call():
    def tox(t):
        if t == "breaks the model":
            raise RuntimeError("model broke")
        return Scores(0.1, {})

    texts = ["fine"] * 100 + ["breaks the model"] + ["fine"] * 100
    try:
        score_lines(texts, Fake("toxicity", tox), Fake("self_harm", _sh), Thresholds())
    except RuntimeError as exc:
        assert "model broke" in str(exc)
    else:
        raise AssertionError("a classifier failure must not be swallowed")


def test_score_batches_keeps_each_batch_in_order_and_fails_only_the_batch_that_failed():
    """`moderation score`'s stream: the next batch is scored while one is written; each batch's lines are what
    score_lines gives for it, in order, and a batch whose classifier call fails comes back as that exception alone."""
    from moderation.classifiers.evaluation import score_batches

    def tox(t):
        if t == "breaks the model":
            raise RuntimeError("model broke")
        return Scores(int(t.split()[1]) / 1000.0 if t.startswith("post") else 0.1, {})

    batches = [[f"post {i} " + "x" * (i % 13) for i in range(b * 150, b * 150 + 150)] for b in range(3)]
    batches.insert(2, ["fine", "breaks the model", "fine"])
    batches.append([])
    got = list(score_batches(iter(batches), Fake("toxicity", tox), Fake("self_harm", _sh), Thresholds()))
    assert [batch for batch, _, _ in got] == batches
    for batch, lines, exc in got:
        if "breaks the model" in batch:
            assert lines is None and "model broke" in str(exc)
            continue
        assert exc is None
        assert lines == score_lines(batch, Fake("toxicity", tox), Fake("self_harm", _sh), Thresholds())
        assert [row["toxicity"] for row in lines] == [int(t.split()[1]) / 1000.0 for t in batch]
