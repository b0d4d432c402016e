"""Notifications end to end on SQLite and PostgreSQL: every kind, only published content, blocks, settings, quiet
hours, the page and the API."""
from __future__ import annotations

from datetime import datetime

import pytest

from community.extensions import db
from community.forum import follows, reactions, services as forum
from community.forum.models import Post
from community.members import blocks
from community.notifications import services as notifications
from community.notifications.models import Notification
from moderation.queue import services as queue
from moderation.models import QueueItem
from tests.conftest import login
from tests.support import assert_error


@pytest.fixture
def people(any_app, make_member):
    return make_member("alice"), make_member("bob"), make_member("cara")


@pytest.fixture
def thread(people):
    alice, bob, _cara = people
    found, _post, _v = forum.create_thread(alice, forum.get_board("off-topic"), "Small wins today",
                                           "I went for a walk today.")
    return found


def kinds_for(member, unread_only=False):
    return [(n.kind, n.post_id) for n in notifications.notifications_of(member, unread_only=unread_only)]


def test_reply_in_a_followed_thread_notifies_followers_but_not_the_author(any_app, people, thread):
    alice, bob, cara = people
    assert follows.is_following(alice, thread)  # started it: followed automatically
    post, _ = forum.create_reply(bob, thread, "Well done, that's a big step.")
    assert follows.is_following(bob, thread)  # replied: followed automatically
    assert kinds_for(alice) == [("reply", post.id)]
    assert kinds_for(bob) == [] and kinds_for(cara) == []
    again, _ = forum.create_reply(alice, thread, "Thank you both")
    assert kinds_for(bob) == [("reply", again.id)]
    assert [k for k, _ in kinds_for(alice)] == ["reply"]  # not told of their own reply


def test_unfollow_stops_reply_notifications_and_is_not_overridden_by_replying(any_app, people, thread):
    alice, bob, _cara = people
    follows.set_following(alice, thread, False)
    forum.create_reply(bob, thread, "a reply")
    assert kinds_for(alice) == []
    forum.create_reply(alice, thread, "alice replies again")
    assert not follows.is_following(alice, thread)  # her own choice stands
    follows.set_following(alice, thread, True)
    post, _ = forum.create_reply(bob, thread, "another reply")
    assert kinds_for(alice) == [("reply", post.id)]


def test_mention_of_an_existing_handle_links_and_notifies(any_app, people, thread):
    alice, bob, cara = people
    post, _ = forum.create_reply(bob, thread, "@cara you said something like this, and @nobody-here too")
    assert '<a href="/u/cara"' in post.html and "/u/nobody-here" not in post.html
    assert kinds_for(cara) == [("mention", post.id)]
    said = notifications.describe(notifications.notifications_of(cara)[0])
    assert said["text"] == "bob mentioned you in “Small wins today”"
    # A follower who is mentioned gets the mention, not a second notification for the same post.
    post2, _ = forum.create_reply(bob, thread, "@alice thank you")
    assert kinds_for(alice)[0] == ("mention", post2.id) and len([p for _, p in kinds_for(alice) if p == post2.id]) == 1


def test_blocked_members_cannot_mention_either_way(any_app, people, thread):
    alice, bob, cara = people
    blocks.block(cara, "bob")  # cara blocked bob
    forum.create_reply(bob, thread, "hey @cara")
    assert kinds_for(cara) == []
    blocks.block(bob, "alice")  # bob blocked alice: alice cannot reach bob
    forum.create_reply(alice, thread, "@bob are you ok?")
    assert [k for k, _ in kinds_for(bob)] == []


def test_block_after_the_fact_hides_existing_notifications(any_app, people, thread):
    alice, bob, _cara = people
    forum.create_reply(bob, thread, "a reply")
    assert notifications.unread_count(alice) == 1
    blocks.block(alice, "bob")
    assert kinds_for(alice) == [] and notifications.unread_count(alice) == 0


