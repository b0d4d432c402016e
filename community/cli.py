"""Command-line tools: `flask --app wsgi members ...`, `flask --app wsgi demo seed`, `flask --app wsgi moderation ...`,
`flask --app wsgi doctor`.

Bad input gets a clear message and a non-zero exit, never a traceback.
"""
from __future__ import annotations

import secrets

import click
from flask.cli import AppGroup

from community.errors import ServiceError
from community.extensions import db
from flask import current_app

members_cli = AppGroup("members", help="Create admins, change roles, list members.")
demo_cli = AppGroup("demo", help="Demo data for trying Haven out.")
forum_cli = AppGroup("forum", help="Forum maintenance: stored post HTML.")
jobs_cli = AppGroup("jobs", help="Background work: the periodic jobs' worker (JOBS_BACKEND=rq).")


def _fail(message: str):
    raise click.ClickException(message)


def _member(handle: str):
    from community.members.services import find_by_handle
    member = find_by_handle(handle)
    if member is None:
        _fail(f"No member with handle {handle!r}.")
    return member


@members_cli.command("create-admin")
@click.argument("handle")
def create_admin(handle):
    """Create an admin account; the generated password is printed once."""
    from community.members.services import create_member
    password = secrets.token_urlsafe(12)
    try:
        member, code = create_member(handle, password, role="admin", allow_reserved=True)
    except ServiceError as err:
        _fail(err.message)
    click.echo(f"Created admin {member.handle}\n  password:      {password}\n  recovery code: {code}\n"
               "Both are shown once: store them somewhere safe.")


@members_cli.command("promote")
@click.argument("handle")
@click.option("--role", type=click.Choice(["moderator", "admin"]), default="moderator", show_default=True)
def promote(handle, role):
    """Give a member the moderator (or admin) role."""
    from community.members.services import set_role
    from moderation.audit import record
    member = _member(handle)
    before = member.role
    set_role(member, role)
    record(None, "member.role", target=f"member:{member.id}", before={"role": before}, after={"role": role},
           note="via CLI")
    db.session.commit()
    click.echo(f"{member.handle} is now {role}.")


@members_cli.command("demote")
@click.argument("handle")
def demote(handle):
    """Make a moderator or admin an ordinary member again."""
    from community.members.services import set_role
    from moderation.audit import record
    member = _member(handle)
    before = member.role
    set_role(member, "member")
    record(None, "member.role", target=f"member:{member.id}", before={"role": before}, after={"role": "member"},
           note="via CLI")
    db.session.commit()
    click.echo(f"{member.handle} is now member.")


@members_cli.command("list")
@click.option("--role", type=click.Choice(["member", "moderator", "admin"]), default=None)
def list_members(role):
    """List members (handle, role, region, joined)."""
    from community.members.services import list_members as query
    rows = query(role)
    for m in rows:
        status = " (suspended)" if m.is_suspended else (" (deleted)" if m.deleted_at else "")
        click.echo(f"{m.handle:<24} {m.role:<10} {m.region or '-':<3} {m.created_at:%Y-%m-%d}{status}")
    click.echo(f"{len(rows)} member(s)")


@demo_cli.command("seed")
def seed():
    """Add demo members and demo content (idempotent: running it again adds nothing)."""
    from community.demo import seed_demo
    try:
        lines = seed_demo()
    except ServiceError as err:  # e.g. a watched word an admin added refuses a demo text
        db.session.rollback()
        _fail(f"Demo seed stopped: {err.message}")
    for line in lines:
        click.echo(line)


@forum_cli.command("rerender")
@click.option("--all", "everything", is_flag=True, help="Every post, not only those rendered by another version.")
def forum_rerender(everything):
    """Render posts' and chat messages' stored HTML again after the sanitiser policy or the renderer changed."""
    from community.chat.services import rerender as rerender_chat
    from community.forum.services import rerender
    result = rerender(everything=everything)
    click.echo(f"Re-rendered {result['rerendered']} post(s) with renderer {result['version']}.")
    result = rerender_chat(everything=everything)
    click.echo(f"Re-rendered {result['rerendered']} chat message(s) with renderer {result['version']}.")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (for checks), instead of running on.")
def jobs_worker(burst):
    """Run the periodic jobs (unscreened retry, claim expiry) from Redis: one such process per deployment."""

    from moderation.jobs import run_worker
    if not current_app.config.get("REDIS_URL"):
        _fail("The jobs worker needs REDIS_URL (Redis holds its queue). Without Redis, each serving process "
              "runs the periodic jobs itself (JOBS_BACKEND=thread, the default).")
    try:
        run_worker(current_app._get_current_object(), burst=burst)
    except Exception as exc:  # noqa: BLE001 - e.g. Redis unreachable: a clear message, not a traceback
        _fail(f"The jobs worker stopped: {type(exc).__name__}: {exc}")


def init_app(app) -> None:
    from community.admin.doctor import doctor_command
    from moderation.cli import moderation_cli
    app.cli.add_command(doctor_command)
    app.cli.add_command(members_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(forum_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(moderation_cli)
