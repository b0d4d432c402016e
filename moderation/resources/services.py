from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import case, or_, select

from community import countries as iso_countries
from community.errors import ServiceError
from community.extensions import db, existing_row
from community.members.models import SafetyPlan
from moderation import audit, first_pass
from moderation.resources.models import KINDS, Resource

KIND_ORDER = {"phone": 0, "text": 1, "chat": 2, "web": 3}
NO_REGION_HINT = "Set your region in settings to see helplines where you are."

SUPPORT_MESSAGE = (
    "Thank you for telling us. What you're going through matters, and you don't have to face it alone. "
    "Your post is safe with us and a moderator will look at it soon. If you might act on these thoughts, "
    "please reach out to one of these services now: they are free and there is someone there to listen."
)
# Screening could not finish (a classifier failed, timed out or was saturated): the text waits for a person, and its
# author is shown help anyway, because no one can tell yet whether they are in crisis.
WAITING_MESSAGE = ("Your {thing} is waiting for a quick check before others can see it. If you are struggling "
                   "right now, help is here: these services are free and there is someone there to listen.")
SOMEONE_ELSE_MESSAGE = (
    "Thank you for looking out for them. If they might act on it now, call emergency services for them and stay "
    "with them. The lines below can advise you, or you can call them on the other person's behalf. A moderator has "
    "been told and will look at your post soon."
)
# How to help someone: what the author is shown beside the numbers (the help page's "Worried about someone else?").
HOW_TO_HELP = [
    "If they might act on it now, call the emergency number for them and give their address if you know it.",
    "Ask them directly whether they are thinking about suicide: asking does not put the idea in their head.",
    "Stay with them, or keep talking by phone or message, until help arrives.",
    "Call one of the lines yourself for advice, or on their behalf.",
    "Look after yourself too: this is a lot to carry.",
]
CONCERN_MESSAGE = "It sounds like things are heavy right now. If you'd like to talk to someone, help is here."
MASKED_MESSAGE = ("Posted, with some details hidden for safety: we hid the sentences that describe a way of hurting "
                  "or killing yourself (which means, how much, where or how), because reading them can put someone "
                  "who is struggling at risk. Everything else is there as you wrote it, and you can edit the post.")


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
    crisis_related = verdict.hold_reason in ("pact", "method_details") or (
        verdict.hold_reason == "encouragement" and verdict.tier in ("concern", "ideation", "intent"))
    if verdict.hold_reason in ("self_harm", "unscreened") or crisis_related:
        found = for_member(member)
        if verdict.hold_reason == "self_harm" or crisis_related:
            message = SUPPORT_MESSAGE
        else:
            message = WAITING_MESSAGE.format(thing="message" if "chat" in (verdict.context or "") else "post")
        return {"support_message": message, "resources": found["resources"], "emergency": found["emergency"],
                "help_url": "/help", "safety_plan": safety_plan_link(member), **_region_fields(found)}
    if getattr(verdict, "someone_else", None):
        found = for_member(member)
        return {"support_message": SOMEONE_ELSE_MESSAGE, "resources": found["resources"],
                "emergency": found["emergency"], "help_url": "/help#someone-else", "about": "someone_else",
                "someone_else": verdict.someone_else, "guidance": list(HOW_TO_HELP), **_region_fields(found)}
    if getattr(verdict, "masked", False) and verdict.status == "published":
        return {"masked": True, "notice": MASKED_MESSAGE, "support": {"message": CONCERN_MESSAGE, "help_url": "/help"}}
    if verdict.tier == "concern":
        return {"support": {"message": CONCERN_MESSAGE, "help_url": "/help"}}
    return {}


# A write refused before it could be screened (too many too fast, or the site too busy): the words were not posted,
# and if they read as a crisis the person is shown help in the same answer anyway.
REFUSED_MESSAGE = ("We couldn't post that just now, but what you wrote matters. If you are struggling right now, "
                   "help is here: these services are free and there is someone there to listen.")


def support_for_refused_text(texts, member) -> dict:
    """Help for a refused write whose words the deterministic first pass reads as a crisis ({} otherwise). It
    never waits on a model, so it answers even when screening is what is overloaded."""
    texts = [t for t in texts if isinstance(t, str) and t.strip()]
    if not texts or not first_pass.look("\n".join(texts)).crisis:
        return {}
    found = for_member(member)
    return {"support_message": REFUSED_MESSAGE, "resources": found["resources"], "emergency": found["emergency"],
            "help_url": "/help", "safety_plan": safety_plan_link(member), **_region_fields(found)}


