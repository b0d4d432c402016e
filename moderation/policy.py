"""The screening policy: turns classifier scores into what happens to a piece of text.

Pure functions only (no database): `moderation.screen` loads the admin-editable thresholds and calls `decide`.
The rules, in the order they are applied:

1. Self-harm risk always wins. `intent` or `ideation` -> held for self-harm with an urgent / high queue item,
   whatever the toxicity score (a person in crisis who swears is a person in crisis, never "abuse").
2. Toxicity at or above `toxicity_remove` -> removed (author sees why, may appeal); at or above `toxicity_hold` ->
   held for review. Threats and identity attacks outrank insults and obscenity in the queue.
3. Someone else at risk (the self-harm labels `someone_else` / `someone_else_danger` at or above 0.5): the author
   is worried about another person. Never a hold: published (or removed, when toxicity alone would remove it) with
   an `urgent` (danger now) or `high` queue item of kind `someone_else`; the author is shown how to help someone,
   with their region's numbers. The author's own crisis (rule 1) always wins over it.
4. `concern` -> published, plus a normal-priority "check in" item so a moderator can reach out.
5. Otherwise published.
6. Safe messaging (`safe_messaging`, after rules 1-5; moderation/classifiers/method_details.py finds the
   sentences): a suicide pact ("let's end it together") is removed, with an urgent self-harm item; encouragement
   or instructions to self-harm ("you should just end it", dares) are removed, never only flagged. Method details
   (means, amounts, places, steps, what "works"): a crisis post stays held, urgent; a chat message, a reply on a
   protected thread or a retried text is held (removed, on a protected thread); any other post is published with
   those sentences masked, with a `method_details` item. Text addressed to the moderators is never held or
   removed for it (a pact there is read as a crisis).
7. Edits (`edit_keeps`): an edit screened clean lifts only a classifier's own hold (toxicity, or text that could not
   be screened). A crisis hold waits for a moderator, at its most severe tier so far; so do holds people or admin
   rules made (reports, first-post approval, a watched word). A stricter verdict on the new text still applies.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace

from moderation.classifiers.base import TIERS, Scores

POLICY_VERSION = "2026.12-1"  # rule 6, safe messaging

PUBLISHED, HELD, REMOVED = "published", "held", "removed"
URGENT, HIGH, NORMAL, LOW = "urgent", "high", "normal", "low"
PRIORITY_ORDER = {URGENT: 0, HIGH: 1, NORMAL: 2, LOW: 3}
# The self-harm labels that say the author is worried about another person (moderation/classifiers/someone_else.py
# fills them until the models do), and the probability at which each counts.
SOMEONE_ELSE, SOMEONE_ELSE_DANGER = "someone_else", "someone_else_danger"
SOMEONE_ELSE_AT = 0.5


@dataclass(frozen=True)
class Thresholds:
    """Admin-editable numbers. Defaults are what the shipped models were calibrated for (see README)."""

    toxicity_hold: float = 0.80
    toxicity_remove: float = 0.97
    # A threat or identity attack sub-score at or above this moves a toxicity item up to "high".
    toxicity_severe: float = 0.50
    self_harm_concern: float = 0.50
    self_harm_ideation: float = 0.50
    self_harm_intent: float = 0.50
    # Member reports on one published post that hold it for review.
    reports_to_hold: int = 3
    # The toxicity hold for replies on a protected thread (a person at risk's post published with support); the
    # lower of this and toxicity_hold applies there.
    protected_toxicity_hold: float = 0.50

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def as_dict(self) -> dict:
        return asdict(self)

    def validated(self) -> "Thresholds":
        """Raise ValueError with a readable message when a number is out of range."""
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "reports_to_hold":
                if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100:
                    raise ValueError("reports_to_hold must be a whole number from 1 to 100")
            elif not isinstance(value, (int, float)) or isinstance(value, bool) or not 0.0 <= value <= 1.0:
                raise ValueError(f"{f.name} must be a number from 0 to 1")
        if self.toxicity_remove < self.toxicity_hold:
            raise ValueError("toxicity_remove must not be lower than toxicity_hold")
        return self


@dataclass
class Decision:
    status: str  # published | held | removed
    tier: str = "none"  # self-harm tier
    hold_reason: str | None = None  # self_harm | toxicity | unscreened | reports | ...
    priority: str | None = None  # queue priority, None when no queue item is needed
    queue_kind: str | None = None  # self_harm | someone_else | toxicity | unscreened | check_in | auto_removed | ...
    reasons: list[str] = field(default_factory=list)
    someone_else: str | None = None  # "danger" | "worried" when the author is worried about another person


class GarbageScores(ValueError):
    """A classifier returned something that is not a probability: the policy fails closed on it."""


def _probability(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or not 0.0 <= value <= 1.0:
        raise GarbageScores(f"{what} is not a probability: {value!r}")
    return float(value)


def check_scores(scores: Scores, what: str) -> Scores:
    """Validate a classifier's output; raises GarbageScores on NaN, out-of-range or wrong types."""
    if not isinstance(scores, Scores):
        raise GarbageScores(f"{what} returned {type(scores).__name__}, not Scores")
    _probability(scores.score, f"{what} score")
    if not isinstance(scores.labels, dict):
        raise GarbageScores(f"{what} labels are not a mapping")
    for name, value in scores.labels.items():
        _probability(value, f"{what} label {name}")
    if not isinstance(scores.reasons, list) or not all(isinstance(r, str) for r in scores.reasons):
        raise GarbageScores(f"{what} reasons are not a list of text")
    return scores


