"""Demo members and content for trying Haven locally. Demo passwords are public: never seed a real community."""
from __future__ import annotations

from sqlalchemy import select

from community.extensions import db
from community.forum import services as forum
from community.forum.models import Post, Thread
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


HELD_HINT = ("Held demo content waits for a moderator (sign in as calm-lighthouse and open the queue), or run "
             "`flask --app wsgi moderation retry` to screen what could not be screened again.")


def _state(post) -> str:
    """How a demo post came out, in plain words."""
    if post.status == "published":
        return "published"
    why = {"unscreened": "screening could not finish in time", "self_harm": "the screen read a possible self-harm risk",
           "new_account": "first-post approval is on"}.get(post.hold_reason, post.hold_reason or post.status)
    return f"{post.status} for review ({why})"


def seed_demo() -> list[str]:
    """Add the demo members and threads. Never fails because screening held something: a held post (for example
    when the models could not answer in time on a busy machine) is reported as such, and its thread's replies wait
    until it is published (others cannot reply to a thread they cannot see)."""
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
    held = 0
    for board_slug, author, title, body, replies in DEMO_THREADS:
        existing = db.session.scalar(select(Thread).where(Thread.title == title))
        if existing is not None:
            if existing.status != "published":
                held += 1
                out.append(f"exists  thread: {title} ({existing.status} for review)")
            else:
                held += _missing_replies(existing, replies, by_handle, out)
            continue
        board = forum.get_board(board_slug)
        thread, post, verdict = forum.create_thread(by_handle[author], board, title, body)
        state = _state(post)
        out.append(f"created thread: {title}" + ("" if state == "published" else f" - {state}"))
        if post.status != "published":
            held += 1
            out.append(f"        its {len(replies)} demo repl{'y' if len(replies) == 1 else 'ies'} not added: "
                       "the thread is not published yet")
            continue
        held += _missing_replies(thread, replies, by_handle, out)
    if held:
        out.append(f"{held} demo item(s) held for review. {HELD_HINT}")
    out.append("Demo passwords are public. Never run `demo seed` on a real community.")
    return out


def _missing_replies(thread, replies, by_handle, out) -> int:
    """Add the demo replies a published thread does not have yet (a thread held on an earlier run and published
    since gets them now); returns how many were held."""
    held = 0
    for reply_author, reply_body in replies:
        if db.session.scalar(select(Post.id).where(Post.thread_id == thread.id, Post.body == reply_body)) is not None:
            continue
        reply, verdict = forum.create_reply(by_handle[reply_author], thread, reply_body)
        if reply.status != "published":
            held += 1
            out.append(f"        reply by {reply_author} - {_state(reply)}")
    return held
