"""`flask --app wsgi doctor`: is this installation ready to serve people? Plain words, non-zero exit when not.

Each check gives one or more lines: `ok` (fine), `warning` (works, but an admin should act) or `PROBLEM` (something
people would notice: fix it before serving). The exit status is 1 when any PROBLEM is found (or, with `--strict`,
any warning), so it can gate a deploy script or a container start.

Checks: secrets (SECRET_KEY, the safety-plan key), the database (reachable, migrated to the newest revision),
Redis (reachable when REDIS_URL is set), the screening models (load, names and versions), the crisis directory
(non-empty, emergency numbers, an international entry, verified within 180 days) and the proxy settings
(SITE_URL, TRUST_PROXY). The database, Redis and model checks share their code with `/admin/health`
(`community.admin.views.health_report`).
"""
from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask.cli import with_appcontext
from flask import current_app
from community.members.services import _verify, find_by_handle
from community.demo import DEMO_MEMBERS
from moderation.resources.services import needing_verification, STALE_AFTER_DAYS
from moderation.resources.models import Resource
from community.extensions import db
from sqlalchemy import func, select
from moderation.classifiers.registry import backends
from community.admin.views import database_status, redis_status

from community.members import safety_plan

OK, WARN, FAIL = "ok", "warning", "PROBLEM"


@dataclass
class Finding:
    level: str
    topic: str
    message: str

    def line(self) -> str:
        return f"{self.level:<8} {self.topic}: {self.message}"


def _secret_file(app, name: str) -> Path:
    return Path(app.instance_path) / name


def _loose_permissions(path: Path) -> bool:
    try:
        return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
    except OSError:
        return False


def check_secrets(app) -> list[Finding]:
    out = []
    if app.config.get("SECRET_KEY_FROM_ENVIRONMENT"):
        if len(str(app.config.get("SECRET_KEY") or "")) < 32:
            out.append(Finding(WARN, "secret key", "SECRET_KEY is shorter than 32 characters; use a long random "
                                                   "value, e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`."))
        else:
            out.append(Finding(OK, "secret key", "set from SECRET_KEY."))
    else:
        path = _secret_file(app, "secret_key")
        if path.exists():
            msg = f"generated in {path} (back this file up; losing it signs everyone out)."
            if _loose_permissions(path):
                out.append(Finding(WARN, "secret key", msg + f" Other users can read it: run `chmod 600 {path}`."))
            else:
                out.append(Finding(OK, "secret key", msg))
        elif app.config.get("SECRET_KEY"):
            out.append(Finding(OK, "secret key", "set in the app configuration."))
        else:
            out.append(Finding(FAIL, "secret key", f"no SECRET_KEY and no {path}; sessions cannot be signed."))

    # The safety-plan key: every member's plan is encrypted with it; without it the plans are unreadable.
    from_setting = bool(app.config.get("SAFETY_PLAN_KEY"))
    try:
        safety_plan._cipher()  # also moves a key found where earlier versions kept it (beside the SQLite database)
    except Exception as exc:  # noqa: BLE001
        where = "SAFETY_PLAN_KEY" if from_setting else str(safety_plan.key_in_use(app))
        out.append(Finding(FAIL, "safety-plan key", f"{where} is not a usable key: {exc}"))
        return out
    where = "SAFETY_PLAN_KEY" if from_setting else str(safety_plan.key_in_use(app))
    out.append(Finding(OK, "safety-plan key", f"{where} (back it up: losing it makes every safety plan unreadable)."))
    return out


def check_database(app) -> tuple[list[Finding], bool]:
    """(findings, usable): usable is True when the schema is at the newest revision."""
    state, detail = database_status()
    url = db.engine.url.render_as_string(hide_password=True)
    if state != "ok":
        return [Finding(FAIL, "database", f"cannot reach {url} ({detail}). Check DATABASE_URL and that the database "
                                          "server is running.")], False
    migrate_ext = app.extensions["migrate"]
    config = migrate_ext.migrate.get_config(migrate_ext.directory)  # Flask-Migrate and Alembic load here, on first use
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(config)
    heads = set(script.get_heads())
    with db.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    head_text = ", ".join(sorted(heads))
    if not current:
        return [Finding(FAIL, "database", f"{url} is reachable but has no Haven schema (never migrated). Run "
                                          "`flask --app wsgi db upgrade`.")], False
    if current != heads:
        unknown = current - {rev.revision for rev in script.walk_revisions()}
        if unknown:
            return [Finding(FAIL, "database", f"{url} is at revision {', '.join(sorted(unknown))}, which this version "
                                              f"of Haven does not know (newest here: {head_text}). The database was "
                                              "upgraded by a newer release: run that release.")], False
        return [Finding(FAIL, "database", f"{url} is at revision {', '.join(sorted(current))} but this version needs "
                                          f"{head_text}. Run `flask --app wsgi db upgrade` (back up first).")], False
    note = ""
    if db.engine.dialect.name == "sqlite":
        note = " SQLite suits one server process; use PostgreSQL for more."
    return [Finding(OK, "database", f"{db.engine.dialect.name} reachable, migrated to the newest revision "
                                    f"({head_text}).{note}")], True


