"""Bulk decisions, for low-risk items only: spot-checks of automatic removals, member reports, watched-word flags
and first-post approvals, at normal or low priority.

Anything about a person who may be at risk is decided one at a time, by a person reading it: a self-harm,
someone-else, member-message or check-in item, an item whose reasons carry a self-harm signal, a report on content
held for self-harm, and any urgent or high item. A request naming even one of those is refused whole (403
`bulk_not_allowed`), as is one naming another kind (400 `bulk_kind_not_allowed`): nothing is applied. Otherwise each
item is decided through the one decision path (services.decide), so each gets its own notice and audit entry
(`queue.<action>`), and the batch one more (`queue.bulk`)."""
from __future__ import annotations

from sqlalchemy import select

from community.errors import Conflict, Forbidden, NotFound, ServiceError
from community.extensions import db, is_row_id
from community.members.models import Member
from moderation import audit
from moderation.models import QueueItem
from moderation.policy import HIGH, URGENT
from moderation.queue import services

BULK_KINDS = ("auto_removed", "report", "watched_word", "new_account")
BULK_ACTIONS = ("approve", "remove")
# Never in bulk, whatever else: a person who may be at risk, or who wrote to the moderators.
ONE_AT_A_TIME = ("self_harm", "someone_else", "member_message", "check_in")
BULK_MAX = 100


def eligible(item: QueueItem, content=None) -> bool:
    """Whether the queue may offer this item for a bulk decision (a checkbox on its card)."""
    return (item.status == "open" and item.kind in BULK_KINDS and item.priority not in (URGENT, HIGH)
            and not services.in_crisis(item) and not services.is_care_item(item, content))


def _ids(raw) -> list[int]:
    if not isinstance(raw, list) or not raw:
        raise ServiceError("invalid_item_ids", "item_ids must be a list of one or more queue item ids.",
                           field="item_ids")
    if len(raw) > BULK_MAX:
        raise ServiceError("invalid_item_ids", f"At most {BULK_MAX} items at a time ({len(raw)} sent).",
                           field="item_ids")
    ids = []
    for value in raw:
        if isinstance(value, bool) or not isinstance(value, int) or not is_row_id(value):
            raise ServiceError("invalid_item_ids", "Every item id must be a whole number.", field="item_ids")
        if value not in ids:
            ids.append(value)
    return ids


def check(moderator: Member, item_ids, action) -> list[QueueItem]:
    """The items, in the order given, once every one may be decided in bulk; else the error, and nothing done."""
    services._require_staff(moderator)
    if action not in BULK_ACTIONS:
        raise ServiceError("invalid_action", f"A bulk action is one of: {', '.join(BULK_ACTIONS)}.", field="action")
    ids = _ids(item_ids)
    found = {i.id: i for i in db.session.scalars(select(QueueItem).where(QueueItem.id.in_(ids)))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound("item_not_found", f"No queue item with id {', '.join(map(str, missing[:10]))}. "
                                         "Nothing was applied.")
    items = [found[i] for i in ids]
    loaded = services.preload(items)  # keeps the content in the session while it is checked
    care = [i.id for i in items if i.kind in ONE_AT_A_TIME or i.priority in (URGENT, HIGH) or services.in_crisis(i)
            or services.is_care_item(i, services.content_of(i))]
    del loaded
    if care:
        raise Forbidden("bulk_not_allowed",
                        f"Item {', '.join(map(str, care[:10]))} may be about a person at risk (or is urgent or "
                        "high): decide it on its own page, one at a time. Nothing was applied.")
    other = [i.id for i in items if i.kind not in BULK_KINDS]
    if other:
        raise ServiceError("bulk_kind_not_allowed",
                           f"Item {', '.join(map(str, other[:10]))} is not a kind decided in bulk (only "
                           f"{', '.join(BULK_KINDS)}). Nothing was applied.", field="item_ids")
    closed = [i.id for i in items if i.status != "open"]
    if closed:
        raise Conflict("already_decided", f"Item {', '.join(map(str, closed[:10]))} has already been decided. "
                                          "Nothing was applied.")
    held = [i for i in items if (h := services.active_claimant(i)) is not None and h.id != moderator.id]
    if held:
        raise Conflict("claimed", f"Item {', '.join(str(i.id) for i in held[:10])} is claimed by another moderator. "
                                  "Nothing was applied.")
    return items


def decide(moderator: Member, item_ids, action, note=None) -> list[dict]:
    """Check the whole request, then decide each item. Returns one result per item: {"id", "done": true} or, when
    the item changed between the check and its turn (another moderator's decision), {"id", "done": false,
    "error"}."""
    items = check(moderator, item_ids, action)
    results = []
    for item in items:
        try:
            services.decide(item, moderator, action, version=item.version, note=note)
        except ServiceError as err:
            db.session.rollback()
            results.append({"id": item.id, "done": False, "error": {"code": err.code, "message": err.message}})
        else:
            results.append({"id": item.id, "done": True})
    audit.record(moderator, "queue.bulk", target="queue:bulk",
                 after={"action": action, "items": [r["id"] for r in results if r["done"]]})
    db.session.commit()
    return results
