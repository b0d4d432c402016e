"""The moderators' queue: raising items, ordering them, claims and decisions.

Order: urgent (self-harm intent) -> high (ideation, threats, unscreened) -> reported -> normal -> low; oldest first
within a rank. Every change bumps `version`; a decision naming an older version gets 409 with the current state.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from community.errors import Conflict, Forbidden, NotFound, ServiceError
from community.extensions import db, existing_row, iso, utcnow
from community.chat.models import ChatMessage, ChatRoom
from community.forum.models import Board, Post, Thread
from community.members.models import Member
from community.paging import page_of, parse_whole
from moderation import audit, authors, notices, signals
from moderation.care import offer as offer_follow_ups
from moderation.queue import response_times
from moderation.models import Appeal, QueueItem, StaffMessage, StaffNote
from moderation.outcomes import KEPT_PRIVATE
from moderation.policy import HIGH, LOW, NORMAL, URGENT
from moderation.queue.content import adapter_for
from moderation.screen import first_post_approval, screen_many
from moderation.settings import load_thresholds
from moderation.urgency import is_crisis, screen_for_urgency, support, urgency

RANKS = {URGENT: 0, HIGH: 1, "reported": 2, NORMAL: 3, LOW: 4}
# Decision names are a contract: extend, never rename. "reach_out" and "publish_with_support" are the choices for
# a person at risk; "approve" stays valid everywhere (for a crisis item it publishes, like publish_with_support).
ACTIONS = ("approve", "remove", "escalate", "warn", "suspend", "reach_out", "publish_with_support", "lift_mask")
# What a moderator may do with an item about a person at risk (their own crisis, or worry for someone else):
# never punish them for it.
CARE_KINDS = ("self_harm", "someone_else")
CARE_CHOICES = ("reach_out", "publish_with_support", "remove", "escalate")  # offered, in this order
# The item's `resolution` column holds 16 characters: the one longer decision name is stored shorter.
RESOLUTIONS = {"publish_with_support": "with_support"}
MESSAGE_MAX = 2000
REACH_OUT_MESSAGE = (
    "Hi, I'm one of the moderators. I read what you wrote and I'm really glad you shared it. I've kept it private "
    "for now, so only you and the moderators can see it: you haven't done anything wrong. If you'd like to talk, "
    "reply to me here any time. And if you might act on these thoughts, please call one of the numbers on the help "
    "page now: there is someone there for you."
)


def _rank(priority: str, report_count: int) -> int:
    if priority in (URGENT, HIGH):
        return RANKS[priority]
    return RANKS["reported"] if report_count else RANKS[priority]


def _claim_minutes() -> int:
    return int(current_app.config.get("QUEUE_CLAIM_MINUTES", 10))


def item_for(content_type: str, content_id: int) -> QueueItem | None:
    return db.session.scalar(select(QueueItem).where(QueueItem.content_type == content_type,
                                                     QueueItem.content_id == content_id))


def _touch(item: QueueItem) -> None:
    item.version = (item.version or 0) + 1
    item.updated_at = utcnow()
    signals.queue_item_changed.send(item)


def _get_or_create(content_type: str, content_id: int, author_id: int | None, **fields) -> tuple[QueueItem, bool]:
    """The one item for this content, made if missing. Two requests may both find none (a report racing another
    report or a screening): the insert runs in a savepoint, and the loser of the unique constraint
    (uq_queue_items_content) takes the winner's row instead of failing the whole request."""
    item = item_for(content_type, content_id)
    if item is not None:
        return item, False
    now = utcnow()
    item = QueueItem(content_type=content_type, content_id=content_id, author_id=author_id, version=0,
                     report_count=0, created_at=now, opened_at=now, **fields)
    try:
        with db.session.begin_nested():
            db.session.add(item)
    except IntegrityError:
        existing = item_for(content_type, content_id)
        if existing is None:
            raise
        return existing, False
    return item, True


def raise_for(content_type: str, content_id: int, author_id: int | None, verdict) -> QueueItem | None:
    """Open (or re-open) the one queue item for this content, as the verdict asks. Caller commits."""
    if verdict.queue_kind is None:
        return None
    item, created = _get_or_create(content_type, content_id, author_id, kind=verdict.queue_kind,
                                   priority=verdict.priority, rank=_rank(verdict.priority, 0), reasons=[])
    still_open = not created and item.status == "open" and item.kind != "unscreened"
    if still_open and (RANKS.get(item.priority, 9) < RANKS.get(verdict.priority, 9)
                       or (item.kind == "self_harm" and verdict.queue_kind != "self_harm")):
        # Never demote an open item (an edit must not push a crisis down the queue, nor turn it into anything but a
        # crisis); just add the new reasons. An "unscreened" item's rank only stood for missing scores: a real
        # verdict replaces it.
        item.reasons = list(dict.fromkeys([*(item.reasons or []), *verdict.reasons]))
        _touch(item)
        return item
    item.kind = verdict.queue_kind
    item.priority = verdict.priority
    item.rank = _rank(verdict.priority, item.report_count or 0)
    # An open item keeps what moderators already read (reports, earlier reasons) beside the new verdict's.
    item.reasons = list(dict.fromkeys([*(item.reasons or []), *verdict.reasons])) if still_open \
        else list(verdict.reasons)
    item.scores = verdict.scores or None
    if not created and item.status != "open":
        response_times.reopened(item)
    item.status, item.resolution, item.resolved_at, item.resolved_by_id = "open", None, None, None
    db.session.flush()
    _touch(item)
    return item


