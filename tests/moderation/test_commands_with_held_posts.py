"""Every command handles a held or unscreened post without a traceback: `demo seed` reports held demo content and
still succeeds (and adds the replies once the thread is published), `moderation retry` keeps what it cannot screen,
and the scoring commands explain a failing classifier. Through Flask's CLI runner, on SQLite and PostgreSQL."""
from __future__ import annotations

import json
import threading

import pytest

from moderation.classifiers.base import Scores
from tests.conftest import ScoreControl

_release = threading.Event()


@pytest.fixture(autouse=True)
def _release_hung():
    _release.clear()
    yield
    _release.set()


def _hang():
    _release.wait(2.0)
    return Scores(0.01, {})


def _break(app, scores, how):
    if how == "timeout":
        app.config["MODERATION_TIMEOUT"] = 0.05
        failure = _hang
    else:
        failure = RuntimeError("model crashed")
    scores.toxicity.rules[""] = failure
    scores.self_harm.rules[""] = failure


def _run(app, *args, input=None):
    result = app.test_cli_runner().invoke(args=list(args), input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize("how", ["error", "timeout"])
def test_demo_seed_reports_held_demo_content_and_succeeds(any_app, how):
    scores = ScoreControl(any_app)
    _break(any_app, scores, how)
    result = _run(any_app, "demo", "seed")
    assert result.exit_code == 0, result.output
    assert "held for review (screening could not finish in time)" in result.output
    assert "not added: the thread is not published yet" in result.output
    assert "moderation retry" in result.output

    # Again, still broken: idempotent and still fine.
    again = _run(any_app, "demo", "seed")
    assert again.exit_code == 0 and "created thread" not in again.output and "held for review" in again.output

    # The models answer again: retry publishes the threads, and the next seed adds their replies.
    scores.toxicity.rules.clear()
    scores.self_harm.rules.clear()
    retried = _run(any_app, "moderation", "retry")
    assert retried.exit_code == 0 and json.loads(retried.output.strip().splitlines()[-1])["published"] == 3
    third = _run(any_app, "demo", "seed")
    assert third.exit_code == 0 and "held" not in third.output
    from community.forum.models import Post
    from community.extensions import db
    assert db.session.query(Post).filter_by(status="published").count() == 6


def test_demo_seed_with_working_models_publishes_everything(any_app):
    ScoreControl(any_app)
    result = _run(any_app, "demo", "seed")
    assert result.exit_code == 0 and result.output.count("created thread") == 3 and "held" not in result.output


def test_demo_seed_refused_by_a_watched_word_says_why(app):
    ScoreControl(app)
    from community.extensions import db
    from moderation import watched
    from community.members.services import create_member
    admin, _ = create_member("wordy-keeper", "a-good-password", role="admin", allow_reserved=True)
    watched.add(admin, "appointment", "block")
    db.session.commit()
    result = _run(app, "demo", "seed")
    assert result.exit_code != 0 and "Demo seed stopped" in result.output


@pytest.mark.parametrize("how", ["error", "timeout"])
def test_retry_with_models_still_down_keeps_the_posts_and_succeeds(app, how):
    scores = ScoreControl(app)
    _break(app, scores, how)
    assert _run(app, "demo", "seed").exit_code == 0
    result = _run(app, "moderation", "retry")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1]) == {"retried": 3, "published": 0, "still_held": 3}


def test_score_and_evaluate_explain_a_failing_classifier(app, tmp_path):
    scores = ScoreControl(app)
    scores.toxicity.rules[""] = RuntimeError("model crashed")
    result = _run(app, "moderation", "score", input='{"text": "hello"}\n{"text": "again"}\n')
    assert result.exit_code != 0
    lines = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert [line["error"]["line"] for line in lines] == [1, 2]
    assert "classifiers failed" in lines[0]["error"]["message"]
    data = tmp_path / "rows.csv"
    data.write_text("text,label\nhello,0\nyou idiot,1\n", encoding="utf-8")
    result = _run(app, "moderation", "evaluate", "--data", str(data), "--task", "toxicity")
    assert result.exit_code != 0 and "classifiers failed" in result.output
