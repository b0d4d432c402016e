"""Admin-editable moderation settings (thresholds), stored in the database; defaults from policy.Thresholds."""
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
