"""What a member is told about their own post or message after screening and after any decision.

One function, `member_view(content_type, content)`, so the thread page, the held screen (/p/<id>/held), the notices
and the API say the same thing: never "waiting for review" beside "removed", never an "Appeal" link once an appeal
was made (waiting) or decided.

States:
  waiting   held for a moderator (only the author and staff see it)
  visible   published
  private   a moderator chose "reach out and keep private" for a crisis (hold_reason "kept_private"): only the
            author and staff see it; the moderator wrote to the member. Nothing to appeal.
  removed   removed (by a moderator or by the screen); appealable once, unless it was a crisis post
"""
from __future__ import annotations

from sqlalchemy import select

from community.extensions import db
from moderation.models import Appeal, QueueItem

KEPT_PRIVATE = "kept_private"
CRISIS_REASONS = ("self_harm", KEPT_PRIVATE)


def appeal_for(content_type: str, content_id: int) -> Appeal | None:
    return db.session.scalar(select(Appeal).where(Appeal.content_type == content_type,
                                                  Appeal.content_id == content_id))


def appeal_state(content_type: str, content_id: int, appeal: Appeal | None = None) -> str | None:
    """None (no appeal), "waiting" (its queue item is open) or "decided"."""
    appeal = appeal if appeal is not None else appeal_for(content_type, content_id)
    if appeal is None:
        return None
    item = db.session.scalar(select(QueueItem).where(QueueItem.content_type == content_type,
                                                     QueueItem.content_id == content_id))
    if item is not None and item.kind == "appeal" and item.status == "open":
        return "waiting"
    return "decided"


def member_view(content_type: str, content) -> dict:
    """{"state", "label", "explanation", "can_appeal", "appeal"} for the author (and staff) of `content`."""
    status, reason = content.status, content.hold_reason
    what = "post" if content_type == "post" else "message"
    appealed = appeal_state(content_type, content.id) if status != "held" else None
    view = {"state": "visible", "label": None, "explanation": None, "can_appeal": False, "appeal": appealed}
    if status == "published" and getattr(content, "original_body", None) is not None:
        view.update(state="visible", label="some details hidden for safety",
                    explanation=f"Your {what} is up, with the sentences that describe a way of hurting yourself "
                                "(which means, how much, where or how) hidden, because reading them can put someone "
                                "who is struggling at risk. You can edit it; a moderator will look too.")
    if status == "held":
        view.update(state="waiting", label="waiting for review",
                    explanation=(f"Your {what} is safe: a moderator will read it soon, and it stays visible to you "
                                 "while it waits." if reason == "self_harm" else
                                 f"Only you and the moderators can see this {what} until a moderator has looked."))
    elif status == "removed" and reason == KEPT_PRIVATE:
        view.update(state="private", label="kept private",
                    explanation=f"A moderator read this and kept it private: only you and the moderators can see "
                                f"it. You haven't done anything wrong. They have written to you in your messages.")
    elif status == "removed" and reason == "pact":
        view.update(state="removed", label="removed from public view",
                    explanation=f"We took this {what} down because it asked someone to end their life together. "
                                "You haven't done anything wrong by feeling this way, and you're not in trouble: a "
                                "moderator will reach out. If you might act on these thoughts, please call one of "
                                "the numbers on the help page now.")
    elif status == "removed" and reason in ("encouragement", "method_details") and not content.moderator_note:
        why = ("it encouraged or dared someone to hurt or end their life" if reason == "encouragement" else
               "it described a way of hurting or killing yourself, on a thread about someone at risk")
        view.update(state="removed", label="removed", explanation=f"Our automatic screening took this {what} down "
                    f"because {why}. If you think that's wrong, you can appeal once.", can_appeal=appealed is None)
    elif status == "removed":
        if reason == "self_harm":
            why = (f"A moderator took this {what} out of public view (for example because it described a way to "
                   "hurt yourself, which could put others at risk). You haven't done anything wrong.")
        else:
            why = "Why: " + (content.moderator_note or "our automatic screening found it likely to hurt others ("
                             + (reason or "guidelines").replace("_", " ") + ").")
        view.update(state="removed", label="removed by a moderator" if reason != "self_harm" else
                    "removed from public view", explanation=why, can_appeal=appealed is None)
        if reason == "self_harm" and content.moderator_note:
            view["explanation"] += f" Their note: {content.moderator_note}"
    if appealed == "waiting":
        view["appeal_text"] = "Your appeal is waiting for a moderator who did not make the first decision."
    elif appealed == "decided":
        view["appeal_text"] = ("Your appeal was accepted: it is visible again." if status == "published" else
                               "Your appeal was reviewed by another moderator: the decision stands.")
    return view
