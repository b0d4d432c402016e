"""The app screens a real post with Detoxify: a tiny checkpoint loaded through the real Detoxify code path."""
from __future__ import annotations

import pytest

pytest.importorskip("detoxify")
pytest.importorskip("torch")

from tests.moderation.classifiers.tiny_detoxify import build_tiny_checkpoint  # noqa: E402
from tests.moderation.conftest import World  # noqa: E402


def test_post_is_screened_by_detoxify_and_status_names_it(app_factory, tmp_path):
    checkpoint, config_dir = build_tiny_checkpoint(tmp_path / "tiny")
    app = app_factory(MODERATION_TOXICITY_BACKEND="detoxify", DETOXIFY_CHECKPOINT=str(checkpoint),
                      DETOXIFY_CONFIG_DIR=str(config_dir), MODERATION_SELF_HARM_BACKEND="lexicon",
                      MODERATION_TIMEOUT=30.0)
    with app.app_context():
        from moderation.classifiers.registry import backends
        loaded = backends(app)
        assert loaded.errors == {}, loaded.errors
        tox = loaded.toxicity
        assert type(tox).__name__ == "DetoxifyToxicity"
        assert tox.name.startswith("detoxify-") and "tiny-detoxify.ckpt" in tox.version

        w = World.__new__(World)  # real backends, no fakes
        w.app, w.client = app, app.test_client()
        _a, h = w.person()
        data = w.thread(h, "hello friend , thanks", title="hello today")
        post = w.post(data["post"]["id"])
        verdict = post.verdict
        assert verdict["classifiers"]["toxicity"] == f"{tox.name}@{tox.version}"
        assert "lexicon" in verdict["classifiers"]["self_harm"]
        assert verdict["hold_reason"] != "unscreened", verdict
        assert 0.0 <= verdict["scores"]["toxicity"] <= 1.0
        assert set(verdict["scores"]["toxicity_labels"]) >= {"insult", "threat"}
        # The decision follows the policy for whatever the random model scored.
        expected = ("removed" if verdict["scores"]["toxicity"] >= 0.97 else
                    "held" if verdict["scores"]["toxicity"] >= 0.80 else "published")
        assert post.status == expected

        out = app.test_cli_runner().invoke(args=["moderation", "status"])
        assert out.exit_code == 0, out.output
        assert tox.name in out.output and tox.version in out.output
        assert "NOT AVAILABLE" not in out.output