def self_harm_tier(self_harm: Scores, t: Thresholds) -> str:
    labels = self_harm.labels
    if labels.get("intent", 0.0) >= t.self_harm_intent:
        return "intent"
    if max(self_harm.score, labels.get("ideation", 0.0)) >= t.self_harm_ideation:
        return "ideation"
    if labels.get("concern", 0.0) >= t.self_harm_concern:
        return "concern"
    return "none"


def someone_else_level(self_harm: Scores) -> str | None:
    """"danger" (the other person may be in danger now), "worried", or None."""
    labels = self_harm.labels
    if labels.get(SOMEONE_ELSE, 0.0) < SOMEONE_ELSE_AT:
        return None
    return "danger" if labels.get(SOMEONE_ELSE_DANGER, 0.0) >= SOMEONE_ELSE_AT else "worried"


def decide(toxicity: Scores, self_harm: Scores, t: Thresholds) -> Decision:
    """Apply the policy to one text's scores. Both Scores must already have passed `check_scores`."""
    tier = self_harm_tier(self_harm, t)
    assert tier in TIERS
    if tier in ("intent", "ideation"):
        return Decision(
            status=HELD,
            tier=tier,
            hold_reason="self_harm",
            priority=URGENT if tier == "intent" else HIGH,
            queue_kind="self_harm",
            reasons=[f"self_harm:{tier}", *self_harm.reasons],
        )

    severe = [
        name for name in ("threat", "identity_attack") if toxicity.labels.get(name, 0.0) >= t.toxicity_severe
    ]
    tox_reasons = ["toxicity", *(f"toxicity:{name}" for name in severe)]
    other = someone_else_level(self_harm)
    if other is not None:
        reasons = [f"someone_else:{other}", *self_harm.reasons]
        priority = URGENT if other == "danger" else HIGH
        if toxicity.score >= t.toxicity_remove:
            return Decision(status=REMOVED, tier=tier, hold_reason="toxicity", priority=priority,
                            queue_kind="someone_else", reasons=[*reasons, *tox_reasons], someone_else=other)
        if toxicity.score >= t.toxicity_hold:
            reasons += [f"{r}:published_for_someone_else" for r in tox_reasons]
        return Decision(status=PUBLISHED, tier=tier, priority=priority, queue_kind="someone_else", reasons=reasons,
                        someone_else=other)
    if toxicity.score >= t.toxicity_remove:
        return Decision(status=REMOVED, tier=tier, hold_reason="toxicity", priority=LOW,
                        queue_kind="auto_removed", reasons=tox_reasons)
    if toxicity.score >= t.toxicity_hold:
        return Decision(status=HELD, tier=tier, hold_reason="toxicity", priority=HIGH if severe else NORMAL,
                        queue_kind="toxicity", reasons=tox_reasons)
    if tier == "concern":
        return Decision(status=PUBLISHED, tier=tier, priority=NORMAL, queue_kind="check_in",
                        reasons=["self_harm:concern", *self_harm.reasons])
    return Decision(status=PUBLISHED, tier=tier)


