"""GET /api/v1/search?q=&board=&page=: the search page's results as JSON (bearer token optional)."""
from flask import Blueprint, jsonify, request, url_for

from community.extensions import iso
from community.search import services
from community.web import optional_member

bp = Blueprint("search_api", __name__, url_prefix="/api/v1")


def result_to_dict(result: services.Result) -> dict:
    post = result.post
    return {
        "post_id": post.id, "thread_id": post.thread_id, "board": post.thread.board.slug,
        "title": services.plain(result.title), "title_html": str(result.title),
        "author": post.author.handle, "created_at": iso(post.created_at),
        "snippet": services.plain(result.snippet), "snippet_html": None if result.snippet is None else str(result.snippet),
        "filtered": result.filtered, "held": result.held, "status": post.status,
        "url": url_for("forum.thread", thread_id=post.thread_id, page=result.page) + f"#post-{post.id}",
    }


@bp.get("/search")
def search():
    viewer = optional_member()
    results = services.search(request.args.get("q"), viewer, request.args.get("board"), request.args.get("page"))
    body = {"query": results.query.text, "board": results.board.slug if results.board else None,
            "page": results.page, "pages": results.pages, "total": results.total, "per_page": services.PER_PAGE,
            "results": [result_to_dict(r) for r in results.items]}
    if results.query.crisis:
        body["crisis"] = services.crisis_support(viewer)
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response