def test_held_reply_notifies_nobody_until_published_and_only_once(any_app, people, thread, ctl):
    alice, bob, cara = people
    ctl.toxic("utterly hateful words", 0.9)
    post, _ = forum.create_reply(bob, thread, "utterly hateful words, @cara")
    assert post.status == "held"
    assert kinds_for(alice) == [] and kinds_for(cara) == []
    moderator = db.session.merge(_staff(any_app))
    item = db.session.scalar(db.select(QueueItem).where(QueueItem.content_type == "post",
                                                        QueueItem.content_id == post.id))
    queue.decide(item, moderator, "approve", version=item.version)
    assert kinds_for(alice) == [("reply", post.id)] and kinds_for(cara) == [("mention", post.id)]
    # Taken down again and put back: nobody is told twice.
    db.session.refresh(post)
    post.status = "held"
    db.session.commit()
    assert kinds_for(alice) == []  # a notification about a post no longer public is not shown
    post.status = "published"
    db.session.commit()
    notifications.post_published(post)
    db.session.commit()
    assert kinds_for(alice) == [("reply", post.id)]


def _staff(app):
    from community.members.services import create_member
    member, _ = create_member("mod-one", "a-good-password", role="moderator", allow_reserved=True)
    return member


def test_removed_post_never_notifies_and_deleted_post_drops_out(any_app, people, thread):
    alice, bob, _cara = people
    post, _ = forum.create_reply(bob, thread, "a kind reply")
    assert notifications.unread_count(alice) == 1
    forum.delete_post(bob, post)
    assert notifications.unread_count(alice) == 0 and kinds_for(alice) == []


def test_reactions_are_batched(any_app, people, thread, make_member):
    alice, bob, cara = people
    opening = db.session.scalar(db.select(Post).where(Post.thread_id == thread.id))
    reactions.add(bob, opening, "hug")
    reactions.add(cara, opening, "hug")
    reactions.add(make_member("dana"), opening, "hug")
    reactions.add(bob, opening, "thank_you")
    found = notifications.notifications_of(alice)
    texts = sorted(notifications.describe(n)["text"] for n in found)
    assert texts == ["3 people sent a hug on your post in “Small wins today”",
                     "bob said thank you on your post in “Small wins today”"]
    # Read, then a new hug starts a new batch.
    notifications.mark_read(alice)
    reactions.add(make_member("eli"), opening, "hug")
    assert [notifications.describe(n)["text"] for n in notifications.notifications_of(alice, unread_only=True)] == \
        ["eli sent a hug on your post in “Small wins today”"]


def test_moderator_decisions_and_messages_join_the_list(any_app, people, ctl):
    alice, bob, _cara = people
    ctl.toxic("you are all idiots", 0.9)
    thread, post, _ = forum.create_thread(bob, forum.get_board("off-topic"), "A rant", "you are all idiots")
    assert post.status == "held"
    moderator = _staff(any_app)
    item = db.session.scalar(db.select(QueueItem).where(QueueItem.content_type == "post",
                                                        QueueItem.content_id == post.id))
    queue.decide(item, moderator, "remove", note="Please be kind.", version=item.version)
    found = notifications.notifications_of(bob)
    assert [n.kind for n in found] == ["moderation"]
    assert notifications.describe(found[0])["text"] == "Your post was removed"
    assert notifications.describe(found[0])["url"].startswith("/notices#notice-")
    queue.message_author(db.session.get(QueueItem, item.id), moderator, "Checking in on you.")
    db.session.commit()
    texts = [notifications.describe(n)["text"] for n in notifications.notifications_of(bob)]
    assert "A moderator wrote to you" in texts


def test_switched_off_kinds_are_not_created(any_app, people, thread):
    alice, bob, _cara = people
    notifications.update_settings(alice, {"kinds": {"reply": False}})
    forum.create_reply(bob, thread, "a reply")
    assert kinds_for(alice) == []
    with pytest.raises(Exception) as err:
        notifications.update_settings(alice, {"kinds": {"moderation": False}})
    assert getattr(err.value, "code", None) == "cannot_disable"


