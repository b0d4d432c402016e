"""Nothing written in a content warning escapes the screen: a crisis written only there is a crisis, abuse written
only there is abuse, and watched words apply to it, for new threads, replies and edits, through the API and the
forms, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from community.extensions import db
from moderation import watched
from tests.conftest import login
from tests.moderation.conftest import World

ORDINARY = "Does anyone have tips for sleeping when your mind races?"


def _thread(world, headers, cw, body=ORDINARY, status=201):
    r = world.client.post("/api/v1/boards/anxiety/threads",
                          json={"title": "A question", "body": body, "content_warning": cw}, headers=headers)
    assert r.status_code == status, r.get_json()
    return r.get_json()


def _published_thread(world, headers):
    data = _thread(world, headers, None)
    assert data["post"]["status"] == "published"
    return data


def _reply(world, headers, thread_id, cw, status=201):
    r = world.client.post(f"/api/v1/threads/{thread_id}/posts", json={"body": ORDINARY, "content_warning": cw},
                          headers=headers)
    assert r.status_code == status, r.get_json()
    return r.get_json()


def _edit(world, headers, post_id, cw, status=200):
    r = world.client.patch(f"/api/v1/posts/{post_id}", json={"body": ORDINARY, "content_warning": cw},
                           headers=headers)
    assert r.status_code == status, r.get_json()
    return r.get_json()


def _write(world, where, headers, cw):
    """Write ORDINARY with content warning `cw` as a new thread, a reply or an edit; the API's answer."""
    if where == "thread":
        return _thread(world, headers, cw)
    opening = _published_thread(world, headers)
    if where == "reply":
        return _reply(world, headers, opening["thread"]["id"], cw)
    return _edit(world, headers, opening["post"]["id"], cw)


@pytest.fixture
def world(any_app):
    return World(any_app)


@pytest.mark.parametrize("where", ["thread", "reply", "edit"])
def test_a_crisis_written_only_in_the_content_warning_is_a_crisis(world, where):
    # The fakes see nothing in the body; the self-harm classifier is told what the warning says.
    world.scores.self_harm_tier("can't stay alive", "intent")
    _member, headers = world.person(region="GB")
    data = _write(world, where, headers, "i can't stay alive after tonight")
    assert data["post"]["status"] == "held" and data["hold_reason"] == "self_harm"
    assert data["emergency"]["numbers"][0] == "999" and data["resources"]
    item = world.item_for_post(data["post"]["id"])
    assert (item.kind, item.priority) == ("self_harm", "urgent")


@pytest.mark.parametrize("where", ["thread", "reply", "edit"])
def test_a_crisis_in_the_content_warning_reaches_the_rules_without_any_model(world, where):
    # Nothing in the fakes: only the deterministic first pass reads the warning.
    _member, headers = world.person(region="US")
    data = _write(world, where, headers, "wrote my note, goodbye everyone")
    assert data["hold_reason"] == "self_harm" and data["emergency"]["numbers"][0] == "911"


@pytest.mark.parametrize("where", ["thread", "reply", "edit"])
def test_abuse_written_only_in_the_content_warning_is_abuse(world, where):
    world.scores.toxic("worthless idiot", 0.92, insult=0.92)
    _member, headers = world.person()
    data = _write(world, where, headers, "for you, worthless idiot")
    assert data["post"]["status"] == "held" and data["hold_reason"] == "toxicity"
    assert "resources" not in data  # abuse is not a crisis
    assert world.item_for_post(data["post"]["id"]).kind == "toxicity"


def test_abuse_removed_for_its_content_warning_is_never_shown(world):
    world.scores.toxic("vile slur", 0.99, identity_attack=0.99)
    _member, headers = world.person()
    data = _thread(world, headers, "a vile slur here")
    assert data["post"]["status"] == "removed"
    assert world.client.get(f"/api/v1/threads/{data['thread']['id']}").status_code == 404


@pytest.mark.parametrize("action,expected", [("require_approval", "held"), ("censor", "published")])
def test_watched_words_apply_to_the_content_warning(world, action, expected):
    admin = world.member(role="admin")
    watched.add(admin, "grimbleword", action)
    db.session.commit()
    _member, headers = world.person()
    data = _thread(world, headers, "mentions grimbleword")
    assert data["post"]["status"] == expected
    if action == "censor":
        assert "grimbleword" not in data["post"]["content_warning"] and "*" in data["post"]["content_warning"]
    else:
        assert data["hold_reason"] == "watched_word"


def test_a_block_watched_word_in_the_content_warning_is_refused_and_nothing_is_lost(world):
    admin = world.member(role="admin")
    watched.add(admin, "grimbleword", "block")
    db.session.commit()
    _member, headers = world.person()
    data = _thread(world, headers, "mentions grimbleword", status=422)
    assert data["error"]["code"] == "watched_word"


def test_ordinary_warnings_on_ordinary_posts_are_published(world):
    _member, headers = world.person()
    for cw in ("suicide mention", "TW: self-harm, suicide", "death, grief"):
        data = _thread(world, headers, cw)
        assert data["post"]["status"] == "published", (cw, data)


def test_the_form_screens_the_content_warning_too(app):
    world = World(app)
    world.scores.self_harm_tier("can't stay alive", "intent")
    world.member("cw-form", region="GB")
    client = app.test_client()
    login(client, "cw-form", "a-good-password")
    r = client.post("/b/anxiety/new", data={"title": "A question", "body": ORDINARY,
                                            "content_warning": "i can't stay alive after tonight"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/held")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert 'href="tel:999"' in page


def test_retry_screens_the_content_warning(app):
    world = World(app)
    _member, headers = world.person()
    world.scores.toxicity.rules["can't stay alive"] = RuntimeError("down")  # fails only for this post
    data = _thread(world, headers, "i can't stay alive after tonight, honestly")
    assert data["hold_reason"] == "unscreened"
    world.scores.toxicity.rules.clear()
    world.scores.self_harm_tier("can't stay alive", "intent")
    result = app.test_cli_runner().invoke(args=["moderation", "retry"])
    assert result.exit_code == 0, result.output
    post = world.post(data["post"]["id"])
    assert (post.status, post.hold_reason) == ("held", "self_harm")
