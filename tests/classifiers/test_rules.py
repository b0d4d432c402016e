"""Rules fire on explicit signals and stay quiet on look-alikes (phrasings kept apart from the eval set)."""
import pytest

from moderation.classifiers.rules import analyse, normalise


def test_normalise_chat_spelling():
    assert normalise("Im gonna do it 2nite, kys") == "i am going to do it tonight, kill yourself"
    assert "soo" in normalise("sooooo tired")


@pytest.mark.parametrize("text,rule", [
    ("i've written my goodbye letter and sealed it", "plan"),
    ("i have been hoarding my sleeping pills for a month", "means"),
    ("i'm going to end my life on sunday", "intent_statement"),
    ("i just swallowed a whole packet of tablets", "act_in_progress"),
    ("im standing on the bridge over the motorway", "act_in_progress"),
    ("goodbye everyone, you were good to me", "goodbye"),
    ("my guitar goes to my cousin and my books to jo, i've decided who gets my stuff", "possessions"),
    ("i've given away all my things this week", "possessions"),
])
def test_intent_rules_fire(text, rule):
    r = analyse(text)
    assert rule in r.intent_rules, (text, r)
    assert r.reasons


@pytest.mark.parametrize("text", [
    "if you ever feel like ending it please text the crisis line, we care",
    "four years ago i tried to end my life and now i run marathons",
    "this lecture is killing me",
    "i could murder a burger",
    "i'm on the bridge waiting for my friend so we can get lunch",
    "this is my last post before the exams, see you in june",
    "i took my meds this morning as prescribed",
    "my friend said she wants to kill herself, what should i do?",
    "i'm not suicidal, just burnt out",
])
def test_no_intent_on_lookalikes(text):
    r = analyse(text)
    assert not r.intent_floor, (text, r)
    assert not r.second_person_abuse


@pytest.mark.parametrize("text", [
    "kys loser", "why dont you go hang yourself", "you should just die", "go die in a hole",
    "i hope you choke", "i know where you live",
])
def test_second_person_abuse(text):
    r = analyse(text)
    assert r.second_person_abuse and r.tox_floor >= 0.8 and r.sh_delta < 0


@pytest.mark.parametrize("text", [
    "someone told me to kys in another forum and i can't stop thinking about it",
    '"go die" is a horrible thing to say to anyone',
    "i want to go die somewhere quiet",
])
def test_reported_or_self_is_not_abuse(text):
    assert not analyse(text).second_person_abuse


def test_ideation_rule_and_inner_voice():
    assert analyse("my head keeps telling me everyone's better off without me").ideation_rule
    assert analyse("i don't want to be alive anymore").ideation_rule


@pytest.mark.parametrize("text,expected", [
    ("sh urges are really bad tonight", "ideation"),
    ("the craving to cut is back and it's loud", "ideation"),
    ("my head keeps telling me to punish myself", "ideation"),
    ("gonna actually end it tomorrow", "intent"),
    ("all my paperwork is sorted for when i am dead", "intent"),
    ("texted my brother i love him one last time", "intent"),
    ("i will not be anyone's burden after sunday", "intent"),
])
def test_urges_preparations_and_last_goodbyes(text, expected):
    result = analyse(text)
    if expected == "intent":
        assert result.intent_rules, (text, result)
    else:
        assert result.ideation_rule and not result.intent_rules, (text, result)


@pytest.mark.parametrize("text", [
    "told my ex goodbye for the last time, moving on",
    "feed the cat for when i am gone next week",
    "for the last time, stop tagging me",
    "hugged grandma one last time before she passed",
    "im going to jump in the pool lol",
])
def test_lookalikes_of_preparations_and_goodbyes(text):
    assert not analyse(text).intent_rules, text
