"""The first screening call of a process is not slower than the time limit: loading a backend includes one warm-up
inference, so the first member's text is timed against a warm model (and `demo seed`, the first command a newcomer
runs, screens its posts warm)."""
from __future__ import annotations

import threading

from moderation.classifiers import registry
from moderation.classifiers.base import SELF_HARM, TOXICITY, Scores
from moderation.screen import screen


class ColdModel:
    """Slow on its first inference only, like a real model in a fresh process."""

    version = "cold"

    def __init__(self, kind, first_call_seconds):
        self.kind, self.name = kind, f"cold-{kind}"
        self.first_call_seconds = first_call_seconds
        self.seen: list[str] = []
        self._lock = threading.Lock()
        self._cold = True

    def score(self, texts):
        with self._lock:
            cold, self._cold = self._cold, False
            self.seen.extend(texts)
        if cold:
            threading.Event().wait(self.first_call_seconds)
        return [Scores(0.01, {"concern": 0.01, "ideation": 0.01, "intent": 0.0} if self.kind == SELF_HARM else {})
                for _ in texts]


def _cold_embedded(monkeypatch, first_call_seconds=1.5):
    made = {}

    def load(_config):
        made["tox"], made["sh"] = ColdModel(TOXICITY, first_call_seconds), ColdModel(SELF_HARM, first_call_seconds)
        return made["tox"], made["sh"]

    monkeypatch.setattr(registry, "_load_embedded", load)
    return made


def test_first_screen_of_a_process_is_timed_against_a_warm_model(app_factory, monkeypatch):
    made = _cold_embedded(monkeypatch)
    app = app_factory(MODERATION_TOXICITY_BACKEND="embedded", MODERATION_SELF_HARM_BACKEND="embedded",
                      MODERATION_TIMEOUT=0.3)
    with app.app_context():
        verdict = screen("hello everyone, nice to meet you", context="forum_reply")
        assert verdict.status == "published", verdict.reasons
        for model in (made["tox"], made["sh"]):
            assert model.seen[0] == registry.WARM_UP_TEXT  # warmed before any member's text
            assert model.seen[1:] == ["hello everyone, nice to meet you"]
        loaded = registry.backends(app)
        assert loaded.load_seconds["toxicity"] > 0 and not loaded.errors


def test_a_warm_up_that_fails_is_left_to_the_screen_to_fail_closed(app_factory, monkeypatch):
    class Broken(ColdModel):
        def score(self, texts):
            raise RuntimeError("no model")

    monkeypatch.setattr(registry, "_load_embedded", lambda _c: (Broken(TOXICITY, 0), Broken(SELF_HARM, 0)))
    app = app_factory(MODERATION_TOXICITY_BACKEND="embedded", MODERATION_SELF_HARM_BACKEND="embedded")
    with app.app_context():
        verdict = screen("hello everyone", context="forum_reply")
        assert (verdict.status, verdict.hold_reason) == ("held", "unscreened")


def test_demo_seed_publishes_its_posts_with_a_model_that_is_slow_only_when_cold(app_factory, monkeypatch):
    _cold_embedded(monkeypatch)
    app = app_factory(MODERATION_TOXICITY_BACKEND="embedded", MODERATION_SELF_HARM_BACKEND="embedded",
                      MODERATION_TIMEOUT=0.3)
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert "held" not in result.output and "created thread" in result.output, result.output
