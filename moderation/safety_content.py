"""Queue adapter for "member" items: suspension proposals raised by strikes (moderation/notices.py)."""
from community.extensions import db
from community.members.models import Member


class MemberContent:
    content_type = "member"

    def load(self, content_id):
        valid = isinstance(content_id, int) and not isinstance(content_id, bool) and 1 <= content_id < 2**31
        return db.session.get(Member, content_id) if valid else None

    def author_id(self, member):
        return member.id

    def text(self, member):
        return member.handle

    def status(self, member):
        return "suspended" if member.is_suspended else "active"

    def set_status(self, member, status, *, hold_reason, note, verdict=None):
        """Nothing to publish or remove: the moderator confirms with `suspend` or dismisses with `approve`."""

    def to_dict(self, member):
        from moderation.notices import strike_to_dict, strikes
        return {"handle": member.handle, "joined_at": member.created_at.isoformat() + "Z",
                "suspended_until": member.suspended_until.isoformat() + "Z" if member.suspended_until else None,
                "strikes": [strike_to_dict(s) for s in strikes(member)]}
