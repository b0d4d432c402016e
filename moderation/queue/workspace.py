"""The moderator's workspace: why each item is in the queue (one line, readable before any text is shown), which text
stays collapsed, each moderator's own preferences, the break reminder and handing off every claim at once.

Continuous queue work, as the break reminder measures it: every moderation page a moderator opens or action they
take (queue, item, inbox, decisions, claims, notes, the moderation API), and a heartbeat the moderation pages send
every two minutes while their tab is visible and the moderator has used it (pointer, keys, scroll) in the last five,
is activity. A stretch is a run of activity with no gap longer than `break_gap_minutes` (default 10): a longer gap
counts as a break and the next activity starts a new stretch. Once a stretch reaches `break_reminder_minutes`
(default 60, admin setting; 0 turns reminders off) the moderation pages show a gentle reminder; "remind me later"
snoozes it for `SNOOZE_MINUTES`.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from community.errors import Forbidden, ServiceError
from community.extensions import db, iso, utcnow
from community.members.models import Member
from moderation import audit
from moderation.models import ModeratorPreference, QueueItem
from moderation.policy import URGENT
from moderation.settings import store_changes, stored_over_defaults
from moderation.queue import services

# Kinds whose text is distressing or abusive by nature: collapsed by default, everywhere (queue card, item page,
# revisions, appeal text, member messages). Other kinds are collapsed too when anything on the item signals risk.
DISTRESSING_KINDS = frozenset({"self_harm", "someone_else", "toxicity", "unscreened", "auto_removed", "check_in",
                               "appeal", "member_message", "report", "watched_word", "method_details",
                               "encouragement"})
RISK_SCORE = 0.5  # a toxicity or self-harm score at or above this collapses the text of any kind
# The first words of a why-line for an item not raised for a self-harm tier (which says it instead).
KIND_LABELS = {"toxicity": "held for toxicity", "auto_removed": "removed automatically (to spot-check)",
               "report": "reported by members", "check_in": "check in", "member_message": "message to the moderators",
               "appeal": "appeal", "unscreened": "held unscreened", "new_account": "new account",
               "watched_word": "watched word", "suspension_proposal": "strikes reached the threshold",
               "someone_else": "worried about someone else", "method_details": "method details (masked)",
               "encouragement": "encouragement to self-harm"}
PREFERENCES = ("keep_collapsed", "alert_sound", "alert_notification")
SNOOZE_MINUTES = 15

WORKSPACE_KEY = "workspace"
WORKSPACE_DEFAULTS = {"break_reminder_minutes": 60, "break_gap_minutes": 10}
WORKSPACE_LIMITS = {"break_reminder_minutes": (0, 24 * 60), "break_gap_minutes": (1, 240)}


# --- why it is here ----------------------------------------------------------------------------------------------

def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def tier_of(item: QueueItem) -> str | None:
    """The self-harm tier the item was raised for (intent, ideation, concern), or None."""
    for reason in item.reasons or []:
        for prefix in ("self_harm:", "report_note:self_harm:"):
            if reason.startswith(prefix) and reason[len(prefix):] in ("intent", "ideation", "concern"):
                return reason[len(prefix):]
    return None


def is_intent(item: QueueItem) -> bool:
    """An open urgent item for a person who may act now: the one kind that must never sit unseen."""
    return item.status == "open" and item.priority == URGENT and (
        tier_of(item) == "intent" or any(r == "someone_else:danger" for r in item.reasons or []))


def is_distressing(item: QueueItem) -> bool:
    if item.kind in DISTRESSING_KINDS or services.in_crisis(item) or tier_of(item):
        return True
    scores = item.scores or {}
    return any((_number(scores.get(k)) or 0.0) >= RISK_SCORE for k in ("toxicity", "self_harm"))


def collapsed(item: QueueItem, prefs: ModeratorPreference | None = None) -> bool:
    """Whether the item's text starts collapsed for this moderator."""
    return bool(prefs is not None and prefs.keep_collapsed) or is_distressing(item)


def _rule_name(reason: str) -> str:
    """A reason without the words it quotes: the line is read before any text is revealed."""
    name = reason.split(": ", 1)[0] if ": " in reason else reason
    return re.sub(r"\s+", " ", name).strip()[:60]


def _rules(reasons: list[str]) -> list[str]:
    found = []
    for reason in reasons:
        if reason.startswith("first_pass: "):
            found.append("first-pass rule: " + _rule_name(reason[len("first_pass: "):]))
        elif reason.startswith("phrase:"):
            found.append("phrase rule")
        elif reason.startswith("watched_word:"):
            found.append(f"watched word ({reason.split(':')[1]})")
        elif reason.startswith("worried about someone else"):
            found.append("worried about someone else")
        elif reason.startswith("unscreened:"):
            found.append(f"screening could not finish ({reason.split(':', 1)[1][:40]})")
        elif reason in ("appeal", "report_note", "appeal_text:crisis", "new_account:first_post"):
            found.append({"appeal": "of a removal", "report_note": "a report's note reads as a crisis",
                          "appeal_text:crisis": "the appeal reads as a crisis",
                          "new_account:first_post": "first post waits for approval"}[reason])
        elif reason.startswith("edited: "):
            found.append("edited since")
        elif reason.startswith("toxicity:"):
            found.append(reason.split(":", 1)[1].replace("_", " "))
        elif reason.startswith("strikes:"):
            found.append(reason.split(":", 1)[1][:60])
    return list(dict.fromkeys(found))