def after_edit(content_type: str, content_id: int, author_id: int | None, verdict, *, kept: bool) -> None:
    """The queue's side of an edit. `kept`: the content's hold stays whatever the new verdict says (a crisis, or a
    hold the classifiers did not make), so its open item stays open and is never turned into an "unscreened" one
    a retry could publish; moderators see that it was edited (and the revisions on the item). Caller commits."""
    if not kept:
        raise_for(content_type, content_id, author_id, verdict)
    elif verdict.queue_kind not in (None, "unscreened"):
        raise_for(content_type, content_id, author_id, verdict)
    item = item_for(content_type, content_id)
    if item is None or item.status != "open":
        return
    summary = verdict.hold_reason or verdict.status
    item.reasons = list(dict.fromkeys([*(item.reasons or []), f"edited: new text screened {summary}"]))
    _touch(item)


def add_report(post, report, hold_votes: int | None = None, author_is_staff: bool = False) -> QueueItem:
    """A member report joins the post's one item; enough reports on a published post hold it. `hold_votes` is how
    many of the post's reports count toward that hold (the caller leaves out untrusted, suspended and deleted
    reporters; None counts them all); a staff member's post is never hidden by reports, only queued."""

    severe = report.reason == "self_harm_risk"
    item, created = _get_or_create("post", post.id, post.author_id, kind="report",
                                   priority=HIGH if severe else NORMAL, reasons=[], rank=RANKS[NORMAL])
    # Count in SQL, then re-read: the UPDATE takes the row's write lock (SQLite: the database's), so concurrent
    # reports never lose a count and everything below works on the current row.
    db.session.flush()
    db.session.execute(update(QueueItem).where(QueueItem.id == item.id)
                       .values(report_count=func.coalesce(QueueItem.report_count, 0) + 1))
    db.session.refresh(item)
    if not created and item.status != "open":
        response_times.reopened(item)
        item.kind, item.priority, item.status = "report", HIGH if severe else NORMAL, "open"
        item.resolution = item.resolved_at = item.resolved_by_id = None
    elif not created and severe and RANKS[item.priority] > RANKS[HIGH]:
        item.priority = HIGH
    item.reasons = list(dict.fromkeys([*(item.reasons or []), f"report:{report.reason}"]))
    item.rank = _rank(item.priority, item.report_count)
    db.session.flush()
    limit = load_thresholds().reports_to_hold
    adapter = adapter_for("post")
    votes = item.report_count if hold_votes is None else hold_votes
    if adapter.status(post) == "published" and votes >= limit and not author_is_staff:
        adapter.set_status(post, "held", hold_reason="reports", note=None)
        audit.record(None, "post.hold_by_reports", target=f"post:{post.id}", before={"status": "published"},
                     after={"status": "held", "reports": item.report_count})
    _touch(item)
    return item


def raise_pact_partner(content_type: str, content_id: int, member_id: int, verdict, source: str) -> QueueItem | None:
    """A suicide pact proposed to a member (e.g. in a reply to their thread): they are at risk too, so their own
    content (`content_type`, `content_id`) gets an urgent self-harm item naming where the pact was proposed."""
    return raise_for(content_type, content_id, member_id,
                     replace(verdict, queue_kind="self_harm", priority=URGENT,
                             reasons=["pact:proposed_to_this_member", f"pact:in:{source}"]))


def raise_report_note_crisis(item: QueueItem, report, verdict) -> QueueItem:
    """A report's note that reads as a crisis. For a `self_harm_risk` report the note is about the post's author:
    the post's item rises to the verdict's priority. Otherwise the reporter may be the one at risk: a self-harm
    item about the reporter (content type "report") is raised, so moderators reach out to the right person."""
    reasons = [f"report_note:{r}" for r in verdict.reasons]
    if report.reason == "self_harm_risk":
        if RANKS.get(verdict.priority, 9) < RANKS.get(item.priority, 9):
            item.priority = verdict.priority
        item.reasons = list(dict.fromkeys([*(item.reasons or []), *reasons]))
        item.rank = _rank(item.priority, item.report_count or 0)
        db.session.flush()
        _touch(item)
        return item
    return raise_for("report", report.id, report.reporter_id,
                     replace(verdict, queue_kind="self_harm", reasons=["report_note", *verdict.reasons]))


# --- reading -----------------------------------------------------------------------------------------------------

QUEUE_PAGE = 200


def open_items(limit: int = QUEUE_PAGE, page: int = 1) -> list[QueueItem]:
    return items("open", limit, page)


