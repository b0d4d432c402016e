"""The search page: a form, results with highlighted snippets, and the crisis panel first when the query reads as a
crisis."""
from flask import Blueprint, render_template, request
from flask_login import current_user

from community.errors import ServiceError
from community.forum.services import list_boards
from community.pages import help_region
from community.search import services

bp = Blueprint("search", __name__)


def _viewer():
    return current_user._get_current_object() if current_user.is_authenticated else None


@bp.get("/search")
def search():
    q = request.args.get("q", "")
    board = request.args.get("board", "")
    viewer = _viewer()
    results = error = crisis = None
    status = 200
    if q.strip():
        try:
            results = services.search(q, viewer, board, request.args.get("page"))
        except ServiceError as err:
            error, status = err, err.status
        query_text = q
        if services.reads_as_crisis(q[:2 * services.QUERY_MAX]):
            # Never a dead end: the panel leads, whatever the results (or the error) are.
            crisis = services.crisis_support(viewer, None if viewer is not None else help_region()[0])
    else:
        query_text = ""
    return render_template("search/search.html", q=query_text, board=board, boards=list_boards(), results=results,
                           error=error, crisis=crisis, query_max=services.QUERY_MAX), status