def _models(content) -> dict:
    verdict = getattr(content, "verdict", None) or {}
    classifiers = verdict.get("classifiers") if isinstance(verdict, dict) else None
    return classifiers if isinstance(classifiers, dict) else {}


def waiting(created_at: datetime | None, now: datetime | None = None) -> str:
    """"waiting 12 min", "waiting 3 h 5 min", "waiting 2 days"."""
    if created_at is None:
        return ""
    minutes = max(0, int(((now or utcnow()) - created_at).total_seconds() // 60))
    if minutes < 1:
        return "waiting under a minute"
    if minutes < 60:
        return f"waiting {minutes} min"
    if minutes < 48 * 60:
        return f"waiting {minutes // 60} h" + (f" {minutes % 60} min" if minutes % 60 else "")
    return f"waiting {minutes // (24 * 60)} days"


def why_parts(item: QueueItem, content=None, now: datetime | None = None) -> list[str]:
    """Why the item is in the queue, in the order a moderator reads it: what fired (tier, rules, model and score),
    reports, and how long it has waited. Never quotes the text."""
    reasons = list(item.reasons or [])
    scores = item.scores or {}
    labels = scores.get("self_harm_labels") if isinstance(scores.get("self_harm_labels"), dict) else {}
    models = _models(content)
    parts = []
    tier = tier_of(item)
    if item.kind in KIND_LABELS and not (tier and item.kind in ("check_in", "someone_else")):
        parts.append(KIND_LABELS[item.kind])
    if tier:
        parts.append(f"self-harm tier {tier}")
    if any(r == "someone_else:danger" for r in reasons):
        parts.append("someone else may be in danger now")
    elif any(r == "someone_else:worried" for r in reasons) and "worried about someone else" not in parts:
        parts.append("worried about someone else")
    parts += [r for r in _rules(reasons) if r not in parts]
    self_harm, toxicity = _number(scores.get("self_harm")), _number(scores.get("toxicity"))
    if tier or item.kind in ("self_harm", "someone_else", "check_in"):
        if self_harm is not None:
            detail = f"self-harm {self_harm:.2f}"
            if tier == "intent" and _number(labels.get("intent")) is not None:
                detail += f" (intent {labels['intent']:.2f})"
            parts.append(f"{models['self_harm']} {detail}" if models.get("self_harm") else detail)
    if toxicity is not None and (toxicity >= RISK_SCORE or item.kind in ("toxicity", "auto_removed")):
        detail = f"toxicity {toxicity:.2f}"
        parts.append(f"{models['toxicity']} {detail}" if models.get("toxicity") else detail)
    reports = [r.split(":", 1)[1].replace("_", " ") for r in reasons if r.startswith("report:")]
    if item.report_count:
        parts.append(f"{item.report_count} report{'' if item.report_count == 1 else 's'}"
                     + (f" ({', '.join(reports)})" if reports else ""))
    if not parts:
        parts.append(item.kind.replace("_", " "))
    parts.append(waiting(item.created_at, now))
    return parts


def why_line(item: QueueItem, content=None, now: datetime | None = None) -> str:
    return " · ".join(why_parts(item, content, now))


# --- each moderator's preferences ---------------------------------------------------------------------------------

def preferences_for(member: Member) -> ModeratorPreference | None:
    """The moderator's row, or None when they never changed anything (every preference off)."""
    if member is None or member.id is None:
        return None
    return db.session.get(ModeratorPreference, member.id)


def _row(member: Member) -> ModeratorPreference:
    row = preferences_for(member)
    if row is None:
        row = ModeratorPreference(member_id=member.id, keep_collapsed=False, alert_sound=False,
                                  alert_notification=False)
        db.session.add(row)
    return row


def preferences_dict(row: ModeratorPreference | None) -> dict:
    return {name: bool(getattr(row, name, False)) for name in PREFERENCES}


def save_preferences(member: Member, changes: dict) -> dict:
    """Change some of the moderator's own preferences (true/false each); returns them all. Commits."""
    services._require_staff(member)
    if not isinstance(changes, dict):
        raise ServiceError("invalid_preferences", "Send an object of preferences.")
    unknown = set(changes) - set(PREFERENCES)
    if unknown:
        raise ServiceError("invalid_preferences", f"Unknown preference(s): {', '.join(sorted(unknown))[:200]}; "
                                                  f"choose from {', '.join(PREFERENCES)}.", field=sorted(unknown)[0])
    for name, value in changes.items():
        if not isinstance(value, bool):
            raise ServiceError("invalid_preferences", f"{name} must be true or false.", field=name)
    row = _row(member)
    for name, value in changes.items():
        setattr(row, name, value)
    db.session.commit()
    return preferences_dict(row)


# --- the admin's workspace settings -------------------------------------------------------------------------------

def load_workspace() -> dict:
    return stored_over_defaults(WORKSPACE_KEY, WORKSPACE_DEFAULTS, validate_workspace, invalid=ServiceError)


def validate_workspace(changes: dict) -> dict:
    if not isinstance(changes, dict):
        raise ServiceError("invalid_settings", "Send an object of settings.")
    unknown = set(changes) - set(WORKSPACE_DEFAULTS)
    if unknown:
        raise ServiceError("invalid_settings", f"Unknown setting(s): {', '.join(sorted(unknown))[:200]}.")
    out = {}
    for key, value in changes.items():
        low, high = WORKSPACE_LIMITS[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ServiceError("invalid_settings", f"{key} must be a whole number from {low} to {high}.", field=key)
        out[key] = value
    return out


def save_workspace(admin: Member, changes: dict) -> dict:
    """An admin changes the break reminder; audited. Commits."""
    if admin is None or not admin.is_admin:
        raise Forbidden("forbidden", "Only admins can change the workspace settings.")
    before, after = store_changes(WORKSPACE_KEY, load_workspace, validate_workspace, changes)
    audit.record(admin, "policy.workspace", target=WORKSPACE_KEY, before=before, after=after)
    db.session.commit()
    return after


# --- continuous work and the break reminder -----------------------------------------------------------------------

def record_activity(member: Member, now: datetime | None = None, settings: dict | None = None) -> ModeratorPreference:
    """One moment of queue work: it extends the current stretch, or starts a new one after a break. Caller commits
    (the request's own commit, or `touch_activity`)."""
    now = now or utcnow()
    settings = settings or load_workspace()
    row = _row(member)
    gap = timedelta(minutes=settings["break_gap_minutes"])
    if row.last_active_at is None or row.stretch_started_at is None or now - row.last_active_at > gap:
        row.stretch_started_at = now
        row.break_snoozed_until = None
    row.last_active_at = now
    return row


def touch_activity(member: Member) -> None:
    """record_activity and commit, never failing the page it is measured on."""
    try:
        record_activity(member)
        db.session.commit()
    except Exception:  # noqa: BLE001 - the reminder is a kindness; the queue must work without it
        db.session.rollback()


def stretch(row: ModeratorPreference | None, now: datetime | None = None, settings: dict | None = None) -> dict:
    """How long the current stretch has run, and whether the break reminder is due now."""
    now = now or utcnow()
    settings = settings or load_workspace()
    minutes = 0
    gap = timedelta(minutes=settings["break_gap_minutes"])
    live = row is not None and row.stretch_started_at is not None and row.last_active_at is not None \
        and now - row.last_active_at <= gap
    if live:
        minutes = int((row.last_active_at - row.stretch_started_at).total_seconds() // 60)
    limit = settings["break_reminder_minutes"]
    snoozed = live and row.break_snoozed_until is not None and row.break_snoozed_until > now
    return {"minutes": minutes, "started_at": iso(row.stretch_started_at) if live else None,
            "reminder_minutes": limit, "gap_minutes": settings["break_gap_minutes"],
            "break_due": bool(limit) and live and minutes >= limit and not snoozed,
            "snoozed_until": iso(row.break_snoozed_until) if snoozed else None, "snooze_minutes": SNOOZE_MINUTES}


def snooze_break(member: Member, minutes: int = SNOOZE_MINUTES) -> dict:
    services._require_staff(member)
    row = _row(member)
    row.break_snoozed_until = utcnow() + timedelta(minutes=minutes)
    db.session.commit()
    return stretch(row)


# --- hand off every claim at once ---------------------------------------------------------------------------------

def my_claims(moderator: Member) -> list[QueueItem]:
    return list(db.session.scalars(select(QueueItem).where(QueueItem.claimed_by_id == moderator.id,
                                                           QueueItem.claimed_until > utcnow(),
                                                           QueueItem.status == "open")
                                   .order_by(QueueItem.rank, QueueItem.created_at, QueueItem.id)))


def hand_off_claims(moderator: Member, note=None) -> list[QueueItem]:
    """Release every claim the moderator holds, each with the same optional hand-off note (services.release: the
    note is shown first on each item). Returns the released items."""
    services._require_staff(moderator)
    if note not in (None, ""):
        services._note_body(note)  # a bad note is refused before anything is released
    released = []
    for item in my_claims(moderator):
        released.append(services.release(item, moderator, note or None))
    return released
