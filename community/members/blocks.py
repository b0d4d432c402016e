"""Blocking and muted words: what one member chooses not to see.

- A block hides the blocked member's forum posts, threads and chat messages from the blocker (pages, API, live chat:
  filtered on the server). The blocked member is not told. Staff actions and notices (moderator notes, messages from
  the moderators) are never hidden by a block.
- Muted words (and content-warning topics, matched the same way against a post's content warning) collapse a post or
  message behind "Hidden by your filters - show" for that member and mark it `"filtered": true` in their API
  responses. Nothing is deleted or hidden from anyone else.
"""
from __future__ import annotations

import re

from flask import g, has_request_context
from sqlalchemy import select

from community import realtime
from community.errors import Conflict, NotFound, ServiceError
from community.extensions import db, iso, member_ref, utcnow
from community.members.models import Member, find_by_handle

BLOCKS_MAX = 1000
MUTED_WORDS_MAX = 100      # words or phrases per member
MUTED_WORD_MAX = 100       # characters per word or phrase


class Block(db.Model):
    __tablename__ = "member_blocks"
    __table_args__ = (db.UniqueConstraint("blocker_id", "blocked_id", name="uq_member_blocks_pair"),)

    id = db.Column(db.Integer, primary_key=True)
    blocker_id = member_ref(ondelete="CASCADE", nullable=False, index=True)
    blocked_id = member_ref(ondelete="CASCADE", nullable=False, index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    blocked = db.relationship("Member", foreign_keys=[blocked_id])


class MutedWord(db.Model):
    __tablename__ = "muted_words"
    __table_args__ = (db.UniqueConstraint("member_id", "word", name="uq_muted_words_member_word"),)

    id = db.Column(db.Integer, primary_key=True)
    member_id = member_ref(ondelete="CASCADE", nullable=False, index=True)
    word = db.Column(db.String(MUTED_WORD_MAX), nullable=False)  # stored lower-cased
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


def _forget(member_id: int) -> None:
    if has_request_context():
        g.pop(f"haven_blocked_{member_id}", None)
        g.pop(f"haven_muted_{member_id}", None)


# --- blocks ------------------------------------------------------------------------------------------------------

def _target(handle) -> Member:
    member = find_by_handle(handle) if isinstance(handle, str) else None
    if member is None or member.deleted_at is not None:
        raise NotFound("member_not_found", "There is no member with that handle.", field="handle")
    return member


def block(blocker: Member, handle) -> Block:
    if not isinstance(handle, str) or not handle.strip():
        raise ServiceError("missing_field", "'handle' is required.", field="handle")
    target = _target(handle)
    if target.id == blocker.id:
        raise ServiceError("cannot_block_self", "You can't block yourself.", field="handle")
    if db.session.scalar(select(Block).where(Block.blocker_id == blocker.id, Block.blocked_id == target.id)):
        raise Conflict("already_blocked", f"You've already blocked {target.handle}.", field="handle")
    if len(blocked_ids(blocker)) >= BLOCKS_MAX:
        raise ServiceError("too_many_blocks", f"You can block at most {BLOCKS_MAX} members.")
    entry = Block(blocker_id=blocker.id, blocked_id=target.id, created_at=utcnow())
    db.session.add(entry)
    realtime.chat_filters_changed(blocker.id)  # the blocker's live connections, on every process, after commit
    try:
        db.session.commit()
    except Exception:  # a double click raced us to the unique constraint
        db.session.rollback()
        raise Conflict("already_blocked", f"You've already blocked {target.handle}.", field="handle") from None
    _forget(blocker.id)
    return entry


def unblock(blocker: Member, handle) -> None:
    target = _target(handle)
    deleted = db.session.query(Block).filter_by(blocker_id=blocker.id, blocked_id=target.id).delete()
    if deleted:
        realtime.chat_filters_changed(blocker.id)
    db.session.commit()
    _forget(blocker.id)
    if not deleted:
        raise NotFound("not_blocked", f"You haven't blocked {target.handle}.")


def list_blocks(member: Member) -> list[Block]:
    return list(db.session.scalars(select(Block).where(Block.blocker_id == member.id)
                                   .order_by(Block.created_at.desc(), Block.id.desc())))


def block_to_dict(entry: Block) -> dict:
    return {"handle": entry.blocked.handle, "created_at": iso(entry.created_at)}


def blocked_ids(member: Member | None) -> set[int]:
    """Ids of the members this member has blocked (cached for the request)."""
    if member is None or getattr(member, "id", None) is None:
        return set()
    key = f"haven_blocked_{member.id}"
    if has_request_context() and key in g:
        return g.get(key)
    found = set(db.session.scalars(select(Block.blocked_id).where(Block.blocker_id == member.id)))
    if has_request_context():
        setattr(g, key, found)
    return found


def blocked_members(member: Member) -> list[Member]:
    return list(db.session.scalars(select(Member).join(Block, Block.blocked_id == Member.id)
                                   .where(Block.blocker_id == member.id)))


def blocked_subquery(member: Member):
    return blocked_by_id(member.id)


def blocked_by_id(member_id):
    """The ids the member blocked, as a subquery; `member_id` is a value or a bound parameter (a statement built
    once for every viewer)."""
    return select(Block.blocked_id).where(Block.blocker_id == member_id)


def is_blocked_by(viewer: Member | None, author_id: int) -> bool:
    return viewer is not None and author_id in blocked_ids(viewer)


# --- muted words -------------------------------------------------------------------------------------------------

def clean_words(words) -> list[str]:
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise ServiceError("invalid_words", "'words' must be a list of words or phrases.", field="words")
    out: list[str] = []
    for word in words:
        word = " ".join(word.replace("\x00", "").split()).lower()
        if not word:
            continue
        if len(word) > MUTED_WORD_MAX:
            raise ServiceError("word_too_long", f"A muted word or phrase can be at most {MUTED_WORD_MAX} characters "
                               f"(\"{word[:30]}...\" has {len(word)}). Nothing was saved.", field="words")
        if word not in out:
            out.append(word)
    if len(out) > MUTED_WORDS_MAX:
        raise ServiceError("too_many_words", f"You can mute at most {MUTED_WORDS_MAX} words or phrases "
                           f"({len(out)} sent). Nothing was saved.", field="words")
    return out


def set_muted_words(member: Member, words) -> list[str]:
    """Replace the member's muted words (all or nothing)."""
    cleaned = clean_words(words)
    db.session.query(MutedWord).filter_by(member_id=member.id).delete()
    for word in cleaned:
        db.session.add(MutedWord(member_id=member.id, word=word, created_at=utcnow()))
    realtime.chat_filters_changed(member.id)
    db.session.commit()
    _forget(member.id)
    return muted_words(member)


def muted_words(member: Member | None) -> list[str]:
    if member is None or getattr(member, "id", None) is None:
        return []
    key = f"haven_muted_{member.id}"
    if has_request_context() and key in g:
        return g.get(key)
    found = list(db.session.scalars(select(MutedWord.word).where(MutedWord.member_id == member.id)
                                    .order_by(MutedWord.word)))
    if has_request_context():
        setattr(g, key, found)
    return found


def _pattern(word: str) -> re.Pattern:
    # Whole words or phrases, case-insensitive, any run of spaces matching any whitespace.
    body = r"\s+".join(re.escape(part) for part in word.split())
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


def matches(words: list[str], *texts) -> bool:
    return any(text and _pattern(word).search(text) for word in words for text in texts)


def is_filtered(viewer: Member | None, *texts) -> bool:
    """Does any of the viewer's muted words appear in these texts (body, content warning...)?"""
    words = muted_words(viewer)
    return bool(words) and matches(words, *texts)


def post_is_filtered(viewer: Member | None, post) -> bool:
    """Do the viewer's muted words hide this post (its body, content warning, and the title of an opening post)?"""
    return viewer is not None and is_filtered(viewer, post.body, post.content_warning,
                                              post.thread.title if post.is_opening else None)



# --- live chat: each connection's filter, built once ---------------------------------------------------------------

class LiveFilter:
    """What one member does not want to see live, ready for delivery: the ids they blocked and one regular
    expression for all their muted words. Built when their connection joins a room and again after they change
    their blocks or muted words (community/live_connections.py caches it per process), never per message."""

    __slots__ = ("blocked", "pattern")

    def __init__(self, blocked, words):
        self.blocked = frozenset(blocked)
        self.pattern = re.compile("|".join(f"(?:{_pattern(w).pattern})" for w in words), re.IGNORECASE) \
            if words else None

    def hides(self, author_id) -> bool:
        return author_id in self.blocked

    def mutes(self, texts) -> bool:
        return self.pattern is not None and any(text and self.pattern.search(text) for text in texts)


def live_filters(app, member_ids) -> dict:
    """{member id: LiveFilter} for these members, in two queries whatever their number. Runs on the process that
    holds the connections (at join, or at the first delivery after a change), in an app context of its own."""
    member_ids = {m for m in member_ids if m is not None}
    if not member_ids:
        return {}
    with app.app_context():
        blocked: dict[int, set] = {m: set() for m in member_ids}
        words: dict[int, list] = {m: [] for m in member_ids}
        for blocker_id, blocked_id in db.session.execute(select(Block.blocker_id, Block.blocked_id)
                                                         .where(Block.blocker_id.in_(member_ids))):
            blocked[blocker_id].add(blocked_id)
        for member_id, word in db.session.execute(select(MutedWord.member_id, MutedWord.word)
                                                  .where(MutedWord.member_id.in_(member_ids))
                                                  .order_by(MutedWord.word)):
            words[member_id].append(word)
        db.session.remove()
    return {m: LiveFilter(blocked[m], words[m]) for m in member_ids}
