"""Admin-editable moderation settings, stored in moderation_settings: the thresholds (defaults from
policy.Thresholds) under "thresholds", and the safety settings (first-post approval, strikes) under "safety"."""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from community.extensions import db
from moderation.models import ModerationSetting
from moderation.policy import Thresholds

THRESHOLDS_KEY = "thresholds"


def load_thresholds() -> Thresholds:
    row = db.session.scalar(select(ModerationSetting).where(ModerationSetting.key == THRESHOLDS_KEY))
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
    row = db.session.scalar(select(ModerationSetting).where(ModerationSetting.key == THRESHOLDS_KEY))
    if row is None:
        row = ModerationSetting(key=THRESHOLDS_KEY)
        db.session.add(row)
    row.value = after.as_dict()
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
    row = db.session.scalar(select(ModerationSetting).where(ModerationSetting.key == SAFETY_KEY))
    values = dict(SAFETY_DEFAULTS)
    if row is not None and isinstance(row.value, dict):
        try:
            values.update(validate_safety({k: v for k, v in row.value.items() if k in SAFETY_DEFAULTS}))
        except ValueError:
            pass
    return values


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
    before = load_safety()
    after = {**before, **validate_safety(changes)}
    row = db.session.scalar(select(ModerationSetting).where(ModerationSetting.key == SAFETY_KEY))
    if row is None:
        row = ModerationSetting(key=SAFETY_KEY)
        db.session.add(row)
    row.value = after
    return before, after


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
    row = db.session.scalar(select(ModerationSetting).where(ModerationSetting.key == RESPONSE_TARGETS_KEY))
    values = dict(RESPONSE_TARGET_DEFAULTS)
    if row is not None and isinstance(row.value, dict):
        try:
            values.update(validate_response_targets({k: v for k, v in row.value.items()
                                                     if k in RESPONSE_TARGET_DEFAULTS}))
        except ValueError:
            pass  # a bad stored value never hides the queue: the defaults apply
    return values


def save_response_targets(changes) -> tuple[dict, dict]:
    """Validate and store; returns (before, after). Caller audits and commits."""
    before = load_response_targets()
    after = {**before, **validate_response_targets(changes)}
    row = db.session.scalar(select(ModerationSetting).where(ModerationSetting.key == RESPONSE_TARGETS_KEY))
    if row is None:
        row = ModerationSetting(key=RESPONSE_TARGETS_KEY)
        db.session.add(row)
    row.value = after
    return before, after
