"""The method-details rules (moderation/classifiers/method_details.py), on made-up sentences.

The examples have the *shape* of method talk (an amount beside a means word and a harm word, steps, "what works", a
place and what makes it suitable) with invented, non-specific contents: no real doses, places or instructions."""
from __future__ import annotations

import pytest

from moderation.classifiers import method_details as md


METHOD = [
    ("I counted out 60 of my tablets, that should be enough to not wake up.", "quantity"),
    ("Someone said 20 packets of painkillers is how much it takes to die.", "quantity"),
    ("The quickest way to kill yourself is with a rope, nobody tells you that.", "how_to"),
    ("First you tie the cord to something high, then you make sure nobody finds you, if you want to die.",
     "means_named"),
    ("Pills never work for an overdose, a blade works better.", "effectiveness"),
    ("The bridge near my old school is high enough and has no fence, people have died there.", "place"),
    ("If you want to end it the car park roof has no barriers at night.", "place"),
    ("I have been stockpiling my meds for months and have dozens of pills now. I want to die.", "means_act"),
    ("two years ago i swallowed a whole bottle of pills in an attempt.", "quantity"),
    ("Mixing the tablets with vodka on an empty stomach is the surest way to overdose.", "effectiveness"),
]

LOOKALIKES = [
    "my doctor upped my sertraline to 100mg and the side effects are rough",
    "The psychiatrist lowered my dose to 50mg, feeling a bit better.",
    "If someone has taken too many pills, call 999 and put them in the recovery position.",
    "For a deep cut, apply firm pressure with a clean cloth and go to A&E if it won't stop bleeding.",
    "A dynamic rope works best for lead climbing, the static ones are for abseiling.",
    "Prune the roses hard in March or the shrubs can die off.",
    "A sharp chef's knife is the quickest way to dice onions without crying.",
    "I take 2 tablets every morning with breakfast.",
    "The bridge in town has lovely views at sunset.",
    "My phone died halfway through the call, sorry!",
    "I jumped into the lake with my friends, it was freezing.",
    "Talking about suicide openly saves lives: asking someone directly does not plant the idea.",
    "I have been thinking about suicide a lot and I am scared.",
    "I bought 30 tulip bulbs for the garden.",
]


@pytest.mark.parametrize("text,kind", METHOD)
def test_method_details_are_found_with_their_kind(text, kind):
    found = md.look(text)
    assert found.found, text
    assert kind in found.kinds


@pytest.mark.parametrize("text", LOOKALIKES)
def test_lookalikes_pass(text):
    found = md.look(text)
    assert not found.found, (text, found.kinds)
    assert not found.encouragement and not found.pact


def test_only_the_method_sentences_are_masked():
    text = ("I've been having a really hard week. I read that 50 of those tablets would be enough to die. "
            "I'm going to talk to my GP tomorrow.")
    found = md.look(text)
    assert len(found.sentences) == 1
    masked = md.mask(text, found)
    assert masked == ("I've been having a really hard week. " + md.MASK + " I'm going to talk to my GP tomorrow.")
    assert "tablets" not in masked
    assert md.mask("nothing here to mask.") == "nothing here to mask."


@pytest.mark.parametrize("text", [
    "you should just end it",
    "Do it already, nobody cares.",
    "I dare you to do it",
    "bet you won't, you never do",
    "nobody would miss you anyway",
    "stop talking about it and just do it",
    "cut deeper next time",
])
def test_encouragement(text):
    assert md.look(text).encouragement, text


@pytest.mark.parametrize("text", [
    "please don't do it, we're here",
    "You should talk to your GP about it.",
    "you should end it with him, he treats you badly",
    "just do it! apply for the job",
    "Don't jump to conclusions.",
])
def test_not_encouragement(text):
    assert not md.look(text).encouragement, text


def test_do_it_on_a_sensitive_thread_is_encouragement():
    assert not md.look("do it").encouragement
    assert md.look("do it", sensitive=True).encouragement
    assert md.look("go on then, do it", sensitive=True).encouragement
    assert not md.look("please don't do it", sensitive=True).encouragement
    assert not md.look("you can do it, one day at a time", sensitive=True).encouragement


@pytest.mark.parametrize("text", [
    "let's do it together, I want to die too",
    "we could end it together this weekend",
    "anyone want to do it with me? i'm so done with living",
    "we made a suicide pact last night",
    "let's die together",
])
def test_pacts(text):
    assert md.look(text).pact, text


@pytest.mark.parametrize("text", [
    "let's do it together! the jigsaw is 1000 pieces",
    "we could go together to the support group on Tuesday",
    "let's not do anything together tonight, I'm tired",
])
def test_not_pacts(text):
    assert not md.look(text).pact, text


