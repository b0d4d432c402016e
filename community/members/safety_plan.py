"""A member's personal safety plan (the seven sections of the Stanley-Brown Safety Planning Intervention).

Private by construction: the only functions here take the member whose plan it is, and every route that calls them
passes the signed-in member (page) or the token's member (API), never a member looked up by id or handle. The plan is
never screened (it is not published content), never held, never audited, and never shown to staff.

At rest it is one Fernet token per member (the whole plan as JSON, encrypted), so a copy of the database shows
nothing. The key is SAFETY_PLAN_KEY (one Fernet key, or several separated by commas for rotation: the first
encrypts, every one decrypts), or generated once into `keys/safety_plan_key` beside the instance folder
(SAFETY_PLAN_KEY_FILE to put it elsewhere) when the setting is unset: never beside the SQLite database, so one copy
of instance/ does not read every plan. A key found where earlier versions put it (instance/safety_plan_key) beside
the SQLite database is moved there safely on first use (see stored_key).
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from community.errors import ServiceError
from community.extensions import db, iso, utcnow
from community.members.models import Member, SafetyPlan
from moderation.resources import for_member

log = logging.getLogger(__name__)

SECTIONS = (
    ("warning_signs", "Warning signs",
     "Thoughts, images, moods or situations that tell me a crisis may be starting."),
    ("coping_strategies", "My own coping strategies",
     "Things I can do on my own to take my mind off my problems."),
    ("distractions", "People and places that distract me",
     "People and social settings that help me feel better."),
    ("people_to_ask", "People I can ask for help",
     "Names and how to reach them."),
    ("professionals", "Professionals and services I can contact",
     "Crisis lines, my doctor, services near me (filled in from the helplines for your region: change it freely)."),
    ("safe_surroundings", "Making my surroundings safe",
     "Ways to keep myself away from things I could use to hurt myself."),
    ("reasons_for_living", "My reasons for living",
     "The things most important to me and worth living for."),
)
SECTION_KEYS = tuple(key for key, _label, _hint in SECTIONS)
LABELS = {key: label for key, label, _hint in SECTIONS}
ENTRY_MAX = 300        # characters per entry
ENTRIES_MAX = 20       # entries per section


# --- the key -----------------------------------------------------------------------------------------------------

KEY_NAME = "safety_plan_key"


def key_file(app) -> Path:
    """Where the generated key lives: SAFETY_PLAN_KEY_FILE, or `keys/safety_plan_key` beside the instance folder
    (never in it: instance/ holds the SQLite database, and one copy of that folder must not read every plan)."""
    configured = app.config.get("SAFETY_PLAN_KEY_FILE")
    return Path(configured) if configured else Path(app.instance_path).parent / "keys" / KEY_NAME


def old_key_file(app) -> Path:
    """Where earlier versions generated it: instance/safety_plan_key, beside the SQLite database."""
    return Path(app.instance_path) / KEY_NAME


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip() or None
    except FileNotFoundError:
        return None


def _write_new(path: Path, value: str) -> None:
    """Create `path` (mode 600, its folder 700) holding `value`, all at once: FileExistsError if it is there."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(value)
            fh.flush()
            os.fsync(fh.fileno())
        os.link(part, path)  # never replaces a key another process wrote first
    finally:
        part.unlink(missing_ok=True)


def _move_old_key(old: Path, new: Path, value: str) -> str:
    """Move the key from instance/ to its own place without ever losing it: the copy is written, synced and read back
    before the old file goes; if the new place cannot be written, the old file stays and is used. If a different key
    is already at the new place, both stay and both decrypt (the new one encrypts); the doctor warns."""
    try:
        _write_new(new, value)
    except FileExistsError:
        pass
    except OSError as exc:
        log.warning("could not move the safety-plan key from %s to %s (%s): still using the old place", old, new, exc)
        return value
    there = _read(new)
    if there is None:
        return value
    if there != value:
        log.warning("two different safety-plan keys: %s and %s; both decrypt, the first encrypts", new, old)
        return f"{there},{value}"
    old.unlink(missing_ok=True)
    log.info("moved the safety-plan key from %s to %s", old, new)
    return value


def _any_plan() -> bool:
    """Does the database hold a plan someone encrypted (a row being written right now does not count)?"""
    try:
        with db.session.no_autoflush:
            return db.session.scalar(select(SafetyPlan.id).where(SafetyPlan.ciphertext != "").limit(1)) is not None
    except SQLAlchemyError:  # no tables yet (before the first migration): no plans either
        db.session.rollback()
        return False


def _sqlite_folder(app) -> Path | None:
    url = make_url(app.config.get("SQLALCHEMY_DATABASE_URI") or "sqlite://")
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).resolve().parent


def beside_database(app, path: Path) -> bool:
    """Is `path` in the SQLite database's folder (one copy of that folder would read every plan)?"""
    folder = _sqlite_folder(app)
    return folder is not None and path.resolve().parent == folder


def key_in_use(app) -> Path:
    """The file the generated key is read from: the old place while a key is still there, else key_file(app)."""
    old = old_key_file(app)
    return old if old.exists() and old.resolve() != key_file(app).resolve() else key_file(app)


