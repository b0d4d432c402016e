"""Policy rule 6, pure: which holds an edit keeps (moderation/policy.py `edit_keeps`)."""
import pytest

from moderation.policy import HELD, PUBLISHED, REMOVED, Decision, edit_keeps

CLEAN = Decision(status=PUBLISHED, tier="none")
CRISIS = Decision(status=HELD, tier="ideation", hold_reason="self_harm", priority="high", queue_kind="self_harm")
UNSCREENED = Decision(status=HELD, tier="none", hold_reason="unscreened", priority="high", queue_kind="unscreened")


@pytest.mark.parametrize("hold_reason", ["toxicity", "unscreened"])
def test_a_clean_edit_lifts_only_a_classifiers_own_hold(hold_reason):
    assert edit_keeps(HELD, hold_reason, [], CLEAN) is None


@pytest.mark.parametrize("hold_reason", ["reports", "new_account", "watched_word"])
def test_holds_people_and_rules_made_stay(hold_reason):
    assert edit_keeps(HELD, hold_reason, ["none"], CLEAN) == {"status": HELD, "hold_reason": hold_reason}
    assert edit_keeps(HELD, hold_reason, ["none"], UNSCREENED) == {"status": HELD}
    assert edit_keeps(HELD, hold_reason, ["none"], Decision(status=REMOVED, tier="none")) is None  # stricter


def test_a_crisis_hold_stays_at_its_most_severe_tier():
    kept = edit_keeps(HELD, "self_harm", ["intent", "ideation"], CLEAN)
    assert kept == {"status": HELD, "hold_reason": "self_harm", "tier": "intent", "queue_kind": "self_harm",
                    "priority": "urgent"}
    assert edit_keeps(HELD, "self_harm", ["ideation"], CLEAN)["priority"] == "high"
    assert edit_keeps(HELD, "reports", [], CRISIS) is None  # the new text's own crisis applies, with its support


def test_a_published_post_takes_the_new_verdict():
    assert edit_keeps(PUBLISHED, None, ["none"], CRISIS) is None
