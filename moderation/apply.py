"""The one door out: what a verdict does to a piece of content.

    verdict = screen(text, author=facts, context="forum_reply")        # the one door in
    text = verdict.apply_censor(text)                                  # store what others may read
    ... make the row, add it to the session ...
    apply(verdict, "post", post)                                       # status, hold, queue item, live notice

Forum posts and chat messages (and anything later with a content adapter, moderation/queue/content.py) go through
the same two calls. `apply` stores the verdict on the content through its adapter (status, hold reason, the
verdict's record), opens or updates the content's one queue item (crisis holds at the top), and the queue's signals
tell the staff room after the commit. `apply_edit` does the same for edited text, under policy rule 6: the hold an
edit keeps stays, and the verdict returned is the one its author is shown. The caller commits.

Text addressed to the moderators (messages to staff, appeals, report notes) is never held or published: it is
screened for urgency only (moderation/urgency.py) and joins its conversation's item (moderation/queue/messages.py).
"""
from __future__ import annotations

from dataclasses import replace

from community.extensions import db
from moderation import notices, policy
from moderation.models import QueueItem
from moderation.queue import services as queue
from moderation.queue.content import adapter_for
from moderation.screen import Verdict


def _decision(verdict: Verdict) -> policy.Decision:
    return policy.Decision(status=verdict.status, tier=verdict.tier, hold_reason=verdict.hold_reason,
                           priority=verdict.priority, queue_kind=verdict.queue_kind, reasons=verdict.reasons)


def apply(verdict: Verdict, content_type: str, content) -> QueueItem | None:
    """Store a new text's verdict on its content and raise the queue item the verdict asks for. The content is in
    the session, flushed or not: it is flushed here only when a queue item or a notice needs its id, so a new chat
    message that needs neither is written once, with its verdict, at the caller's commit."""
    adapter = adapter_for(content_type)
    adapter.set_status(content, verdict.status, hold_reason=verdict.hold_reason, note=None, verdict=verdict.record())
    if verdict.queue_kind is None and not (verdict.masked and verdict.status == policy.PUBLISHED):
        return None  # no item and no notice (queue.raise_for asks for none either)
    if content.id is None:
        db.session.flush()
    item = queue.raise_for(content_type, content.id, adapter.author_id(content), verdict)
    if verdict.masked and verdict.status == policy.PUBLISHED:
        notices.for_masked(adapter.author_id(content), content_type, content.id)
    return item


def apply_edit(verdict: Verdict, content_type: str, content, *, status: str, hold_reason: str | None,
               earlier: list[dict]) -> Verdict:
    """Store an edited text's verdict. `status`/`hold_reason`: the content's before the edit; `earlier`: the
    records of every verdict it has had. Returns the verdict that stands, which is what the author is shown (a
    crisis hold the edit keeps still comes with its support)."""
    adapter = adapter_for(content_type)
    kept = policy.edit_keeps(status, hold_reason, [v.get("tier") for v in earlier if v], _decision(verdict))
    if kept is None:
        adapter.set_status(content, verdict.status, hold_reason=verdict.hold_reason, note=None,
                           verdict=verdict.record())
    else:
        # The hold stays as it was; the content keeps what the screen said about its new text.
        adapter.set_status(content, status, hold_reason=hold_reason, note=None, verdict=verdict.record())
    queue.after_edit(content_type, content.id, adapter.author_id(content), verdict, kept=kept is not None)
    if verdict.masked and kept is None and verdict.status == policy.PUBLISHED:
        notices.for_masked(adapter.author_id(content), content_type, content.id)
    return verdict if kept is None else replace(verdict, **kept)