def stored_key(app) -> str:
    """The generated key (SAFETY_PLAN_KEY unset): read from key_file(app), or made there once.

    A key an earlier version made at the old place (instance/) is moved to key_file(app) when it sits beside the
    SQLite database; elsewhere (PostgreSQL: instance/ holds no database) it is already apart from the database and
    stays where it is, so a deployment whose new place is not kept (a container without the keys volume) cannot
    lose it. A new key is never made while the database holds plans: that would hide a lost key behind a fresh one."""
    new, old = key_file(app), old_key_file(app)
    old_value = _read(old) if old.resolve() != new.resolve() else None
    if old_value is not None:
        if beside_database(app, old):
            return _move_old_key(old, new, old_value)
        there = _read(new)
        return f"{there},{old_value}" if there and there != old_value else old_value
    value = _read(new)
    if value is not None:
        return value
    if _any_plan():
        raise RuntimeError(f"The safety-plan key {new} is missing but the database holds safety plans: restore the "
                           "key from your backup (or set SAFETY_PLAN_KEY_FILE to where it is). A new key would not "
                           "read them.")
    try:
        _write_new(new, Fernet.generate_key().decode())
    except FileExistsError:
        pass  # another process made it first: use theirs
    return _read(new)


def _keys() -> list[str]:
    app = current_app._get_current_object()
    value = app.config.get("SAFETY_PLAN_KEY") or stored_key(app)
    return [k.strip() for k in str(value).split(",") if k.strip()]


def _cipher() -> MultiFernet:
    try:
        return MultiFernet([Fernet(k) for k in _keys()])
    except (ValueError, TypeError) as exc:
        raise RuntimeError("SAFETY_PLAN_KEY must be one or more Fernet keys (Fernet.generate_key()), "
                           "separated by commas") from exc


def encrypt(plan: dict) -> str:
    return _cipher().encrypt(json.dumps(plan, ensure_ascii=False).encode()).decode()


def decrypt(token: str) -> dict:
    try:
        return json.loads(_cipher().decrypt(token.encode()))
    except InvalidToken:
        raise RuntimeError("The safety plan cannot be decrypted with SAFETY_PLAN_KEY: keep the old key in the list "
                           "(after the new one) when rotating") from None


# --- reading and writing -----------------------------------------------------------------------------------------

def _row(member: Member) -> SafetyPlan | None:
    return db.session.scalar(select(SafetyPlan).where(SafetyPlan.member_id == member.id))


def has_plan(member: Member) -> bool:
    return db.session.scalar(select(SafetyPlan.id).where(SafetyPlan.member_id == member.id)) is not None


def get_plan(member: Member) -> dict:
    """The member's own plan: the seven lists and `updated_at` (None, with empty lists, before the first save)."""
    row = _row(member)
    stored = decrypt(row.ciphertext) if row is not None else {}
    plan = {key: [str(x) for x in stored.get(key, [])] for key in SECTION_KEYS}
    plan["updated_at"] = iso(row.updated_at) if row is not None else None
    return plan


def suggested_professionals(member: Member) -> list[str]:
    """Pre-fill for "professionals and services": the crisis resources for the member's region."""
    found = for_member(member)
    out = []
    if found.get("emergency") and found["emergency"].get("numbers"):
        out.append(f"Emergency services: {' or '.join(found['emergency']['numbers'])}")
    for r in found.get("resources", []):
        contact = r.get("phone") or (f"text {r['sms_keyword'] + ' to ' if r.get('sms_keyword') else ''}{r['sms']}"
                                     if r.get("sms") else None) or r.get("url")
        out.append(f"{r['name']}: {contact}" if contact else r["name"])
    return [entry[:ENTRY_MAX] for entry in out[:ENTRIES_MAX]]


def clean(data) -> dict:
    """Check every section before anything is saved: a clear error names the section and entry."""
    if not isinstance(data, dict):
        raise ServiceError("invalid_plan", "Send the plan as an object with the seven sections.")
    unknown = set(data) - set(SECTION_KEYS) - {"updated_at"}
    if unknown:
        raise ServiceError("unknown_section", f"Unknown section(s): {', '.join(sorted(map(str, unknown)))}. "
                           f"The sections are: {', '.join(SECTION_KEYS)}.")
    plan = {}
    for key in SECTION_KEYS:
        entries = data.get(key) or []
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise ServiceError("invalid_section", f"'{key}' must be a list of text entries.", field=key)
        entries = [e.replace("\x00", "").strip() for e in entries]
        entries = [e for e in entries if e]
        if len(entries) > ENTRIES_MAX:
            raise ServiceError("too_many_entries", f"{LABELS[key]} can have at most {ENTRIES_MAX} entries "
                               f"(it has {len(entries)}). Nothing was saved.", field=key)
        for number, entry in enumerate(entries, 1):
            if len(entry) > ENTRY_MAX:
                raise ServiceError("entry_too_long", f"{LABELS[key]}, entry {number}: at most {ENTRY_MAX} characters "
                                   f"per entry (it has {len(entry)}). Nothing was saved.", field=key)
        plan[key] = entries
    return plan


def save_plan(member: Member, data) -> dict:
    """Replace the member's plan (all sections at once; a missing section is saved empty)."""
    plan = clean(data)
    row = _row(member)
    if row is None:
        row = SafetyPlan(member_id=member.id, ciphertext="")
        db.session.add(row)
    row.ciphertext = encrypt(plan)
    row.updated_at = utcnow()
    db.session.commit()
    return get_plan(member)


def delete_plan(member: Member) -> None:
    db.session.query(SafetyPlan).filter_by(member_id=member.id).delete()
    db.session.commit()


def export_plan(member: Member) -> dict | None:
    """For the member's OWN data export: the plan in the clear, or None if they never saved one."""
    return get_plan(member) if has_plan(member) else None


def reencrypt_all() -> int:
    """After adding a new first key: rewrite every plan with it (MultiFernet.rotate), so the old key can go."""
    cipher = _cipher()
    rows = list(db.session.scalars(select(SafetyPlan)))
    for row in rows:
        row.ciphertext = cipher.rotate(row.ciphertext.encode()).decode()
    db.session.commit()
    return len(rows)
