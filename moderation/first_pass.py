"""The first pass: a cheap, deterministic look for a crisis that runs before the screening models.

`moderation.screen` calls `look(text)` for every text before it asks the classifiers. It uses the transparent
intent and ideation rules in `moderation/classifiers/rules.py` (first-person plan, means, timing, goodbye, an act in
progress, "i want to die"), each clause judged with its context (quoted, reported, supportive, recovery, someone
else, negation, idiom), so it is the same reading whichever backend is configured (embedded, Detoxify, lexicon).

It cannot time out in any way that matters: it never waits on anything, and its cost is bounded and linear in the
length of the text. The rules are regular expressions with some `.{0,n}` and `.*` spans, which cost more than
linear time on one very long clause; so the text is cut into windows of at most `WINDOW` characters (on sentence
ends where it can, with an `OVERLAP` where a sentence must be cut) and each window is read on its own, and no more
than `MAX_CHARS` characters are read at all. The rules judge clause by clause, so reading sentence-aligned windows
gives the same answer as reading the whole text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from moderation.classifiers import rules

WINDOW = 1_000
OVERLAP = 200
MAX_CHARS = 60_000  # well above the longest text anyone can write (a 10,000-character post with its title)

_SENTENCE_END = re.compile(r"(?<=[.!?;\n])\s+")
_STRONG_INTENT = {"intent_statement", "timing", "plan", "act_in_progress", "goodbye", "possessions"}


@dataclass
class FirstPass:
    tier: str = "none"  # none | ideation | intent
    reasons: list[str] = field(default_factory=list)

    @property
    def crisis(self) -> bool:
        return self.tier in ("ideation", "intent")


def windows(text: str) -> list[str]:
    """The text cut into pieces of at most WINDOW characters, on sentence ends where possible."""
    text = text[:MAX_CHARS]
    out: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(text):
        if len(sentence) > WINDOW:
            if current:
                out.append(current)
                current = ""
            step = WINDOW - OVERLAP
            for start in range(0, len(sentence), step):
                out.append(sentence[start:start + WINDOW])
                if start + WINDOW >= len(sentence):
                    break
            continue
        if current and len(current) + 1 + len(sentence) > WINDOW:
            out.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}" if current else sentence
    if current:
        out.append(current)
    return out


def look(text: str) -> FirstPass:
    """Does this text, read by the rules alone, show the author's own crisis (ideation or intent)?"""
    if not isinstance(text, str) or not text.strip():
        return FirstPass()
    intent, ideation, reasons = [], False, []
    for piece in windows(text):
        found = rules.analyse(piece)
        intent.extend(found.intent_rules)
        ideation = ideation or found.ideation_rule
        if found.intent_rules or found.ideation_rule:
            reasons.extend(r for r in found.reasons if "not counted" not in r and not r.startswith("context:"))
    # Means alone ("i bought a new knife") is no crisis by itself; beside ideation it is intent, as in the embedded
    # model.
    if set(intent) & _STRONG_INTENT or len(set(intent)) >= 2 or (intent and ideation):
        tier = "intent"
    elif ideation:
        tier = "ideation"
    else:
        tier = "none"
    if tier == "none":
        return FirstPass()
    return FirstPass(tier=tier, reasons=[f"first_pass: {r}" for r in dict.fromkeys(reasons)][:6])