def crisis_first(decision: Decision, tier: str, reasons: list[str]) -> Decision:
    """The deterministic first pass saw the author's own crisis (`tier` ideation or intent): whatever the models
    said, or when they could not say anything (`decision` is then the unscreened hold), the text is held for
    self-harm with resources. The stronger of the two tiers wins; a model's own self-harm hold is kept as it is
    unless the first pass saw intent where the model saw ideation."""
    if tier not in ("ideation", "intent"):
        return decision
    if decision.hold_reason == "self_harm" and TIERS.index(decision.tier) >= TIERS.index(tier):
        return decision
    extra = [r for r in decision.reasons if not r.startswith("self_harm:")]
    return Decision(status=HELD, tier=tier, hold_reason="self_harm", priority=URGENT if tier == "intent" else HIGH,
                    queue_kind="self_harm", reasons=[f"self_harm:{tier}", *reasons, *extra])


def unscreened(error: str) -> Decision:
    """Fail closed: a classifier raised, timed out or returned garbage. Hold for a human, never publish."""
    return Decision(status=HELD, tier="none", hold_reason="unscreened", priority=HIGH, queue_kind="unscreened",
                    reasons=[f"unscreened:{error}"])


# An edit screened clean lifts only these holds (a classifier's own); every other hold waits for a person.
LIFTED_BY_A_CLEAN_EDIT = ("toxicity", "unscreened")


def edit_keeps(status: str, hold_reason: str | None, earlier_tiers: list[str], new: Decision) -> dict | None:
    """Rule 6. `status`/`hold_reason`: the content's before the edit; `earlier_tiers`: the tiers of every verdict
    it has had; `new`: the decision on the edited text. Returns the fields of the verdict that stands (and that its
    author is shown) when the old hold stays, or None when the new decision applies."""
    if status != HELD or hold_reason in LIFTED_BY_A_CLEAN_EDIT:
        return None
    if new.hold_reason == "self_harm":
        return None  # the new text's own crisis hold, with its support
    if hold_reason == "self_harm":
        tier = "intent" if "intent" in earlier_tiers else "ideation"
        return {"status": HELD, "hold_reason": "self_harm", "tier": tier, "queue_kind": "self_harm",
                "priority": URGENT if tier == "intent" else HIGH}
    if new.status == REMOVED:
        return None
    if new.hold_reason == "unscreened":
        return {"status": HELD}  # the hold stays; the author is shown support meanwhile
    return {"status": HELD, "hold_reason": hold_reason}


# --- safe messaging (rule 6) ---------------------------------------------------------------------------------

# Text addressed to the moderators: screened for urgency only, never held or removed.
URGENCY_ONLY = ("staff_message", "appeal", "report_note")
# Where method details are held rather than published masked: chat (a live line cannot be edited by its author
# before others read it) and a re-screen of stored text (a person decides).
HOLD_METHOD_DETAILS = ("chat_message", "retry")


def for_protected(t: Thresholds) -> Thresholds:
    """The thresholds for a reply on a protected thread: the lower toxicity hold."""
    hold = min(t.protected_toxicity_hold, t.toxicity_hold)
    return replace(t, toxicity_hold=hold)