def items(status: str = "open", limit: int = QUEUE_PAGE, page: int = 1) -> list[QueueItem]:
    """One page of the queue (`limit` items; page 1 is the top of the queue)."""
    if status not in ("open", "resolved", "all"):
        raise ServiceError("invalid_status", "status must be open, resolved or all.")
    if status == "open":
        query = select(QueueItem).where(QueueItem.status == "open")
        order = (QueueItem.rank.asc(), QueueItem.created_at.asc(), QueueItem.id.asc())
        reverse = (QueueItem.rank.desc(), QueueItem.created_at.desc(), QueueItem.id.desc())
    else:
        query = select(QueueItem)
        if status == "resolved":
            query = query.where(QueueItem.status == "resolved")
        order = (QueueItem.updated_at.desc(), QueueItem.id.desc())
        reverse = (QueueItem.updated_at.asc(), QueueItem.id.asc())
    if page == 1:
        # The top of the queue (what moderators and the live staff room read): no count needed.
        return list(db.session.scalars(query.order_by(*order).limit(limit)))
    return page_of(query, order=order, reverse=reverse, page=page, per_page=limit).items


# Every kind of queue item; "reports" is accepted for "report" in filters.
KINDS = ("self_harm", "someone_else", "member_message", "toxicity", "report", "unscreened", "check_in", "appeal",
         "new_account", "watched_word", "auto_removed", "suspension_proposal", "method_details", "encouragement")
PRIORITIES = (URGENT, HIGH, NORMAL, LOW)
CLAIMED = ("any", "me", "none")
PER_PAGE_MAX = 200


AGES = {"15m": 15, "1h": 60, "4h": 240, "24h": 24 * 60, "7d": 7 * 24 * 60}  # waiting at least this long


@dataclass(frozen=True)
class QueueFilter:
    """Which items a moderator wants to see: kinds and priorities (empty = all), whose claim, how long they have
    waited at least (`age`, a key of AGES), and on which board (forum posts) or in which chat room (messages)."""
    kinds: tuple = ()
    priorities: tuple = ()
    claimed: str = "any"
    age: str = ""
    board: str = ""
    room: str = ""

    @property
    def active(self) -> bool:
        return bool(self.kinds or self.priorities or self.claimed != "any" or self.age or self.board or self.room)

    @property
    def narrowed(self) -> bool:
        """Narrowed by what a live card does not carry (age, board): the page cannot place new items itself."""
        return bool(self.age or self.board)

    def query_args(self) -> dict:
        """The filter as URL arguments (pages keep it in the address, so it can be shared and the back button works)."""
        return {k: v for k, v in (("kind", ",".join(self.kinds)), ("priority", ",".join(self.priorities)),
                                  ("claimed", "" if self.claimed == "any" else self.claimed), ("age", self.age),
                                  ("board", self.board), ("room", self.room)) if v}


def _listed(raw, allowed, name, aliases=None) -> tuple:
    if raw in (None, ""):
        return ()
    if not isinstance(raw, str) or "\x00" in raw or len(raw) > 500:
        raise ServiceError("invalid_filter", f"{name} must be a comma-separated list.", field=name)
    values = []
    for value in (v.strip().lower() for v in raw.split(",") if v.strip()):
        value = (aliases or {}).get(value, value)
        if value not in allowed:
            raise ServiceError("invalid_filter", f"Unknown {name} '{value[:40]}': choose from {', '.join(allowed)}.",
                               field=name)
        if value not in values:
            values.append(value)
    return tuple(values)


def _slug(raw, name: str, model) -> str:
    if raw in (None, ""):
        return ""
    value = raw.strip().lower() if isinstance(raw, str) else None
    if not value or len(value) > 40 or "\x00" in value or db.session.scalar(
            select(model.id).where(model.slug == value)) is None:
        raise ServiceError("invalid_filter", f"There is no {name} '{str(raw)[:40]}'.", field=name)
    return value


def parse_filter(kind=None, priority=None, claimed=None, age=None, board=None, room=None) -> QueueFilter:
    """A QueueFilter from URL arguments (`kind=self_harm,report`, `priority=urgent`, `claimed=me|none|any`,
    `age=15m|1h|4h|24h|7d`, `board=<slug>`, `room=<slug>`), or 400 invalid_filter naming what was wrong."""
    claimed = (claimed or "any").strip().lower() if isinstance(claimed, str) or claimed is None else claimed
    if claimed not in CLAIMED:
        raise ServiceError("invalid_filter", "claimed must be me, none or any.", field="claimed")
    age = (age or "").strip().lower() if isinstance(age, str) or age is None else age
    if age and age not in AGES:
        raise ServiceError("invalid_filter", f"age must be one of {', '.join(AGES)} (waiting at least that long).",
                           field="age")
    return QueueFilter(kinds=_listed(kind, KINDS, "kind", {"reports": "report"}),
                       priorities=_listed(priority, PRIORITIES, "priority"), claimed=claimed, age=age,
                       board=_slug(board, "board", Board), room=_slug(room, "room", ChatRoom))


def parse_per_page(raw, default: int = 50) -> int:
    return parse_whole(raw, "per_page", default, PER_PAGE_MAX)


def filter_places() -> tuple[dict, dict]:
    """({board slug: name}, {room slug: name}) for the queue page's board and room filters."""
    boards = dict(db.session.execute(select(Board.slug, Board.name).order_by(Board.name)).all())
    rooms = dict(db.session.execute(select(ChatRoom.slug, ChatRoom.name).order_by(ChatRoom.name)).all())
    return boards, rooms


