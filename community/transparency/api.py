"""The public transparency report as JSON: GET /api/v1/transparency?month=YYYY-MM (no sign-in)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from community.transparency import services

bp = Blueprint("transparency_api", __name__, url_prefix="/api/v1")


@bp.get("/transparency")
def transparency():
    return jsonify(services.published(services.parse_month(request.args.get("month"))))