def _higher(a: str | None, b: str) -> str:
    return b if a is None or PRIORITY_ORDER.get(b, 9) < PRIORITY_ORDER.get(a, 9) else a


def safe_messaging(d: Decision, *, method_reasons: list[str], encouragement: bool, pact: bool, context: str,
                   protected: bool = False, suspected: tuple[str, ...] = ()) -> tuple[Decision, bool]:
    """Rule 6 on top of rules 1-5. Returns the decision and whether the stored text is masked (its method-details
    sentences replaced). `method_reasons`: "method_details:<kind>" for each kind found (empty: none).
    `suspected`: "encouragement" and/or "pact" seen by a learned judgement only (not the rules): the text is held
    for a person (a pact at high priority, as a self-harm item), never removed on a model's word alone."""
    suspected = tuple(s for s in suspected if s in ("encouragement", "pact"))
    found = bool(method_reasons)
    extra = [*method_reasons, *(["encouragement"] if encouragement else []), *(["pact"] if pact else []),
             *(f"{s}:suspected" for s in suspected)]
    if not extra:
        return d, False
    reasons = list(dict.fromkeys([*d.reasons, *extra]))
    if context in URGENCY_ONLY:
        if pact and d.hold_reason != "self_harm":
            d = crisis_first(d, "intent", ["pact"])
        return replace(d, reasons=list(dict.fromkeys([*d.reasons, *extra]))), False
    if pact:
        # Proposing to die together: the author is at risk (urgent), and whoever it was said to as well (the forum
        # raises their item). Never left up, never only flagged.
        tier = "intent"
        return Decision(status=REMOVED, tier=tier, hold_reason="pact", priority=URGENT, queue_kind="self_harm",
                        reasons=list(dict.fromkeys([f"self_harm:{tier}", *reasons])), someone_else=None), found
    if encouragement:
        crisis = d.hold_reason == "self_harm"
        return Decision(status=REMOVED, tier=d.tier, hold_reason="encouragement",
                        priority=d.priority if crisis else HIGH,
                        queue_kind="self_harm" if crisis else "encouragement", reasons=reasons), found
    if suspected and d.status == PUBLISHED:
        # A suspicion, not a finding: out of public view until a moderator has read it, with help shown to an
        # author at any risk (moderation/resources); the item says what was suspected.
        pact_suspected = "pact" in suspected
        d = Decision(status=HELD, tier=d.tier, hold_reason="pact" if pact_suspected else "encouragement",
                     priority=HIGH, queue_kind="self_harm" if pact_suspected else "encouragement", reasons=reasons,
                     someone_else=d.someone_else)
    elif suspected and d.status == HELD:
        d = replace(d, priority=_higher(d.priority, HIGH))  # held already (e.g. for toxicity): read it sooner
    if not found:
        return replace(d, reasons=reasons), False
    if d.hold_reason == "self_harm":
        return replace(d, priority=URGENT, reasons=reasons), True
    if d.status == REMOVED:
        return replace(d, reasons=reasons), True
    if protected:
        return Decision(status=REMOVED, tier=d.tier, hold_reason="method_details", priority=HIGH,
                        queue_kind="method_details", reasons=reasons, someone_else=d.someone_else), True
    if context in HOLD_METHOD_DETAILS:
        return Decision(status=HELD, tier=d.tier, hold_reason="method_details", priority=HIGH,
                        queue_kind="method_details", reasons=reasons, someone_else=d.someone_else), True
    if d.status == HELD:
        return replace(d, reasons=reasons), True  # its own hold stands; the stored text is masked all the same
    kind = d.queue_kind if d.queue_kind == "someone_else" else "method_details"
    priority = _higher(d.priority, HIGH if d.tier == "concern" else NORMAL)
    return replace(d, queue_kind=kind, priority=priority, reasons=reasons), True
