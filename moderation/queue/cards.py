"""A queue card: one item as the queue list shows it. The page renders the list of cards; the live staff room gets
the same card, rendered once per change (community/realtime.py), so the queue page inserts or updates it in place
instead of reloading the list. A broadcast card knows nobody's preferences: its text is collapsed when the item is
distressing, and the page collapses the rest for a moderator who keeps every text collapsed."""
from __future__ import annotations

from flask import current_app

from community.extensions import iso
from moderation.models import QueueItem
from moderation.queue import bulk, response_times, services, workspace


def card_text(content) -> str:
    if content is None:
        return ""
    for field in ("body", "note", "text"):
        value = getattr(content, field, None)
        if isinstance(value, str):
            return value
    return ""


def card_fields(item: QueueItem, prefs=None, targets: dict | None = None) -> dict:
    """What one card shows, as plain values (the template does no thinking). `targets`: the response targets
    (response_times.targets(), read once per list)."""
    content = services.content_of(item)
    holder = services.active_claimant(item)
    targets = response_times.targets() if targets is None else targets
    return {"item": item, "content": content, "text": card_text(content), "holder": holder,
            "why": workspace.why_line(item, content), "collapsed": workspace.collapsed(item, prefs),
            "intent": workspace.is_intent(item), "created": iso(item.created_at), "updated": iso(item.updated_at),
            "opened": iso(response_times.opened(item)), "target": targets.get(item.priority),
            "overdue": response_times.overdue_minutes(item, targets), "bulk": bulk.eligible(item, content)}


def render_card(item: QueueItem) -> str:
    """The card as the live staff room sends it (no moderator's preferences applied). Rendered without the page
    context processors: nothing on a card depends on who is signed in."""
    return current_app.jinja_env.get_template("moderation/_queue_card.html").render(card=card_fields(item))
