"""The moderator's workspace: why each card is there, one collapse rule for every kind, per-moderator preferences,
the break reminder, handing off every claim, and the live card the staff room hears."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from community.extensions import db, socketio, utcnow
from community.members.services import issue_token
from moderation.models import AuditEntry, ModeratorPreference, QueueItem, StaffNote
from moderation.queue import workspace
from moderation.settings import save_safety
from tests.conftest import login
from tests.moderation.conftest import forget_login
from tests.support import assert_error

CRISIS = "I have the pills saved and tonight I am going to take them all. This is goodbye, everyone."


def _staff(w, role="moderator"):
    member = w.member(role=role)
    http = w.app.test_client()
    login(http, member.handle)
    forget_login()
    return member, http, w.headers(member)


def _card(page: str, item_id: int) -> str:
    found = re.search(rf'<li class="queue-item[^"]*" id="item-{item_id}".*?</li>', page, re.S)
    assert found, f"no card for item {item_id}"
    return found.group(0)


def _item(w, item_id) -> QueueItem:
    db.session.expire_all()
    return db.session.get(QueueItem, item_id)


# --- why it is here ----------------------------------------------------------------------------------------------

def test_each_card_says_why_in_one_line_without_quoting_the_text(w):
    _mod, http, _h = _staff(w)
    _a, h = w.person(region="GB")
    crisis = w.thread(h, CRISIS)["post"]["id"]
    w.scores.toxic("pest", 0.9)
    rude = w.thread(h, "you utter pest")["post"]["id"]
    crisis_item, rude_item = w.item_for_post(crisis), w.item_for_post(rude)
    w.set_created(crisis_item.id, utcnow() - timedelta(minutes=12))
    ordinary = w.thread(h, "a calm walk today")["post"]["id"]
    for reporter in range(2):
        _r, rh = w.person()
        w.report(rh, ordinary, reason=("harassment", "spam")[reporter])

    page = http.get("/moderation/queue").get_data(as_text=True)
    crisis_card = _card(page, crisis_item.id)
    why = re.search(r'<p class="why"[^>]*>.*?</span>(.*?)</p>', crisis_card, re.S).group(1)
    assert "self-harm tier intent" in why and "first-pass rule: means at hand" in why
    assert "fake@test self-harm 0.01" in why  # the model's own score, named, even when the rules caught it
    assert why.rstrip().endswith("waiting 12 min")
    assert "pills" not in why and "goodbye" not in why.replace("goodbye / final message", "")  # rule names only
    assert crisis_card.index('class="why"') < crisis_card.index("<details")  # read before anything is revealed

    rude_why = _card(page, rude_item.id)
    assert "fake@test toxicity 0.90" in rude_why and "pest" not in rude_why.split("<details")[0]
    reported = _card(page, w.item_for_post(ordinary).id)
    assert "2 reports (harassment, spam)" in reported


def test_waiting_reads_like_a_person_says_it():
    now = utcnow()
    assert workspace.waiting(now, now) == "waiting under a minute"
    assert workspace.waiting(now - timedelta(minutes=12, seconds=30), now) == "waiting 12 min"
    assert workspace.waiting(now - timedelta(hours=3, minutes=5), now) == "waiting 3 h 5 min"
    assert workspace.waiting(now - timedelta(days=3), now) == "waiting 3 days"


# --- collapsed for every kind ------------------------------------------------------------------------------------

def test_distressing_text_is_collapsed_for_every_kind_and_ordinary_text_is_open(w):
    mod, http, mh = _staff(w)
    admin = w.member(role="admin")
    _a, h = w.person(region="GB")
    w.scores.self_harm_tier("so tired of everything", "concern")
    check_in = w.item_for_post(w.thread(h, "so tired of everything lately")["post"]["id"])
    w.scores.toxic("horrid", 0.99)
    removed = w.thread(h, "a horrid thing to say")["post"]["id"]
    r = w.client.post(f"/api/v1/posts/{removed}/appeal", json={"text": "please look again at my words"}, headers=h)
    assert r.status_code == 201, r.get_json()
    appeal = w.item_for_post(removed)
    r = w.client.post("/api/v1/me/messages", json={"body": "someone keeps messaging me horrible things"}, headers=h)
    assert r.status_code == 201, r.get_json()
    message = db.session.scalar(select(QueueItem).where(QueueItem.kind == "member_message"))
    save_safety({"new_account_first_post_approval": True})
    db.session.commit()
    _n, nh = w.person()
    newcomer = w.item_for_post(w.thread(nh, "hello everyone, first post here")["post"]["id"])
    assert (check_in.kind, appeal.kind, newcomer.kind) == ("check_in", "appeal", "new_account")

    page = http.get("/moderation/queue").get_data(as_text=True)
    for item in (check_in, appeal, message):
        card = _card(page, item.id)
        assert re.search(r'<details class="card-text blurred" data-card-text>', card), item.kind
    assert re.search(r'<details class="card-text" data-card-text open>', _card(page, newcomer.id))

    # The item pages collapse the same way: the appeal's own text and a member's conversation too.
    appeal_page = http.get(f"/moderation/items/{appeal.id}").get_data(as_text=True)
    assert re.search(r"<summary>Show the appeal's text</summary><blockquote>please look again", appeal_page)
    message_page = http.get(f"/moderation/items/{message.id}").get_data(as_text=True)
    assert re.search(r"<details class=\"blurred\"><summary>Show the conversation \(1 message\)</summary>\s*"
                     r"<ol class=\"conversation\">.*horrible things", message_page, re.S)
    newcomer_page = http.get(f"/moderation/items/{newcomer.id}").get_data(as_text=True)
    assert re.search(r'</p>\s*<div class="body"><p>hello everyone', newcomer_page)  # ordinary text: shown

    # "Always keep text collapsed": this moderator's every text, and only theirs.
    r = http.patch("/api/v1/moderation/me/preferences", json={"keep_collapsed": True}, headers=mh)
    assert r.status_code == 200 and r.get_json()["preferences"]["keep_collapsed"] is True
    page = http.get("/moderation/queue").get_data(as_text=True)
    assert re.search(r'<details class="card-text blurred" data-card-text>', _card(page, newcomer.id))
    assert 'data-keep-collapsed="1"' in page
    item_page = http.get(f"/moderation/items/{newcomer.id}").get_data(as_text=True)
    assert re.search(r'<details class="blurred" data-card-text><summary>Show the text</summary>', item_page)
    other = w.app.test_client()
    login(other, admin.handle)
    forget_login()
    assert re.search(r'<details class="card-text" data-card-text open>',
                     _card(other.get("/moderation/queue").get_data(as_text=True), newcomer.id))


# --- preferences -------------------------------------------------------------------------------------------------

def test_preferences_are_per_moderator_off_by_default_and_bad_input_gets_the_error_shape(aw):
    mod, mh = aw.person(role="moderator")
    other, oh = aw.person(role="moderator")
    r = aw.client.get("/api/v1/moderation/me/workspace", headers=mh)
    assert r.status_code == 200
    assert r.get_json()["preferences"] == {"keep_collapsed": False, "alert_sound": False, "alert_notification": False}
    assert_error(aw.client.patch("/api/v1/moderation/me/preferences", json={"alert_sound": "yes"}, headers=mh),
                 400, "invalid_preferences")
    assert_error(aw.client.patch("/api/v1/moderation/me/preferences", json={"volume": True}, headers=mh),
                 400, "invalid_preferences")
    r = aw.client.patch("/api/v1/moderation/me/preferences", json={"alert_sound": True, "alert_notification": True},
                        headers=mh)
    assert r.get_json()["preferences"] == {"keep_collapsed": False, "alert_sound": True, "alert_notification": True}
    assert aw.client.get("/api/v1/moderation/me/workspace", headers=oh).get_json()["preferences"]["alert_sound"] is False
    _m, member_h = aw.person()
    assert_error(aw.client.get("/api/v1/moderation/me/workspace", headers=member_h), 403, "forbidden")
    db.session.expire_all()
    assert db.session.get(ModeratorPreference, mod.id).alert_sound is True


def test_the_workspace_page_saves_preferences_without_javascript_and_every_staff_page_carries_them(w):
    mod, http, _h = _staff(w)
    page = http.get("/moderation/workspace").get_data(as_text=True)
    assert 'name="alert_sound"' in page and "checked" not in page.split("Hand off my claims")[0]
    r = http.post("/moderation/workspace", data={"alert_sound": "y"})
    assert r.status_code == 302
    for url in ("/moderation/queue", "/moderation/inbox", "/boards"):
        body = http.get(url).get_data(as_text=True)
        assert 'data-alert-sound="1" data-alert-notify="0" data-keep-collapsed="0"' in body, url
    member = w.member()
    plain = w.app.test_client()
    login(plain, member.handle)
    forget_login()
    assert "data-alert-sound" not in plain.get("/boards").get_data(as_text=True)
    assert plain.get("/moderation/workspace").status_code == 403


# --- the urgent count in every staff page's title and badge -----------------------------------------------------

def test_every_staff_page_shows_the_urgent_count_in_its_title_and_badge(w):
    admin, http, _h = _staff(w, role="admin")
    _a, h = w.person(region="GB")
    for _ in range(2):
        w.thread(h, CRISIS)
    for url in ("/moderation/queue", "/moderation/inbox", "/admin/health", "/admin/thresholds", "/boards"):
        page = http.get(url).get_data(as_text=True)
        assert re.search(r"<title>\(2\) [^<]+ · Haven</title>", page), url
        assert 'data-urgent-badge>Queue <span class="badge urgent" aria-label="2 urgent">2</span>' in page, url
        assert "js/staff.js" in page and "data-staff-announce" in page, url
    assert re.search(r"<title>\(2\) Moderation queue · Haven</title>", http.get("/moderation/queue").get_data(
        as_text=True))
    member = w.member()
    plain = w.app.test_client()
    login(plain, member.handle)
    forget_login()
    assert re.search(r"<title>Boards · Haven</title>", plain.get("/boards").get_data(as_text=True))


# --- the live card --------------------------------------------------------------------------------------------------

def _events(sock, name="queue_item"):
    return [e["args"][0] for e in sock.get_received() if e["name"] == name]


def test_the_staff_room_hears_each_change_with_its_rendered_card_and_whether_it_is_intent(w):
    mod, http, mh = _staff(w)
    sock = socketio.test_client(w.app, auth={"token": issue_token(mod)})
    _a, h = w.person(region="GB")
    post_id = w.thread(h, CRISIS)["post"]["id"]
    [heard] = _events(sock)
    item_id = heard["item"]["id"]
    assert heard["intent"] is True and heard["counts"]["urgent"] == 1
    assert heard["item"]["why"].startswith("self-harm tier intent · first-pass rule: means at hand")
    listed = w.client.get("/api/v1/moderation/queue", headers=mh).get_json()["items"]
    assert [i["why"] for i in listed] == [heard["item"]["why"]]  # the API lists the same line
    card = heard["card"]
    assert card.strip().startswith(f'<li class="queue-item priority-urgent intent" id="item-{item_id}"')
    for attribute in ('data-rank="0"', 'data-status="open"', 'data-kind="self_harm"', 'data-claimed-by=""',
                      "data-intent=\"1\"", f'href="/moderation/items/{item_id}"'):
        assert attribute in card, attribute
    assert '<details class="card-text blurred" data-card-text>' in card and "self-harm tier intent" in card
    # The card on the page is the same card (for a moderator without preferences).
    page = http.get("/moderation/queue").get_data(as_text=True)
    assert re.sub(r"\s+", " ", _card(page, item_id)) == re.sub(r"\s+", " ", card.strip())

    # A claim changes the card in place: claimed by, and no longer an unseen crisis for the others.
    r = http.post(f"/api/v1/moderation/items/{item_id}/claim", headers=mh)
    assert r.status_code == 200
    [claimed] = _events(sock)
    assert claimed["item"]["claimed_by"] == mod.handle and f'data-claimed-by="{mod.handle}"' in claimed["card"]
    assert f"claimed by {mod.handle}" in claimed["card"]

    w.scores.self_harm_tier("cannot go on", "ideation")
    w.thread(h, "I cannot go on like this")
    [ideation] = _events(sock)
    assert ideation["intent"] is False and 'data-rank="1"' in ideation["card"]
    assert post_id
    sock.disconnect()


def test_a_real_socketio_client_hears_a_new_crisis_card_from_a_real_server(app, make_member, token_for, tmp_path):
    """A real server process and a real python-socketio client: a member's crisis post over plain HTTP reaches the
    moderator's connection as a card, and another moderator's claim updates it."""
    import os
    import subprocess
    import sys
    import threading
    import time

    import requests
    import socketio as sio

    from tests.support import ROOT, SERVER, free_port, wait_ready
    moderator, other, member = make_member(role="moderator"), make_member(role="moderator"), make_member(region="GB")
    staff_token = token_for(moderator)["Authorization"].split(" ", 1)[1]
    other_headers, member_headers = token_for(other), token_for(member)
    db.session.commit()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": "",
           "RATELIMIT_STORAGE_URI": "memory://", "SECRET_KEY": "workspace-live", "RATELIMIT_ENABLED": "false",
           "MODERATION_TOXICITY_BACKEND": "lexicon", "MODERATION_SELF_HARM_BACKEND": "lexicon",
           "SITE_URL": "", "PYTHONPATH": str(ROOT)}
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port), str(tmp_path / "instance")], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    client = sio.Client(reconnection=False)
    heard: list[dict] = []
    arrived = threading.Condition()

    def on_item(data):
        with arrived:
            heard.append(data)
            arrived.notify_all()

    def wait_for(count):
        with arrived:
            assert arrived.wait_for(lambda: len(heard) >= count, 30), f"heard {len(heard)} of {count}"
    try:
        wait_ready(port, proc, time.monotonic() + 60)
        client.on("queue_item", on_item)
        client.connect(f"http://127.0.0.1:{port}", auth={"token": staff_token}, wait_timeout=10)
        base = f"http://127.0.0.1:{port}"
        sent_at = time.monotonic()
        r = requests.post(f"{base}/api/v1/boards/anxiety/threads", json={"title": "tonight", "body": CRISIS},
                          headers=member_headers, timeout=30)
        assert r.status_code == 201, r.text
        wait_for(1)
        print(f"the card reached the staff client {time.monotonic() - sent_at:.3f}s after the POST began "
              f"({len(heard[0]['card'])} characters of card)")
        first = heard[0]
        assert first["intent"] is True and first["item"]["priority"] == "urgent"
        assert 'data-intent="1"' in first["card"] and "self-harm tier intent" in first["card"]
        r = requests.post(f"{base}/api/v1/moderation/items/{first['item']['id']}/claim", headers=other_headers,
                          timeout=30)
        assert r.status_code == 200, r.text
        wait_for(2)
        assert heard[1]["item"]["claimed_by"] == other.handle
        assert f'data-claimed-by="{other.handle}"' in heard[1]["card"]
    finally:
        try:
            client.disconnect()
        except Exception:  # noqa: BLE001
            pass
        proc.kill()
        proc.wait(10)


# --- the break reminder ------------------------------------------------------------------------------------------

def test_a_stretch_is_continuous_work_and_a_long_enough_gap_is_a_break(app, make_member):
    mod = make_member(role="moderator")
    start = utcnow() - timedelta(minutes=90)
    settings = {"break_reminder_minutes": 60, "break_gap_minutes": 10}
    for minute in range(0, 61, 5):  # an hour of work, never 10 minutes away
        workspace.record_activity(mod, start + timedelta(minutes=minute), settings)
    row = workspace.preferences_for(mod)
    state = workspace.stretch(row, start + timedelta(minutes=61), settings)
    assert state["minutes"] == 60 and state["break_due"] is True
    assert workspace.stretch(row, start + timedelta(minutes=59 + 15), settings)["break_due"] is False  # away 14 min
    workspace.record_activity(mod, start + timedelta(minutes=60 + 11), settings)  # back after 11 minutes: new stretch
    state = workspace.stretch(row, start + timedelta(minutes=72), settings)
    assert state["minutes"] == 0 and state["break_due"] is False
    assert workspace.stretch(row, start + timedelta(minutes=72), {**settings, "break_reminder_minutes": 0}) \
        ["break_due"] is False  # 0 turns reminders off


def test_the_reminder_shows_when_due_snoozes_and_admins_set_it(w):
    mod, http, mh = _staff(w)
    assert 'data-break-reminder aria-label="Break reminder" hidden' in http.get("/moderation/queue").get_data(
        as_text=True)
    row = db.session.get(ModeratorPreference, mod.id)
    row.stretch_started_at = utcnow() - timedelta(minutes=65)
    db.session.commit()
    page = http.get("/moderation/queue").get_data(as_text=True)  # this visit is work too: the stretch goes on
    assert 'data-break-reminder aria-label="Break reminder">' in page and "<span data-break-minutes>65</span>" in page
    assert http.post("/moderation/activity").get_json()["stretch"]["break_due"] is True
    assert http.post("/moderation/break", data={"next": "/moderation/queue"}).status_code == 302
    assert 'aria-label="Break reminder" hidden' in http.get("/moderation/queue").get_data(as_text=True)

    # Admins choose the stretch; moderators cannot; bad values keep what was typed and say why.
    r = w.client.patch("/api/v1/moderation/workspace-settings", json={"break_reminder_minutes": 30}, headers=mh)
    assert_error(r, 403, "forbidden")
    admin, ah = w.person(role="admin")
    assert_error(w.client.patch("/api/v1/moderation/workspace-settings", json={"break_reminder_minutes": -1},
                                headers=ah), 400, "invalid_settings")
    r = w.client.patch("/api/v1/moderation/workspace-settings", json={"break_reminder_minutes": 30}, headers=ah)
    assert r.get_json()["workspace_settings"] == {"break_reminder_minutes": 30, "break_gap_minutes": 10}
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "policy.workspace")).actor_id == admin.id
    admin_http = w.app.test_client()
    login(admin_http, admin.handle)
    forget_login()
    r = admin_http.post("/moderation/workspace/settings", data={"break_reminder_minutes": "abc",
                                                                "break_gap_minutes": "10"})
    assert r.status_code == 400 and 'value="abc"' in r.get_data(as_text=True)
    assert http.post("/moderation/workspace/settings", data={"break_reminder_minutes": "5",
                                                            "break_gap_minutes": "10"}).status_code == 403
    assert workspace.load_workspace()["break_reminder_minutes"] == 30


# --- hand off my claims ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("via", ["page", "api"])
def test_hand_off_my_claims_releases_them_all_with_one_note(aw, via):
    mod, mh = aw.person(role="moderator")
    other, oh = aw.person(role="moderator")
    _a, h = aw.person(region="GB")
    aw.scores.toxic("pest", 0.9)
    items = [aw.item_for_post(aw.thread(h, f"you pest number {n}")["post"]["id"]).id for n in range(3)]
    for item_id in items[:2]:
        assert aw.client.post(f"/api/v1/moderation/items/{item_id}/claim", headers=mh).status_code == 200
    assert aw.client.post(f"/api/v1/moderation/items/{items[2]}/claim", headers=oh).status_code == 200
    note = "I need to step away; nothing urgent in these"
    if via == "api":
        assert_error(aw.client.post("/api/v1/moderation/me/claims/release", json={"note": "x" * 2001}, headers=mh),
                     400, "note_too_long")
        assert_error(aw.client.post("/api/v1/moderation/me/claims/release", json={"note": 7}, headers=mh),
                     400, "invalid_type")
        assert_error(aw.client.post("/api/v1/moderation/me/claims/release", data="[]", headers={
            **mh, "Content-Type": "application/json"}), 400)
        assert [i for i in items[:2] if _item(aw, i).claimed_by_id == mod.id] == items[:2]  # nothing released
        r = aw.client.post("/api/v1/moderation/me/claims/release", json={"note": note}, headers=mh)
        assert r.status_code == 200
        assert sorted(i["id"] for i in r.get_json()["released"]) == items[:2]
    else:
        http = aw.app.test_client()
        login(http, mod.handle)
        forget_login()
        page = http.get("/moderation/queue").get_data(as_text=True)
        assert "Hand off my 2 claims" in page
        r = http.post("/moderation/claims/release", data={"note": note, "next": "/moderation/queue?priority=high"})
        assert r.status_code == 302 and r.headers["Location"].endswith("/moderation/queue?priority=high")
        assert "Released 2 claims" in http.get("/moderation/queue").get_data(as_text=True)
    for item_id in items[:2]:
        assert _item(aw, item_id).claimed_by_id is None
        [handoff] = db.session.scalars(select(StaffNote).where(StaffNote.item_id == item_id)).all()
        assert (handoff.kind, handoff.body, handoff.author_id) == ("handoff", note, mod.id)
    assert _item(aw, items[2]).claimed_by_id == other.id  # someone else's claim is theirs
    r = aw.client.post("/api/v1/moderation/me/claims/release", headers=mh)
    assert r.status_code == 200 and r.get_json()["released"] == []


def test_deleting_a_moderators_account_deletes_their_workspace_preferences(w):
    from community.members.account import delete_account
    mod, mh = w.person(role="moderator")
    assert w.client.patch("/api/v1/moderation/me/preferences", json={"alert_sound": True}, headers=mh).status_code == 200
    delete_account(mod, "a-good-password")
    db.session.expire_all()
    assert db.session.get(ModeratorPreference, mod.id) is None


def test_the_live_card_escapes_what_a_member_wrote(w):
    mod = w.member(role="moderator")
    sock = socketio.test_client(w.app, auth={"token": issue_token(mod)})
    _a, h = w.person()
    w.scores.toxic("pest", 0.9)
    w.thread(h, 'you pest <img src=x onerror="alert(1)"><script>alert(2)</script>')
    [heard] = _events(sock)
    assert "<img" not in heard["card"] and "<script" not in heard["card"]
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in heard["card"]
    sock.disconnect()


@pytest.mark.parametrize("kind, priority, reasons, scores, expected", [
    ("suspension_proposal", "high", ["strikes:3 removals in 30 days"], None,
     "strikes reached the threshold · 3 removals in 30 days · waiting 5 min"),
    ("unscreened", "high", ["unscreened:TimeoutError"], None,
     "held unscreened · screening could not finish (TimeoutError) · waiting 5 min"),
    ("watched_word", "normal", ["watched_word:flag:badword"], {"toxicity": 0.1, "self_harm": 0.1},
     "watched word · watched word (flag) · waiting 5 min"),
    ("someone_else", "urgent", ["someone_else:danger", "worried about someone else: 'she has the pills'"],
     {"self_harm": 0.1, "self_harm_labels": {"someone_else": 0.9}},
     "worried about someone else · someone else may be in danger now · self-harm 0.10 · waiting 5 min"),
    ("member_message", "urgent", ["self_harm:intent", "first_pass: an act in progress: 'i took them'"],
     {"self_harm": 0.97, "self_harm_labels": {"intent": 0.91}},
     "message to the moderators · self-harm tier intent · first-pass rule: an act in progress · "
     "self-harm 0.97 (intent 0.91) · waiting 5 min"),
])
def test_why_lines_for_other_kinds_name_rules_never_words(kind, priority, reasons, scores, expected):
    now = utcnow()
    item = QueueItem(kind=kind, priority=priority, reasons=reasons, scores=scores, report_count=0, status="open",
                     created_at=now - timedelta(minutes=5))
    assert workspace.why_line(item, None, now) == expected
    assert workspace.is_intent(item) is (priority == "urgent")
    assert workspace.is_distressing(item) is (kind != "suspension_proposal")