def _region_fields(found: dict) -> dict:
    """Which country the lines are for, and the hint to set a region when none is known."""
    return {"country": found.get("country"), **({"hint": found["hint"]} if found.get("hint") else {})}


def safety_plan_link(member) -> dict | None:
    """Beside the resources on a self-harm hold: the member's own safety plan, or an offer to make one."""
    if getattr(member, "id", None) is None:
        return None
    exists = db.session.scalar(select(SafetyPlan.id).where(SafetyPlan.member_id == member.id)) is not None
    return {"exists": exists, "url": "/safety-plan" if exists else "/safety-plan/edit",
            "label": "Open my safety plan" if exists else "Make a safety plan"}


# --- the admin side: validating, editing and verifying the directory -------------------------------------------

STALE_AFTER_DAYS = 180
PHONE_RE = re.compile(r"^[0-9 +\-()]+$")
PHONE_FIELDS = ("phone", "alt_phone", "sms")
TEXT_FIELDS = {  # field -> max length (the column sizes)
    "name": 120, "phone": 32, "alt_phone": 32, "sms": 32, "sms_keyword": 32, "url": 300, "languages": 120,
    "hours": 120, "audiences": 200, "description": 500,
}
EDITABLE = (*TEXT_FIELDS, "kind", "country", "always_open", "active")
TRUE_WORDS, FALSE_WORDS = {"true", "1", "yes", "y", "on"}, {"false", "0", "no", "n", "off", ""}


class InvalidResource(ServiceError):
    """One or more problems with a resource's fields: `problems` is [(field, reason)]."""

    status = 422

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("invalid_resource", "; ".join(f"{f}: {why}" for f, why in problems),
                         field=problems[0][0] if problems else None)


def _as_bool(value, name, problems, default):
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    problems.append((name, f"must be true or false, not {value!r}"))
    return default


def _as_list_text(value):
    if isinstance(value, (list, tuple)):
        return ",".join(str(v).strip() for v in value if str(v).strip())
    return value


def clean_resource(data: dict, *, partial_of: Resource | None = None) -> dict:
    """Check one resource's fields and return them normalised, or raise InvalidResource listing every problem.

    With `partial_of`, missing fields keep that resource's values (PATCH); otherwise they take the defaults."""
    problems: list[tuple[str, str]] = []
    out: dict = {}

    for name, limit in TEXT_FIELDS.items():
        if partial_of is not None and name not in data:
            continue
        value = _as_list_text(data.get(name))
        if value is None:
            value = ""
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            problems.append((name, "must be text"))
            continue
        value = str(value).strip()
        if "\x00" in value:  # PostgreSQL cannot store NUL in text
            problems.append((name, "must not contain NUL characters"))
            continue
        if len(value) > limit:
            problems.append((name, f"is longer than {limit} characters"))
        out[name] = value or None
    if partial_of is None or "name" in data:
        if not out.get("name"):
            problems.append(("name", "is missing"))
    for name in PHONE_FIELDS:
        value = out.get(name)
        if value and (not PHONE_RE.match(value) or not any(ch.isdigit() for ch in value)):
            problems.append((name, f"{value!r} is not a phone number (digits, spaces, +, - and brackets only)"))
    if out.get("url") and not re.match(r"^https?://[^\s/]+\.[^\s]+$", out["url"]):
        problems.append(("url", f"{out['url']!r} is not a web address starting with http:// or https://"))
    if partial_of is None or "kind" in data:
        kind = data.get("kind")
        kind = kind.strip().lower() if isinstance(kind, str) else kind
        if kind not in KINDS:
            problems.append(("kind", f"{data.get('kind')!r} is not one of {', '.join(KINDS)}"))
        out["kind"] = kind
    if partial_of is None or "country" in data:
        country = data.get("country")
        country = country.strip().upper() if isinstance(country, str) else country
        if country != "*" and not (isinstance(country, str) and len(country) == 2
                                   and iso_countries.is_country(country)):
            problems.append(("country", f"{data.get('country')!r} is not an ISO 3166 country code (or * for "
                                        "international)"))
        out["country"] = country
    if partial_of is None or "always_open" in data:
        out["always_open"] = _as_bool(data.get("always_open"), "always_open", problems, False)
    if partial_of is None or "active" in data:
        out["active"] = _as_bool(data.get("active"), "active", problems, True)
    # Defaults the columns expect.
    for name, default in (("languages", "en"), ("audiences", "everyone"), ("description", "")):
        if name in out and out[name] is None:
            out[name] = default
    merged = {**({f: getattr(partial_of, f) for f in EDITABLE} if partial_of is not None else {}), **out}
    if not problems:
        if not (merged.get("phone") or merged.get("sms") or merged.get("url")):
            problems.append(("phone", "a resource needs a phone number, an SMS number or a web address"))
        elif merged.get("kind") == "emergency" and not merged.get("phone"):
            problems.append(("phone", "an emergency entry needs its phone number"))
        elif merged.get("kind") == "emergency" and merged.get("country") == "*":
            problems.append(("country", "emergency numbers belong to one country"))
    if problems:
        raise InvalidResource(problems)
    return out