def filtered(status: str, wanted: QueueFilter, moderator: Member, *, page: int = 1, per_page: int = 50):
    """One page of the queue narrowed by `wanted` (a Pagination: .items, .total, .pages), in the queue's order; a
    fixed number of queries whatever the number of items."""
    if status not in ("open", "resolved", "all"):
        raise ServiceError("invalid_status", "status must be open, resolved or all.")
    query = select(QueueItem)
    if status != "all":
        query = query.where(QueueItem.status == status)
    if wanted.kinds:
        query = query.where(QueueItem.kind.in_(wanted.kinds))
    if wanted.priorities:
        query = query.where(QueueItem.priority.in_(wanted.priorities))
    now = utcnow()
    if wanted.claimed == "me":  # a claim counts while it lasts (active_claimant)
        query = query.where(QueueItem.claimed_by_id == moderator.id, QueueItem.claimed_until > now)
    elif wanted.claimed == "none":
        query = query.where(or_(QueueItem.claimed_by_id.is_(None), QueueItem.claimed_until.is_(None),
                                QueueItem.claimed_until <= now))
    if wanted.age:
        began = func.coalesce(QueueItem.opened_at, QueueItem.created_at)
        query = query.where(began <= now - timedelta(minutes=AGES[wanted.age]))
    if wanted.board:
        query = query.where(QueueItem.content_type == "post", QueueItem.content_id.in_(
            select(Post.id).join(Thread, Post.thread_id == Thread.id).join(Board, Thread.board_id == Board.id)
            .where(Board.slug == wanted.board)))
    if wanted.room:
        query = query.where(QueueItem.content_type == "message", QueueItem.content_id.in_(
            select(ChatMessage.id).join(ChatRoom, ChatMessage.room_id == ChatRoom.id)
            .where(ChatRoom.slug == wanted.room)))
    if status == "open":
        order = (QueueItem.rank.asc(), QueueItem.created_at.asc(), QueueItem.id.asc())
        reverse = (QueueItem.rank.desc(), QueueItem.created_at.desc(), QueueItem.id.desc())
    else:
        order = (QueueItem.updated_at.desc(), QueueItem.id.desc())
        reverse = (QueueItem.updated_at.asc(), QueueItem.id.asc())
    return page_of(query, order=order, reverse=reverse, page=page, per_page=per_page)


def get_item(item_id) -> QueueItem:
    # Ids past a 32-bit integer would make PostgreSQL raise "out of range": they simply don't exist.
    return existing_row(QueueItem, item_id, "item_not_found", "No queue item with that id.")


def counts() -> dict:
    rows = db.session.execute(select(QueueItem.priority, func.count()).where(QueueItem.status == "open")
                              .group_by(QueueItem.priority)).all()
    result = {URGENT: 0, HIGH: 0, NORMAL: 0, LOW: 0}
    result.update({priority: n for priority, n in rows})
    oldest = db.session.scalar(select(func.min(QueueItem.created_at)).where(QueueItem.status == "open",
                                                                           QueueItem.priority == URGENT))
    result["oldest_urgent_at"] = iso(oldest)
    # Open items past their priority's response-time target (moderation/queue/response_times.py).
    result["overdue"] = db.session.scalar(select(func.count(QueueItem.id)).where(
        response_times.overdue_condition(response_times.targets()))) or 0
    return result


def active_claimant(item: QueueItem) -> Member | None:
    if item.claimed_by_id and item.claimed_until and item.claimed_until > utcnow():
        return item.claimed_by
    return None


def preload(items: list[QueueItem]) -> list:
    """Load what a list of items shows (content, authors, claimants, their trust) with a fixed number of queries,
    whatever the number of items. Returns the loaded rows: keep them while rendering (the session holds rows weakly,
    and content_of / the relationships then find them without a query)."""
    member_ids = {i.author_id for i in items if i.author_id} | {i.claimed_by_id for i in items if i.claimed_by_id}
    members = list(db.session.scalars(select(Member).where(Member.id.in_(member_ids)))) if member_ids else []
    loaded: list = list(members)
    by_type: dict[str, list[int]] = {}
    for item in items:
        by_type.setdefault(item.content_type, []).append(item.content_id)
    for content_type, ids in by_type.items():
        adapter = adapter_for(content_type)
        if hasattr(adapter, "load_many"):
            loaded += adapter.load_many(ids)
    authors.prime(members)
    return loaded


def content_of(item: QueueItem):
    return adapter_for(item.content_type).load(item.content_id)


def revisions(item: QueueItem) -> list[dict]:
    """Every version of the item's content, original first (empty for content that cannot be edited)."""
    adapter = adapter_for(item.content_type)
    content = adapter.load(item.content_id)
    if content is None or not hasattr(adapter, "revisions"):
        return []
    return adapter.revisions(content)


def author_history(item: QueueItem, limit: int = 5) -> list[QueueItem]:
    if item.author_id is None:
        return []
    return list(db.session.scalars(select(QueueItem).where(QueueItem.author_id == item.author_id,
                                                           QueueItem.id != item.id)
                                   .order_by(QueueItem.created_at.desc()).limit(limit)))


# --- acting ------------------------------------------------------------------------------------------------------

def _require_staff(member: Member) -> None:
    if member is None or not member.is_staff:
        raise Forbidden("forbidden", "Only moderators can do that.")


