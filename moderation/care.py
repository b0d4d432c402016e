"""Caring follow-ups: brief, warm check-ins from the team after a crisis (caring contacts).

When a moderator resolves an item about a member's own self-harm risk, the supportive notice offers two check-ins,
after 1 day and after 7 days. Nothing is scheduled unless the member says yes (opt-in), and they can stop them at
any time. A check-in is a staff message in the member's conversation with the moderators, clearly marked as from
the team, with words an admin wrote (the templates) or that a moderator personalised for this member: never
written by a model. The periodic job `send_care_followups` (moderation/jobs.py) sends what is due; nothing is sent
to an account that has been deleted or is suspended (those follow-ups are cancelled). Moderators see a member's
follow-ups on the item page and in the item API (`follow_ups`).
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from community.errors import NotFound, ServiceError
from community.extensions import db, existing_row, iso, utcnow
from community.members.models import Member
from moderation import audit, signals
from moderation.models import CareFollowUp, Notice, QueueItem, StaffMessage
from moderation.settings import CARE_MAX_CHARS, load_care_templates

DELAYS = (1, 7)  # days after the decision
OFFERED, SCHEDULED, SENT, STOPPED, CANCELLED = "offered", "scheduled", "sent", "stopped", "cancelled"
CARE_MESSAGE = "care_followup"  # StaffMessage.kind
SEND_BATCH = 200


def offer(item: QueueItem, member: Member, moderator: Member, notice: Notice | None) -> list[CareFollowUp]:
    """Offer the check-ins for this resolved item (idempotent per item). Caller commits."""
    if member is None or member.deleted_at is not None:
        return []
    existing = db.session.scalars(select(CareFollowUp).where(CareFollowUp.item_id == item.id)).all()
    if existing:
        return list(existing)
    db.session.flush()  # the notice's id
    rows = [CareFollowUp(member_id=member.id, item_id=item.id, notice_id=notice.id if notice is not None else None,
                         moderator_id=moderator.id, delay_days=days, status=OFFERED) for days in DELAYS]
    db.session.add_all(rows)
    return rows


def for_member(member: Member) -> list[CareFollowUp]:
    return list(db.session.scalars(select(CareFollowUp).where(CareFollowUp.member_id == member.id)
                                   .order_by(CareFollowUp.created_at.desc(), CareFollowUp.delay_days)))


def for_item(item: QueueItem) -> list[CareFollowUp]:
    if item.author_id is None:
        return []
    return list(db.session.scalars(select(CareFollowUp).where(CareFollowUp.member_id == item.author_id)
                                   .order_by(CareFollowUp.created_at.desc(), CareFollowUp.delay_days)))


def offers_by_notice(member: Member) -> dict[int, list[CareFollowUp]]:
    """notice id -> its follow-ups, for the member's notices page."""
    out: dict[int, list[CareFollowUp]] = {}
    for row in for_member(member):
        if row.notice_id is not None:
            out.setdefault(row.notice_id, []).append(row)
    return out


def _parse_item_id(item_id) -> int:
    if isinstance(item_id, bool) or not isinstance(item_id, int) or item_id < 1:
        raise ServiceError("invalid_item", "item_id must be the number of the decision that offered the check-ins.",
                           field="item_id")
    return item_id


def accept(member: Member, item_id) -> list[CareFollowUp]:
    """The member says yes: schedule the offered check-ins of that decision, counted from now."""
    item_id = _parse_item_id(item_id)
    rows = [r for r in for_member(member) if r.item_id == item_id]
    if not rows:
        raise NotFound("not_found", "There is no check-in offer for that decision.")
    now = utcnow()
    changed = False
    for row in rows:
        if row.status in (OFFERED, STOPPED):
            row.status, row.due_at = SCHEDULED, now + timedelta(days=row.delay_days)
            changed = True
    if changed:
        audit.record(member, "care.accept", target=f"member:{member.id}", after={"item": item_id})
    db.session.commit()
    return rows


