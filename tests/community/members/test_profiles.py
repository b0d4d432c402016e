"""Profiles at /u/<handle> and GET /api/v1/members/<handle> (README "Profiles"), on SQLite and PostgreSQL."""
from __future__ import annotations

from community.extensions import db
from community.members import blocks, profiles
from tests.conftest import login
from tests.support import assert_error, new_thread


def test_profile_shows_handle_month_about_and_published_posts_only(any_app, ctl, make_member, token_for):
    ana = make_member("ana", region="GB")
    db.session.commit()
    client = any_app.test_client()
    h = token_for(ana)
    new_thread(client, h, title="A calm thread", body="ordinary words")
    ctl.toxic("held-marker", 0.9)
    new_thread(client, h, title="Held thread", body="held-marker words")
    assert client.patch("/api/v1/me", json={"about": "I like long walks."}, headers=h).status_code == 200
    page = any_app.test_client().get("/u/ana")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "ana" in text and ana.created_at.strftime("%B %Y") in text and "I like long walks." in text
    assert "A calm thread" in text and "Held thread" not in text
    assert "GB" not in text.split('<main id="main">')[1] and "United Kingdom" not in text  # never the region
    api = any_app.test_client().get("/api/v1/members/ana").get_json()
    assert api["member"] == {"handle": "ana", "joined": ana.created_at.strftime("%Y-%m"), "about": "I like long walks.",
                             "about_held": False, "posts_hidden": False, "url": "/u/ana"}
    assert [p["thread_title"] for p in api["posts"]] == ["A calm thread"]
    assert "region" not in api["member"]


def test_held_about_is_not_shown_to_others_and_crisis_about_gets_the_panel(any_app, ctl, make_member, token_for):
    ana = make_member("ana", region="GB")
    other = make_member("ben")
    db.session.commit()
    ctl.toxic("rude-about", 0.9)
    client = any_app.test_client()
    login(client, "ana")
    response = client.post("/settings/profile", data={"pr-about": "rude-about text", "pr-show_posts": "y",
                                                      "pr-theme": "system"})
    assert response.status_code == 302
    assert ana.about_status == "held"
    assert "rude-about" not in any_app.test_client().get("/u/ana").get_data(as_text=True)
    assert any_app.test_client().get("/api/v1/members/ana", headers=token_for(other)).get_json()["member"]["about"] is None
    mine = client.get("/u/ana").get_data(as_text=True)
    assert "rude-about" in mine and "Waiting for a moderator" in mine
    ctl.self_harm_tier("cannot go on", "intent")
    crisis = client.post("/settings/profile", data={"pr-about": "I cannot go on anymore", "pr-show_posts": "y",
                                                    "pr-theme": "system"})
    page = crisis.get_data(as_text=True)
    assert crisis.status_code == 200 and "crisis-panel" in page and page.index("tel:999") < page.index("116123")
    assert ana.about_status == "held" and ana.about_hold_reason == "self_harm"
    from moderation.models import QueueItem
    assert db.session.scalar(db.select(QueueItem).where(QueueItem.content_type == "about",
                                                        QueueItem.content_id == ana.id)).kind == "self_harm"


def test_too_long_about_keeps_the_typed_text(app, make_member):
    make_member("ana")
    db.session.commit()
    client = app.test_client()
    login(client, "ana")
    typed = "x" * (profiles.ABOUT_MAX + 1)
    response = client.post("/settings/profile", data={"pr-about": typed, "pr-theme": "dark"})
    assert response.status_code == 400
    assert typed in response.get_data(as_text=True) and "at most 500 characters" in response.get_data(as_text=True)


def test_hidden_post_list_and_blocks_either_way(any_app, make_member, token_for):
    ana, ben = make_member("ana"), make_member("ben")
    db.session.commit()
    client = any_app.test_client()
    new_thread(client, token_for(ana), title="Visible thread", body="words")
    assert client.patch("/api/v1/me", json={"show_posts": False}, headers=token_for(ana)).status_code == 200
    assert "Visible thread" not in any_app.test_client().get("/u/ana").get_data(as_text=True)
    assert any_app.test_client().get("/api/v1/members/ana").get_json()["posts"] == []
    own = any_app.test_client()
    login(own, "ana")
    assert "Visible thread" in own.get("/u/ana").get_data(as_text=True)  # still listed for the member themselves
    blocks.block(ana, "ben")
    for viewer, target in ((ben, "ana"), (ana, "ben")):
        assert_error(any_app.test_client().get(f"/api/v1/members/{target}", headers=token_for(viewer)), 404,
                     "member_not_found")
    seen = any_app.test_client()
    login(seen, "ben")
    assert seen.get("/u/ana").status_code == 404
    assert_error(any_app.test_client().get("/api/v1/members/nobody-here"), 404, "member_not_found")


def test_theme_setting_is_rendered_and_saved_by_the_switch(app, make_member):
    ana = make_member("ana")
    db.session.commit()
    client = app.test_client()
    login(client, "ana")
    assert 'data-theme="system"' in client.get("/").get_data(as_text=True)
    assert client.post("/settings/theme", data={"theme": "dark"}).status_code == 204
    assert ana.theme == "dark"
    assert 'data-theme="dark"' in client.get("/").get_data(as_text=True)
    assert client.post("/settings/theme", data={"theme": "purple"}).status_code == 400
    assert 'data-theme="system"' in app.test_client().get("/").get_data(as_text=True)  # visitors: the system's


def test_moderators_see_and_approve_a_held_about(app, scores, make_member, token_for):
    ana, mod = make_member("ana"), make_member("mod", role="moderator")
    db.session.commit()
    scores.toxic("rude-about", 0.9)
    client = app.test_client()
    assert client.patch("/api/v1/me", json={"about": "rude-about but fine"}, headers=token_for(ana)).status_code == 200
    from moderation.models import QueueItem
    item = db.session.scalar(db.select(QueueItem).where(QueueItem.content_type == "about"))
    staff = app.test_client()
    login(staff, "mod")
    page = staff.get(f"/moderation/items/{item.id}")
    assert page.status_code == 200 and "rude-about but fine" in page.get_data(as_text=True)
    detail = client.get(f"/api/v1/moderation/items/{item.id}", headers=token_for(mod)).get_json()["item"]
    decided = client.post(f"/api/v1/moderation/items/{item.id}/decision", headers=token_for(mod),
                          json={"action": "approve", "version": detail["version"]})
    assert decided.status_code == 200, decided.data[:300]
    assert "rude-about but fine" in app.test_client().get("/u/ana").get_data(as_text=True)