def _conflict(item: QueueItem, message: str) -> Conflict:
    err = Conflict("conflict", message)
    err.current = item  # the API returns the current state with the 409
    return err


def claim(item: QueueItem, moderator: Member) -> QueueItem:
    _require_staff(moderator)
    # Lock the row where the database can, so two moderators cannot both win the same claim.
    db.session.refresh(item, with_for_update=db.engine.dialect.name != "sqlite")
    holder = active_claimant(item)
    if holder is not None and holder.id != moderator.id:
        raise _conflict(item, f"{holder.handle} is already working on this item.")
    if item.status != "open":
        raise _conflict(item, "This item has already been decided.")
    item.claimed_by_id = moderator.id
    item.claimed_until = utcnow() + timedelta(minutes=_claim_minutes())
    if item.first_claimed_at is None:
        item.first_claimed_at = utcnow()
    _touch(item)
    audit.record(moderator, "queue.claim", target=f"queue:{item.id}")
    db.session.commit()
    return item


def expire_claims() -> int:
    """Clear claims whose time ran out (periodic job), so the queue and the live staff room show the item free.
    The item's version is kept: a moderator finishing a decision just after expiry is not sent a conflict."""
    expired = list(db.session.scalars(select(QueueItem).where(QueueItem.claimed_by_id.isnot(None),
                                                              QueueItem.claimed_until < utcnow())))
    for item in expired:
        item.claimed_by_id, item.claimed_until = None, None
        signals.queue_item_changed.send(item)
    db.session.commit()
    return len(expired)


def release(item: QueueItem, moderator: Member, note=None) -> QueueItem:
    """Give up one's claim; a `note` is a hand-off for the next moderator ("she said she's safe for now"), shown
    first on the item."""
    _require_staff(moderator)
    body = _note_body(note) if note not in (None, "") else None
    if item.claimed_by_id == moderator.id:
        item.claimed_by_id = item.claimed_until = None
        if body is not None:
            _add_note(moderator, body, item=item, kind="handoff")
        _touch(item)
        db.session.commit()
    elif body is not None:
        raise Conflict("not_claimed", "You can leave a hand-off note only when releasing your own claim; add it as a "
                                      "note instead.")
    return item


# --- internal notes (staff only; never shown to the member) -----------------------------------------------------

NOTE_MAX = 2000


def _note_body(body) -> str:
    if not isinstance(body, str) or not body.replace("\x00", "").strip():
        raise ServiceError("invalid_note", "Write the note first.", field="body")
    body = body.replace("\x00", "").strip()
    if len(body) > NOTE_MAX:
        raise ServiceError("note_too_long", f"A note can be at most {NOTE_MAX} characters ({len(body)} sent).",
                           field="body")
    return body


def _add_note(moderator: Member, body: str, *, item: QueueItem | None = None, member_id: int | None = None,
              kind: str = "note") -> StaffNote:
    note = StaffNote(item_id=item.id if item is not None else None, member_id=member_id, author_id=moderator.id,
                     kind=kind, body=body, created_at=utcnow())
    db.session.add(note)
    db.session.flush()
    target = f"queue_item:{item.id}" if item is not None else f"member:{member_id}"
    audit.record(moderator, f"staff_note.{kind}", target=target, after={"note": note.id})
    return note


def add_note(item: QueueItem, moderator: Member, body, *, about: str = "item") -> StaffNote:
    """An internal note on the item, or (`about="member"`) about its author, seen on every item of theirs."""
    _require_staff(moderator)
    if about not in ("item", "member"):
        raise ServiceError("invalid_about", "about must be item or member.", field="about")
    body = _note_body(body)
    if about == "member":
        if item.author_id is None:
            raise ServiceError("no_author", "This item has no author to note anything about.", field="about")
        note = _add_note(moderator, body, member_id=item.author_id)
    else:
        note = _add_note(moderator, body, item=item)
    db.session.commit()
    return note


def notes_for(item: QueueItem) -> list[StaffNote]:
    """The item's notes and the notes about its author: hand-offs first, then newest first."""
    about = [StaffNote.item_id == item.id]
    if item.author_id is not None:
        about.append(StaffNote.member_id == item.author_id)
    found = list(db.session.scalars(select(StaffNote).where(or_(*about))
                                    .order_by(StaffNote.created_at.desc(), StaffNote.id.desc())))
    return sorted(found, key=lambda n: n.kind != "handoff")  # stable: newest first within each group


def note_to_dict(note: StaffNote) -> dict:
    return {"id": note.id, "kind": note.kind, "about": "member" if note.member_id is not None else "item",
            "body": note.body, "author": note.author.handle if note.author else None,
            "created_at": iso(note.created_at)}


