"""Every listing page runs a fixed number of SQL statements, whatever the number of posts, threads, queue items or
chat messages on it, and whatever the number of their authors, the viewer's blocks and muted words: counted with
SQLAlchemy's before_cursor_execute event, with N and 3N items."""
from __future__ import annotations

import contextlib
import uuid
from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import event, select

from community.chat.models import ChatMessage, ChatRoom
from community.extensions import db, utcnow
from community.forum.models import HELD, PUBLISHED, Board, Post, Thread
from community.members.blocks import Block, MutedWord
from community.members.models import Member
from moderation.models import QueueItem
from tests.conftest import login

N = 5


@contextlib.contextmanager
def counted():
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _authors(n: int) -> list[Member]:
    """n members of every kind: old and trusted by their posts, new, pinned new, pinned trusted, a moderator."""
    now = utcnow()
    kinds = [("auto", "member", timedelta(days=30)), ("auto", "member", timedelta(hours=1)),
             ("new", "member", timedelta(days=30)), ("trusted", "member", timedelta(0)),
             ("auto", "moderator", timedelta(days=3))]
    made = []
    for i in range(n):
        level, role, age = kinds[i % len(kinds)]
        handle = f"a-{uuid.uuid4().hex[:10]}"
        made.append(Member(handle=handle, handle_key=handle, password_hash="x", role=role, trust_level=level,
                           created_at=now - age))
    db.session.add_all(made)
    db.session.flush()
    return made


