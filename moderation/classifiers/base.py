"""The classifier protocol: what every screening backend promises the policy.

A backend scores a batch of texts and returns one `Scores` per text, in order. It never decides what happens to a
post: that is `moderation.policy`'s job, using thresholds an admin can change. Backends are loaded once per process
(see `moderation.classifiers.registry`) and must be safe to call from several threads.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence, runtime_checkable

TOXICITY = "toxicity"
SELF_HARM = "self_harm"

# Sub-score names a toxicity backend may fill in `Scores.labels` (Detoxify's names, so its output maps 1:1).
TOXICITY_LABELS = ("insult", "threat", "identity_attack", "obscene", "severe_toxicity")

# Self-harm tiers, modelled on the Columbia (C-SSRS) ladder, lowest first.
TIERS = ("none", "concern", "ideation", "intent")


@dataclass
class Scores:
    """One text's scores from one classifier.

    score:   the headline probability in 0..1. Toxicity: abuse aimed at others. Self-harm: the author is at risk
             of self-harm or suicide (ideation or above).
    labels:  sub-scores in 0..1. Toxicity: any of TOXICITY_LABELS. Self-harm: "concern", "ideation", "intent"
             (each the probability that the text is at *least* that tier).
    reasons: short human-readable signals a moderator can read ("explicit plan: 'wrote my note'"); may be empty.
    spans:   safe-messaging findings by label ("method_details", "encouragement", "pact"): the (start, end) spans
             of the scored text a backend judges to carry them (method details are masked or held, encouragement
             and pacts removed). Only backends with such judgements fill it (the embedded self-harm classifier);
             the rules in method_details.py run whatever it says.
    """

    score: float
    labels: dict[str, float] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)


@runtime_checkable
class Classifier(Protocol):
    """A screening backend. `kind` is TOXICITY or SELF_HARM; `name` and `version` go on every verdict."""

    kind: str
    name: str
    version: str

    def score(self, texts: Sequence[str]) -> list[Scores]:
        """Score a batch of texts; one Scores per text, same order. May raise: the policy fails closed."""
        ...
