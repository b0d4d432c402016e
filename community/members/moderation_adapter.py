"""Tells moderation what it may know about an author (registered in create_app; see moderation/authors.py)."""
from community.extensions import db
from community.members import trust
from community.members.models import Member
from moderation.authors import AuthorFacts


class MemberDirectory:
    def facts(self, member: Member) -> AuthorFacts:
        return AuthorFacts(id=member.id, is_staff=member.is_staff, trusted=trust.is_trusted(member))

    def published_posts(self, author_id: int) -> int:
        member = db.session.get(Member, author_id)
        return trust.published_posts(member) if member is not None else 0

    def summary(self, member: Member) -> dict | None:
        return trust.summary(member)

    def prime(self, members: list) -> None:
        trust.prime(members)
