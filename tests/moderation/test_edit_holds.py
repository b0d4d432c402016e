"""Editing a held post never loses what moderators need, and never lifts a hold a person has to decide.

- The queue item keeps every version, original first, with times and what the screen said about each: in
  `GET /api/v1/moderation/items/<id>` (`"revisions": [...]`) and on the item page.
- A crisis item stays open (and the post held, with support for its author) until a moderator decides it, whatever
  the edit says; an edit never turns it into anything but a crisis item.
- An edit never lifts a hold the classifiers did not make (members' reports, first-post approval, watched words),
  not even through a chain of edits or while the models are down; a stricter verdict (a crisis) still applies.
Through the API on SQLite and PostgreSQL, and the item page in the test client.
"""
from __future__ import annotations

import json

from community.extensions import db
from moderation import watched
from moderation.settings import save_safety
from tests.conftest import login

CRISIS = "I can't go on, tonight is the end for me"
CALM = "never mind, I'm fine, please ignore this"


def _edit(w, headers, post_id, body, status=200, **extra):
    r = w.client.patch(f"/api/v1/posts/{post_id}", json={"body": body, **extra}, headers=headers)
    assert r.status_code == status, r.get_json()
    return r.get_json()


def _item(w, staff_headers, post_id):
    item = w.item_for_post(post_id)
    r = w.client.get(f"/api/v1/moderation/items/{item.id}", headers=staff_headers)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _crisis_thread(w, headers):
    w.scores.self_harm_tier("tonight is the end", "intent")
    data = w.thread(headers, CRISIS)
    assert data["hold_reason"] == "self_harm"
    return data


def test_a_crisis_item_stays_open_whatever_the_edit_says(aw):
    _author, headers = aw.person(region="GB")
    _mod, staff = aw.person(role="moderator")
    post_id = _crisis_thread(aw, headers)["post"]["id"]

    data = _edit(aw, headers, post_id, CALM)
    assert data["post"]["status"] == "held" and data["hold_reason"] == "self_harm"
    assert data["emergency"]["numbers"][0] == "999" and data["resources"]  # the author still sees help
    post = aw.post(post_id)
    assert (post.status, post.hold_reason, post.body) == ("held", "self_harm", CALM)
    item = aw.item_for_post(post_id)
    assert (item.kind, item.priority, item.status) == ("self_harm", "urgent", "open")
    assert any(r.startswith("edited:") for r in item.reasons)
    assert aw.client.get(f"/api/v1/posts/{post_id}").status_code == 404  # still not public

    # Abusive words in an edit do not turn the crisis into an abuse item either.
    aw.scores.toxic("idiots", 0.99)
    again = _edit(aw, headers, post_id, "you are all idiots")
    assert again["hold_reason"] == "self_harm" and again["resources"]
    item = aw.item_for_post(post_id)
    assert (item.kind, item.priority, item.status) == ("self_harm", "urgent", "open")
    assert aw.post(post_id).status == "held"

    # A moderator decides: only then is it resolved.
    aw.decide(staff, item.id, "approve")
    assert aw.item_for_post(post_id).status == "resolved"


def test_every_revision_is_kept_original_first_with_times(aw):
    _author, headers = aw.person(region="GB")
    _mod, staff = aw.person(role="moderator")
    post_id = _crisis_thread(aw, headers)["post"]["id"]
    _edit(aw, headers, post_id, CALM, content_warning="sorry")
    _edit(aw, headers, post_id, "deleted what I wrote")

    body = _item(aw, staff, post_id)
    versions = body["revisions"]
    assert [v["body"] for v in versions] == [CRISIS, CALM, "deleted what I wrote"]
    assert [v["number"] for v in versions] == [1, 2, 3]
    assert [v["current"] for v in versions] == [False, False, True]
    assert [v["content_warning"] for v in versions] == [None, "sorry", "sorry"]
    assert versions[0]["screened"]["hold_reason"] == "self_harm" and versions[0]["screened"]["tier"] == "intent"
    assert versions[1]["screened"]["status"] == "published"  # what the screen said of the calm text itself
    for earlier, later in zip(versions, versions[1:]):
        assert earlier["written_at"] <= earlier["replaced_at"] == later["written_at"]
    assert versions[-1]["replaced_at"] is None
    assert body["item"]["post"]["body"] == "deleted what I wrote"
    # Members never see the revisions.
    assert "revisions" not in json.dumps(aw.client.get(f"/api/v1/posts/{post_id}", headers=headers).get_json())


def test_the_item_page_shows_every_version(app):
    from tests.moderation.conftest import World
    w = World(app)
    _author, headers = w.person(region="GB")
    mod = w.member("page-mod", role="moderator")
    post_id = _crisis_thread(w, headers)["post"]["id"]
    _edit(w, headers, post_id, CALM)
    client = app.test_client()
    login(client, mod.handle, "a-good-password")
    page = client.get(f"/moderation/items/{w.item_for_post(post_id).id}").get_data(as_text=True)
    assert "Every version (2, original first)" in page
    assert page.index("Original") < page.index("Current text")
    assert "tonight is the end for me" in page and "please ignore this" in page


