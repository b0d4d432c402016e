"""Crisis resources: the directory admins keep, and the ONE function that chooses what a person is shown.

`for_region(code)` is used everywhere help appears: the crisis hold in the forum, the chat `crisis_resources`
event, the help page, the moderator's queue item and the error pages.
"""
from moderation.resources.services import for_member, for_region, support_for_verdict  # noqa: F401
