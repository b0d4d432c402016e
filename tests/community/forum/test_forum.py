"""Forum behaviour: edits keep revisions and are screened again, pagination and ordering, content warnings,
reports, and the thread/post JSON contracts."""
from datetime import datetime, timedelta

import pytest

from community.extensions import db
from community.forum.models import Board, Post, PostRevision, Report, Thread
from community.forum.services import POSTS_PER_PAGE, THREADS_PER_PAGE
from tests.conftest import login
from tests.support import assert_error, new_thread, reply

THREAD_KEYS = {"id", "board", "title", "author", "created_at", "last_activity_at", "post_count", "url"}
POST_KEYS = {"id", "thread_id", "author", "body", "html", "status", "content_warning", "created_at", "edited_at",
             "url"}
BASE = datetime(2024, 1, 1, 12, 0, 0)


# --- contracts -----------------------------------------------------------------------------------------------------

def test_thread_and_post_json_contracts(any_app, make_member, token_for):
    author = make_member("author-a")
    client = any_app.test_client()
    made = new_thread(client, token_for(author), title="Contract thread", body="first **post**",
                      content_warning="grief")
    thread, post = made["thread"], made["post"]
    assert THREAD_KEYS <= set(thread)
    assert POST_KEYS <= set(post)
    assert thread["board"] == "anxiety" and thread["title"] == "Contract thread" and thread["author"] == "author-a"
    assert thread["post_count"] == 1 and thread["url"] == f"/t/{thread['id']}"
    assert thread["created_at"].endswith("Z") and datetime.fromisoformat(thread["created_at"][:-1])
    assert post["thread_id"] == thread["id"] and post["author"] == "author-a" and post["status"] == "published"
    assert post["body"] == "first **post**" and "<strong>post</strong>" in post["html"]
    assert post["content_warning"] == "grief" and post["edited_at"] is None
    assert post["url"] == f"/t/{thread['id']}?page=1#post-{post['id']}"

    listed = client.get("/api/v1/boards/anxiety/threads").get_json()
    assert {"board", "threads", "page", "pages", "total", "per_page"} <= set(listed)
    assert THREAD_KEYS <= set(listed["threads"][0])
    shown = client.get(f"/api/v1/threads/{thread['id']}").get_json()
    assert THREAD_KEYS <= set(shown["thread"]) and all(POST_KEYS <= set(p) for p in shown["posts"])
    single = client.get(f"/api/v1/posts/{post['id']}").get_json()["post"]
    assert POST_KEYS <= set(single) and single["id"] == post["id"]


def test_boards_are_listed_in_order(any_app):
    boards = any_app.test_client().get("/api/v1/boards").get_json()["boards"]
    assert [b["slug"] for b in boards] == ["introductions", "anxiety", "depression", "relationships",
                                          "recovery-wins", "off-topic"]
    assert_error(any_app.test_client().get("/api/v1/boards/nope/threads"), 404, "board_not_found")


# --- edits ---------------------------------------------------------------------------------------------------------

def test_edit_keeps_a_revision_and_screens_again(any_app, ctl, make_member, token_for):
    author = make_member("author-a")
    client = any_app.test_client()
    thread_id = new_thread(client, token_for(author))["thread"]["id"]
    post = reply(client, token_for(author), thread_id, body="original words", content_warning="cw one")
    ctl.toxic("NASTYEDIT", 0.9)
    calls = ctl.toxicity.calls

    response = client.patch(f"/api/v1/posts/{post['id']}", json={"body": "now NASTYEDIT"}, headers=token_for(author))
    assert response.status_code == 200
    edited = response.get_json()["post"]
    assert ctl.toxicity.calls == calls + 1  # the new text went through the screen
    assert edited["status"] == "held" and edited["body"] == "now NASTYEDIT" and edited["edited_at"] is not None
    assert edited["content_warning"] == "cw one"  # left out -> kept
    assert "NASTYEDIT" not in str(client.get(f"/api/v1/threads/{thread_id}").get_json())

    revisions = db.session.scalars(db.select(PostRevision).where(PostRevision.post_id == post["id"])).all()
    assert [(r.body, r.content_warning) for r in revisions] == [("original words", "cw one")]

    # Editing back to kind words publishes it again, and keeps the second revision too.
    fixed = client.patch(f"/api/v1/posts/{post['id']}", json={"body": "kind words", "content_warning": None},
                         headers=token_for(author)).get_json()["post"]
    assert fixed["status"] == "published" and fixed["content_warning"] is None
    assert db.session.scalar(db.select(db.func.count(PostRevision.id))
                             .where(PostRevision.post_id == post["id"])) == 2
    assert client.get(f"/api/v1/threads/{thread_id}").get_json()["thread"]["post_count"] == 2


def test_editing_an_opening_post_screens_the_title_with_it(any_app, ctl, make_member, token_for):
    author = make_member("author-a")
    client = any_app.test_client()
    ctl.toxic("BADTITLEWORD", 0.9)
    made = new_thread(client, token_for(author), title="BADTITLEWORD here", body="fine")
    assert made["post"]["status"] == "held"
    still = client.patch(f"/api/v1/posts/{made['post']['id']}", json={"body": "still fine"},
                         headers=token_for(author)).get_json()["post"]
    assert still["status"] == "held"


