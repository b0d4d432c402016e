"""The notifications page (readable without JavaScript), its settings, and the header's unread count."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from community.errors import ServiceError
from community.extensions import db
from community.notifications import services
from community.notifications.models import OPTIONAL_KINDS
from community.web import CsrfForm
from community.write_limits import write_limit

bp = Blueprint("notifications", __name__)

KIND_LABELS = {"reply": "Replies in threads I follow", "mention": "When someone @mentions me",
               "reaction": "Reactions to my posts"}


def _items(found) -> list[dict]:
    return [{"id": n.id, "kind": n.kind, "said": services.describe(n), "updated_at": n.updated_at} for n in found]


@bp.get("/notifications")
@login_required
def page():
    member = current_user._get_current_object()
    found = services.notifications_of(member)
    unread = {n.id for n in found if n.read_at is None}
    settings = services.settings_to_dict(services.settings_of(member))
    found = _items(found)  # read now: marking them read below ends the transaction (and expires the rows)
    if unread:
        services.mark_read(member, sorted(unread))  # seen now (the header's badge too); the list still says "new"
    return render_template("notifications/list.html", notifications=found, unread=unread,
                           describe=services.describe, settings=settings, kind_labels=KIND_LABELS,
                           form=CsrfForm(), typed=None)


@bp.post("/notifications/read")
@login_required
@write_limit("settings")
def read():
    if CsrfForm().validate_on_submit():
        services.mark_read(current_user._get_current_object())
        flash("All notifications marked read.", "info")
    return redirect(url_for("notifications.page"))


@bp.post("/notifications/settings")
@login_required
@write_limit("settings")
def settings():
    member = current_user._get_current_object()
    form = CsrfForm()
    if not form.validate_on_submit():
        return redirect(url_for("notifications.page"))
    quiet_on = request.form.get("quiet") == "y"
    typed = {"kinds": {k: request.form.get(f"kind_{k}") == "y" for k in OPTIONAL_KINDS},
             "quiet_hours": {"start": request.form.get("quiet_start", ""), "end": request.form.get("quiet_end", "")}
             if quiet_on else None,
             "time_zone": request.form.get("time_zone", "").strip() or "UTC"}
    try:
        services.update_settings(member, typed)
    except ServiceError as err:
        db.session.rollback()
        # Show the page again with what was typed and the reason, nothing lost.
        found = _items(services.notifications_of(member))
        shown = {"kinds": {**{k: True for k in ("moderation",)}, **typed["kinds"]},
                 "quiet_hours": typed["quiet_hours"] or None, "time_zone": typed["time_zone"],
                 "quiet_typed": {"start": request.form.get("quiet_start", ""),
                                 "end": request.form.get("quiet_end", "")}}
        return render_template("notifications/list.html", notifications=found, unread=set(),
                               describe=services.describe, settings=shown, kind_labels=KIND_LABELS, form=form,
                               error=err.message, error_field=err.field), 400
    flash("Notification settings saved.", "info")
    return redirect(url_for("notifications.page") + "#settings")


@bp.app_context_processor
def notification_count():
    count = 0
    if current_user.is_authenticated:
        try:
            count = services.unread_count(current_user._get_current_object())
        except Exception:  # noqa: BLE001 - the header must render even when the database is struggling
            db.session.rollback()
    return {"unread_notifications": count}