def decide(item: QueueItem, moderator: Member, action, *, version, note=None, days=None) -> QueueItem:
    """Apply a moderator's decision. 409 when `version` is stale, the item is decided, or another moderator
    holds an unexpired claim."""
    _require_staff(moderator)
    if action not in ACTIONS:
        raise ServiceError("invalid_action", f"action must be one of: {', '.join(ACTIONS)}.", field="action")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ServiceError("invalid_version", "version must be the item's current version number.", field="version")
    if note is not None and (not isinstance(note, str) or len(note) > MESSAGE_MAX):
        raise ServiceError("invalid_note", f"note must be text of at most {MESSAGE_MAX} characters.", field="note")
    note = (note or "").strip() or None
    # Lock the row where the database can (PostgreSQL), so two decisions cannot both pass the version check.
    db.session.refresh(item, with_for_update=db.engine.dialect.name != "sqlite")
    if item.version != version:
        raise _conflict(item, "Someone else changed this item. Here is its current state.")
    if item.status != "open":
        raise _conflict(item, "This item has already been decided.")
    holder = active_claimant(item)
    if holder is not None and holder.id != moderator.id:
        raise _conflict(item, f"{holder.handle} is working on this item.")

    adapter = adapter_for(item.content_type)
    content = adapter.load(item.content_id)
    author = db.session.get(Member, item.author_id) if item.author_id else None
    before = {"status": adapter.status(content) if content is not None else None, "item": item.status}
    care = is_care_item(item, content)
    if care and action in ("warn", "suspend"):
        raise ServiceError("not_allowed", "A person at risk is never warned or suspended for it. Reach out instead: "
                                          "reach out and keep private, publish with support, remove or escalate.",
                           status=422, field="action")
    if action in ("reach_out", "publish_with_support") and not care:
        raise ServiceError("not_allowed", f"{action} is for an item about a person at risk.", status=422,
                           field="action")
    appeal_record = appeal_of(item)
    if appeal_record is not None and action != "escalate":
        _check_appeal_decider(appeal_record, moderator)

    if action == "lift_mask":
        lift = getattr(adapter, "lift_mask", None)
        if content is None or lift is None or not lift(content):
            raise ServiceError("not_masked", "Nothing in this content is masked.", status=422, field="action")
        before["masked"] = True
        # The item stays open: lifting the mask is one step, publishing or removing is the decision.
        item.reasons = list(dict.fromkeys([*(item.reasons or []), f"mask_lifted_by:{moderator.handle}"]))
    elif action in ("approve", "publish_with_support"):
        if content is not None:
            adapter.set_status(content, "published", hold_reason=None, note=note)
        if note and author is not None:
            _message(author, moderator, item, note)
        _resolve(item, moderator, RESOLUTIONS.get(action, action))
    elif action == "reach_out":
        if author is None:
            raise ServiceError("no_author", "This item has no author to reach out to.")
        if content is not None:
            adapter.set_status(content, "removed", hold_reason=KEPT_PRIVATE, note=None)
        _message(author, moderator, item, note or REACH_OUT_MESSAGE)
        _resolve(item, moderator, "reach_out")
    elif action == "remove":
        if item.kind == "member_message":
            raise ServiceError("not_allowed", "A message to the moderators is never removed. Reply to the member, "
                                              "or mark it handled (approve).", status=422, field="action")
        if appeal_record is not None:  # the appeal is turned down: the first decision (and its reason) stands
            reason_kind = (appeal_record.original_decision or {}).get("kind") or (content.hold_reason if content
                                                                                  is not None else None)
            reason = note
        else:
            reason_kind = item.kind
            reason = note or (None if care else "It broke the community guidelines.")
        if content is not None:
            adapter.set_status(content, "removed", hold_reason=reason_kind, note=reason)
        _resolve(item, moderator, "remove")
    elif action == "escalate":
        item.escalated = True
    elif action == "warn":
        if not note:
            raise ServiceError("missing_note", "A warning needs a note the member will read.", field="note")
        if author is None:
            raise ServiceError("no_author", "This item has no author to warn.")
        _message(author, moderator, item, f"A moderator has warned you: {note}")
    elif action == "suspend":
        if item.kind == "self_harm" or in_crisis(item):
            raise ServiceError("not_allowed", "A person at risk is never suspended for it. Reach out instead: "
                                              "message them, or approve/hold their post.", status=422)
        if author is None:
            raise ServiceError("no_author", "This item has no author to suspend.")
        if author.is_staff and not moderator.is_admin:
            raise Forbidden("staff_suspension", "Only an admin can suspend a moderator or an admin.")
        days = 7 if days is None else days
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
            raise ServiceError("invalid_days", "days must be a whole number from 1 to 365.", field="days")
        # Reading stays allowed; posting and chat are refused while suspended.
        previous = author.suspended_until
        author.suspended_until = utcnow() + timedelta(days=days)
        # The member's own trail (the People page lists it), committed with the decision below.
        audit.record(moderator, "member.suspend", target=f"member:{author.id}",
                     before={"suspended_until": previous.isoformat() if previous else None},
                     after={"suspended_until": author.suspended_until.isoformat(), "days": days,
                            "item": item.id, "content": f"{item.content_type}:{item.content_id}"}, note=note)
        _message(author, moderator, item, f"Your account is suspended for {days} day(s)." + (f" {note}" if note else ""))
        if item.kind == "suspension_proposal":
            _resolve(item, moderator, "suspend")
    # A notice to the author for every decision, and a strike for a removal/warning for abuse (enough strikes
    # within the admin's window raise a suspension proposal).
    notice = notices.for_decision(item, content, author, moderator, action, note, days)
    if (notice is not None and notice.kind == "support" and item.status == "resolved"
            and item.kind != "someone_else" and item.content_type in ("post", "message")):
        offer_follow_ups(item, author, moderator, notice)  # caring check-ins, opt-in (moderation/care.py)
    strike = notices.record_strike(item, content, author, moderator, action, note)
    if strike is not None and strike.kind == "removal":
        _propose_suspension(author)
    _touch(item)
    audit.record(moderator, f"queue.{action}", target=f"{item.content_type}:{item.content_id}", before=before,
                 after={"status": adapter.status(content) if content is not None else None, "item": item.status},
                 note=note)
    db.session.commit()
    return item


