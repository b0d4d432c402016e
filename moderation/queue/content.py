"""How the queue reaches the content it moderates, without moderation importing the forum or chat.

Each area registers an adapter for its content type ("post", "message") at start-up. The queue asks the adapter to
load, publish or remove an item; the area keeps its own side effects (thread counts, live broadcast) to itself.
"""
from __future__ import annotations

from typing import Protocol


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


_adapters: dict[str, ContentAdapter] = {}


def register(adapter: ContentAdapter) -> None:
    _adapters[adapter.content_type] = adapter


def adapter_for(content_type: str) -> ContentAdapter:
    return _adapters[content_type]
