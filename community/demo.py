"""Demo members and content for trying Haven locally. Demo passwords are public: never seed a real community."""
from __future__ import annotations

from sqlalchemy import select

from community.extensions import db
from community.forum import services as forum
from community.forum.models import Thread
from community.members import services as members

DEMO_MEMBERS = [
    ("sunny-heron-12", "demo-member-pass", "member", "GB"),
    ("quiet-otter-34", "demo-member-pass", "member", "US"),
    ("calm-lighthouse", "demo-moderator-pass", "moderator", "GB"),
    ("steady-keeper", "demo-admin-pass", "admin", "GB"),
]

DEMO_THREADS = [
    ("introductions", "sunny-heron-12", "Hi, I'm new here",
     "Hello everyone. I've been reading for a while and finally made an account. Nice to meet you all.",
     [("quiet-otter-34", "Welcome! Glad you're here. Take your time, there's no pressure to share.")]),
    ("recovery-wins", "quiet-otter-34", "Small win: I went for a walk today",
     "It's been a rough month but today I went outside for twenty minutes. It helped more than I expected.",
     [("sunny-heron-12", "That's a real win. Thanks for sharing it, it gives me a push to try tomorrow.")]),
    ("anxiety", "sunny-heron-12", "What helps you before a big appointment?",
     "I have a doctor's appointment on Friday and my heart races just thinking about it. Any tips?",
     [("quiet-otter-34", "Box breathing helps me: in for 4, hold 4, out 4, hold 4. Writing my questions "
                         "down beforehand helps too.")]),
]


def seed_demo() -> list[str]:
    out = []
    by_handle = {}
    for handle, password, role, region in DEMO_MEMBERS:
        member = members.find_by_handle(handle)
        if member is None:
            member, _code = members.create_member(handle, password, region=region, role=role, allow_reserved=True)
            out.append(f"created {role:<9} {handle:<18} password: {password}")
        else:
            out.append(f"exists  {role:<9} {handle:<18} password: {password} (unless changed)")
        by_handle[handle] = member
    for board_slug, author, title, body, replies in DEMO_THREADS:
        if db.session.scalar(select(Thread).where(Thread.title == title)) is not None:
            continue
        board = forum.get_board(board_slug)
        thread, _post, _verdict = forum.create_thread(by_handle[author], board, title, body)
        for reply_author, reply_body in replies:
            forum.create_reply(by_handle[reply_author], thread, reply_body)
        out.append(f"created thread: {title}")
    out.append("Demo passwords are public. Never run `demo seed` on a real community.")
    return out
