from flask import Blueprint, jsonify, request

from moderation.resources import for_region

bp = Blueprint("resources_api", __name__, url_prefix="/api/v1")


@bp.get("/resources")
def resources():
    """Public, no sign-in: a person looking for help never meets an error here."""
    return jsonify(for_region(request.args.get("country")))
