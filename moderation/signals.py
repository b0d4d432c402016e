"""What moderation announces, for whoever listens: blinker signals (Flask's own dependency), so that moderation never
imports the web layer. `community/realtime.py` subscribes to them in `create_app` and turns them into live events
after the transaction commits.

    queue_item_changed.send(item)           a queue item was raised, re-ranked, claimed, released or decided
    staff_message_sent.send(member_id)      a moderator wrote to a member
    member_message_received.send(message)   a member wrote to the moderators (a StaffMessage from the member)
"""
from blinker import Namespace

_signals = Namespace()

queue_item_changed = _signals.signal("queue-item-changed")
staff_message_sent = _signals.signal("staff-message-sent")
member_message_received = _signals.signal("member-message-received")
