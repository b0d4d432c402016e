"""Admin-editable moderation settings, stored in moderation_settings: the thresholds (defaults from
policy.Thresholds) under "thresholds", and the safety settings (first-post approval, strikes) under "safety"."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlalchemy import bindparam, select

from community.extensions import db, iso, utcnow
from moderation.models import ModerationSetting
from moderation.policy import Thresholds

THRESHOLDS_KEY = "thresholds"


def setting_row(key: str) -> ModerationSetting | None:
    """The stored setting `key` (one row of moderation_settings), or None."""
    return db.session.scalar(_SETTING_ROW, {"key": key})


# Built once: screening reads two settings for every text.
_SETTING_ROW = select(ModerationSetting).where(ModerationSetting.key == bindparam("key"))


def store_setting(key: str, value) -> None:
    """Keep `value` under `key` (the caller audits and commits)."""
    row = setting_row(key)
    if row is None:
        row = ModerationSetting(key=key)
        db.session.add(row)
    row.value = value


def stored_over_defaults(key: str, defaults: dict, validate, invalid=ValueError) -> dict:
    """`defaults` with the stored setting `key` over them, as `validate` accepts it. A stored value it refuses
    (raising `invalid`) leaves the defaults: a bad stored value never stops screening or breaks the queue."""
    row = setting_row(key)
    values = dict(defaults)
    if row is not None and isinstance(row.value, dict):
        try:
            values.update(validate({k: v for k, v in row.value.items() if k in defaults}))
        except invalid:
            pass
    return values


def store_changes(key: str, load, validate, changes) -> tuple[dict, dict]:
    """`changes`, as `validate` accepts them, stored under `key` over what `load()` gives; returns (before,
    after). Caller audits and commits."""
    before = load()
    after = {**before, **validate(changes)}
    store_setting(key, after)
    return before, after


def load_thresholds() -> Thresholds:
    row = setting_row(THRESHOLDS_KEY)
    defaults = Thresholds()
    if row is None or not isinstance(row.value, dict):
        return defaults
    known = {k: v for k, v in row.value.items() if k in Thresholds.names()}
    try:
        return replace(defaults, **known).validated()
    except (TypeError, ValueError):
        return defaults  # a bad stored value never stops screening; the admin page shows the defaults then


def save_thresholds(changes: dict) -> tuple[Thresholds, Thresholds]:
    """Validate and store; returns (before, after). Raises ValueError with a readable message."""
    before = load_thresholds()
    unknown = set(changes) - set(Thresholds.names())
    if unknown:
        raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    after = replace(before, **changes).validated()
    store_setting(THRESHOLDS_KEY, after.as_dict())
    return before, after


# --- safety settings ----------------------------------------------------------------------------------------
SAFETY_KEY = "safety"
SAFETY_DEFAULTS = {
    # Off by default: delaying the first words of someone reaching out costs more than it saves.
    "new_account_first_post_approval": False,
    # N removals for abuse within `strike_window_days` -> a suspension proposal in the queue (0 turns it off).
    "strike_threshold": 3,
    "strike_window_days": 30,
}


def load_safety() -> dict:
    return stored_over_defaults(SAFETY_KEY, SAFETY_DEFAULTS, validate_safety)


def validate_safety(changes: dict) -> dict:
    unknown = set(changes) - set(SAFETY_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    out = {}
    for key, value in changes.items():
        if key == "new_account_first_post_approval":
            if not isinstance(value, bool):
                raise ValueError(f"{key} must be true or false")
        elif isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{key} must be a whole number")
        elif key == "strike_threshold" and not 0 <= value <= 100:
            raise ValueError("strike_threshold must be from 0 (off) to 100")
        elif key == "strike_window_days" and not 1 <= value <= 3650:
            raise ValueError("strike_window_days must be from 1 to 3650")
        out[key] = value
    return out


def save_safety(changes: dict) -> tuple[dict, dict]:
    """Validate and store; returns (before, after). Caller audits and commits."""
    return store_changes(SAFETY_KEY, load_safety, validate_safety, changes)


# --- community guidelines -----------------------------------------------------------------------------------
# Admin-editable Markdown; `version` goes up by one on every change, so members who accepted an older text are
# asked to read the new one. Until an admin edits them, the shipped text (guidelines_default.md) is version 1.
GUIDELINES_KEY = "guidelines"
GUIDELINES_MAX_CHARS = 20_000
DEFAULT_GUIDELINES = (Path(__file__).with_name("guidelines_default.md")).read_text(encoding="utf-8")


def load_guidelines() -> dict:
    row = setting_row(GUIDELINES_KEY)
    value = row.value if row is not None and isinstance(row.value, dict) else {}
    text, version = value.get("text"), value.get("version")
    if not isinstance(text, str) or not text.strip() or not isinstance(version, int):
        return {"text": DEFAULT_GUIDELINES, "version": 1, "updated_at": None}
    return {"text": text, "version": version, "updated_at": value.get("updated_at")}


def save_guidelines(text) -> tuple[dict, dict]:
    """Validate and store a new text (a new version); returns (before, after). Caller audits and commits."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("The guidelines cannot be empty.")
    if len(text) > GUIDELINES_MAX_CHARS:
        raise ValueError(f"The guidelines can be at most {GUIDELINES_MAX_CHARS:,} characters.")
    if "\x00" in text:
        raise ValueError("The guidelines contain a character that cannot be stored.")
    before = load_guidelines()
    after = {"text": text.replace("\r\n", "\n"), "version": before["version"] + 1, "updated_at": iso(utcnow())}
    store_setting(GUIDELINES_KEY, after)
    return before, after