def _propose_suspension(member: Member) -> None:
    """A "suspension_proposal" item about the member once their strikes reach the admin's threshold."""
    reason = notices.suspension_due(member)
    existing = item_for("member", member.id)
    if reason is None or (existing is not None and existing.status == "open"):
        return
    item = existing or QueueItem(content_type="member", content_id=member.id, author_id=member.id,
                                 report_count=0, version=0, created_at=utcnow())
    if existing is None:
        db.session.add(item)
    response_times.reopened(item, item.created_at if existing is None else None)
    item.kind, item.priority, item.status = "suspension_proposal", HIGH, "open"
    item.rank = _rank(HIGH, 0)
    item.reasons = [reason]
    item.scores = None
    item.resolution = item.resolved_at = item.resolved_by_id = None
    db.session.flush()
    _touch(item)


def in_crisis(item: QueueItem) -> bool:
    """A self-harm signal (ideation or intent) on an item of another kind: a member message, an appeal."""
    return any(r in ("self_harm:ideation", "self_harm:intent") for r in (item.reasons or []))
def is_care_item(item: QueueItem, content=None) -> bool:
    """An item about a person at risk: held for self-harm, worried about someone else, or an appeal/report on
    content the screen held for self-harm. Such items are never warned or suspended."""
    if item.kind in CARE_KINDS:
        return True
    if content is None or item.kind == "suspension_proposal":
        return False
    verdict = getattr(content, "verdict", None) or {}
    return (getattr(content, "hold_reason", None) in ("self_harm", KEPT_PRIVATE)
            or verdict.get("hold_reason") == "self_harm")


def actions_for(item: QueueItem, content=None) -> tuple[str, ...]:
    """The decisions a moderator is offered for this item (the API also accepts "approve" for a care item)."""
    masked = ("lift_mask",) if getattr(content, "original_body", None) is not None else ()
    if is_care_item(item, content):
        return (*CARE_CHOICES, *masked)
    return ("approve", "remove", "escalate", "warn", "suspend", *masked)


def appeal_of(item: QueueItem) -> Appeal | None:
    if item.kind != "appeal":
        return None
    return db.session.scalar(select(Appeal).where(Appeal.content_type == item.content_type,
                                                  Appeal.content_id == item.content_id))


def _check_appeal_decider(appeal_record: Appeal, moderator: Member) -> None:
    """An appeal is decided by someone other than the moderator whose decision it appeals; an admin may when no
    other staff exist."""
    decided_by = (appeal_record.original_decision or {}).get("decided_by")
    if decided_by is None or decided_by != moderator.id:
        return
    others = db.session.scalar(select(func.count(Member.id)).where(Member.role.in_(("moderator", "admin")),
                                                                   Member.id != moderator.id,
                                                                   Member.deleted_at.is_(None))) or 0
    if moderator.role == "admin" and others == 0:
        return
    raise Forbidden("appeal_needs_another_moderator", "You made the decision this appeal is about: another "
                    "moderator decides the appeal, so the member gets a second pair of eyes.")


def _resolve(item: QueueItem, moderator: Member, resolution: str) -> None:
    item.status, item.resolution = "resolved", resolution
    item.resolved_by_id, item.resolved_at = moderator.id, utcnow()
    item.claimed_by_id = item.claimed_until = None


def _message(member: Member, sender: Member, item: QueueItem | None, body: str) -> StaffMessage:
    msg = StaffMessage(member_id=member.id, sender_id=sender.id, queue_item_id=item.id if item else None, body=body)
    db.session.add(msg)
    signals.staff_message_sent.send(member.id)
    return msg


def message_author(item: QueueItem, moderator: Member, body) -> StaffMessage:
    _require_staff(moderator)
    if not isinstance(body, str) or not body.strip() or len(body) > MESSAGE_MAX:
        raise ServiceError("invalid_body", f"A message is 1 to {MESSAGE_MAX} characters.", field="body")
    author = db.session.get(Member, item.author_id) if item.author_id else None
    if author is None:
        raise ServiceError("no_author", "This item has no author to message.")
    msg = _message(author, moderator, item, body.strip())
    audit.record(moderator, "queue.message", target=f"member:{author.id}")
    db.session.commit()
    return msg


def conversation(member: Member) -> list[StaffMessage]:
    return list(db.session.scalars(select(StaffMessage).where(StaffMessage.member_id == member.id)
                                   .order_by(StaffMessage.created_at, StaffMessage.id)))


def unread_count(member: Member) -> int:
    return db.session.scalar(select(func.count(StaffMessage.id)).where(
        StaffMessage.member_id == member.id, StaffMessage.sender_id != member.id,
        StaffMessage.read_at.is_(None))) or 0


