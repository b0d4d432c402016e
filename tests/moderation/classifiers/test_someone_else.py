"""The someone_else rules detector (moderation/classifiers/someone_else.py), measured on hand-written posts, and the
labels it adds to both backends that screen without the trained models emitting them yet."""
from __future__ import annotations

import pytest

from moderation.classifiers import someone_else
from moderation.classifiers.embedded import combine
from moderation.classifiers.lexicon import LexiconSelfHarm

# (text, worried about someone else, that person in danger now)
WORRIED_DANGER = [
    "My sister just sent me a goodbye text and isn't answering her phone",
    "my son took a bottle of pills an hour ago, what do I do",
    "My friend is on the bridge right now and says she is going to jump",
    "my best mate said goodbye to everyone tonight and turned his phone off",
    "My brother says he wants to kill himself. He has a rope.",
    "my girlfriend just told me she took all her tablets",
    "my dad texted me a suicide note and I can't reach him",
    "our daughter has locked herself in the bathroom and said she wants to die",
]
WORRIED = [
    "My best friend keeps saying she wants to die and I don't know how to help",
    "my boyfriend is suicidal, how do I support him?",
    "my flatmate told me she has been cutting herself",
    "My mum talks about not being here any more",
    "a classmate said he would be better off dead",
    "my partner tried to end his life last year and seems low again",
]
NOT_ABOUT_SOMEONE_ELSE = [
    "I want to die",
    "I took all my pills",
    "My dad is really ill and I am worried about his surgery",
    "My friend wants to go to the cinema tonight",
    "my flatmate took my milk again",
    "my friend took the train today",
    "my sister killed it at her exam",
    "My brother is driving me mad, he never does the dishes",
    "my therapist said goodbye for the summer",
]


def test_recall_and_precision_on_the_hand_written_set():
    hits = [someone_else.detect(t) for t in WORRIED_DANGER + WORRIED]
    recall = sum(h.worried >= 0.5 for h in hits) / len(hits)
    danger_recall = sum(someone_else.detect(t).danger >= 0.5 for t in WORRIED_DANGER) / len(WORRIED_DANGER)
    false_danger = sum(someone_else.detect(t).danger >= 0.5 for t in WORRIED) / len(WORRIED)
    false_worry = sum(someone_else.detect(t).worried >= 0.5 for t in NOT_ABOUT_SOMEONE_ELSE)
    print(f"someone_else recall {recall:.2f}, danger recall {danger_recall:.2f}, "
          f"danger on worried-only {false_danger:.2f}, false worry {false_worry}/{len(NOT_ABOUT_SOMEONE_ELSE)}")
    assert recall == 1.0 and danger_recall == 1.0
    assert false_danger <= 0.2 and false_worry == 0


@pytest.mark.parametrize("text", WORRIED_DANGER[:3] + WORRIED[:3])
def test_lexicon_labels_and_no_own_crisis(text):
    scores = LexiconSelfHarm().score([text])[0]
    assert scores.labels["someone_else"] >= 0.5
    assert scores.labels["ideation"] < 0.5 and scores.labels["intent"] < 0.5
    assert any("someone else" in r for r in scores.reasons)


def test_lexicon_own_crisis_stays_own_crisis():
    scores = LexiconSelfHarm().score(["my friend is suicidal and honestly so am I, I want to die too"])[0]
    assert scores.labels["ideation"] >= 0.5 and scores.labels["someone_else"] >= 0.5
    plain = LexiconSelfHarm().score(["I want to die"])[0]
    assert plain.labels["someone_else"] < 0.5 and plain.labels["ideation"] >= 0.5


def test_embedded_combine_adds_the_labels_and_caps_only_someone_elses_crisis():
    high = [3.0, 3.0, 2.0]  # heads reading a crisis
    _tox, other = combine("my sister said goodbye and took her pills tonight", -3.0, high, {})
    assert other.labels["someone_else"] >= 0.5 and other.labels["someone_else_danger"] >= 0.5
    assert other.labels["ideation"] < 0.5 and other.labels["intent"] < 0.5
    _tox, own = combine("my sister is worried about me because I want to kill myself tonight", -3.0, high, {})
    assert own.labels["ideation"] >= 0.5
    _tox, both = combine("my friend is suicidal and I want to die too", -3.0, high, {})
    assert both.labels["ideation"] >= 0.5 and both.labels["someone_else"] >= 0.5
