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


class AboutText:
    """A member's profile "about" text as moderation sees it: content of its own (type "about"), written by them."""

    def __init__(self, member: Member):
        self.member = member
        self.id = member.id
        self.author_id = member.id
        self.author = member

    @property
    def body(self) -> str:
        return self.member.about or ""


class AboutContent:
    """Lets the queue hold, approve or remove a profile's about text (registered in create_app)."""

    content_type = "about"

    def load(self, content_id):
        member = db.session.get(Member, content_id)
        return AboutText(member) if member is not None else None

    def author_id(self, about):
        return about.member.id

    def text(self, about):
        return about.body

    def status(self, about):
        return about.member.about_status or "published"

    def set_status(self, about, status, *, hold_reason, note, verdict=None):
        about.member.about_status = status
        about.member.about_hold_reason = None if status == "published" else hold_reason
        if verdict is not None:
            about.member.about_verdict = verdict

    def to_dict(self, about):
        return {"id": about.id, "handle": about.member.handle, "body": about.body,
                "status": about.member.about_status, "hold_reason": about.member.about_hold_reason}
