"""Far pages are read from the other end of the index (community/paging.py) and hold exactly what OFFSET paging
would give, ties included; the queue pages too, and the page parameter is checked."""
from datetime import timedelta

from sqlalchemy import select

from community.extensions import db, utcnow
from community.forum import services
from community.forum.models import PUBLISHED, Board, Post, Thread
from community.members.models import Member
from moderation.models import QueueItem
from moderation.queue import services as queue


def _member():
    member = Member(handle="pager", handle_key="pager", password_hash="x", role="member")
    db.session.add(member)
    db.session.flush()
    return member


def test_every_thread_page_matches_offset_paging(app):
    author = _member()
    board = db.session.scalar(select(Board).order_by(Board.id))
    now = utcnow()
    thread = Thread(board_id=board.id, author_id=author.id, title="long", created_at=now, last_activity_at=now)
    db.session.add(thread)
    # 47 posts, several sharing a timestamp (the id breaks the tie), some held (not listed for anonymous readers).
    for i in range(53):
        db.session.add(Post(thread=thread, author_id=author.id, body=f"p{i}", is_opening=i == 0,
                            status=PUBLISHED if i % 9 else "held", created_at=now + timedelta(seconds=i // 3)))
    db.session.commit()
    expected = list(db.session.scalars(select(Post.id).where(Post.thread_id == thread.id, Post.status == PUBLISHED)
                                       .order_by(Post.created_at, Post.id)))
    assert len(expected) == 47
    pages = [services.list_posts(thread, None, page) for page in (1, 2, 3, 4)]
    assert [p.id for page in pages for p in page.items] == expected
    assert [len(page.items) for page in pages] == [20, 20, 7, 0]
    assert {page.total for page in pages} == {47} and pages[0].pages == 3


def test_every_board_page_matches_offset_paging(app):
    author = _member()
    board = Board(slug="long-board", name="Long", description="", position=50)
    db.session.add(board)
    db.session.flush()
    now = utcnow()
    for i in range(45):
        db.session.add(Thread(board_id=board.id, author_id=author.id, title=f"t{i}", created_at=now,
                              last_activity_at=now + timedelta(seconds=i // 4), status=PUBLISHED))
    db.session.commit()
    expected = list(db.session.scalars(select(Thread.id).where(Thread.board_id == board.id)
                                       .order_by(Thread.last_activity_at.desc(), Thread.id.desc())))
    got = [t.id for page in (1, 2, 3) for t in services.list_threads(board, None, page).items]
    assert got == expected


def test_queue_pages(app, client):
    now = utcnow()
    for i in range(25):
        db.session.add(QueueItem(content_type="post", content_id=10_000 + i, kind="toxicity", priority="normal",
                                 rank=3 - i % 3, status="open", reasons=[], version=1, report_count=0,
                                 created_at=now + timedelta(seconds=i // 2)))
    db.session.commit()
    expected = [i.id for i in queue.items("open", limit=100)]
    got = [i.id for page in (1, 2, 3, 4) for i in queue.items("open", limit=7, page=page)]
    assert got == expected and len(got) == 25
    assert client.get("/api/v1/moderation/queue?page=abc").status_code in (400, 401)


def test_queue_post_links_name_the_page_each_post_is_on(app, make_member, token_for):
    """The queue API works out every post's page at once; the pages agree with one-by-one page_of_post."""
    author = _member()
    board = db.session.scalar(select(Board).order_by(Board.id))
    now = utcnow()
    threads = [Thread(board_id=board.id, author_id=author.id, title=f"t{n}", created_at=now, last_activity_at=now)
               for n in range(2)]
    db.session.add_all(threads)
    posts = []
    for i in range(70):
        post = Post(thread=threads[i % 2], author_id=author.id, body=f"p{i}", is_opening=i < 2,
                    status="held" if i % 7 == 0 else PUBLISHED, created_at=now + timedelta(seconds=i // 2))
        posts.append(post)
    db.session.add_all(posts)
    db.session.flush()
    targets = [p for p in posts if p.status == "held" or p.id % 5 == 0]
    for post in targets:
        db.session.add(QueueItem(content_type="post", content_id=post.id, kind="toxicity", priority="normal",
                                 rank=3, status="open", reasons=[], version=1, report_count=0, created_at=now))
    db.session.commit()
    expected = {p.id: services.page_of_post(p, None) for p in targets}
    assert len(set(expected.values())) > 1
    staff = make_member("pages-mod", role="moderator")
    body = app.test_client().get("/api/v1/moderation/queue", headers=token_for(staff)).get_json()
    got = {i["post"]["id"]: int(i["post"]["url"].split("page=")[1].split("#")[0]) for i in body["items"]}
    assert got == expected