def _block_and_mute(viewer: Member, authors: list[Member], n: int) -> None:
    # Blocks and mutes grow with the page too: one blocked author and one muted word per five items.
    for author in authors[: max(1, n // 5)]:
        db.session.add(Block(blocker_id=viewer.id, blocked_id=author.id, created_at=utcnow()))
    db.session.query(MutedWord).filter_by(member_id=viewer.id).delete()
    for i in range(max(1, n // 5)):
        db.session.add(MutedWord(member_id=viewer.id, word=f"muted{i}", created_at=utcnow()))


def _thread(n: int, board: Board, viewer: Member) -> Thread:
    authors = _authors(n)
    now = utcnow()
    thread = Thread(board_id=board.id, author_id=authors[0].id, title="Budget thread", created_at=now,
                    last_activity_at=now)
    db.session.add(thread)
    for i, author in enumerate(authors):
        db.session.add(Post(thread=thread, author_id=author.id, is_opening=i == 0, status=PUBLISHED,
                            body=f"post {i} [link](https://example.org/{i}) muted{i % 3}",
                            content_warning="cw" if i % 4 == 0 else None, created_at=now + timedelta(seconds=i)))
    # The viewer's own held post shows to them; older authors get published posts elsewhere (trust by count).
    db.session.add(Post(thread=thread, author_id=viewer.id, status=HELD, hold_reason="toxicity", body="mine",
                        created_at=now + timedelta(seconds=n)))
    _block_and_mute(viewer, authors, n)
    db.session.commit()
    return thread


def _threads(n: int, viewer: Member) -> Board:
    slug = f"b{uuid.uuid4().hex[:8]}"
    board = Board(slug=slug, name=slug, description="", position=99)
    db.session.add(board)
    db.session.flush()
    authors = _authors(n)
    now = utcnow()
    for i, author in enumerate(authors):
        thread = Thread(board_id=board.id, author_id=author.id, title=f"t{i}", created_at=now,
                        last_activity_at=now + timedelta(seconds=i), post_count=1)
        db.session.add(thread)
        db.session.add(Post(thread=thread, author_id=author.id, is_opening=True, status=PUBLISHED, body="b"))
    _block_and_mute(viewer, authors, n)
    db.session.commit()
    return board


def _queue(n: int) -> None:
    authors = _authors(n)
    board = db.session.scalar(select(Board).order_by(Board.id))
    room = db.session.scalar(select(ChatRoom).order_by(ChatRoom.id))
    now = utcnow()
    for i, author in enumerate(authors):
        if i % 2:
            content = ChatMessage(room_id=room.id, author_id=author.id, body=f"held message {i}", status=HELD,
                                  hold_reason="toxicity")
            kind = "message"
        else:
            thread = Thread(board_id=board.id, author_id=author.id, title=f"q{i}", status=HELD, created_at=now,
                            last_activity_at=now)
            content = Post(thread=thread, author_id=author.id, is_opening=True, status=HELD, hold_reason="toxicity",
                           body=f"held post {i}")
            kind = "post"
        db.session.add(content)
        db.session.flush()
        # Every other one a spot-check of an automatic removal: its card carries the bulk checkbox.
        db.session.add(QueueItem(content_type=kind, content_id=content.id, author_id=author.id,
                                 kind="auto_removed" if i % 4 == 2 else "toxicity", priority="normal", rank=2, status="open", reasons=["test"], version=1,
                                 report_count=0, created_at=now + timedelta(seconds=i),
                                 claimed_by_id=authors[-1].id if i % 3 == 0 else None,
                                 claimed_until=now + timedelta(minutes=5) if i % 3 == 0 else None))
    db.session.commit()


def _chat(n: int, viewer: Member) -> ChatRoom:
    slug = f"r{uuid.uuid4().hex[:8]}"
    room = ChatRoom(slug=slug, name=slug, description="", position=99)
    db.session.add(room)
    db.session.flush()
    authors = _authors(n)
    for i, author in enumerate(authors):
        db.session.add(ChatMessage(room_id=room.id, author_id=author.id, body=f"hello {i} muted{i % 2}",
                                   status=PUBLISHED))
    _block_and_mute(viewer, authors, n)
    db.session.commit()
    return room


def _statements(client, url, headers=None) -> list[str]:
    # Nothing the test's app context holds helps the request: a served request starts with an empty session and g.
    db.session.remove()
    g.__dict__.clear()
    with counted() as statements:
        response = client.get(url, headers=headers or {})
    assert response.status_code == 200, (url, response.status_code, response.data[:300])
    return statements


@pytest.fixture
def people(app, make_member, token_for):
    viewer = make_member("budget-viewer")
    staff = make_member("budget-mod", role="moderator")
    return {"viewer": viewer.id, "staff": staff.id, "viewer_headers": token_for(viewer),
            "staff_headers": token_for(staff)}


def _member(member_id) -> Member:
    return db.session.get(Member, member_id)


def _clients(app, people):
    anon = app.test_client()
    member = app.test_client()
    login(member, "budget-viewer")
    staff = app.test_client()
    login(staff, "budget-mod")
    for client in (member, staff):
        client.get("/")  # first requests do one-off writes (session and token bookkeeping); count later ones
    for headers in (people["viewer_headers"], people["staff_headers"]):
        anon.get("/api/v1/rooms", headers=headers)  # authenticates the token
    return anon, member, staff


def _same(build, urls):
    """Build the content twice (N and 3N items); every URL runs as many statements for both."""
    small = urls(build(N))
    large = urls(build(3 * N))
    for (label, run_small), (_label, run_large) in zip(small, large):
        if len(run_small) != len(run_large):
            print("\n=====", label, "\n--- small\n" + "\n".join(" ".join(x.split())[:200] for x in run_small)
                  + "\n--- large\n" + "\n".join(" ".join(x.split())[:200] for x in run_large))
        assert len(run_small) == len(run_large), (label, len(run_small), len(run_large),
                                                  "\n".join(s.split("\n")[0][:150] for s in run_large))
    return [(label, len(run)) for label, run in small]


def test_thread_page_and_api(app, people):
    anon, member, staff = _clients(app, people)
    def build(n):
        board = db.session.scalar(select(Board).order_by(Board.id))
        return _thread(n, board, _member(people["viewer"])).id

    def urls(thread_id):
        return [(label, _statements(client, url, headers))
                for label, client, url, headers in [
                    ("anon page", anon, f"/t/{thread_id}", None),
                    ("member page", member, f"/t/{thread_id}", None),
                    ("staff page", staff, f"/t/{thread_id}", None),
                    ("anon api", anon, f"/api/v1/threads/{thread_id}", None),
                    ("member api", anon, f"/api/v1/threads/{thread_id}", people["viewer_headers"]),
                    ("staff api", anon, f"/api/v1/threads/{thread_id}", people["staff_headers"])]]
    counts = dict(_same(build, urls))
    assert counts["anon api"] <= 8, counts


def test_board_page_and_api_and_home(app, people):
    anon, member, staff = _clients(app, people)

    def urls(slug):
        return [(label, _statements(client, url, headers))
                for label, client, url, headers in [
                    ("anon board", anon, f"/b/{slug}", None),
                    ("member board", member, f"/b/{slug}", None),
                    ("anon api", anon, f"/api/v1/boards/{slug}/threads", None),
                    ("member api", anon, f"/api/v1/boards/{slug}/threads", people["viewer_headers"]),
                    ("anon home", anon, "/", None), ("member home", member, "/", None)]]
    _same(lambda n: _threads(n, _member(people["viewer"])).slug, urls)


def test_queue_page_and_api(app, people):
    _anon, _signed_in, staff = _clients(app, people)

    def build(n):
        db.session.query(QueueItem).delete()
        _queue(n)

    def urls(_):
        return [("queue page", _statements(staff, "/moderation/queue")),
                ("queue partial", _statements(staff, "/moderation/queue?partial=1")),
                ("queue api", _statements(staff, "/api/v1/moderation/queue", people["staff_headers"])),
                ("queue api, filtered", _statements(
                    staff, "/api/v1/moderation/queue?kind=toxicity,report&claimed=none&per_page=4",
                    people["staff_headers"]))]
    print(_same(build, urls))


def test_chat_history_page_and_api(app, people):
    _anon, member, _staff = _clients(app, people)

    def urls(slug):
        return [("room page", _statements(member, f"/chat/{slug}")),
                ("history", _statements(member, f"/chat/{slug}/history")),
                ("api", _statements(member, f"/api/v1/rooms/{slug}/messages", people["viewer_headers"]))]
    _same(lambda n: _chat(n, _member(people["viewer"])).slug, urls)


def _case_history(n: int) -> int:
    """One member with n of every kind of case-history entry (earlier items, notices, appeals, strikes, staff
    messages) and a held post now in the queue; returns that item's id."""
    from moderation.models import Appeal, Notice, StaffMessage, Strike
    author = _authors(1)[0]
    board = db.session.scalar(select(Board).order_by(Board.id))
    now = utcnow()
    staff_id = db.session.scalar(select(Member.id).where(Member.role == "moderator").order_by(Member.id))
    for i in range(n):
        content_id = 500_000 + i + 1000 * n
        db.session.add(QueueItem(content_type="post", content_id=content_id, author_id=author.id, kind="report",
                                 priority="normal", rank=2, status="resolved", resolution="approve", reasons=[],
                                 version=2, report_count=1, created_at=now - timedelta(days=i + 1),
                                 opened_at=now - timedelta(days=i + 1), resolved_at=now - timedelta(hours=i + 1),
                                 resolved_by_id=staff_id))
        db.session.add(Notice(member_id=author.id, kind="approved", title=f"notice {i}", body="b"))
        db.session.add(Appeal(content_type="post", content_id=content_id, member_id=author.id, text=f"appeal {i}"))
        db.session.add(Strike(member_id=author.id, kind="warning", reason="report"))
        db.session.add(StaffMessage(member_id=author.id, sender_id=staff_id, body=f"message {i}"))
    thread = Thread(board_id=board.id, author_id=author.id, title="now", status=HELD, created_at=now,
                    last_activity_at=now)
    post = Post(thread=thread, author_id=author.id, is_opening=True, status=HELD, hold_reason="toxicity",
                body="held post now")
    db.session.add(post)
    db.session.flush()
    item = QueueItem(content_type="post", content_id=post.id, author_id=author.id, kind="toxicity",
                     priority="normal", rank=2, status="open", reasons=["test"], version=1, report_count=0,
                     created_at=now, opened_at=now, first_seen_at=now)
    db.session.add(item)
    db.session.commit()
    return item.id


def test_item_page_and_api_with_a_long_case_history(app, people):
    _anon, _signed_in, staff = _clients(app, people)

    def urls(item_id):
        return [("item page", _statements(staff, f"/moderation/items/{item_id}")),
                ("item api", _statements(staff, f"/api/v1/moderation/items/{item_id}", people["staff_headers"])),
                ("stats page", _statements(staff, "/moderation/stats")),
                ("stats api", _statements(staff, "/api/v1/moderation/stats?days=30", people["staff_headers"]))]
    print(_same(_case_history, urls))