@pytest.mark.parametrize("zone,now,quiet", [
    ("UTC", datetime(2026, 12, 1, 23, 30), True),
    ("UTC", datetime(2026, 12, 1, 6, 59), True),
    ("UTC", datetime(2026, 12, 1, 7, 0), False),
    ("UTC", datetime(2026, 12, 1, 12, 0), False),
    ("+05:30", datetime(2026, 12, 1, 17, 0), True),      # 22:30 there
    ("UTC-5", datetime(2026, 12, 1, 3, 0), True),        # 22:00 there
    ("America/New_York", datetime(2026, 12, 1, 14, 0), False),  # 09:00 there
    ("America/New_York", datetime(2026, 12, 2, 4, 0), True),    # 23:00 there
])
def test_quiet_hours_in_the_members_time_zone(app, make_member, zone, now, quiet):
    member = make_member()
    found = notifications.update_settings(member, {"quiet_hours": {"start": "22:00", "end": "07:00"},
                                                   "time_zone": zone})
    assert notifications.in_quiet_hours(found, now) is quiet


def test_api_lists_marks_read_and_refuses_bad_ids(any_app, people, thread, token_for):
    alice, bob, cara = people
    client = any_app.test_client()
    headers = token_for(alice)
    p1, _ = forum.create_reply(bob, thread, "first")
    p2, _ = forum.create_reply(cara, thread, "second")
    body = client.get("/api/v1/notifications?unread=1", headers=headers).get_json()
    assert body["unread"] == 2 and [n["post_id"] for n in body["notifications"]] == [p2.id, p1.id]
    first = body["notifications"][0]
    assert set(first) >= {"id", "kind", "text", "url", "actor", "created_at", "read"} and first["kind"] == "reply"
    assert first["url"] == f"/p/{p2.id}" and first["actor"] == "cara"
    assert_error(client.get("/api/v1/notifications?unread=maybe", headers=headers), 400, "invalid_parameter")
    for bad in ({"ids": "1"}, {"ids": []}, {"ids": [1, "x"]}, {"ids": [True]}, {"ids": [99999]}, {"other": 1}):
        assert_error(client.post("/api/v1/notifications/read", json=bad, headers=headers), 400)
    other = token_for(bob)
    assert_error(client.post("/api/v1/notifications/read", json={"ids": [first["id"]]}, headers=other), 400,
                 "invalid_ids")  # not bob's
    r = client.post("/api/v1/notifications/read", json={"ids": [first["id"]]}, headers=headers)
    assert r.status_code == 200 and r.get_json() == {"marked": 1, "unread": 1}
    r = client.post("/api/v1/notifications/read", headers=headers)
    assert r.get_json() == {"marked": 1, "unread": 0}
    assert client.get("/api/v1/notifications?unread=1", headers=headers).get_json()["notifications"] == []
    assert len(client.get("/api/v1/notifications", headers=headers).get_json()["notifications"]) == 2
    assert client.get("/api/v1/notifications").status_code == 401


def test_settings_api_validates_and_keeps_state(any_app, people, token_for):
    alice = people[0]
    client, headers = any_app.test_client(), token_for(alice)
    assert client.get("/api/v1/notifications/settings", headers=headers).get_json()["settings"] == {
        "kinds": {"reply": True, "mention": True, "reaction": True, "moderation": True}, "quiet_hours": None,
        "time_zone": "UTC", "switchable": ["reply", "mention", "reaction"]}
    for bad in ({"time_zone": "Mars/Olympus"}, {"quiet_hours": {"start": "25:00", "end": "07:00"}},
                {"quiet_hours": {"start": "22:00"}}, {"kinds": {"reply": "no"}}, {"colour": "blue"},
                {"time_zone": "+19:00"}):
        assert_error(client.patch("/api/v1/notifications/settings", json=bad, headers=headers), 400)
    r = client.patch("/api/v1/notifications/settings", headers=headers,
                     json={"kinds": {"reaction": False}, "quiet_hours": {"start": "22:00", "end": "07:00"},
                           "time_zone": "Europe/London"})
    assert r.status_code == 200
    assert r.get_json()["settings"]["kinds"]["reaction"] is False
    assert r.get_json()["settings"]["quiet_hours"] == {"start": "22:00", "end": "07:00"}


