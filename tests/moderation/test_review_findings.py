"""Regressions for a review of the crisis-critical paths: holds an edit must keep, retries that must not overwrite a
moderator, chat check-ins, and classifier reasons that are not text."""
from community.extensions import db
from community.forum.models import Post
from community.forum.services import create_thread, edit_post, get_board, report_post
from moderation.classifiers.base import Scores
from moderation.models import QueueItem
from moderation.queue import services as queue


def test_editing_a_post_held_by_reports_keeps_it_held(app, make_member, scores):
    author, *reporters = (make_member() for _ in range(4))
    _thread, post, _ = create_thread(author, get_board("anxiety"), "A title", "an ordinary post")
    for reporter in reporters:
        reporter.trust_level = "trusted"  # only trusted reporters' reports can hold a post
        report_post(reporter, post, "harassment")
    assert post.status == "held" and post.hold_reason == "reports"
    edit_post(author, post, "an ordinary post, edited")
    assert post.status == "held" and post.hold_reason == "reports"
    assert post.body == "an ordinary post, edited"


def test_editing_a_toxicity_hold_is_screened_again(app, make_member, scores):
    author = make_member()
    scores.toxic("nasty", 0.9)
    _thread, post, _ = create_thread(author, get_board("anxiety"), "A title", "something nasty")
    assert post.status == "held" and post.hold_reason == "toxicity"
    edit_post(author, post, "something kind instead")
    assert post.status == "published"


def test_retry_never_overwrites_a_moderator_decision(app, make_member, scores, monkeypatch):
    author, moderator = make_member(), make_member(role="moderator")
    scores.self_harm.rules["boom"] = RuntimeError("model crashed")
    _thread, post, _ = create_thread(author, get_board("anxiety"), "A title", "boom goes the model")
    item = QueueItem.query.filter_by(content_type="post", content_id=post.id).one()
    assert item.kind == "unscreened" and post.status == "held"
    del scores.self_harm.rules["boom"]  # the classifier is healthy again
    real_screen_many = queue.screen_many

    def screen_while_a_moderator_decides(*args, **kwargs):
        verdicts = real_screen_many(*args, **kwargs)
        # While the retry was screening, a moderator removed the post.
        queue.decide(item, moderator, "remove", version=item.version, note="not for this board")
        return verdicts

    monkeypatch.setattr(queue, "screen_many", screen_while_a_moderator_decides)  # the name the retry looks up
    result = queue.retry_unscreened()
    assert result["retried"] == 0
    assert db.session.get(Post, post.id).status == "removed"
    assert db.session.get(QueueItem, item.id).resolution == "remove"


def test_unscreened_item_still_open_is_retried_and_published(app, make_member, scores):
    author = make_member()
    scores.self_harm.rules["boom"] = RuntimeError("model crashed")
    _thread, post, _ = create_thread(author, get_board("anxiety"), "A title", "boom goes the model")
    del scores.self_harm.rules["boom"]
    assert queue.retry_unscreened()["published"] == 1
    assert db.session.get(Post, post.id).status == "published"


def test_reasons_that_are_not_text_fail_closed(app, make_member, scores):
    author = make_member()
    scores.self_harm.rules["odd"] = Scores(score=0.99, labels={"concern": 0.99, "ideation": 0.99, "intent": 0.99},
                                           reasons=None)
    _thread, post, verdict = create_thread(author, get_board("anxiety"), "A title", "an odd reply")
    assert post.status == "held" and post.hold_reason == "unscreened"


def test_chat_concern_message_raises_a_check_in(app, make_member, scores):
    from community.chat.services import send
    author = make_member()
    scores.self_harm_tier("heavy day", "concern")
    message = send("open-lounge", author, "such a heavy day, everything feels pointless")
    assert message.status == "published"
    item = QueueItem.query.filter_by(content_type="message", content_id=message.id).one()
    assert item.kind == "check_in" and item.priority == "normal"
