"""A phrase-lexicon backend: a transparent, dependency-free fallback behind the same protocol.

It is deliberately simple and named honestly in the UI ("phrase lexicon"): it catches explicit phrases and misses
most of what people actually write. The trained embedded models (moderation/classifiers/embedded.py) are the
default; this one serves the test suite (fast, predictable) and machines where the models cannot load.
"""
from __future__ import annotations

import re
from typing import Sequence

from moderation.classifiers import someone_else
from moderation.classifiers.base import SELF_HARM, TOXICITY, Scores

_ABUSE = {
    "threat": [r"\bi(?:'| wi)ll (?:kill|hurt|find) you\b", r"\byou(?:'re| are) dead\b"],
    "insult": [r"\bidiot\b", r"\bstupid\b", r"\bloser\b", r"\bpathetic\b", r"\bworthless piece\b"],
    "obscene": [r"\bf+u+c+k+ (?:you|off)\b", r"\bshut the f"],
    "identity_attack": [r"\bgo back to your country\b"],
}
_SELF_DIRECTED_ABUSE = [r"\bkill yourself\b", r"\bkys\b", r"\bgo die\b"]
_INTENT = [r"\bwrote (?:my|a) (?:suicide )?note\b", r"\bgoodbye (?:everyone|all)\b", r"\btonight is the night\b",
           r"\btook (?:all|a lot of) (?:my |the )?pills\b", r"\bthis is my last post\b"]
_IDEATION = [r"\bkill myself\b", r"\bend (?:it all|my life)\b", r"\bwant to die\b", r"\bwanna die\b",
             r"\bsuicidal\b", r"\bhurt myself\b", r"\bself[- ]harm(?:ing)?\b", r"\bbetter off dead\b"]
_CONCERN = [r"\bhopeless\b", r"\bcan'?t cope\b", r"\bso alone\b", r"\bexhausted\b", r"\bcan'?t do this\b"]


def _any(patterns: list[str], text: str) -> list[str]:
    return [p for p in patterns if re.search(p, text)]


class _PhraseLexicon:
    name, version = "phrase-lexicon", "1"

    def score(self, texts: Sequence[str]) -> list[Scores]:
        return [self.one(text, text.lower()) for text in texts]

    def one(self, text: str, lowered: str) -> Scores:
        raise NotImplementedError


class LexiconToxicity(_PhraseLexicon):
    kind = TOXICITY

    def one(self, text: str, lowered: str) -> Scores:
        labels = {label: (0.9 if _any(patterns, lowered) else 0.02) for label, patterns in _ABUSE.items()}
        if _any(_SELF_DIRECTED_ABUSE, lowered):
            labels["threat"] = 0.9
        top = max(labels.values())
        return Scores(score=0.9 if top >= 0.9 else 0.02, labels=labels)


class LexiconSelfHarm(_PhraseLexicon):
    kind = SELF_HARM

    def one(self, text: str, lowered: str) -> Scores:
        if _any(_SELF_DIRECTED_ABUSE, lowered):  # "kill yourself" is abuse of someone else, not a crisis
            return Scores(score=0.02, labels={"concern": 0.02, "ideation": 0.02, "intent": 0.0})
        other = someone_else.detect(text)
        intent = _any(_INTENT, lowered)
        ideation = intent or _any(_IDEATION, lowered)
        concern = ideation or _any(_CONCERN, lowered)
        if (intent or ideation) and someone_else.about_someone_else_only(text, other):
            intent, ideation = [], []  # "my sister is suicidal": the words are about her, not the author
        labels = {"concern": 0.9 if concern else 0.05, "ideation": 0.9 if ideation else 0.05,
                  "intent": 0.9 if intent else 0.01, **other.labels()}
        reasons = [f"phrase: {p}" for p in (intent or ideation or concern)[:3]] + other.reasons
        return Scores(score=labels["ideation"], labels=labels, reasons=reasons)
