"""Text written to the moderators themselves (messages to staff, appeals, report notes) is screened for urgency only.

It is never refused or hidden for what it says: the verdict only decides how soon a human reads it, and whether
the writer is shown the crisis panel at once.
"""
from __future__ import annotations

from dataclasses import asdict

from moderation import policy
from moderation.resources import support_for_verdict
from moderation.screen import Verdict, screen

SUPPORT_MESSAGE = (
    "Thank you for telling us. What you're going through matters, and you don't have to face it alone. "
    "Your {what} has reached the moderators and one of them will read it soon. If you might act on these "
    "thoughts, or already have, please reach out to one of these services now: they are free and there is someone "
    "there to listen."
)


def screen_for_urgency(text: str, author, context: str) -> Verdict:
    """`moderation.screen`, but whatever goes wrong the answer is a verdict (an unscreened one, so a human reads it
    soon), never an exception that would lose the words."""
    try:
        return screen(text, author=author, context=context)
    except Exception as exc:  # noqa: BLE001 - fail closed with care
        return Verdict(**asdict(policy.unscreened(type(exc).__name__)), context=context)


def is_crisis(verdict: Verdict) -> bool:
    """Self-harm ideation or intent (the verdict a forum post would be held for, with the crisis panel)."""
    return verdict.hold_reason == "self_harm"


def urgency(verdict: Verdict) -> str:
    """The queue priority the verdict asks for: urgent (intent) / high (ideation, or screening could not finish) /
    normal (anything else, toxicity included)."""
    if is_crisis(verdict):
        return verdict.priority if verdict.priority in (policy.URGENT, policy.HIGH) else policy.HIGH
    if verdict.hold_reason == "unscreened":
        return policy.HIGH
    return policy.NORMAL


def support(verdict: Verdict, member, what: str) -> dict:
    """What the writer is shown at once: the same fields as for a held post (support_message, resources,
    emergency, help_url, safety_plan) for a crisis, worded for what they wrote ("message", "appeal", "note")."""
    found = support_for_verdict(verdict, member)
    if "support_message" in found and is_crisis(verdict):
        found["support_message"] = SUPPORT_MESSAGE.format(what=what)
    return found
