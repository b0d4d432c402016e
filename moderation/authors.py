"""What moderation knows about the people whose words it screens: plain facts, handed over by the community.

Moderation never imports community services. Screening needs a few facts about an author (staff? trusted? have
they published before?) and the queue shows moderators a short summary of each author; the community registers one
`AuthorDirectory` in `create_app` that answers both (community/members/moderation_adapter.py), the same way forum
and chat register the content adapters the queue acts through (moderation/queue/content.py).

`screen(text, author=...)` takes the author's `AuthorFacts`, or a member row that the directory turns into them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class AuthorFacts:
    id: int | None
    is_staff: bool = False
    trusted: bool = False


class AuthorDirectory(Protocol):
    def facts(self, member) -> AuthorFacts: ...

    def published_posts(self, author_id: int) -> int: ...

    def summary(self, member) -> dict | None: ...

    def prime(self, members: list) -> None: ...


_directory: AuthorDirectory | None = None


def register(directory: AuthorDirectory) -> None:
    global _directory
    _directory = directory


def facts(author) -> AuthorFacts | None:
    """The facts for `author`: None for no author, facts as given, or the directory's reading of a member row."""
    if author is None or isinstance(author, AuthorFacts):
        return author
    if _directory is None:  # no community registered (a bare script): an unknown author is never trusted
        return AuthorFacts(id=getattr(author, "id", None), is_staff=bool(getattr(author, "is_staff", False)))
    return _directory.facts(author)


def published_posts(author_id: int) -> int:
    return _directory.published_posts(author_id) if _directory is not None else 0


def summary(member) -> dict | None:
    """What staff read about an author on a queue item (handle, joined, posts, trusted), or None."""
    return _directory.summary(member) if _directory is not None and member is not None else None


def prime(members: list) -> None:
    """Load what `summary` and `facts` need for many members at once (the queue page)."""
    if _directory is not None:
        _directory.prime(members)
