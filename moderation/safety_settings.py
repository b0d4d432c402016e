"""Admin-editable safety settings (issue 11), stored in moderation_settings under the key "safety"."""
from __future__ import annotations

from sqlalchemy import select

from community.extensions import db
from moderation.models import ModerationSetting

SAFETY_KEY = "safety"
DEFAULTS = {
    # Off by default: delaying the first words of someone reaching out costs more than it saves.
    "new_account_first_post_approval": False,
    # N removals for abuse within `strike_window_days` -> a suspension proposal in the queue (0 turns it off).
    "strike_threshold": 3,
    "strike_window_days": 30,
}


def load() -> dict:
    row = db.session.scalar(select(ModerationSetting).where(ModerationSetting.key == SAFETY_KEY))
    values = dict(DEFAULTS)
    if row is not None and isinstance(row.value, dict):
        try:
            values.update(validate({k: v for k, v in row.value.items() if k in DEFAULTS}))
        except ValueError:
            pass
    return values


def validate(changes: dict) -> dict:
    unknown = set(changes) - set(DEFAULTS)
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


def save(changes: dict) -> tuple[dict, dict]:
    """Validate and store; returns (before, after). Caller audits and commits."""
    before = load()
    after = {**before, **validate(changes)}
    row = db.session.scalar(select(ModerationSetting).where(ModerationSetting.key == SAFETY_KEY))
    if row is None:
        row = ModerationSetting(key=SAFETY_KEY)
        db.session.add(row)
    row.value = after
    return before, after
