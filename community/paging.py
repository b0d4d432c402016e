"""Pages that cost about the same wherever they are in a long list.

OFFSET paging reads and skips every row before the page, so the last page of a 10,000-post thread costs far more
than the first. `page_of` counts first (one indexed count, which every page needs for its pager anyway), then reads
a page past the middle from the other end of the same index, with the order reversed: no page skips more than half
the list. Page numbers, URLs and the Flask-SQLAlchemy Pagination object the templates use stay as they were.
"""
from __future__ import annotations

from flask_sqlalchemy.pagination import SelectPagination

from community.errors import ServiceError
from community.extensions import db


def parse_page(page) -> int:
    """?page=: a whole number from 1 (empty means 1); anything else is a clear 400."""
    if page is None or page == "":
        return 1
    try:
        number = int(page)
    except (TypeError, ValueError):
        raise ServiceError("invalid_page", "page must be a whole number from 1.") from None
    if not 1 <= number <= 1_000_000:
        raise ServiceError("invalid_page", "page must be a whole number from 1.")
    return number


def parse_whole(raw, name: str, default: int, high: int, *, echo: bool = False) -> int:
    """A query-string number from 1 to `high` (empty means `default`); anything else a clear 400 "invalid_<name>"
    (`echo`: the message repeats what was sent, cut short)."""
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= high:
        given = f" (got '{str(raw)[:20]}')" if echo else ""
        raise ServiceError(f"invalid_{name}", f"{name} must be a whole number from 1 to {high}{given}.", field=name)
    return value


class _FlatPagination(SelectPagination):
    def _query_items(self) -> list:
        self._counted = super()._query_count()
        offset = self._query_offset
        if offset <= self._counted // 2:
            return super()._query_items()
        wanted = min(self.per_page, self._counted - offset)
        if wanted <= 0:
            return []
        select = self._query_args["select"].order_by(None).order_by(*self._query_args["reverse"])
        tail = self._counted - offset - wanted
        rows = list(self._query_args["session"].execute(select.limit(wanted).offset(tail)).unique().scalars())
        rows.reverse()
        return rows

    def _query_count(self) -> int:
        return self._counted


def page_of(select, *, order: tuple, reverse: tuple, page: int, per_page: int):
    """A Pagination of `select` ordered by `order`; `reverse` is the same order reversed (column.desc() for asc).
    Callers bound `per_page` themselves (Flask-SQLAlchemy's own cap of 100 would silently halve a 200-item page)."""
    return _FlatPagination(select=select.order_by(*order), session=db.session(), reverse=reverse, page=page,
                           per_page=per_page, max_per_page=None, error_out=False, count=True)
