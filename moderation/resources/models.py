from community.extensions import db, member_ref, utcnow

KINDS = ("phone", "text", "chat", "web", "emergency")


class Resource(db.Model):
    __tablename__ = "resources"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False)
    kind = db.Column(db.String(16), nullable=False)  # phone | text | chat | web | emergency
    phone = db.Column(db.String(32), nullable=True)
    alt_phone = db.Column(db.String(32), nullable=True)  # e.g. 112 beside 999
    sms = db.Column(db.String(32), nullable=True)
    sms_keyword = db.Column(db.String(32), nullable=True)
    url = db.Column(db.String(300), nullable=True)
    country = db.Column(db.String(2), nullable=False, index=True)  # ISO 3166 alpha-2, or "*" for international
    languages = db.Column(db.String(120), nullable=False, default="en")  # comma-separated codes
    hours = db.Column(db.String(120), nullable=True)
    always_open = db.Column(db.Boolean, nullable=False, default=False)  # 24/7
    audiences = db.Column(db.String(200), nullable=False, default="everyone")  # comma-separated
    description = db.Column(db.String(500), nullable=False, default="")
    active = db.Column(db.Boolean, nullable=False, default=True)
    last_verified = db.Column(db.Date, nullable=True)  # None = not verified by this community's admins yet
    verified_by_id = member_ref(nullable=True)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    verified_by = db.relationship("Member")
