"""Someone else at risk: the author is worried about another person, not (only) about themselves.

A transparent rules detector, used by the phrase-lexicon and the embedded backends until the trained models emit
these labels themselves. It fills two self-harm labels (the interface `moderation.policy.decide` reads):

    Scores.labels["someone_else"]         probability the author is worried another person may harm themselves
    Scores.labels["someone_else_danger"]  probability that person is in danger now (a goodbye, an act in progress,
                                          means at hand, a time set, "not answering")

How it decides, on `rules.normalise(text)`, clause by clause:
  1. a person close to the author ("my friend", "my sister", "my son", "a classmate", ...) or a pronoun after one,
  2. followed within the clause by words of risk about *them*: wants to die, wants to kill herself, is suicidal,
     talks about ending it, said goodbye, self-harms, tried to / attempted, took pills, is on the bridge, ...
  3. danger now when the risk words are an act in progress, a goodbye, means or a time ("took a bottle of pills",
     "sent me a goodbye text", "has a rope", "tonight", "right now", "is not answering").
A clause with the author's own first-person risk words is left to the self-harm heads: own crisis always wins in
the policy, and this detector never lowers any self-harm score.

Measured by tests/moderation/classifiers/test_someone_else.py (hand-written worried / own-crisis / ordinary posts). English
only, and it misses indirect wording ("I'm scared for her"): the queue item and the guidance depend on it, the hold
of the author's own crisis does not.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from moderation.classifiers.rules import clauses, normalise

PERSON = (r"(?:my|our|a|his|her|their) (?:best |close |closest |little |big |older |younger |twin |step ?|"
          r"old |new |dear )?(?:friend|mate|pal|bestie|bff|sister|sis|brother|bro|sibling|daughter|son|child|kid|"
          r"mum|mom|mother|mam|dad|father|parent|grandma|grandmother|grandad|grandfather|grandpa|aunt|uncle|"
          r"cousin|niece|nephew|partner|wife|husband|girlfriend|boyfriend|gf|bf|fiancee?|ex|flatmate|roommate|"
          r"housemate|classmate|colleague|coworker|co-worker|student|teammate|neighbou?r|friends?)")
THEM = r"(?:she|he|they|her|him|them)"
SELVES = r"(?:herself|himself|themselves|themself)"

PILLS = (r"(?:pills?|tablets?|meds|medication|paracetamol|tylenol|painkillers|sleeping pills|an overdose|"
         r"too many|everything (?:she|he|they) had)")
TOOK = (rf"(?:took|has taken|have taken|swallowed|downed) (?:a |an |the |all |some |loads of |a lot of |"
        rf"(?:her|his|their) |a (?:bottle|box|packet|handful|load|bunch) of (?:her |his |their )?)*{PILLS}")
RISK = (rf"(?:wants? to (?:die|kill {SELVES}|end (?:it|it all|(?:her|his|their) life)|not be here|disappear)"
        rf"|(?:is|are|seems?|sounds?|has been|have been|was|were) (?:really |very |so |getting )?suicidal"
        rf"|(?:talks?|talking|keeps? (?:talking|saying)|said|says|told me|texted|messaged) (?:about |that )?"
        rf"(?:{THEM} (?:wants?|is going|are going|will|would) )?(?:to )?(?:killing {SELVES}|kill {SELVES}|ending it|"
        rf"end it|suicide|dying|die|not (?:being|be) here|wanting to die|being better off dead)"
        rf"|(?:would be|is|are) better off dead|(?:said|says|texted|sent|messaged) (?:me |us )?(?:a |her |his |their )?"
        rf"(?:goodbye|good bye|farewell|final message|last message|suicide note|note)"
        rf"|(?:self[- ]?harms?|is self[- ]?harming|cuts? {SELVES}|is cutting|hurts? {SELVES}|has been cutting)"
        rf"|(?:tried|attempted|is trying|is going|are going|will|plans? to|planning to) (?:to )?(?:kill {SELVES}|"
        rf"end (?:it|(?:her|his|their) life)|overdose|take (?:her|his|their) (?:own )?life|jump|hang {SELVES})"
        rf"|{TOOK}|overdosed|(?:is|are) (?:on|at) the (?:bridge|roof|ledge|edge|"
        rf"tracks|cliff)|(?:has|have|got|bought) (?:a |the )?(?:rope|gun|pills|knife|blade|noose))")
DANGER = (rf"(?:{TOOK}|overdosed|is overdosing|(?:is|are) (?:on|at) the (?:bridge|roof|"
          r"ledge|edge|tracks|cliff)|goodbye|good bye|farewell|final message|last message|suicide note|\bnote\b|"
          r"has (?:a |the )?(?:rope|gun|pills|knife|blade|noose)|tonight|right now|\bnow\b|today|not answering|"
          r"will not answer|is not picking up|can not reach|locked (?:herself|himself|themselves) in|bleeding|"
          r"unconscious|passed out|on (?:her|his|their) way to)")

WORRIED = re.compile(rf"\b{PERSON}\b(?:'s)?(?: \w+){{0,4}}? {RISK}|\b{PERSON}\b[^.!?]{{0,80}}\b{THEM} {RISK}")
DANGER_NOW = re.compile(DANGER)
OWN = re.compile(r"\b(?:i|i am|i have|i will|i want|me|myself)\b.{0,20}\b(?:kill myself|end my life|want to die|"
                 r"suicidal|hurt myself|took (?:all )?my pills)\b")

HIGH, LOW = 0.9, 0.02


@dataclass
class SomeoneElse:
    worried: float = LOW
    danger: float = LOW
    reasons: list[str] = field(default_factory=list)

    def labels(self) -> dict[str, float]:
        return {"someone_else": self.worried, "someone_else_danger": self.danger}


def detect(text: str) -> SomeoneElse:
    """The someone_else labels and one reason per clause that fired. Never raises for text."""
    norm = normalise(text if isinstance(text, str) else str(text))
    found = SomeoneElse()
    for clause in clauses(norm) or [norm]:
        m = WORRIED.search(clause)
        if not m:
            continue
        found.worried = HIGH
        snippet = m.group(0) if len(m.group(0)) <= 60 else m.group(0)[:59] + "…"
        found.reasons.append(f"worried about someone else: '{snippet}'")
        if DANGER_NOW.search(clause):
            found.danger = HIGH
            found.reasons.append("someone else may be in danger now")
    if found.worried == HIGH and found.danger == LOW and DANGER_NOW.search(norm) and not OWN.search(norm):
        # "My brother said he wants to die. He is not answering his phone." - the danger is in the next sentence.
        found.danger = HIGH
        found.reasons.append("someone else may be in danger now")
    return found


# The author's own risk is held whatever else the post says; below this the heads' own-crisis reading is capped when
# the only risk words in the post are about someone else (the backends apply it, see `about_someone_else_only`).
OWN_CAP = 0.45


def about_someone_else_only(text: str, found: SomeoneElse | None = None) -> bool:
    """True when the post is worried about another person and has no first-person risk words of the author's own."""
    found = found if found is not None else detect(text)
    return found.worried >= 0.5 and not OWN.search(normalise(text if isinstance(text, str) else str(text)))