def check_redis(app) -> list[Finding]:
    state, detail = redis_status(app)
    if state == "ok":
        return [Finding(OK, "redis", f"reachable at {detail}.")]
    if state == "off":
        return [Finding(OK, "redis", "REDIS_URL not set: fine for one server process; set it when running two or "
                                     "more (chat across processes, shared rate limits).")]
    where = app.config["REDIS_URL"].split("@")[-1]
    return [Finding(FAIL, "redis", f"cannot reach Redis at {where} ({detail}). Start Redis or fix REDIS_URL "
                                   "(unset it for a single process).")]


def check_models(app) -> list[Finding]:
    out = []
    for row in backends(app).describe():
        slot = row["slot"].replace("_", "-")
        if row["error"]:
            out.append(Finding(FAIL, f"{slot} model", f"{row['name']} did not load ({row['error']}). Every post would "
                                                      "be held for a human as unscreened until this is fixed."))
        else:
            out.append(Finding(OK, f"{slot} model", f"{row['name']} version {row['version']} loaded "
                                                    f"in {row['load_seconds']:.2f}s."))
            if "lexicon" in row["name"]:
                out[-1] = Finding(WARN, f"{slot} model", f"{row['name']} version {row['version']}: the phrase list is "
                                                         "a placeholder; use the embedded models in production.")
    return out


def check_directory(app) -> list[Finding]:

    active = db.session.scalar(select(func.count()).select_from(Resource).where(Resource.active.is_(True)))
    if not active:
        return [Finding(FAIL, "crisis directory", "no active helplines: a person in crisis would see nothing to call. "
                                                  "Add them at /admin/resources (or import a CSV).")]
    emergency = db.session.scalars(select(Resource.country).where(Resource.active.is_(True),
                                                                  Resource.kind == "emergency")).all()
    international = db.session.scalar(select(func.count()).select_from(Resource)
                                      .where(Resource.active.is_(True), Resource.country == "*"))
    out = []
    if not emergency:
        out.append(Finding(FAIL, "crisis directory", "no emergency numbers (kind `emergency`): the help page cannot "
                                                     "show one first. Add one per country you serve at /admin/resources."))
    if not international:
        out.append(Finding(FAIL, "crisis directory", "no active international entry (country `*`): people without a "
                                                     "region would see no helpline."))
    if not out:
        out.append(Finding(OK, "crisis directory", f"{active} active entries, emergency numbers for "
                                                   f"{len(set(emergency))} region(s)."))
    stale = needing_verification()
    if stale:
        names = ", ".join(f"{r.name} ({r.country})" for r in stale[:5]) + (" ..." if len(stale) > 5 else "")
        out.append(Finding(WARN, "crisis directory", f"{len(stale)} of {active} active entries are unverified or were "
                                                     f"last verified more than {STALE_AFTER_DAYS} days ago: {names}. "
                                                     "Call or open each and press Mark verified at /admin/resources."))
    return out


def check_proxy(app) -> list[Finding]:
    site = app.config.get("SITE_URL")
    trust = app.config.get("TRUST_PROXY") or 0
    out = []
    if trust < 0:
        out.append(Finding(FAIL, "proxy", f"TRUST_PROXY={trust}: must be 0 or the number of proxies in front."))
    if site:
        parts = urlsplit(site)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") or parts.query:
            out.append(Finding(FAIL, "site url", f"SITE_URL={site!r} must be an origin such as "
                                                 "https://haven.example.org (scheme and host, no path)."))
        elif parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1"):
            out.append(Finding(WARN, "site url", f"SITE_URL={site} is not HTTPS: passwords and sessions would cross "
                                                 "the network in the clear. Terminate TLS at the proxy."))
        else:
            out.append(Finding(OK, "site url", f"{site} (Socket.IO accepts this origin only)."))
        if trust == 0:
            out.append(Finding(WARN, "proxy", "SITE_URL is set but TRUST_PROXY=0: behind a reverse proxy every client "
                                              "looks like the proxy (one shared rate limit) and HTTPS is not detected. "
                                              "Set TRUST_PROXY=1 (the number of proxies in front)."))
        elif trust > 0:
            out.append(Finding(OK, "proxy", f"trusting X-Forwarded-* from {trust} proxy(ies)."))
    else:
        out.append(Finding(WARN, "site url", "SITE_URL is not set: fine for trying Haven locally; in production set "
                                             "it to the public origin (https://...) with TRUST_PROXY=1."))
        if trust > 0:
            out.append(Finding(OK, "proxy", f"trusting X-Forwarded-* from {trust} proxy(ies)."))
    if not app.config.get("RATELIMIT_ENABLED", True):
        out.append(Finding(WARN, "rate limits", "RATELIMIT_ENABLED is false: nothing limits sign-ups or posting. Only "
                                                "for load tests."))
    return out