def test_edit_page_keeps_revision(app, scores, make_member, token_for):
    author = make_member("author-a")
    post_id = new_thread(app.test_client(), token_for(author), body="before edit")["post"]["id"]
    client = app.test_client()
    login(client, "author-a")
    assert b"before edit" in client.get(f"/p/{post_id}/edit").data
    response = client.post(f"/p/{post_id}/edit", data={"body": "after edit", "content_warning": ""})
    assert response.status_code == 302
    assert db.session.scalar(db.select(PostRevision.body).where(PostRevision.post_id == post_id)) == "before edit"
    db.session.expire_all()
    assert db.session.get(Post, post_id).body == "after edit"
    assert b"edited" in client.get(f"/t/{db.session.get(Post, post_id).thread_id}").data


# --- pagination ----------------------------------------------------------------------------------------------------

def _seed_threads(member, count):
    board = db.session.scalar(db.select(Board).where(Board.slug == "depression"))
    threads = []
    for i in range(count):
        # Activity order deliberately differs from creation/id order.
        activity = BASE + timedelta(minutes=(i * 7) % count)
        thread = Thread(board_id=board.id, author_id=member.id, title=f"thread {i}", status="published",
                        created_at=BASE, last_activity_at=activity, post_count=1)
        db.session.add(thread)
        db.session.flush()
        db.session.add(Post(thread_id=thread.id, author_id=member.id, is_opening=True, body=f"body {i}",
                            status="published", created_at=BASE))
        threads.append(thread)
    db.session.commit()
    return threads


def test_threads_newest_activity_first_across_pages(any_app, make_member):
    member = make_member()
    count = THREADS_PER_PAGE + 5
    threads = _seed_threads(member, count)
    expected = [t.id for t in sorted(threads, key=lambda t: t.last_activity_at, reverse=True)]
    client = any_app.test_client()
    first = client.get("/api/v1/boards/depression/threads").get_json()
    second = client.get("/api/v1/boards/depression/threads?page=2").get_json()
    assert (first["page"], first["pages"], first["total"], first["per_page"]) == (1, 2, count, THREADS_PER_PAGE)
    assert [t["id"] for t in first["threads"]] + [t["id"] for t in second["threads"]] == expected
    stamps = [t["last_activity_at"] for t in first["threads"] + second["threads"]]
    assert stamps == sorted(stamps, reverse=True)


def test_reply_bumps_thread_to_the_top(any_app, make_member, token_for):
    member = make_member()
    threads = _seed_threads(member, 3)
    oldest = min(threads, key=lambda t: t.last_activity_at)
    client = any_app.test_client()
    assert client.get("/api/v1/boards/depression/threads").get_json()["threads"][0]["id"] != oldest.id
    reply(client, token_for(member), oldest.id)
    assert client.get("/api/v1/boards/depression/threads").get_json()["threads"][0]["id"] == oldest.id


def test_held_reply_does_not_bump_the_thread(any_app, ctl, make_member, token_for):
    member = make_member()
    threads = _seed_threads(member, 3)
    oldest = min(threads, key=lambda t: t.last_activity_at)
    ctl.toxic("HELDTEXT", 0.9)
    client = any_app.test_client()
    assert reply(client, token_for(member), oldest.id, body="HELDTEXT")["status"] == "held"
    assert client.get("/api/v1/boards/depression/threads").get_json()["threads"][-1]["id"] == oldest.id


def test_posts_oldest_first_across_pages(any_app, make_member, token_for):
    member = make_member()
    thread = _seed_threads(member, 1)[0]
    count = POSTS_PER_PAGE + 3
    for i in range(count):
        # Inserted newest first: ids run opposite to time, so only a real time ordering passes.
        db.session.add(Post(thread_id=thread.id, author_id=member.id, body=f"reply {i}", status="published",
                            created_at=BASE + timedelta(hours=1, minutes=count - i)))
    db.session.commit()
    client = any_app.test_client()
    first = client.get(f"/api/v1/threads/{thread.id}").get_json()
    second = client.get(f"/api/v1/threads/{thread.id}?page=2").get_json()
    bodies = [p["body"] for p in first["posts"] + second["posts"]]
    assert bodies == ["body 0"] + [f"reply {i}" for i in reversed(range(count))]
    assert len(first["posts"]) == POSTS_PER_PAGE and first["pages"] == 2
    # A post's url points at the page it is on.
    last = second["posts"][-1]
    assert last["url"] == f"/t/{thread.id}?page=2#post-{last['id']}"


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "", "1e3", "99999999999999999999999"])
def test_bad_page_numbers_are_400_with_error_shape(app, make_member, page):
    # Validation happens before the database is asked, so SQLite alone covers it.
    thread = _seed_threads(make_member(), 1)[0]
    client = app.test_client()
    for url in (f"/api/v1/boards/depression/threads?page={page}", f"/api/v1/threads/{thread.id}?page={page}"):
        response = client.get(url)
        if page == "":
            assert response.status_code == 200  # empty means the first page
        else:
            assert_error(response, 400, "invalid_page")
    html = client.get(f"/b/depression?page={page}")
    assert html.status_code == (200 if page == "" else 400) and html.mimetype == "text/html"


