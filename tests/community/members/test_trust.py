"""Trust for new accounts: links as plain text, stricter limits, optional first-post approval; it lifts."""
from __future__ import annotations

from datetime import timedelta

import pytest

from community.extensions import db, utcnow
from moderation.settings import save_safety as save
from tests.conftest import _make_app, login


# Every test here runs on SQLite and on PostgreSQL: `client` and `scores` follow `any_app`.
@pytest.fixture
def client(any_app):
    return any_app.test_client()


@pytest.fixture
def scores(ctl):  # noqa: F811
    return ctl

LINK = "see [my page](https://example.org/page)"


def _age(member, hours=48):
    member.created_at = utcnow() - timedelta(hours=hours)
    db.session.commit()


def _thread(client, h, body, title="A quiet title"):
    r = client.post("/api/v1/boards/anxiety/threads", json={"title": title, "body": body}, headers=h)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_new_accounts_links_are_plain_text_until_trusted(client, scores, make_member, token_for):
    member = make_member()
    h = token_for(member)
    data = _thread(client, h, LINK)
    assert data["post"]["status"] == "published"  # not refused
    assert "<a" not in data["post"]["html"] and "my page" in data["post"]["html"]
    page = client.get(f"/t/{data['thread']['id']}").get_data(as_text=True)
    assert 'href="https://example.org/page"' not in page
    # Trust rises: old enough and 3 published posts.
    _age(member)
    for _ in range(2):
        client.post(f"/api/v1/threads/{data['thread']['id']}/posts", json={"body": "more words"}, headers=h)
    post = client.get(f"/api/v1/posts/{data['post']['id']}").get_json()["post"]
    assert 'href="https://example.org/page"' in post["html"]
    page = client.get(f"/t/{data['thread']['id']}").get_data(as_text=True)
    assert 'href="https://example.org/page"' in page


def test_moderators_raise_and_lower_trust(client, scores, make_member, token_for):
    member = make_member()
    h = token_for(member)
    mod_h = token_for(make_member(role="moderator"))
    post_id = _thread(client, h, LINK)["post"]["id"]
    assert client.post(f"/api/v1/moderation/members/{member.handle}/trust", json={"level": "trusted"},
                       headers=token_for(make_member())).status_code == 403
    r = client.post(f"/api/v1/moderation/members/{member.handle}/trust", json={"level": "trusted"}, headers=mod_h)
    assert r.status_code == 200 and r.get_json()["member"]["trusted"] is True
    assert "<a" in client.get(f"/api/v1/posts/{post_id}").get_json()["post"]["html"]
    r = client.post(f"/api/v1/moderation/members/{member.handle}/trust", json={"level": "new"}, headers=mod_h)
    assert r.get_json()["member"]["trusted"] is False
    assert client.post(f"/api/v1/moderation/members/{member.handle}/trust", json={"level": "vip"},
                       headers=mod_h).status_code == 400


def test_new_account_rate_limits_apply_and_lift(any_app, make_member, token_for, tmp_path):
    # A second app on the same database (SQLite file or PostgreSQL), with rate limits on.
    app = _make_app({"DATABASE_URL": any_app.config["SQLALCHEMY_DATABASE_URI"], "RATELIMIT_ENABLED": True,
                     "NEW_ACCOUNT_REPLY_LIMIT": "2 per hour"}, str(tmp_path / "limited"))
    with app.app_context():
        from tests.conftest import ScoreControl
        ScoreControl(app)
        client = app.test_client()
        member = make_member()
        h = token_for(member)
        thread_id = _thread(client, h, "hello")["thread"]["id"]
        codes = [client.post(f"/api/v1/threads/{thread_id}/posts", json={"body": "hi"}, headers=h).status_code
                 for _ in range(3)]
        assert codes == [201, 201, 429]
        veteran = make_member()
        _age(veteran)
        vh = token_for(veteran)
        for _ in range(3):
            _thread(client, vh, "an old hand")
        codes = [client.post(f"/api/v1/threads/{thread_id}/posts", json={"body": "hi"}, headers=vh).status_code
                 for _ in range(4)]
        assert codes == [201] * 4
        db.session.remove()
        db.engine.dispose()


def test_first_post_approval_is_optional_and_crisis_still_wins(client, scores, make_member, token_for):
    h = token_for(make_member())
    assert _thread(client, h, "hello all")["post"]["status"] == "published"  # off by default
    save({"new_account_first_post_approval": True})
    db.session.commit()
    h2 = token_for(make_member())
    data = _thread(client, h2, "my first words")
    assert data["post"]["status"] == "held" and data["hold_reason"] == "new_account"
    scores.self_harm_tier("end it all", "intent")
    data = _thread(client, token_for(make_member()), "I want to end it all")
    assert data["hold_reason"] == "self_harm" and data.get("resources") is not None


def test_queue_shows_how_new_the_author_is(client, scores, make_member, token_for):
    author = make_member()
    mod = make_member(role="moderator")
    scores.toxic("you clown", 0.9)
    _thread(client, token_for(author), "you clown")
    items = client.get("/api/v1/moderation/queue", headers=token_for(mod)).get_json()["items"]
    who = items[0]["author"]
    assert who["handle"] == author.handle and who["published_posts"] == 0 and who["trusted"] is False
    assert who["joined_at"]
    login(client, mod.handle)
    page = client.get("/moderation/queue").get_data(as_text=True)
    assert "joined just now, 0 posts" in page
    item_page = client.get(f"/moderation/items/{items[0]['id']}").get_data(as_text=True)
    assert "joined just now, 0 posts" in item_page and "Set trust" in item_page
    r = client.post(f"/moderation/members/{author.handle}/trust", data={"level": "trusted"})
    assert r.status_code == 302
    db.session.refresh(author)
    assert author.trust_level == "trusted"