def _sqlite_path(app) -> Path | None:
    url = app.config.get("SQLALCHEMY_DATABASE_URI", "")
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        return Path(url[len("sqlite:///"):])
    return None


def check_files(app) -> list[Finding]:
    """Who can read the database file and the safety-plan key, and whether one copy would hold both."""
    out = []
    db_path = _sqlite_path(app)
    from_setting = app.config.get("SAFETY_PLAN_KEY")
    key_path = None if from_setting else safety_plan.key_in_use(app)
    new_key = safety_plan.key_file(app)
    if not from_setting and key_path != new_key and new_key.exists():
        out.append(Finding(WARN, "safety-plan key", f"two key files: {key_path} (the old place) and {new_key}; both "
                                                    f"decrypt and {new_key} encrypts. Back both up, run "
                                                    "`safety_plan.reencrypt_all()`, then remove the old one."))
    for label, path in (("database file", db_path), ("safety-plan key", key_path)):
        if path is None:
            continue
        for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if candidate.exists() and _loose_permissions(candidate):
                out.append(Finding(WARN, "file permissions", f"{candidate} ({label}) can be read by other users: "
                                                             f"run `chmod 600 {candidate}`."))
    if key_path is not None and key_path.exists() and safety_plan.beside_database(app, key_path):
        out.append(Finding(WARN, "safety-plan key", f"{key_path} sits beside the database {db_path}: one copy of that "
                                                    "folder reads every safety plan. Point SAFETY_PLAN_KEY_FILE "
                                                    "elsewhere (the default is keys/ beside instance/), or set "
                                                    "SAFETY_PLAN_KEY from a secret store, and back the two up "
                                                    "separately."))
    if not out:
        out.append(Finding(OK, "file permissions", "the database file and the safety-plan key are private to their "
                                                   "owner." if db_path is not None else "nothing to check (not SQLite)."))
    return out


def check_demo_accounts(app) -> list[Finding]:
    """Demo members whose password is still the public one printed in the README."""
    open_doors = []
    try:
        for handle, password, role, _region in DEMO_MEMBERS:
            member = find_by_handle(handle)
            if member is not None and member.deleted_at is None and _verify(member.password_hash, password):
                open_doors.append(f"{handle} ({role})")
    except Exception:  # noqa: BLE001 - no tables yet: nothing to check
        db.session.rollback()
        return []
    if open_doors:
        return [Finding(WARN, "demo accounts", f"{', '.join(open_doors)} still use the public demo passwords from "
                                               "the README: anyone can sign in as them. Delete them or change "
                                               "their passwords before real people join.")]
    return [Finding(OK, "demo accounts", "no demo account with a public password.")]


def run_checks(app) -> list[Finding]:
    findings: list[Finding] = []
    findings += check_secrets(app)
    findings += check_files(app)
    db_findings, usable = check_database(app)
    findings += db_findings
    findings += check_redis(app)
    findings += check_models(app)
    if usable:
        findings += check_directory(app)
        findings += check_demo_accounts(app)
    else:
        findings.append(Finding(WARN, "crisis directory", "not checked: the database is not ready (see above)."))
    findings += check_proxy(app)
    return findings


@click.command("doctor")
@with_appcontext
@click.option("--strict", is_flag=True, help="Exit non-zero on warnings too.")
def doctor_command(strict):
    """Check configuration, database, Redis, models and the crisis directory; say plainly what is wrong."""
    app = current_app._get_current_object()
    findings = run_checks(app)
    for f in findings:
        click.echo(f.line())
    problems = [f for f in findings if f.level == FAIL]
    warnings = [f for f in findings if f.level == WARN]
    if problems:
        click.echo(f"\n{len(problems)} problem(s), {len(warnings)} warning(s). Fix the problems above before serving.")
        raise SystemExit(1)
    if warnings:
        click.echo(f"\nNo problems; {len(warnings)} warning(s) worth a look.")
        if strict:
            raise SystemExit(1)
    else:
        click.echo("\nAll checks passed.")
