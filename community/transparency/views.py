"""The public transparency page, /transparency (linked from every page's footer)."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from community.errors import ServiceError
from community.transparency import services

bp = Blueprint("transparency", __name__)


@bp.get("/transparency")
def transparency():
    months = services.recent_months()
    try:
        month = services.parse_month(request.args.get("month"))
    except ServiceError as err:
        return render_template("transparency.html", report=None, error=err.message, months=months,
                               typed=request.args.get("month", ""), **_labels()), err.status
    return render_template("transparency.html", report=services.published(month), error=None, months=months,
                           typed=month.label, month=month, **_labels())


def _labels() -> dict:
    return {"labels": services.REASON_LABELS, "priority_labels": services.PRIORITY_LABELS}
