"""Notices and strikes.

Every moderator decision on a member's content (moderation.queue.services.decide: approve, remove, warn, suspend)
sends that member a Notice: what was decided, which rule, the moderator's note, and how to appeal. A decision on
content held for self-harm risk sends a supportive notice instead (never punitive) linking the crisis resources
(/help) and the member's safety plan (/safety-plan). `escalate` only routes the item to admins and sends
nothing.

Strikes: a removal (or warning) for abuse adds a Strike. Self-harm holds never do. When a member reaches the admin
setting `strike_threshold` removals within `strike_window_days`, a "suspension_proposal" queue item asks a moderator
to confirm (action suspend) or dismiss (approve) it.
"""
from __future__ import annotations

from datetime import timedelta

from flask import url_for
from sqlalchemy import func, select
from werkzeug.routing import BuildError

from community.extensions import db, iso, utcnow
from community.members.models import Member
from moderation.models import Notice, Strike
from moderation.queue.content import RecordContent
from moderation.settings import load_safety

HELP_URL = "/help"
SAFETY_PLAN_URL = "/safety-plan"


def safety_plan_url() -> str:
    """The member's own safety plan page, wherever it is mounted."""
    try:
        return url_for("members.safety_plan_page")
    except (BuildError, RuntimeError):
        return SAFETY_PLAN_URL
RULES = {
    "toxicity": "Be kind: no insults, threats or attacks on anyone's identity.",
    "auto_removed": "Be kind: no insults, threats or attacks on anyone's identity.",
    "report": "The community guidelines, after members reported it.",
    "watched_word": "A word or phrase this community doesn't allow.",
    "new_account": "New accounts' first posts are checked by a moderator.",
    "unscreened": "Our automatic check couldn't run, so a moderator looked.",
    "appeal": "Your appeal was reviewed.",
    "check_in": "A moderator checked in.",
    "method_details": "Safe messaging: no details of how to hurt or kill yourself (means, amounts, places, steps).",
    "encouragement": "Never encourage or dare anyone to hurt or kill themselves.",
}
MASKED_TITLE = "Some details in your post were hidden for safety"
MASKED_BODY = ("Your post is up, and people can reply. We hid the sentences that describe a way of hurting or "
               "killing yourself (which means, how much, where, or how): reading those can put someone who is "
               "struggling at risk. The rest of what you wrote is there as you wrote it. You can edit the post, "
               "and a moderator will look at it too. If things feel hard right now, help is on the help page.")
# Queue kinds whose removal is not for abuse and so never a strike.
NO_STRIKE_KINDS = {"self_harm", "someone_else", "check_in", "suspension_proposal", "appeal", "new_account",
                   "method_details"}


def _is_self_harm(item, content) -> bool:
    if item.kind == "self_harm":
        return True
    verdict = getattr(content, "verdict", None) or {}
    return (getattr(content, "hold_reason", None) in ("self_harm", "kept_private")
            or verdict.get("tier") in ("ideation", "intent"))


def _appeal_url(item) -> str | None:
    if item.content_type == "post":
        return f"/p/{item.content_id}/appeal"
    if item.content_type == "message":
        return f"/chat/messages/{item.content_id}/appeal"  # the same one-time appeal as a post
    return "/messages"


def _add(member: Member, item, kind: str, title: str, body: str, rule: str | None, note: str | None,
         appeal_url: str | None) -> Notice:
    notice = Notice(member_id=member.id, kind=kind, title=title, body=body, rule=rule, moderator_note=note,
                    appeal_url=appeal_url, content_type=item.content_type if item else None,
                    content_id=item.content_id if item else None)
    db.session.add(notice)
    return notice


def for_masked(member_id: int, content_type: str, content_id: int) -> Notice:
    """At screening: the author is told why part of their post is hidden (and that they may edit it)."""
    notice = Notice(member_id=member_id, kind="masked", title=MASKED_TITLE, body=MASKED_BODY,
                    rule=RULES["method_details"], content_type=content_type, content_id=content_id)
    db.session.add(notice)
    return notice