def stop(member: Member) -> int:
    """The member says no more: every offered or scheduled check-in stops. Returns how many."""
    count = 0
    for row in for_member(member):
        if row.status in (OFFERED, SCHEDULED):
            row.status, row.due_at = STOPPED, None
            count += 1
    if count:
        audit.record(member, "care.stop", target=f"member:{member.id}", after={"stopped": count})
    db.session.commit()
    return count


def get_followup(followup_id) -> CareFollowUp:
    return existing_row(CareFollowUp, followup_id, "not_found", "No such follow-up.")


def personalise(moderator: Member, row: CareFollowUp, body) -> CareFollowUp:
    """A moderator rewrites one check-in for this member (None or "" goes back to the admin's template)."""
    if not moderator.is_staff:
        raise ServiceError("forbidden", "Only moderators can personalise a check-in.", status=403)
    if row.status not in (OFFERED, SCHEDULED):
        raise ServiceError("not_editable", "This check-in was already sent or stopped.", status=409)
    if body is not None and not isinstance(body, str):
        raise ServiceError("invalid_body", "body must be text.", field="body")
    body = (body or "").strip() or None
    if body is not None and body == load_care_templates()["day_1" if row.delay_days <= 1 else "day_7"]:
        body = None  # the form showed the template and nothing was changed
    if body is not None and (len(body) > CARE_MAX_CHARS or "\x00" in body):
        raise ServiceError("invalid_body", f"A check-in is at most {CARE_MAX_CHARS:,} characters of text.",
                           field="body")
    before = {"body": row.body}
    row.body, row.personalised_by_id = body, moderator.id if body else None
    audit.record(moderator, "care.personalise", target=f"member:{row.member_id}", before=before,
                 after={"body": row.body, "followup": row.id})
    db.session.commit()
    return row


def text_of(row: CareFollowUp, templates: dict | None = None) -> str:
    if row.body:
        return row.body
    templates = templates or load_care_templates()
    return templates["day_1" if row.delay_days <= 1 else "day_7"]


def send_due(now=None) -> dict:
    """Send every scheduled check-in that is due. Deleted or suspended accounts: cancelled, nothing sent."""
    now = now or utcnow()
    due = db.session.scalars(select(CareFollowUp).where(CareFollowUp.status == SCHEDULED,
                                                        CareFollowUp.due_at <= now)
                             .order_by(CareFollowUp.due_at).limit(SEND_BATCH)).all()
    if not due:
        return {"sent": 0, "cancelled": 0}
    templates = load_care_templates()
    sent = cancelled = 0
    notify = []
    for row in due:
        member = db.session.get(Member, row.member_id)
        if member is None or member.deleted_at is not None or member.is_suspended:
            row.status, row.due_at = CANCELLED, None
            cancelled += 1
            continue
        sender_id = row.personalised_by_id or row.moderator_id
        if sender_id is None or db.session.get(Member, sender_id) is None:
            # the moderator has gone: any staff member's name carries it; the member sees "the Haven team"
            staff = db.session.scalar(select(Member.id).where(Member.role.in_(("moderator", "admin")),
                                                              Member.deleted_at.is_(None)).limit(1))
            sender_id = staff
        if sender_id is None:
            continue  # no staff at all yet: try again next round
        msg = StaffMessage(member_id=member.id, sender_id=sender_id, queue_item_id=None, body=text_of(row, templates),
                           created_at=now, kind=CARE_MESSAGE)
        db.session.add(msg)
        db.session.flush()
        row.status, row.sent_at, row.message_id = SENT, now, msg.id
        notify.append(member.id)
        sent += 1
    db.session.commit()
    for member_id in notify:
        signals.staff_message_sent.send(member_id)
    return {"sent": sent, "cancelled": cancelled}


def to_dict(row: CareFollowUp, templates: dict | None = None) -> dict:
    return {"id": row.id, "item_id": row.item_id, "delay_days": row.delay_days, "status": row.status,
            "due_at": iso(row.due_at), "sent_at": iso(row.sent_at), "personalised": bool(row.body),
            "text": text_of(row, templates), "created_at": iso(row.created_at)}
