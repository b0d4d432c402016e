"""Screening fails closed: exceptions, time-outs and garbage scores hold the post as "unscreened" (never published,
never lost), and `flask moderation retry` publishes it once the classifier is healthy again."""
from __future__ import annotations

import json
import math
import threading

import pytest

from moderation.classifiers.base import Scores
from tests.moderation.conftest import World

BODY = "a perfectly ordinary post about my week"


def _assert_unscreened(w, data, body=BODY):
    post_id = data["post"]["id"]
    assert data["post"]["status"] == "held"
    assert data["hold_reason"] == "unscreened"
    assert w.client.get(f"/api/v1/posts/{post_id}").status_code == 404  # never shown to others
    post = w.post(post_id)
    assert post.body == body  # nothing lost
    assert post.verdict["hold_reason"] == "unscreened"
    item = w.item_for_post(post_id)
    assert (item.kind, item.priority, item.status) == ("unscreened", "high", "open")
    return post_id


def _retry(app):
    result = app.test_cli_runner().invoke(args=["moderation", "retry"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


GARBAGE = {
    "nan score": lambda: Scores(math.nan, {"insult": 0.1}),
    "nan label": lambda: Scores(0.1, {"insult": math.nan}),
    "above one": lambda: Scores(1.5, {}),
    "below zero": lambda: Scores(-0.2, {}),
    "infinite": lambda: Scores(math.inf, {}),
    "string": lambda: Scores("0.1", {}),
    "not scores": lambda: {"score": 0.1},
    "none": lambda: None,
}


@pytest.mark.parametrize("slot", ["toxicity", "self_harm"])
def test_classifier_exception_holds_unscreened_then_retry_publishes(w, slot):
    _a, h = w.person()
    getattr(w.scores, slot).rules["ordinary"] = RuntimeError("model crashed")
    data = w.thread(h, BODY)
    post_id = _assert_unscreened(w, data)
    assert data["resources"] and "quick check" in data["support_message"]  # help is shown while it waits

    # Still broken: retry keeps it held.
    assert _retry(w.app) == {"retried": 1, "published": 0, "still_held": 1}
    assert w.post(post_id).status == "held"

    getattr(w.scores, slot).rules.clear()
    assert _retry(w.app) == {"retried": 1, "published": 1, "still_held": 0}
    post = w.post(post_id)
    assert post.status == "published" and post.hold_reason is None
    assert post.thread.post_count == 1 and post.thread.status == "published"
    item = w.item_for_post(post_id)
    assert (item.status, item.resolution) == ("resolved", "rescreened")
    assert w.client.get(f"/api/v1/posts/{post_id}").status_code == 200
    assert _retry(w.app)["retried"] == 0  # nothing left


@pytest.mark.parametrize("slot,kind", [("toxicity", k) for k in sorted(GARBAGE)]
                         + [("self_harm", k) for k in ("nan label", "above one", "not scores")])
def test_garbage_scores_hold_unscreened(w, slot, kind):
    _a, h = w.person()
    getattr(w.scores, slot).rules["ordinary"] = GARBAGE[kind]
    _assert_unscreened(w, w.thread(h, BODY))


@pytest.mark.parametrize("returned", [[], "nope", None, "two"])
def test_wrong_number_of_results_holds_unscreened(w, returned):
    _a, h = w.person()
    real = w.scores.toxicity.score

    def wrong(texts):
        if returned == "two":
            return real(texts) * 2
        return returned
    w.scores.toxicity.score = wrong
    post_id = _assert_unscreened(w, w.thread(h, BODY))
    w.scores.toxicity.score = real
    assert _retry(w.app)["published"] == 1
    assert w.post(post_id).status == "published"


def test_timeout_holds_unscreened_then_retry_publishes(app_factory):
    app = app_factory(MODERATION_TIMEOUT=0.2)
    release = threading.Event()
    with app.app_context():
        w = World(app)
        w.scores.toxicity.rules["ordinary"] = lambda: (release.wait(10), Scores(0.01, {}))[1]
        _a, h = w.person()
        try:
            data = w.thread(h, BODY)
        finally:
            release.set()  # let the stuck worker finish
        post_id = _assert_unscreened(w, data)
        assert "unscreened:timeout" in w.item_for_post(post_id).reasons

        w.scores.toxicity.rules.clear()
        assert _retry(app)["published"] == 1
        assert w.post(post_id).status == "published"


def test_unavailable_backend_fails_closed(app_factory):
    """A backend that cannot load stands in as 'unavailable' and holds everything for a human."""
    app = app_factory(MODERATION_TOXICITY_BACKEND="no-such-backend")
    with app.app_context():
        w = World.__new__(World)  # no fake classifiers: use the app's real registry
        w.app, w.client = app, app.test_client()
        _a, h = w.person()
        _assert_unscreened(w, w.thread(h, BODY))
        status = app.test_cli_runner().invoke(args=["moderation", "status"])
        assert "NOT AVAILABLE" in status.output


def test_retry_of_a_now_toxic_post_requeues_it_as_toxicity(w):
    _a, h = w.person()
    w.scores.self_harm.rules["ordinary"] = RuntimeError("down")
    post_id = _assert_unscreened(w, w.thread(h, BODY))
    w.scores.self_harm.rules.clear()
    w.scores.toxic("ordinary", 0.85)
    assert _retry(w.app) == {"retried": 1, "published": 0, "still_held": 1}
    post = w.post(post_id)
    assert (post.status, post.hold_reason) == ("held", "toxicity")
    item = w.item_for_post(post_id)
    assert item.status == "open" and item.kind == "toxicity"
    assert w.items_for_post(post_id) == 1
    assert _retry(w.app)["retried"] == 0  # it is no longer an unscreened item


def test_retry_of_a_now_crisis_post_requeues_it_urgent(w):
    _a, h = w.person()
    w.scores.toxicity.rules["ordinary"] = RuntimeError("down")
    post_id = _assert_unscreened(w, w.thread(h, BODY))
    w.scores.toxicity.rules.clear()
    w.scores.self_harm_tier("ordinary", "intent")
    _retry(w.app)
    post = w.post(post_id)
    assert (post.status, post.hold_reason) == ("held", "self_harm")
    item = w.item_for_post(post_id)
    assert (item.kind, item.priority, item.status) == ("self_harm", "urgent", "open")


def test_retry_of_a_concern_post_publishes_with_check_in(w):
    _a, h = w.person()
    w.scores.toxicity.rules["ordinary"] = RuntimeError("down")
    post_id = _assert_unscreened(w, w.thread(h, BODY))
    w.scores.toxicity.rules.clear()
    w.scores.self_harm_tier("ordinary", "concern")
    _retry(w.app)
    assert w.post(post_id).status == "published"
    item = w.item_for_post(post_id)
    assert (item.kind, item.priority, item.status) == ("check_in", "normal", "open")
