"""The hit lane (community/page_cache.py install_hit_lane): on SQLite a signed-in reader's thread page takes a
process-wide lock for its member check and its look-up in the reader's cache, and leaves it before any rendering;
the page served is the same, and a request that cannot get the lane in time goes on without it."""
import uuid

from community import page_cache
from community.extensions import db
from community.forum import services as forum_services
from community.forum.models import Post
from community.members import sessions
from tests.conftest import login
from tests.support import new_thread, reply


def _thread_and_reader(app, make_member, token_for):
    tag = uuid.uuid4().hex[:6]
    author, reader = make_member(f"hl-a-{tag}"), make_member(f"hl-r-{tag}")
    author.trust_level = reader.trust_level = "trusted"
    db.session.commit()
    api = app.test_client()
    thread_id = new_thread(api, token_for(author), title="The lane", body="opening words")["thread"]["id"]
    reply(api, token_for(author), thread_id, body="a reply about walking")
    browser = app.test_client()
    login(browser, reader.handle)
    return f"/t/{thread_id}", browser


def test_the_member_check_runs_in_the_lane_and_rendering_outside_it(app, make_member, token_for, monkeypatch):
    lane = app.extensions["hit_lane"]
    url, browser = _thread_and_reader(app, make_member, token_for)
    seen = {"check": [], "render": []}
    live_member, get_thread = sessions.live_member, forum_services.get_thread

    def checked(member_id):
        seen["check"].append(lane.locked())
        return live_member(member_id)

    def rendered(*args, **kwargs):
        seen["render"].append(lane.locked())
        return get_thread(*args, **kwargs)
    monkeypatch.setattr(sessions, "live_member", checked)
    monkeypatch.setattr(forum_services, "get_thread", rendered)

    first, second = browser.get(url), browser.get(url)
    assert (first.headers["X-Page-Cache"], second.headers["X-Page-Cache"]) == ("miss", "hit")
    assert first.get_data() == second.get_data()
    assert seen["check"] == [True, True]  # both member checks in the lane
    assert seen["render"] == [False]  # the miss rendered (and marked the thread read) outside it
    assert not lane.locked()  # left at the end of the hit


def test_a_request_that_cannot_get_the_lane_is_served_without_it(app, make_member, token_for, monkeypatch):
    lane = app.extensions["hit_lane"]
    url, browser = _thread_and_reader(app, make_member, token_for)
    assert browser.get(url).headers["X-Page-Cache"] == "miss"
    kept = browser.get(url)
    monkeypatch.setattr(page_cache, "HIT_LANE_WAIT", 0.01)
    assert lane.acquire(blocking=False)  # someone else holds it (and never lets go)
    try:
        waited = browser.get(url)
        assert waited.status_code == 200 and waited.headers["X-Page-Cache"] == "hit"
        assert waited.get_data() == kept.get_data()
        anonymous = app.test_client().get(url)
        assert anonymous.status_code == 200
    finally:
        lane.release()
    assert not lane.locked()


def test_quotes_anonymous_readers_and_other_pages_never_take_the_lane(app, make_member, token_for, monkeypatch):
    lane = app.extensions["hit_lane"]
    url, browser = _thread_and_reader(app, make_member, token_for)
    held = []
    live_member = sessions.live_member

    def checked(member_id):
        held.append(lane.locked())
        return live_member(member_id)
    monkeypatch.setattr(sessions, "live_member", checked)
    post_id = db.session.scalar(db.select(Post.id).order_by(Post.id.desc()))
    assert browser.get(f"{url}?quote={post_id}").status_code == 200
    assert browser.get("/boards").status_code == 200
    assert held and not any(held)
    assert app.test_client().get(url).status_code == 200
    assert not lane.locked()


def test_off_when_configured_off(app_factory):
    assert "hit_lane" not in app_factory(READER_HIT_LANE=False).extensions
    assert "hit_lane" in app_factory().extensions
