"""The supportive reactions a member can send (a small fixed set, no downvotes), and the admin's names for them.

The kinds themselves are fixed (they are stored on reactions and in API paths); an admin may rename one (its label)
or switch it off (no new reactions of that kind; the ones already sent still count and show). Stored in
moderation_settings under "reactions".
"""
from __future__ import annotations

from flask import has_request_context, request

from community.errors import ServiceError
from community.extensions import db
from moderation.settings import setting_row, store_setting

KEY = "reactions"
# kind -> (default label, how a batch reads in a notification: "3 people sent a hug")
DEFAULTS = {
    "hug": ("Hug", "sent a hug"),
    "me_too": ("Me too", "said “me too”"),
    "thank_you": ("Thank you", "said thank you"),
    "strength": ("Sending strength", "sent strength"),
}
KINDS = tuple(DEFAULTS)
LABEL_MAX = 30


def load() -> dict[str, dict]:
    """{kind: {"kind", "label", "enabled", "verb"}} in the fixed order (read once per request)."""
    if has_request_context() and "haven.reaction_kinds" in request.environ:
        return request.environ["haven.reaction_kinds"]
    row = setting_row(KEY)
    stored = row.value if row is not None and isinstance(row.value, dict) else {}
    out = {}
    for kind, (label, verb) in DEFAULTS.items():
        mine = stored.get(kind) if isinstance(stored.get(kind), dict) else {}
        custom = mine.get("label")
        out[kind] = {"kind": kind, "label": custom if isinstance(custom, str) and custom.strip() else label,
                     "enabled": mine.get("enabled", True) is not False, "verb": verb}
    if has_request_context():
        request.environ["haven.reaction_kinds"] = out
    return out


def enabled() -> list[dict]:
    return [k for k in load().values() if k["enabled"]]


def save(changes) -> tuple[dict, dict]:
    """changes: {kind: {"label"?: str, "enabled"?: bool}}. Returns (before, after). Raises ServiceError (400)."""
    if not isinstance(changes, dict) or not changes:
        raise ServiceError("invalid_settings", "Send an object of reaction kinds, e.g. {\"hug\": {\"label\": "
                                               "\"Hug\", \"enabled\": true}}.")
    before = load()
    stored = {k: {"label": v["label"], "enabled": v["enabled"]} for k, v in before.items()}
    for kind, change in changes.items():
        if kind not in DEFAULTS:
            raise ServiceError("unknown_reaction", f"There is no reaction kind '{kind}'. The kinds are: "
                                                   f"{', '.join(KINDS)}.", field=str(kind))
        if not isinstance(change, dict) or set(change) - {"label", "enabled"}:
            raise ServiceError("invalid_settings", f"'{kind}' takes 'label' (text) and 'enabled' (true/false).",
                               field=kind)
        if "label" in change:
            label = change["label"]
            if not isinstance(label, str) or not label.strip() or len(label.strip()) > LABEL_MAX:
                raise ServiceError("invalid_label", f"A reaction's name is 1 to {LABEL_MAX} characters.", field=kind)
            stored[kind]["label"] = label.strip()
        if "enabled" in change:
            if not isinstance(change["enabled"], bool):
                raise ServiceError("invalid_settings", f"'{kind}.enabled' must be true or false.", field=kind)
            stored[kind]["enabled"] = change["enabled"]
    store_setting(KEY, stored)
    db.session.flush()
    if has_request_context():
        request.environ.pop("haven.reaction_kinds", None)
    return ({k: {"label": v["label"], "enabled": v["enabled"]} for k, v in before.items()}, stored)