def withdraw_appeal_links(member: Member, content_type: str, content_id: int) -> None:
    """Earlier notices about this content stop offering an appeal (one was made, or a newer decision replaced
    theirs)."""
    db.session.query(Notice).filter(Notice.member_id == member.id, Notice.content_type == content_type,
                                    Notice.content_id == content_id, Notice.appeal_url.isnot(None)) \
        .update({"appeal_url": None}, synchronize_session="fetch")


def for_decision(item, content, author: Member | None, moderator: Member, action: str, note: str | None,
                 days: int | None = None) -> Notice | None:
    """Called by decide() before it commits. Returns the notice (None for escalate or when there is no author)."""
    if author is None or action == "escalate" or item.kind == "suspension_proposal" and action == "approve":
        return None
    if item.kind == "member_message" and action == "approve":
        return None  # "handled": the moderator's answer is in the conversation itself
    what = "post" if item.content_type == "post" else "message"
    if item.content_type == "report":
        # A crisis in a report's note: the note was for the moderators only, so nothing becomes visible.
        return _add(author, item, "support", "A moderator is thinking of you",
                    "A moderator read the note you wrote with your report. You haven't done anything wrong. If "
                    "things feel hard right now, you can talk to someone any time on the help page, and your "
                    "safety plan is there for you.", None, note, None)
    if item.content_type in ("post", "message"):
        withdraw_appeal_links(author, item.content_type, item.content_id)  # only the newest word may offer one
    if item.kind == "appeal":
        if action == "approve":
            return _add(author, item, "appeal_accepted", "Your appeal was accepted",
                        f"Another moderator reviewed your appeal and your {what} is visible again.", RULES["appeal"],
                        note, None)
        if action == "remove":
            return _add(author, item, "appeal_declined", "Your appeal was reviewed",
                        f"Another moderator reviewed your appeal and the decision stands: your {what} stays removed. "
                        "Each decision can be appealed once, so this is the final word on it. You can still write "
                        "to the moderators from your messages page.", RULES["appeal"], note, None)
    if item.kind == "someone_else":
        return _add(author, item, "support", f"About your {what}",
                    f"A moderator read your {what} about someone you're worried about. Thank you for looking out "
                    "for them. " + ("It's still visible to the community. " if action in ("approve",
                                                                                    "publish_with_support") else
                                   "We took it out of public view. " if action == "remove" else "")
                    + "If they might be in danger now, call the emergency number on the help page for them.",
                    None, note, None)
    if _is_self_harm(item, content):
        title = {"approve": f"Your {what} is visible now", "publish_with_support": f"Your {what} is visible now",
                 "remove": f"About your {what}", "reach_out": "A moderator wrote to you"}.get(
            action, "A moderator is thinking of you")
        body = (f"A moderator read your {what}. You haven't done anything wrong, and you're not in trouble. "
                + ("It's visible to the community now. " if action in ("approve", "publish_with_support") else
                   "We kept it out of public view so you can get support directly. " if action == "remove" else
                   "They kept it private (only you and the moderators can see it) and sent you a message: you "
                   "can reply from your messages page. " if action == "reach_out" else "")
                + "If things feel hard right now, you can talk to someone any time on the help page, and your "
                  "safety plan is there for you.")
        return _add(author, item, "support", title, body, None, note, None)
    rule = RULES.get(item.kind, "The community guidelines.")
    if action == "lift_mask":
        return _add(author, item, "approved", f"Your {what} is shown in full",
                    f"A moderator read the details that were hidden in your {what} and decided they can be shown.",
                    rule, note, None)
    if action == "approve" and item.kind == "method_details":
        return _add(author, item, "approved", f"Your {what} stays up",
                    f"A moderator reviewed your {what}: it stays visible, with the details hidden for safety.",
                    rule, note, None)
    if action == "approve":
        return _add(author, item, "approved", f"Your {what} was approved",
                    f"A moderator reviewed your {what} and it is visible to everyone now.", rule, note, None)
    if action == "remove":
        return _add(author, item, "removed", f"Your {what} was removed",
                    f"A moderator removed your {what} because it broke a community rule. If you think that's "
                    "wrong, you can appeal once and another moderator will look.", rule, note, _appeal_url(item))
    if action == "warn":
        return _add(author, item, "warned", "A moderator has warned you",
                    "Please read the moderator's note. Repeated problems can lead to a suspension.", rule, note,
                    _appeal_url(item))
    if action == "suspend":
        return _add(author, item, "suspended", "Your account is suspended",
                    f"You can still read, and help is always on the help page, but you can't post or chat for "
                    f"{days or 7} day(s).", rule, note, "/messages")
    return None