def test_huge_page_is_an_empty_list(any_app, make_member):
    thread = _seed_threads(make_member(), 2)[0]
    client = any_app.test_client()
    threads = client.get("/api/v1/boards/depression/threads?page=1000000")
    assert threads.status_code == 200 and threads.get_json()["threads"] == []
    posts = client.get(f"/api/v1/threads/{thread.id}?page=1000000")
    assert posts.status_code == 200 and posts.get_json()["posts"] == []
    assert client.get("/b/depression?page=1000000").status_code == 200


# --- content warnings ------------------------------------------------------------------------------------------------

def test_content_warning_collapses_the_post(app, make_member, token_for):
    author = make_member("author-a")
    client = app.test_client()
    made = new_thread(client, token_for(author), body="SENSITIVE detail", content_warning="loss of a pet")
    plain = reply(client, token_for(author), made["thread"]["id"], body="PLAIN reply")
    html = client.get(f"/t/{made['thread']['id']}").get_data(as_text=True)
    start = html.index(f'id="post-{made["post"]["id"]}"')
    article = html[start:html.index("</article>", start)]
    details = article[article.index("<details"):article.index("</details>")]
    assert "<summary>" in details and "loss of a pet" in details[:details.index("</summary>")]
    assert "SENSITIVE detail" in details[details.index("</summary>"):]
    start = html.index(f'id="post-{plain["id"]}"')
    assert "<details" not in html[start:html.index("</article>", start)]


def test_content_warning_limits(app, make_member, token_for):
    author = make_member()
    client = app.test_client()
    assert_error(client.post("/api/v1/boards/anxiety/threads", json={"title": "Title", "body": "b",
                                                                      "content_warning": "x" * 101},
                             headers=token_for(author)), 400, "too_long")
    blank = new_thread(client, token_for(author), content_warning="   ")
    assert blank["post"]["content_warning"] is None


# --- reports ---------------------------------------------------------------------------------------------------------

def test_one_report_per_member_per_post(any_app, make_member, token_for):
    author, reporter, second = make_member("author-a"), make_member("reporter-r"), make_member("second-s")
    client = any_app.test_client()
    post_id = new_thread(client, token_for(author))["post"]["id"]
    first = client.post("/api/v1/reports", json={"post_id": post_id, "reason": "harassment", "note": "  mean  "},
                        headers=token_for(reporter))
    assert first.status_code == 201
    report = first.get_json()["report"]
    assert (report["post_id"], report["reason"], report["note"]) == (post_id, "harassment", "mean")
    assert_error(client.post("/api/v1/reports", json={"post_id": post_id, "reason": "spam"},
                             headers=token_for(reporter)), 409, "already_reported")
    # Another member may still report it.
    assert client.post("/api/v1/reports", json={"post_id": post_id, "reason": "spam"},
                       headers=token_for(second)).status_code == 201
    assert db.session.scalar(db.select(db.func.count(Report.id))) == 2


@pytest.mark.parametrize("reason", ["rude", "", "HARASSMENT", 3, ["spam"]])
def test_bad_report_reason_is_400(app, make_member, token_for, reason):
    author, reporter = make_member(), make_member()
    client = app.test_client()
    post_id = new_thread(client, token_for(author))["post"]["id"]
    response = client.post("/api/v1/reports", json={"post_id": post_id, "reason": reason},
                           headers=token_for(reporter))
    assert_error(response, 400)
    assert db.session.scalar(db.select(db.func.count(Report.id))) == 0


def test_report_own_post_and_unknown_post(any_app, make_member, token_for):
    author = make_member()
    client = any_app.test_client()
    post_id = new_thread(client, token_for(author))["post"]["id"]
    assert_error(client.post("/api/v1/reports", json={"post_id": post_id, "reason": "spam"},
                             headers=token_for(author)), 400, "own_post")
    assert_error(client.post("/api/v1/reports", json={"post_id": post_id + 999, "reason": "spam"},
                             headers=token_for(author)), 404, "post_not_found")
    assert_error(client.post("/api/v1/reports", json={"post_id": str(post_id), "reason": "spam"},
                             headers=token_for(author)), 400, "invalid_type")


def test_report_page_twice_shows_message(app, make_member, token_for):
    author = make_member("author-a")
    make_member("reporter-r")
    post_id = new_thread(app.test_client(), token_for(author))["post"]["id"]
    client = app.test_client()
    login(client, "reporter-r")
    assert client.post(f"/p/{post_id}/report", data={"reason": "spam"}).status_code == 302
    again = client.post(f"/p/{post_id}/report", data={"reason": "spam"})
    assert again.status_code == 200 and b"already reported" in again.data
    assert db.session.scalar(db.select(db.func.count(Report.id))) == 1