def snapshot(r: Resource) -> dict:
    """A resource's fields as the audit log and the exports record them."""
    return {f: getattr(r, f) for f in EDITABLE} | {
        "last_verified": r.last_verified.isoformat() if r.last_verified else None,
        "verified_by": r.verified_by.handle if r.verified_by else None,
    }


def ensure_directory_not_empty() -> None:
    """A person in crisis never meets an empty directory: at least one active international entry must stay
    (it is what people with no region, or an unlisted one, are shown). Call before committing a change: on failure it
    rolls the session back and raises."""
    db.session.flush()
    left = db.session.scalar(select(Resource.id).where(Resource.country == "*", Resource.kind != "emergency",
                                                       Resource.active.is_(True)).limit(1))
    if left is None:
        db.session.rollback()  # undo the change that would have emptied it
        raise ServiceError("last_international", "At least one international resource must stay active: it is "
                           "what people without a region see. Add or reactivate another one first.", status=409)


def list_resources(country: str | None = None, include_inactive: bool = True) -> list[Resource]:
    query = select(Resource).order_by(Resource.country, Resource.kind != "emergency", Resource.name, Resource.id)
    if country:
        query = query.where(Resource.country == country.strip().upper())
    if not include_inactive:
        query = query.where(Resource.active.is_(True))
    return list(db.session.scalars(query))


def get_resource(resource_id: int) -> Resource:
    # INTEGER keys: a huge id is simply not there
    return existing_row(Resource, resource_id, "resource_not_found", "No resource with that id.")


def create_resource(actor, data: dict) -> Resource:
    fields = clean_resource(data)
    r = Resource(**fields)
    db.session.add(r)
    db.session.flush()
    audit.record(actor, "resource.create", target=f"resource:{r.id}", after=snapshot(r))
    db.session.commit()
    return r


def update_resource(actor, r: Resource, data: dict) -> Resource:
    """Edit a resource. Changing how people reach it (numbers, URL, country) makes it unverified again."""
    fields = clean_resource(data, partial_of=r)
    before = snapshot(r)
    for name, value in fields.items():
        setattr(r, name, value)
    if any(before[f] != getattr(r, f) for f in (*PHONE_FIELDS, "sms_keyword", "url", "country", "kind")):
        r.last_verified, r.verified_by_id = None, None
    ensure_directory_not_empty()
    after = snapshot(r)
    if after != before:
        audit.record(actor, "resource.update", target=f"resource:{r.id}", before=before, after=after)
    db.session.commit()
    return r


def set_active(actor, r: Resource, active: bool) -> Resource:
    before = snapshot(r)
    r.active = active
    ensure_directory_not_empty()
    audit.record(actor, "resource.activate" if active else "resource.deactivate", target=f"resource:{r.id}",
                 before=before, after=snapshot(r))
    db.session.commit()
    return r


def verify_resource(actor, r: Resource, today: date | None = None) -> Resource:
    """An admin has checked the contacts still work: last_verified = today, verified_by = them."""
    before = snapshot(r)
    r.last_verified = today or date.today()
    r.verified_by_id = actor.id
    db.session.flush()
    db.session.refresh(r)
    audit.record(actor, "resource.verify", target=f"resource:{r.id}", before=before, after=snapshot(r))
    db.session.commit()
    return r


def is_stale(r: Resource, today: date | None = None) -> bool:
    today = today or date.today()
    return r.last_verified is None or (today - r.last_verified).days > STALE_AFTER_DAYS


def needing_verification(today: date | None = None) -> list[Resource]:
    """Active resources never verified, or last verified more than STALE_AFTER_DAYS ago (the admin banner)."""
    cutoff = (today or date.today()) - timedelta(days=STALE_AFTER_DAYS)
    return list(db.session.scalars(
        select(Resource).where(Resource.active.is_(True),
                               or_(Resource.last_verified.is_(None), Resource.last_verified < cutoff))
        .order_by(Resource.country, Resource.name)))