def mark_read(member: Member) -> None:
    db.session.query(StaffMessage).filter(StaffMessage.member_id == member.id, StaffMessage.sender_id != member.id,
                                          StaffMessage.read_at.is_(None)).update({"read_at": utcnow()})
    db.session.commit()


def appeal(member: Member, content_type: str, content_id: int, text) -> tuple[Appeal, dict]:
    """One appeal per removal; it lands in the queue with the original decision. The text is screened for urgency
    only (never refused): a crisis in it raises the item to urgent/high. Returns (appeal, support): the support
    fields the writer is shown, the crisis panel's for a crisis (moderation.resources.support_for_verdict)."""
    adapter = adapter_for(content_type)
    content = adapter.load(content_id)
    if content is None or adapter.author_id(content) != member.id:
        raise NotFound("not_found", "That isn't something of yours that can be appealed.")
    if adapter.status(content) != "removed":
        raise ServiceError("not_removed", "Only a removed post can be appealed.")
    if not isinstance(text, str) or not text.strip() or len(text) > MESSAGE_MAX:
        raise ServiceError("invalid_text", f"Tell us why in 1 to {MESSAGE_MAX} characters.", field="text")
    if db.session.scalar(select(Appeal).where(Appeal.content_type == content_type,
                                              Appeal.content_id == content_id)) is not None:
        raise Conflict("already_appealed", "You've already appealed this decision. A moderator will review it.")
    item = item_for(content_type, content_id)
    original = {"resolution": item.resolution if item else "removed", "kind": item.kind if item else None,
                "reasons": item.reasons if item else [], "decided_by": item.resolved_by_id if item else None,
                "decided_at": iso(item.resolved_at) if item else None,
                "note": adapter_note(content)}
    text = text.replace("\x00", "").strip()
    verdict = screen_for_urgency(text, member, "appeal")
    priority = urgency(verdict) if is_crisis(verdict) else NORMAL
    record = Appeal(content_type=content_type, content_id=content_id, member_id=member.id, text=text,
                    original_decision=original)
    db.session.add(record)
    notices.withdraw_appeal_links(member, content_type, content_id)  # appealed once: no notice offers it again
    if item is None:
        item = QueueItem(content_type=content_type, content_id=content_id, author_id=member.id, report_count=0,
                         version=0, created_at=utcnow())
        db.session.add(item)
        response_times.reopened(item, item.created_at)
    elif item.status != "open":
        response_times.reopened(item)
    item.kind, item.priority, item.status = "appeal", priority, "open"
    item.rank = _rank(priority, item.report_count or 0)
    crisis_reasons = ["appeal_text:crisis", *verdict.reasons] if is_crisis(verdict) else []
    item.reasons = list(dict.fromkeys([*(original["reasons"] or []), "appeal", *crisis_reasons]))
    if is_crisis(verdict):
        item.scores = verdict.scores or item.scores
    item.resolution = item.resolved_at = item.resolved_by_id = None
    db.session.flush()
    _touch(item)
    db.session.commit()
    return record, support(verdict, member, "appeal")


def adapter_note(content) -> str | None:
    return getattr(content, "moderator_note", None)


def retry_unscreened(limit: int = 100) -> dict:
    """Screen again every item held as unscreened (CLI and the periodic job call this)."""
    pending = list(db.session.scalars(select(QueueItem).where(QueueItem.status == "open",
                                                              QueueItem.kind == "unscreened").limit(limit)))
    done = {"retried": 0, "published": 0, "still_held": 0}
    for item in pending:
        adapter = adapter_for(item.content_type)
        content = adapter.load(item.content_id)
        if content is None:
            continue
        author = db.session.get(Member, item.author_id) if item.author_id else None
        verdict = screen_many([adapter.text(content)], author=author, context="retry")[0]
        if item.content_type == "post" and author is not None:
            first_post_approval(verdict, author)  # a new account's first post still waits for a moderator
        # Screening took time: a moderator may have decided this item meanwhile. Lock it and look again, so a
        # retry never overwrites a human decision.
        db.session.refresh(item, with_for_update=db.engine.dialect.name != "sqlite")
        db.session.refresh(content)
        if item.status != "open" or item.kind != "unscreened" or adapter.status(content) != "held":
            continue
        if getattr(content, "hold_reason", "unscreened") not in (None, "unscreened"):
            continue  # held for something else as well (a crisis, reports, first-post approval): a person decides
        done["retried"] += 1
        if verdict.hold_reason == "unscreened":
            done["still_held"] += 1
            continue
        adapter.set_status(content, verdict.status, hold_reason=verdict.hold_reason, note=None,
                           verdict=verdict.record())
        if verdict.queue_kind is None:
            item.status, item.resolution, item.resolved_at = "resolved", "rescreened", utcnow()
            _touch(item)
            done["published"] += 1
        else:
            raise_for(item.content_type, item.content_id, item.author_id, verdict)
            done["still_held"] += 1
        audit.record(None, "queue.rescreen", target=f"{item.content_type}:{item.content_id}",
                     after={"status": verdict.status, "reasons": verdict.reasons})
    db.session.commit()
    return done
