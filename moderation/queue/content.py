"""How the queue reaches the content it moderates, without moderation importing the forum or chat.

Each area registers an adapter for its content type ("post", "message") at start-up. The queue asks the adapter to
load, publish or remove an item; the area keeps its own side effects (thread counts, live broadcast) to itself.
"""
from __future__ import annotations

from typing import Protocol

from community.extensions import get_row
from moderation.policy import PUBLISHED


class ContentAdapter(Protocol):
    content_type: str

    def load(self, content_id: int): ...
    def author_id(self, obj) -> int: ...
    def text(self, obj) -> str: ...  # what gets screened again on retry
    def status(self, obj) -> str: ...
    def set_status(self, obj, status: str, *, hold_reason: str | None, note: str | None,
                   verdict: dict | None = None) -> None: ...
    def to_dict(self, obj) -> dict: ...  # what a moderator sees in the queue
    # Optional: every version of editable content, original first ({"number", "body", "content_warning",
    # "written_at", "replaced_at", "current", "screened"}); content that cannot be edited has none.
    def revisions(self, obj) -> list[dict]: ...
    # Optional: show the text as written where method details were masked (True when something was masked).
    def lift_mask(self, obj) -> bool: ...


class RowContent:
    """The usual adapter: content kept as rows of `model`, by id, its author's id in `author_field`, the text
    screened in `text_field`, and held, published or removed in its own status, hold reason, moderator's note and
    verdict columns. An area's adapter names its model and adds its side effects around set_status."""
    content_type: str
    model = None
    author_field = "author_id"
    text_field = "body"

    def load(self, content_id):
        return get_row(self.model, content_id)

    def author_id(self, obj) -> int:
        return getattr(obj, self.author_field)

    def text(self, obj) -> str:
        return getattr(obj, self.text_field) or ""

    def status(self, obj) -> str:
        return obj.status

    def set_status(self, obj, status: str, *, hold_reason: str | None, note: str | None,
                   verdict: dict | None = None) -> None:
        obj.status = status
        obj.hold_reason = None if status == PUBLISHED else hold_reason
        if note is not None:
            obj.moderator_note = note
        if verdict is not None:
            obj.verdict = verdict


class RecordContent(RowContent):
    """Content never held, published or removed (a report's note, a message to the moderators, a member proposed
    for suspension): it stays `fixed_status`, and a decision only resolves its item."""
    fixed_status = ""

    def status(self, obj) -> str:
        return self.fixed_status

    def set_status(self, obj, status: str, *, hold_reason: str | None, note: str | None,
                   verdict: dict | None = None) -> None:
        """Nothing to publish or remove."""


_adapters: dict[str, ContentAdapter] = {}


def register(adapter: ContentAdapter) -> None:
    _adapters[adapter.content_type] = adapter


def adapter_for(content_type: str) -> ContentAdapter:
    return _adapters[content_type]