def test_first_post_approval_is_not_bypassed_by_editing(aw):
    save_safety({"new_account_first_post_approval": True})
    db.session.commit()
    _author, headers = aw.person()
    data = aw.thread(headers, "my first words here")
    post_id = data["post"]["id"]
    assert data["hold_reason"] == "new_account"
    for body in ("my first words here, edited", "and again"):
        edited = _edit(aw, headers, post_id, body)
        assert edited["post"]["status"] == "held" and edited["hold_reason"] == "new_account"
    item = aw.item_for_post(post_id)
    assert (item.kind, item.status) == ("new_account", "open")
    assert aw.client.get(f"/api/v1/posts/{post_id}").status_code == 404


def test_a_classifier_hold_edited_clean_still_waits_for_first_post_approval(aw):
    save_safety({"new_account_first_post_approval": True})
    db.session.commit()
    _author, headers = aw.person()
    aw.scores.toxic("you clowns", 0.9)
    post_id = aw.thread(headers, "you clowns")["post"]["id"]
    assert aw.post(post_id).hold_reason == "toxicity"
    edited = _edit(aw, headers, post_id, "sorry, that came out wrong")
    assert edited["post"]["status"] == "held" and edited["hold_reason"] == "new_account"


def test_a_watched_word_hold_waits_for_a_moderator_after_an_edit(aw):
    admin = aw.member(role="admin")
    watched.add(admin, "grimbleword", "require_approval")
    db.session.commit()
    _author, headers = aw.person()
    post_id = aw.thread(headers, "about grimbleword")["post"]["id"]
    assert aw.post(post_id).hold_reason == "watched_word"
    edited = _edit(aw, headers, post_id, "about something else")
    assert edited["post"]["status"] == "held" and edited["hold_reason"] == "watched_word"
    assert aw.item_for_post(post_id).status == "open"


def test_a_reports_hold_survives_a_chain_of_edits(aw):
    _author, headers = aw.person()
    post_id = aw.published_thread(headers)["post"]["id"]
    for _ in range(3):
        aw.report(aw.trusted_person()[1], post_id)
    assert aw.post(post_id).hold_reason == "reports"
    aw.scores.toxic("rude words", 0.9)
    _edit(aw, headers, post_id, "rude words")  # held for toxicity as well: the reports hold stays
    assert (aw.post(post_id).status, aw.post(post_id).hold_reason) == ("held", "reports")
    _edit(aw, headers, post_id, "kind words")
    post = aw.post(post_id)
    assert (post.status, post.hold_reason) == ("held", "reports")
    item = aw.item_for_post(post_id)
    assert item.status == "open" and any(r.startswith("report:") for r in item.reasons)


def test_a_crisis_in_the_edit_of_a_reported_post_gets_support(aw):
    _author, headers = aw.person(region="US")
    post_id = aw.published_thread(headers)["post"]["id"]
    for _ in range(3):
        aw.report(aw.trusted_person()[1], post_id)
    aw.scores.self_harm_tier("tonight is the end", "intent")
    edited = _edit(aw, headers, post_id, CRISIS)
    assert edited["hold_reason"] == "self_harm" and edited["emergency"]["numbers"][0] == "911"
    item = aw.item_for_post(post_id)
    assert (item.kind, item.priority) == ("self_harm", "urgent") and item.report_count == 3


def test_an_edit_while_the_models_are_down_never_lets_a_retry_lift_the_hold(aw):
    save_safety({"new_account_first_post_approval": True})
    db.session.commit()
    _author, headers = aw.person()
    post_id = aw.thread(headers, "my first words here")["post"]["id"]
    aw.scores.toxicity.rules["edited while down"] = RuntimeError("model crashed")
    edited = _edit(aw, headers, post_id, "edited while down")
    assert edited["hold_reason"] == "new_account"
    assert "quick check" in edited["support_message"] and edited["resources"]  # could not be screened: help shown
    item = aw.item_for_post(post_id)
    assert item.kind == "new_account" and item.status == "open"
    aw.scores.toxicity.rules.clear()
    result = aw.app.test_cli_runner().invoke(args=["moderation", "retry"])
    assert result.exit_code == 0, result.output
    post = aw.post(post_id)
    assert (post.status, post.hold_reason) == ("held", "new_account")


def test_an_abuse_hold_edited_clean_by_a_known_member_is_published(aw):
    _author, headers = aw.person()
    aw.published_thread(headers)  # not a first post
    aw.scores.toxic("you clowns", 0.9)
    post_id = aw.thread(headers, "you clowns")["post"]["id"]
    assert aw.post(post_id).hold_reason == "toxicity"
    assert _edit(aw, headers, post_id, "sorry, that came out wrong")["post"]["status"] == "published"