# --- strikes -----------------------------------------------------------------------------------------------------

def record_strike(item, content, author: Member | None, moderator: Member, action: str, note: str | None):
    """A removal or warning for abuse -> a Strike; returns it when it is new. Self-harm never counts."""
    if author is None or action not in ("remove", "warn") or item.kind in NO_STRIKE_KINDS:
        return None
    if _is_self_harm(item, content):
        return None
    kind = "removal" if action == "remove" else "warning"
    exists = db.session.scalar(select(Strike).where(Strike.member_id == author.id, Strike.kind == kind,
                                                    Strike.content_type == item.content_type,
                                                    Strike.content_id == item.content_id))
    if exists is not None:
        return None
    strike = Strike(member_id=author.id, kind=kind, reason=item.kind, content_type=item.content_type,
                    content_id=item.content_id, moderator_id=moderator.id, note=note)
    db.session.add(strike)
    db.session.flush()
    return strike


def strikes(member: Member) -> list[Strike]:
    return list(db.session.scalars(select(Strike).where(Strike.member_id == member.id)
                                   .order_by(Strike.created_at.desc(), Strike.id.desc())))


def strike_to_dict(strike: Strike) -> dict:
    return {"id": strike.id, "kind": strike.kind, "reason": strike.reason, "content_type": strike.content_type,
            "content_id": strike.content_id, "note": strike.note,
            "created_at": iso(strike.created_at)}


def suspension_due(member: Member) -> str | None:
    """Why a suspension should be proposed for this member now (the admin's strike threshold reached within its
    window), or None. The queue raises the proposal (moderation/queue/services.py)."""
    settings = load_safety()
    threshold, window = settings["strike_threshold"], settings["strike_window_days"]
    if not threshold or member.is_staff:
        return None
    since = utcnow() - timedelta(days=window)
    recent = db.session.scalar(select(func.count(Strike.id)).where(
        Strike.member_id == member.id, Strike.kind == "removal", Strike.created_at >= since)) or 0
    return f"strikes:{recent} removals in {window} days" if recent >= threshold else None


# --- reading -----------------------------------------------------------------------------------------------------

def notices(member: Member, limit: int = 100) -> list[Notice]:
    return list(db.session.scalars(select(Notice).where(Notice.member_id == member.id)
                                   .order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit)))


def unread_count(member: Member) -> int:
    return db.session.scalar(select(func.count(Notice.id)).where(Notice.member_id == member.id,
                                                                 Notice.read_at.is_(None))) or 0


def mark_read(member: Member) -> None:
    db.session.query(Notice).filter(Notice.member_id == member.id, Notice.read_at.is_(None)).update(
        {"read_at": utcnow()})
    db.session.commit()


def notice_to_dict(notice: Notice) -> dict:
    data = {"id": notice.id, "kind": notice.kind, "title": notice.title, "body": notice.body, "rule": notice.rule,
            "moderator_note": notice.moderator_note, "appeal_url": notice.appeal_url,
            "content_type": notice.content_type, "content_id": notice.content_id,
            "created_at": iso(notice.created_at),
            "read_at": iso(notice.read_at)}
    if notice.kind == "support":
        data["help_url"], data["safety_plan_url"] = HELP_URL, safety_plan_url()
    return data


# --- the queue adapter for "member" items: suspension proposals raised by strikes -----------------------------

class MemberContent(RecordContent):
    """Nothing to publish or remove: the moderator confirms with `suspend` or dismisses with `approve`."""
    content_type, model, author_field, text_field = "member", Member, "id", "handle"

    def status(self, member):
        return "suspended" if member.is_suspended else "active"

    def to_dict(self, member):
        return {"handle": member.handle, "joined_at": iso(member.created_at),
                "suspended_until": iso(member.suspended_until),
                "strikes": [strike_to_dict(s) for s in strikes(member)]}
