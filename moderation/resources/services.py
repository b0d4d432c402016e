from __future__ import annotations

from sqlalchemy import case, select

from community.extensions import db
from moderation.resources.models import Resource

KIND_ORDER = {"phone": 0, "text": 1, "chat": 2, "web": 3}
NO_REGION_HINT = "Set your region in settings to see helplines where you are."

SUPPORT_MESSAGE = (
    "Thank you for telling us. What you're going through matters, and you don't have to face it alone. "
    "Your post is safe with us and a moderator will look at it soon. If you might act on these thoughts, "
    "please reach out to one of these services now: they are free and there is someone there to listen."
)
CONCERN_MESSAGE = "It sounds like things are heavy right now. If you'd like to talk to someone, help is here."


def resource_to_dict(r: Resource) -> dict:
    return {
        "id": r.id, "name": r.name, "kind": r.kind, "phone": r.phone, "alt_phone": r.alt_phone, "sms": r.sms,
        "sms_keyword": r.sms_keyword, "url": r.url, "country": r.country,
        "languages": [x for x in (r.languages or "").split(",") if x], "hours": r.hours,
        "always_open": r.always_open, "audiences": [x for x in (r.audiences or "").split(",") if x],
        "description": r.description, "verified": r.last_verified is not None,
        "last_verified": r.last_verified.isoformat() if r.last_verified else None,
    }


def _normalise(country) -> str | None:
    if not isinstance(country, str) or len(country.strip()) != 2 or not country.strip().isalpha():
        return None
    return country.strip().upper()


def for_region(country) -> dict:
    """What a person in `country` is shown: that country's emergency number, its active services (24/7 first,
    then by kind), then international ones. Unknown or missing country -> the international directory, emergency
    None and a hint to set a region. Never raises for a person looking for help."""
    code = _normalise(country)
    kind_rank = case(KIND_ORDER, value=Resource.kind, else_=9)
    emergency = None
    local = []
    if code is not None:
        emergency = db.session.scalar(select(Resource).where(Resource.country == code, Resource.kind == "emergency",
                                                             Resource.active.is_(True)).limit(1))
        local = list(db.session.scalars(
            select(Resource).where(Resource.country == code, Resource.kind != "emergency", Resource.active.is_(True))
            .order_by(Resource.always_open.desc(), kind_rank, Resource.name)))
    international = list(db.session.scalars(
        select(Resource).where(Resource.country == "*", Resource.kind != "emergency", Resource.active.is_(True))
        .order_by(Resource.always_open.desc(), kind_rank, Resource.name)))
    known = emergency is not None or bool(local)
    result = {
        "country": code if known else None,
        "emergency": _emergency_to_dict(emergency) if emergency else None,
        "resources": [resource_to_dict(r) for r in [*local, *international]],
    }
    if not known:
        result["hint"] = NO_REGION_HINT
    return result


def _emergency_to_dict(r: Resource) -> dict:
    numbers = [n for n in (r.phone, r.alt_phone) if n]
    return {**resource_to_dict(r), "numbers": numbers}


def for_member(member) -> dict:
    return for_region(getattr(member, "region", None))


def support_for_verdict(verdict, member) -> dict:
    """What the author is shown at once beside their post or message, given the screen's verdict."""
    if verdict is None:
        return {}
    if verdict.hold_reason == "self_harm":
        found = for_member(member)
        return {"support_message": SUPPORT_MESSAGE, "resources": found["resources"], "emergency": found["emergency"],
                "help_url": "/help"}
    if verdict.tier == "concern":
        return {"support": {"message": CONCERN_MESSAGE, "help_url": "/help"}}
    return {}
