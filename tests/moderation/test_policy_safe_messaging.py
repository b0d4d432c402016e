"""Policy rule 6 (moderation.policy.safe_messaging), pure: what method details, encouragement and pacts do to a
decision in each context."""
from __future__ import annotations

import pytest

from moderation import policy
from moderation.policy import Decision

CLEAN = Decision(status="published")
CRISIS = Decision(status="held", tier="intent", hold_reason="self_harm", priority="high", queue_kind="self_harm",
                  reasons=["self_harm:intent"])
MD = ["method_details:quantity"]


def sm(d, context="forum_thread", method=(), encouragement=False, pact=False, protected=False):
    return policy.safe_messaging(d, method_reasons=list(method), encouragement=encouragement, pact=pact,
                                 context=context, protected=protected)


def test_nothing_found_changes_nothing():
    assert sm(CLEAN) == (CLEAN, False)


def test_method_details_in_a_post_are_masked_with_an_item():
    d, masked = sm(CLEAN, method=MD)
    assert masked and (d.status, d.queue_kind, d.priority) == ("published", "method_details", "normal")
    concern = Decision(status="published", tier="concern", priority="normal", queue_kind="check_in")
    d, masked = sm(concern, method=MD)
    assert masked and (d.queue_kind, d.priority) == ("method_details", "high")
    worried = Decision(status="published", priority="urgent", queue_kind="someone_else", someone_else="danger")
    d, masked = sm(worried, method=MD)
    assert masked and (d.queue_kind, d.priority, d.someone_else) == ("someone_else", "urgent", "danger")


def test_a_crisis_with_method_details_stays_held_and_becomes_urgent():
    d, masked = sm(CRISIS, method=MD)
    assert (d.status, d.hold_reason, d.priority) == ("held", "self_harm", "urgent") and masked
    assert "method_details:quantity" in d.reasons


@pytest.mark.parametrize("context", ["chat_message", "retry"])
def test_chat_and_retries_hold_method_details(context):
    d, _ = sm(CLEAN, context=context, method=MD)
    assert (d.status, d.hold_reason, d.queue_kind) == ("held", "method_details", "method_details")


def test_protected_replies_remove_method_details():
    d, _ = sm(CLEAN, context="forum_reply", method=MD, protected=True)
    assert (d.status, d.hold_reason) == ("removed", "method_details")


def test_encouragement_and_pacts_are_removed():
    d, _ = sm(CLEAN, encouragement=True)
    assert (d.status, d.hold_reason, d.queue_kind, d.priority) == ("removed", "encouragement", "encouragement", "high")
    d, _ = sm(CRISIS, encouragement=True)
    assert (d.status, d.queue_kind) == ("removed", "self_harm")
    d, _ = sm(CLEAN, pact=True)
    assert (d.status, d.hold_reason, d.queue_kind, d.priority, d.tier) == ("removed", "pact", "self_harm", "urgent",
                                                                          "intent")


@pytest.mark.parametrize("context", policy.URGENCY_ONLY)
def test_text_to_the_moderators_is_never_held_or_removed_for_it(context):
    d, masked = sm(CLEAN, context=context, method=MD, encouragement=True)
    assert d.status == "published" and not masked and "encouragement" in d.reasons
    d, _ = sm(CLEAN, context=context, pact=True)
    assert d.hold_reason == "self_harm" and d.priority == "urgent"  # read as a crisis: a human reads it first


def test_protected_thresholds_take_the_lower_hold():
    t = policy.Thresholds()
    assert policy.for_protected(t).toxicity_hold == 0.5
    low = policy.Thresholds(toxicity_hold=0.4)
    assert policy.for_protected(low).toxicity_hold == 0.4


def test_a_learned_suspicion_of_encouragement_or_a_pact_holds_and_never_removes():
    from moderation.policy import HELD, PUBLISHED, Decision, safe_messaging

    published = Decision(status=PUBLISHED, tier="none", hold_reason=None, priority=None, queue_kind=None, reasons=[])
    d, masked = safe_messaging(published, method_reasons=[], encouragement=False, pact=False, context="forum_reply",
                               suspected=("encouragement",))
    assert (d.status, d.hold_reason, d.queue_kind, d.priority) == (HELD, "encouragement", "encouragement", "high")
    assert "encouragement:suspected" in d.reasons and not masked
    d, _ = safe_messaging(published, method_reasons=[], encouragement=False, pact=False, context="chat_message",
                          suspected=("encouragement", "pact"))
    assert (d.status, d.hold_reason, d.queue_kind) == (HELD, "pact", "self_harm")  # a pact: a self-harm item
    # A crisis hold stays what it is; the suspicion is added to its reasons.
    crisis = Decision(status=HELD, tier="intent", hold_reason="self_harm", priority="urgent", queue_kind="self_harm",
                      reasons=["self_harm:intent"])
    d, _ = safe_messaging(crisis, method_reasons=[], encouragement=False, pact=False, context="forum_reply",
                          suspected=("pact",))
    assert (d.status, d.hold_reason, d.priority) == (HELD, "self_harm", "urgent") and "pact:suspected" in d.reasons
    # Staff messages: urgency only, nothing hidden.
    d, _ = safe_messaging(published, method_reasons=[], encouragement=False, pact=False, context="staff_message",
                          suspected=("encouragement",))
    assert d.status == PUBLISHED and "encouragement:suspected" in d.reasons