# --- caring follow-up templates -------------------------------------------------------------------------------
# Sent by the team after a crisis, if the member says yes (moderation/care.py). Written by people, never a model.
CARE_KEY = "care_templates"
CARE_MAX_CHARS = 2000
CARE_DEFAULTS = {
    "day_1": ("Hi, it's the Haven team. We said we'd check in, so here we are: how are you doing today? You don't "
              "have to reply, and there's no right answer. If things feel heavy, the help page has people you can "
              "talk to right now, and your safety plan is there whenever you need it. We're glad you're here."),
    "day_7": ("Hi again from the Haven team. It's been about a week, and we wanted you to know we haven't forgotten "
              "you. However this week has gone, you're welcome here. If you'd like to talk, reply to this message "
              "any time; if you need someone now, the help page lists lines that answer day and night."),
}


def load_care_templates() -> dict:
    row = setting_row(CARE_KEY)
    values = dict(CARE_DEFAULTS)
    if row is not None and isinstance(row.value, dict):
        values.update({k: v for k, v in row.value.items()
                       if k in CARE_DEFAULTS and isinstance(v, str) and v.strip()})
    return values


def validate_care_templates(changes) -> dict:
    if not isinstance(changes, dict):
        raise ValueError("Send the templates as an object: {\"day_1\": \"...\", \"day_7\": \"...\"}.")
    unknown = set(changes) - set(CARE_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown template(s): {', '.join(sorted(unknown))} (known: day_1, day_7)")
    out = {}
    for key, value in changes.items():
        label = "The day-1 message" if key == "day_1" else "The day-7 message"
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{label} cannot be empty.")
        if len(value) > CARE_MAX_CHARS or "\x00" in value:
            raise ValueError(f"{label} can be at most {CARE_MAX_CHARS:,} characters of text.")
        out[key] = value.strip()
    return out


def save_care_templates(changes) -> tuple[dict, dict]:
    """Validate and store; returns (before, after). Caller audits and commits."""
    return store_changes(CARE_KEY, load_care_templates, validate_care_templates, changes)


# --- response-time targets ----------------------------------------------------------------------------------
# Minutes from an item opening to its decision, per priority; None = no target. An open item past its target is
# marked overdue on the queue (and counted in its header).
RESPONSE_TARGETS_KEY = "response_targets"
RESPONSE_TARGET_DEFAULTS = {"urgent": 5, "high": 15, "normal": 24 * 60, "low": 72 * 60}
RESPONSE_TARGET_MAX = 30 * 24 * 60  # thirty days


def validate_response_targets(changes) -> dict:
    if not isinstance(changes, dict):
        raise ValueError("send an object of priority: minutes (or null for no target)")
    unknown = set(changes) - set(RESPONSE_TARGET_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown priority(ies): {', '.join(sorted(map(str, unknown)))}; "
                         f"choose from {', '.join(RESPONSE_TARGET_DEFAULTS)}")
    out = {}
    for key, value in changes.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not 1 <= value <= RESPONSE_TARGET_MAX):
            raise ValueError(f"{key} must be a whole number of minutes from 1 to {RESPONSE_TARGET_MAX}, "
                             "or null for no target")
        out[key] = value
    return out


def load_response_targets() -> dict:
    return stored_over_defaults(RESPONSE_TARGETS_KEY, RESPONSE_TARGET_DEFAULTS, validate_response_targets)


def save_response_targets(changes) -> tuple[dict, dict]:
    """Validate and store; returns (before, after). Caller audits and commits."""
    return store_changes(RESPONSE_TARGETS_KEY, load_response_targets, validate_response_targets, changes)