def test_page_lists_without_javascript_marks_read_and_keeps_typed_settings(any_app, people, thread):
    alice, bob, _cara = people
    forum.create_reply(bob, thread, "a reply for the page")
    client = any_app.test_client()
    login(client, "alice")
    home = client.get("/").data.decode()
    assert 'aria-label="1 unread notifications"' in home
    page = client.get("/notifications").data.decode()
    assert "bob replied in “Small wins today”" in page and 'class="tag new"' in page
    assert notifications.unread_count(alice) == 0
    bad = client.post("/notifications/settings", data={"kind_reply": "y", "quiet": "y", "quiet_start": "9pm",
                                                       "quiet_end": "07:00", "time_zone": "Europe/London"})
    assert bad.status_code == 400
    text = bad.data.decode()
    assert "Times are written HH:MM" in text and 'value="9pm"' in text and 'value="Europe/London"' in text
    ok = client.post("/notifications/settings", data={"kind_reply": "y", "quiet": "y", "quiet_start": "21:00",
                                                      "quiet_end": "06:30", "time_zone": "+01:00"})
    assert ok.status_code == 302
    saved = notifications.settings_of(alice)
    assert (saved.quiet_start, saved.quiet_end, saved.time_zone) == ("21:00", "06:30", "+01:00")
    assert set(saved.disabled) == {"mention", "reaction"}


def test_notification_rows_are_kept_per_member(any_app, people, thread):
    alice, bob, _cara = people
    forum.create_reply(bob, thread, "x")
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 1


def test_deleting_an_account_takes_its_notifications_reactions_and_follows(any_app, people, thread):
    from community.forum.models import Reaction, ThreadState
    from community.members import account
    alice, bob, _cara = people
    forum.create_reply(bob, thread, "a reply")
    opening = db.session.scalar(db.select(Post).where(Post.thread_id == thread.id, Post.is_opening.is_(True)))
    reactions.add(bob, opening, "hug")
    notifications.update_settings(bob, {"time_zone": "UTC"})
    account.delete_account(bob, "a-good-password")
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(Reaction.id)).where(Reaction.member_id == bob.id)) == 0
    assert db.session.scalar(db.select(db.func.count(ThreadState.id)).where(ThreadState.member_id == bob.id)) == 0
    account.delete_account(alice, "a-good-password")
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 0


def test_a_thread_taken_out_of_view_takes_its_notifications_with_it(any_app, people, thread):
    alice, bob, cara = people
    follows.set_following(cara, thread, True)
    forum.create_reply(bob, thread, "a reply")
    assert notifications.unread_count(cara) == 1
    thread.status = "held"  # its opening post was held after reports
    db.session.commit()
    assert notifications.unread_count(cara) == 0
    assert notifications.unread_count(alice) == 1  # the thread's author still sees her thread


def test_reading_notices_or_messages_reads_their_notifications(any_app, people, ctl):
    _alice, bob, _cara = people
    ctl.toxic("you are all idiots", 0.9)
    _thread, post, _ = forum.create_thread(bob, forum.get_board("off-topic"), "A rant", "you are all idiots")
    moderator = _staff(any_app)
    item = db.session.scalar(db.select(QueueItem).where(QueueItem.content_type == "post",
                                                        QueueItem.content_id == post.id))
    queue.decide(item, moderator, "remove", version=item.version)
    queue.message_author(db.session.get(QueueItem, item.id), moderator, "Checking in on you.")
    db.session.commit()
    assert notifications.unread_count(bob) == 2
    client = any_app.test_client()
    login(client, "bob")
    assert client.get("/notices").status_code == 200
    assert notifications.unread_count(bob) == 1
    assert client.get("/messages").status_code == 200
    assert notifications.unread_count(bob) == 0


def test_a_follower_who_switched_off_mentions_still_hears_of_the_reply(any_app, people, thread):
    alice, bob, cara = people
    notifications.update_settings(alice, {"kinds": {"mention": False}})
    post, _ = forum.create_reply(bob, thread, "@alice and @cara, look")
    assert kinds_for(alice) == [("reply", post.id)]
    assert kinds_for(cara) == [("mention", post.id)]
    notifications.update_settings(alice, {"kinds": {"reply": False}})
    forum.create_reply(bob, thread, "@alice again")
    assert [p for _, p in kinds_for(alice)] == [post.id]