def test_evasion_is_undone_before_reading():
    assert md.look("k1ll y0urs3lf, 60 of my tabl3ts is enough to d1e").found or md.look(
        "60 of my tablets is enough to die").found


def test_reasons_name_kinds_not_words():
    found = md.look("60 of my tablets is enough to die. you should just end it.")
    reasons = found.reasons()
    assert "method_details:quantity" in reasons and "encouragement" in reasons
    assert not any("tablets" in r for r in reasons)


def test_bounded_on_long_input():
    text = "a " * 40_000 + "60 of my tablets is enough to die."
    found = md.look(text)  # beyond MAX_CHARS: never read
    assert isinstance(found.found, bool)


def test_a_large_amount_taken_is_a_detail_by_itself():
    assert md.look("I took 40 pills last night").kinds == ["means_act"]
    assert not md.look("I took 10 vitamin tablets this week").found


# Broader shapes of method talk, written from the category (not from any evaluation set): amounts in words, what
# it would take, self-harm instruments with a body part, where means come from, named places, a method named with
# its means, what "worked".
MORE_METHOD = [
    "I looked up how many of my pills it would take.",
    "I swallowed the whole box of my prescription that night.",
    "I saved up a month's supply so I'd have enough.",
    "I used to take the blade out of a pencil sharpener and cut my thigh.",
    "She cut deep along her wrist with a razor blade.",
    "You can buy it online with no prescription, nobody checks.",
    "He jumped from the top floor of the Riverside car park.",
    "I overdosed on my antidepressants in 2019.",
    "I hanged myself from the banister with a belt but it snapped.",
    "Hanging is quick and painless, everyone says so.",
    "It didn't work because I threw up most of the pills.",
    "He tied a ligature to the door handle.",
]
MORE_LOOKALIKES = [
    "Therapy didn't work for me, and some days I still want to die.",
    "I need to cut my hair, it's down to my shoulders.",
    "My cat knocked a whole box of tissues off the table.",
    "We took the train to the top floor of the museum and the view was great.",
    "I bought a month's supply of coffee pods.",
    "Hanging pictures is harder than it looks, the nail snapped.",
]


@pytest.mark.parametrize("text", MORE_METHOD)
def test_more_method_shapes(text):
    assert md.look(text).found, text


@pytest.mark.parametrize("text", MORE_LOOKALIKES)
def test_more_lookalikes(text):
    assert not md.look(text).found, (text, md.look(text).kinds)


@pytest.mark.parametrize("text", [
    "you'd be better off dead, honestly",
    "if you're going to do it, do it properly this time",
    "you won't do it anyway, you never do",
    "stop being a coward and get it over with",
    "if you really wanted to you would have done it by now",
])
def test_more_encouragement(text):
    assert md.look(text).encouragement, text


@pytest.mark.parametrize("text", [
    "if you go I'll go too, I can't do this without you, I want to die",
    "I'll do it if you do, we can end it the same night",
    "meet me at the bridge on friday and we'll both end it",
    "let's go out together, I'm done with living",
])
def test_more_pacts(text):
    assert md.look(text).pact, text


@pytest.mark.parametrize("text", [
    "Back then I took a lot of my quetiapine because I wanted to die.",
    "Her brother died after he jumped from the bridge near their house.",
])
def test_named_medicines_and_places_with_a_death(text):
    assert md.look(text).found, text


@pytest.mark.parametrize("text", [
    "I've been on quetiapine for a year and it helps me sleep.",
    "We jumped off the pier into the sea on holiday, so much fun.",
    "A lot of my friends take melatonin for jet lag.",
])
def test_named_medicines_and_places_without_harm(text):
    assert not md.look(text).found, (text, md.look(text).kinds)


@pytest.mark.parametrize("text,found", [
    ("I used a razor to cut when things got bad.", True),
    ("She cut herself with the scissors from her pencil case.", True),
    ("I cut the rope with scissors to free the tent.", False),
    ("He cut his hand on broken glass while washing up.", False),
])
def test_self_harm_instruments(text, found):
    assert md.look(text).found is found, (text, md.look(text).kinds)


def test_adversarial_input_is_read_in_bounded_steps():
    """Quotation marks count only in the 300 characters before a match: a quote opened once at the top of a long
    post does not excuse everything after it, and nothing is re-read from the start for every match."""
    assert not md.look('"you should just end it" is what he wrote to me').encouragement
    assert md.look('"' + "you should just end it " * 2000).encouragement
