"""Method details, encouragement to self-harm, and suicide pacts: transparent, sentence-level rules.

Safe-messaging guidance (Samaritans' media and online-safety guidelines, Orygen's #chatsafe) asks communities not to
show *how*: which means, what amounts, which places, the steps, or what "works". Talking about suicide and self-harm
is fine, and often helps; the details are what put other readers at risk. So this module does not judge whether a
post is a crisis (rules.py and the heads do that); it finds the sentences that carry method details, so that
screening can say WHICH sentences they are and the post can be published with only those masked.

`look(text, sensitive=False)` returns a `MethodFindings`:

* `sentences`: the (start, end) spans in `text` of each sentence with method details, and `kinds`: one kind per
  sentence (`quantity`: an amount beside a means; `how_to`: steps or "the way to"; `effectiveness`: what "works",
  is quick, painless or sure; `place`: a place with what makes it suitable; `means_act`: a large amount of a means
  taken or gathered), always read beside a harm word ("die", "overdose", "end it", ...) in the sentence or the
  sentences next to it.
* `encouragement`: sentences urging someone to hurt or kill themselves ("you should just end it", "do it already",
  dares such as "bet you won't"); with `sensitive=True` (a reply on a thread about a person at risk) a bare "do it"
  or "just do it" counts too.
* `pact`: sentences proposing to die together ("let's end it together", "suicide pact").

Look-alikes are read as what they are: medication talk with a prescriber ("my doctor upped my sertraline to
100mg"), first-aid and harm-reduction advice ("apply pressure and call 999"), climbing ropes, gardening, cooking
knives; negated or caring words ("please don't do it") are never encouragement. Everything runs on
`rules.normalise`d text (evasion undone, chat spellings expanded), per sentence, bounded by `MAX_CHARS`.

The vocabulary below is structural (an amount, a means word, a method verb, a harm word): it holds no doses, no
places and no instructions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from moderation.classifiers.rules import normalise, words

MAX_CHARS = 60_000
MASK = "[details removed for safety]"

# Sentence ends: . ! ? and new lines (kept in the span of the sentence before them).
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")

MEANS = (r"(?:pills?|tablets?|capsules?|caps|meds|medications?|paracetamol|acetaminophen|tylenol|ibuprofen|aspirin|"
         r"painkillers?|sleeping pills|sleeping tablets|antidepressants?|insulin|opioids?|opiates?|benzos?|"
         r"rope|noose|ligature|cord|belt|cable|blades?|razors?|razor blades?|knife|knives|gun|pistol|rifle|bullets?|"
         r"poison|bleach|antifreeze|weedkiller|pesticide|charcoal|helium|gas|exhaust|fumes|plastic bag|"
         r"drugs?|substances?|chemicals?|prescriptions?|"
         # Common medicines by name (no amounts): people name what they have.
         r"sertraline|citalopram|escitalopram|fluoxetine|paroxetine|venlafaxine|duloxetine|mirtazapine|amitriptyline|"
         r"nortriptyline|quetiapine|olanzapine|risperidone|aripiprazole|lithium|lamotrigine|valproate|diazepam|"
         r"lorazepam|clonazepam|alprazolam|zopiclone|zolpidem|temazepam|codeine|co-codamol|cocodamol|tramadol|"
         r"oxycodone|morphine|fentanyl|heroin|methadone|propranolol|naproxen|antihistamines?|promethazine|"
         r"diphenhydramine|benadryl|nyquil|xanax|valium|prozac|zoloft|ambien|seroquel|lexapro|wellbutrin|"
         r"bupropion|trazodone|gabapentin|pregabalin|melatonin)")
# A dose unit or counted units of a means (the number itself is never judged: its shape is).
AMOUNT = (r"(?:\b\d+(?:[.,]\d+)? ?(?:mg|mcg|µg|g|grams?|milligrams?|ml|mls|units?|x)\b"
          r"|\b(?:\d+|a few|several|dozens?|hundreds?|twenty|thirty|forty|fifty|a hundred) (?:of (?:my|the|them|those|"
          r"these) )?(?:\w+ )?" + MEANS + r"\b"
          r"|\b(?:a lot|lots|loads|a load|a bunch|a handful|a fistful|a pile|heaps|tons) of\b"
          r"|\b(?:a|one|two|three|the|my|a whole|an entire|a full) (?:whole |full |entire )?(?:bottles?|packets?|"
          r"packs?|box(?:es)?|strips?|blisters?|tubs?|jars?|boxes|handfuls?|stash|stockpile) of\b"
          r"|\b(?:all|every one) of (?:my|the|them|those|these|his|her)\b.{0,20}\b" + MEANS + r"\b"
          r"|\b\d+ (?:times|x) (?:the|my|a) (?:normal |usual |daily |max(?:imum)? )?dose\b"
          r"|\b(?:whole|entire|full) (?:box|packet|pack|bottle|strip|prescription|supply|tub|jar|blister|sheet)s?\b"
          r"|\ba (?:month|week|year|fortnight)'?s? (?:worth|supply)\b|\b(?:double|triple|twice|three times|ten times) "
          r"(?:the|my|a) (?:dose|amount|prescription)\b|\bevery (?:pill|tablet|one|capsule) (?:i|we|she|he|they) had\b"
          r"|\bmost of (?:the|my|his|her|their) \w*\b|\bhow (?:much|many)\b)")
# Words that make a sentence about harm to a person (the author, the reader or someone else).
HARM = re.compile(
    r"\b(?:kill (?:myself|yourself|yourselves|themselves|himself|herself|oneself|ourselves|someone|a person)|"
    r"suicid\w*|overdos\w*|\bod\b|die|dying|died|dead|death|deadly|lethal|fatal|end (?:it|it all|my life|your life|"
    r"their life|his life|her life|things|our lives)|take (?:my|your|their) (?:own )?life|not wake up|never wake up|"
    r"stop breathing|bleed out|hang (?:myself|yourself|themselves|himself|herself)|hanging|hanged|self harm\w*|"
    r"cut (?:myself|yourself|deep\w*|deeper)|an attempt|attempted|my attempt|go through with it|"
    r"(?:done|finished|tired) with (?:living|life|being alive|it all)|want out|no reason to live)\b")
# What it would take: lethality words make a sentence about means a method detail without any other harm word.
LETHALITY = re.compile(r"\b(?:it would take|would take to|would it take|it takes to|would be enough|will be enough|"
                       r"is enough to|are enough to|enough to (?:kill|die|do it|end|not wake|be sure|make sure)|"
                       r"so i (?:would|will|could) have enough|to make sure|to be sure|lethal|deadly|fatal|would kill|"
                       r"would do it|would do the job|do the job)\b")
# Self-harm method details: an act on a body part with an instrument or how deep ("cut deep along my arm").
SH_ACT = r"(?:cut|cuts|cutting|slice\w*|slit|burn|burned|burnt|burning|scratch\w*|carv\w*|gouge\w*)"
SH_BODY = r"(?:wrists?|arms?|forearms?|thighs?|legs?|veins?|stomach|belly|hips?|ankles?|skin|chest|neck)"
SH_HOW = re.compile(rf"\b{SH_ACT}\b.{{0,30}}\b(?:my |his |her |their |your |the )?{SH_BODY}\b.{{0,40}}\b(?:with|using) "
                    rf"(?:a |the |my )?\w*\s?(?:blade|razor|sharpener|scissors|glass|shard|knife|lighter|compass|needle|"
                    rf"pin|lid)s?\b|\b{SH_ACT} (?:deep|deeper|along|across|vertically|horizontally|down)\b.{{0,20}}"
                    rf"\b{SH_BODY}\b|\b(?:blade|razor|sharpener|scissors|glass|shard|lighter|compass)s?\b.{{0,40}}"
                    rf"\b{SH_ACT}\b.{{0,20}}\b{SH_BODY}\b|\b(?:blade|razor)s? out of (?:a |the |my )?(?:pencil )?"
                    rf"(?:sharpener|shaver|razor)\b|\b(?:broke|break|took|take) (?:open |apart )?(?:a |the |my )?"
                    rf"(?:razor|shaver|sharpener)s? (?:open|apart)\b")
SH_INSTRUMENT = (r"(?:blade|razor|razor blade|sharpener|scissors|glass|shard|knife|lighter|compass|needle|safety pin|"
                 r"box cutter|stanley knife|craft knife|scalpel)s?")
# A person cutting or burning themselves with a named instrument, in any order ("i used a razor to cut").
SH_WITH = re.compile(rf"\b(?:i|she|he|they|you|myself|herself|himself|themselves)\b.{{0,30}}\b{SH_ACT}\b.{{0,40}}"
                     rf"\b{SH_INSTRUMENT}\b|\b(?:i|she|he|they|you)\b.{{0,20}}\b(?:used|use|using|took|take|grabbed|got)"
                     rf" (?:a |the |my |his |her )?{SH_INSTRUMENT}\b.{{0,30}}\b(?:to )?{SH_ACT}\b")
# Where means come from ("you can buy it online, nobody checks").
ACCESS = re.compile(r"\b(?:buy|bought|get|got|order|ordered|sell|sells|sold|pick up)\b.{0,40}\b(?:without (?:a )?"
                    r"prescription|no prescription|nobody (?:checks|asks)|no one (?:checks|asks)|no questions(?: asked)?|"
                    r"over the counter|on the dark web|under the counter)\b")
# A method named with its means or its object ("overdosed on my antidepressants", "tied a ligature to ...").
METHOD_NAMED = re.compile(
    rf"\boverdos\w* (?:on|of|with) (?:my |his |her |their |the |some |a |an )?(?:\w+ ){{0,2}}{MEANS}\b"
    rf"|\bhang\w* (?:myself |himself |herself |themselves |yourself )?(?:from|with|using|off) (?:the|a|an|my|his|her|"
    rf"their) \w+"
    rf"|\b(?:tied|tie|tying|attached|attach|looped|loop) (?:a |the |my |his |her )?(?:ligature|noose|rope|belt|cord|"
    rf"cable|scarf|sheet)s? (?:to|around|round|from|over)\b"
    rf"|\b(?:jumped|jump|jumping|threw (?:myself|himself|herself|themselves)|stepped|step|lay|lie|lying) (?:in front "
    rf"of|under|onto|on) (?:a |the )?(?:train|tracks|lorry|truck|bus|traffic|car|line)s?\b"
    rf"|\b(?:hose|pipe|tube) (?:from|to|into) the (?:exhaust|car|window)\b")
# What happened, in the story of an attempt ("threw up most of the pills", "woke up in hospital").
AFTERMATH = re.compile(r"\b(?:threw up|throw up|vomit\w*|sick|stomach (?:was )?pumped|pumped my stomach|woke up in "
                       r"(?:hospital|a&e|icu|intensive care)|the rope (?:broke|snapped)|(?:belt|cord|rope|it) snapped|"
                       r"(?:got|was) found)\b")
METHOD_ACT = words(r"overdos\w*", "hanging", "hanged", "jumping", r"suffocat\w*", "poisoning", "gassing",
                   "the (?:pills|rope|noose|method|tablets)")
# Falling or jumping counts as harm only beside a place.
PLACE_HARM = words(r"jump\w*", "fall", "fell", "falling", r"leap\w*", "step off", "stepped off",
                   "throw (?:myself|yourself)")
HOW_TO = re.compile(
    r"\b(?:how to|how you|the (?:best|easiest|quickest|fastest|simplest|only|right|surest|proper) (?:way|method|place|"
    r"spot)|step (?:one|two|\d+)|first,? you|then you|after that,? you|you (?:need|have|want) to|what you do is|"
    r"instructions?|methods?|the trick is|the key is|make sure (?:you|it|nobody|no one)|tie (?:it|the \w+|a \w+) "
    r"(?:to|around|round)|mix (?:it|them|\w+) with|crush (?:them|it|the)|on an empty stomach|"
    r"with (?:alcohol|vodka|wine|beer|drink)|so (?:nobody|no one) (?:finds|can find|would find|stops))\b")
EFFECTIVE = re.compile(
    r"\b(?:(?:it|that|this|they|which|what|one|nothing|method) (?:works?|worked|will work|would work)|works? (?:best|"
    r"better|faster|fastest|every time|for sure)|most effective|effective|quickest|fastest|quick|painless\w*|"
    r"guaranteed|surest|sure way|foolproof|never fails|will not fail|can not fail|no chance of (?:surviving|survival)|"
    r"did not work|does not work|failed because|was not enough|is not enough|enough to (?:kill|die|do it|end)|"
    r"would (?:kill|be enough|do it)|it takes|takes about|it only takes|certain|no pain|does not hurt|will not hurt)\b")
PLACE = (r"(?:bridge|roof|rooftop|ledge|cliffs?|tracks|train tracks|railway|rail line|platform|overpass|multi ?storey|"
         r"car park|parking garage|tower|building|balcony|quarry|reservoir|river|pier|viaduct|motorway|crossing|"
         r"woods|forest|spot|place)")
PLACE_SUITABLE = re.compile(
    r"\b(?:high enough|tall enough|deep enough|far enough|no (?:fence|fences|barrier|barriers|railings?|rails|nets?|"
    r"cameras?|cctv|one around|staff|guards?)|unguarded|unfenced|nobody (?:goes|checks|would find|would see|around)|"
    r"no one (?:goes|checks|would find|would see|around)|(?:easy|easiest) to (?:get (?:to|in|up)|climb|reach|access)|"
    r"the (?:fence|barrier|railing) (?:is|was) (?:low|broken|easy)|you can (?:get|climb) (?:up|over|onto|in)|"
    r"(?:trains?|they) (?:do not|never) (?:slow|stop)|at (?:night|\d+ ?(?:am|pm)) (?:it is|nobody|no one))\b")
TAKE_VERB = words("took", "taken", "take", "taking", r"swallow\w*", "downed", "down", r"stockpil\w*", "saved up",
                  "saving up", r"hoard\w*", r"collect\w*", "gathered", "bought", "ordered", r"crush\w*")
LARGE = words(r"[1-9]\d{1,3}", "all", "whole", "entire", "full", "stash", "stockpile", "dozens?", "hundreds?",
              "month'?s?", "double", "triple", "most")

# Look-alikes: everyday or caring sentences that share the vocabulary. Each cancels method details in its sentence
# unless the sentence also says the author (or the reader) means to die.
PRESCRIBER = re.compile(
    r"\b(?:doctor|dr|gp|psychiatrist|prescriber|pharmacist|pharmacy|nurse|consultant|clinic|care team|cpn|my team)\b"
    r".{0,60}\b(?:upped|raised|increased|lowered|reduced|changed|switched|prescribed|put me on|started me on|"
    r"adjusted|titrat\w*|tapering|taper|wean\w*|said|says|told me|recommended|suggested|moved me)\b"
    r"|\bas prescribed\b|\b(?:repeat|new) prescription\b|\bprescription (?:refill|renewal|was changed|changed|is ready)\b"
    r"|\bmy (?:dose|dosage) (?:is|was|went|got)\b|\bside effects?\b"
    r"|\b(?:upped|raised|increased|lowered|reduced|changed) (?:my|the) (?:dose|dosage|\w+) to\b")
FIRST_AID = re.compile(
    r"\bfirst aid\b|\bapply (?:firm )?pressure\b|\bpressure on (?:the|it|a)\b|\bclean (?:the |a )?(?:cut|wound|it)\b|"
    r"\bbandage\w*|\bsteri[- ]?strips?\b|\brecovery position\b|\bcall (?:an ambulance|999|911|112|000|111|a doctor|"
    r"poison\w* (?:control|centre|center)|the poisons line)\b|\bpoisons? (?:control|centre|center|information)\b|"
    r"\b(?:go to|get to|take (?:them|him|her) to) (?:a&e|the er|the emergency room|hospital|urgent care)\b|"
    r"\b(?:harm reduction|safer alternatives?|distraction techniques?|ice cubes?|snap (?:a|an|the) (?:rubber )?band|"
    r"red pen|butterfly project)\b|\bnaloxone\b|\bnarcan\b|\bsafe storage\b|\block (?:them|it|the \w+) away\b|"
    r"\b(?:give|gave|hand|handed) (?:them|it|my \w+) to (?:my|a) (?:\w+ )?(?:friend|partner|mum|mom|dad|pharmacist|"
    r"flatmate|sister|brother)\b")
CLIMBING = words(r"climb\w*", r"belay\w*", r"harness\w*", "carabiners?", r"abseil\w*", r"rappel\w*", r"boulder\w*",
                 "crags?", "top ?rope", r"lead climb\w*", "dynamic rope", "static rope", "figure[- ]?(?:eight|8)",
                 "bowline", "sailing", "boat", "camping", "tent", "tarp", "hammock", "washing line", "clothesline",
                 "skipping", "jump rope", "tug of war")
GARDEN = words(r"garden\w*", r"prun\w*", "hedges?", "shears", "secateurs", "weeds?", "soil", "compost", "allotment",
               "lawn", "roses?", "shrubs?", "seedlings?", "greenhouse", "plants? (?:die|dying|died)", "aphids?",
               "slugs?", "snails?", "houseplants?")
COOKING = words(r"recipe\w*", r"chop\w*", "dic(?:e|ing)",
                r"slic\w* (?:the )?(?:onions?|garlic|veg\w*|bread|tomato\w*|meat|carrots?)", "chef'?s knife",
                "kitchen", r"sharpen(?!er)\w*", "whetstone", "cutting board", "chopping board", "oven", "bake",
                "baking", "simmer", "fry", "frying", r"butcher\w*", r"fillet\w*", r"cook\w*")
OTHER_LOOKALIKE = words("jump(?:ed|ing)? (?:rope|start|the queue|in|into the (?:pool|lake|sea|water)|"
                        "on (?:a|the) (?:call|train|bus|bandwagon))",
                        "bungee", r"parachut\w*", r"skydiv\w*", "trampoline", "high jump", "long jump",
                        "the battery died", "phone died", "killing it",
                        "kill (?:time|the lights|the engine|the process)")
ACCIDENT = re.compile(r"\baccident\w*|\bby mistake\b|\bwhile (?:washing|cooking|chopping|cleaning|shaving|opening|"
                      r"gardening|working)\b|\bcut (?:my|his|her|their) (?:hand|finger|thumb) on\b|\bshaving\b")
# A sentence that says the person means to die keeps its method details whatever look-alike words it also has.
OWN_INTENT = words("kill (?:myself|yourself)", "end (?:my|your) life", r"suicid\w*", r"overdos\w*", "to die",
                   "take (?:my|your) (?:own )?life", "not wake up", "end it all")

_NEGATED = re.compile(r"\b(?:do not|did not|never|not|please do not|no one should|nobody should|stop|"
                      r"talk (?:you|them|him|her) out of|try not to|shouldn't|should not)\s+(?:\w+\s+){0,2}$")
# Urging someone to hurt or kill themselves. "do it" on its own only where the thread is about a person at risk.
_URGED = (r"(?:kill yourself|end it(?: all)?|end your life|take your (?:own )?life|go through with it|do it already|"
          r"jump|take them all|take the lot|cut deeper|finish the job|overdose|hang yourself|stop breathing)")
ENCOURAGE = re.compile(
    # Said to someone: "you should just ...", or an order at the start of a clause ("just end it").
    rf"\b(?:you should|you should just|you might as well|you may as well|why do not you|why not just|go ahead and|"
    rf"just go and|you need to|you ought to)\s+(?:just\s+)?{_URGED}\b(?! (?:with|between) )"
    rf"|(?:^|[,.!?:;] )(?:(?:so|then|go on|honestly|seriously|please|pls|ok|okay|fine|lol)\s+)?just\s+{_URGED}\b"
    rf"(?! (?:with|between|than) )"
    r"|\bdo it already\b|\bi (?:double )?dare you (?:to )?(?:do it|jump|end it|kill|cut|take|"
    r"go through)\b|\bbet you (?:will not|would not|do not have the guts|are too (?:scared|chicken|weak)|never "
    r"actually)\b|\bprove (?:it|you mean it)\b|\b(?:no one|nobody) (?:would|will) (?:miss|stop|care about) you\b"
    r"|\byou(?:'d| would) be better off dead\b|\bif you are going to do it,? (?:then )?do it (?:properly|right)\b"
    r"|\byou (?:will not|would not|are not going to) (?:actually |even )?do it\b.{0,20}\b(?:anyway|you never|coward|"
    r"no guts|chicken|attention)|\bstop being a (?:coward|pussy|baby|wimp|chicken)\b|\bget it over with\b"
    r"|\bif you (?:really|actually) wanted to,? you would have (?:done it|already)\b"
    r"|\bwhat are you (?:even )?waiting for\b|\bstop (?:talking|whining|posting|crying) (?:about it )?and (?:just )?"
    r"do it\b|\b(?:you should|next time|go|then) cut deeper\b|(?:^|[,.!?] )cut deeper (?:next time|this time|idiot|"
    r"lol|loser)\b|\bnot deep enough\b|\byou (?:are|re) (?:just )?"
    r"(?:attention seeking|faking)\b.{0,40}\b(?:do it|prove)\b|\bdo (?:us|everyone|the world) a favou?r\b"
    r"|\bgo on(?:,| then)? (?:do it|jump|end it)\b")
ENCOURAGE_SENSITIVE = re.compile(r"(?:^|[,.!?] |\b(?:just|then|so|go on|ok|okay|fine|lol|then go)\s)(?:just )?do it\b"
                                 r"(?! (?:together|with|for|later|tomorrow|again|right|properly|anyway|yourself a))"
                                 r"|\bgo (?:for it|ahead)\b(?! (?:and (?:talk|call|ask|reach|rest|sleep|eat)))"
                                 r"|\byou (?:will|would) not (?:actually )?do it\b|\byou (?:never|wont) do it\b")
PACT = re.compile(
    r"\bsuicide pact\b|\b(?:a |our |the |make a |made a )pact\b.{0,40}\b(?:die|end|suicid\w*|kill|go|do it|together)"
    r"|\b(?:let us|lets|let's|we (?:could|should|can|will|would)|shall we|why do not we|want to|wanna|going to)\s+"
    r"(?:\w+\s+){0,3}(?:do it|end it(?: all)?|die|kill ourselves|end our lives|go|jump|take them|overdose)\s+"
    r"(?:\w+\s+){0,3}together\b"
    r"|\b(?:die|end it|end it all|kill ourselves|end our lives|do it|jump|go) together\b"
    r"|\b(?:anyone|somebody|someone|who) (?:want|wants|wanna|else wants) to (?:do it|end it|die|go) (?:with me|together)\b"
    r"|\b(?:do it|end it|die|go) with me\b(?! (?:to|for) (?:the|a|my))"
    r"|\bif you go,? i will go (?:too|with you)\b|\bi will do it if you do\b|\bif you do it,? i will (?:too|do it too)\b"
    r"|\b(?:we will|we can|we could|we should|let us|lets|let's) both (?:end it|do it|die|go)\b|\bboth of us (?:end it|do it|"
    r"die|go)\b|\bwe will both\b.{0,20}\b(?:end it|do it|die)\b"
    r"|\b(?:end it|do it|die|go)\b.{0,15}\bthe same (?:night|day|time)\b"
    r"|\b(?:go out|check out|leave|exit) together\b|\b(?:die|end it) with you\b"
    r"|\bat the same time\b.{0,30}\b(?:die|end it|do it|kill ourselves)|\b(?:die|end it|do it|kill ourselves)\b.{0,30}"
    r"\bat the same time\b|\bmeet up and (?:end|do|die)\b|\bjoin (?:me|us)\b.{0,25}\b(?:on the other side|when i go|in "
    r"death|at the bridge|with the pills)\b")
# A pact needs harm in the text (or a thread about a person at risk): "let's do it together" about homework is not.
_PACT_NEEDS_HARM = re.compile(r"\b(?:do it|go|jump) (?:\w+ )?(?:together|with me)\b")


@dataclass
class MethodFindings:
    sentences: list[tuple[int, int]] = field(default_factory=list)  # spans in the text given to `look`
    kinds: list[str] = field(default_factory=list)  # one per sentence
    encouragement: list[tuple[int, int]] = field(default_factory=list)
    pact: list[tuple[int, int]] = field(default_factory=list)
    lookalikes: list[str] = field(default_factory=list)  # look-alike contexts that cancelled a sentence
    # Encouragement or a pact that only a learned judgement sees (the rules did not): held for a person, never
    # removed on a model's word alone (kind replies such as "we'll get through this together" look alike).
    suspected_encouragement: list[tuple[int, int]] = field(default_factory=list)
    suspected_pact: list[tuple[int, int]] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.sentences)

    def suspected(self) -> tuple[str, ...]:
        """"encouragement" and/or "pact" when only a learned judgement saw them (policy.safe_messaging holds)."""
        return tuple(name for name, spans in (("encouragement", self.suspected_encouragement),
                                              ("pact", self.suspected_pact)) if spans)

    def reasons(self) -> list[str]:
        """What moderators read (kinds and sentence numbers only: the words stay in the collapsed text)."""
        out = [f"method_details:{kind}" for kind in dict.fromkeys(self.kinds)]
        if self.encouragement:
            out.append("encouragement")
        if self.pact:
            out.append("pact")
        if self.suspected_encouragement and not self.encouragement:
            out.append("encouragement:suspected")
        if self.suspected_pact and not self.pact:
            out.append("pact:suspected")
        return out


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, leading and trailing spaces left out."""
    spans = []
    for m in _SENTENCE.finditer(text[:MAX_CHARS]):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


def _lookalike(norm: str) -> str | None:
    for name, rx in (("prescriber", PRESCRIBER), ("first_aid", FIRST_AID), ("climbing", CLIMBING),
                     ("gardening", GARDEN), ("cooking", COOKING), ("accident", ACCIDENT), ("other", OTHER_LOOKALIKE)):
        if rx.search(norm):
            return name
    return None


_ARTICLE = r"(?!(?:The|A|An|This|That|My|Our|Their|His|Her|Its|Your|One|Some|Any|No|Every|I|We|They) )"
PLACE_NAMED = re.compile(_ARTICLE + r"\b[A-Z][\w']+(?: " + _ARTICLE + r"[A-Z][\w']+){0,2} (?i:bridge|car ?park|"
                         r"multi[- ]?storey|tower|viaduct|cliffs?|pier|quarry|reservoir|station|crossing|overpass|"
                         r"flyover|building|hotel|head|point|falls|gorge|dam)\b")
PLACE_FROM = re.compile(r"\b(?:jumped|jumping|jump|fell|falling|threw (?:myself|himself|herself|themselves)|stepped "
                        r"off|leapt|leaped) (?:from|off|in front of|onto|into) (?:the |a |that |this |our |my )?"
                        r"(?:\w+ ){0,2}(?:bridge|roof|rooftop|ledge|cliffs?|tracks|railway|rail line|train line|"
                        r"platform|overpass|car park|parking garage|multi ?storey|tower|building|balcony|quarry|"
                        r"viaduct|motorway|flyover|train|window)\b")
PLACE_TOP = re.compile(r"\b(?:from|off) (?:the )?(?:top|roof|\d+\w* (?:floor|storey|level)|highest (?:floor|point|level))"
                       r"(?: (?:floor|level|deck|storey))? of\b")


def _kind(norm: str, harm_near: bool, orig: str = "") -> str | None:
    """The kind of method detail a normalised sentence carries, or None."""
    means = re.search(rf"\b{MEANS}\b", norm)
    if SH_HOW.search(norm) or (SH_WITH.search(norm) and not COOKING.search(norm)):
        return "how_to"
    if METHOD_NAMED.search(norm):
        return "means_named"
    if ACCESS.search(norm) and (means or harm_near or re.search(r"\b(?:it|them|some)\b", norm)):
        return "access"
    if means and (re.search(AMOUNT, norm) or LETHALITY.search(norm)) and (LETHALITY.search(norm) or AFTERMATH.search(norm)):
        return "quantity"
    if re.search(AMOUNT, norm) and LETHALITY.search(norm) and TAKE_VERB.search(norm):
        return "quantity"  # "saved up a month's supply so i would have enough": the means left unsaid
    if (means or METHOD_ACT.search(norm)) and EFFECTIVE.search(norm) and (AFTERMATH.search(norm) or METHOD_ACT.search(norm)):
        return "effectiveness"
    if PLACE_HARM.search(norm) and (PLACE_NAMED.search(orig) or PLACE_TOP.search(norm)):
        return "place"
    if PLACE_FROM.search(norm) and (harm_near or HARM.search(norm)) and not OTHER_LOOKALIKE.search(norm):
        return "place"  # "jumped from the bridge", beside a death or an attempt
    place = re.search(rf"\b{PLACE}\b", norm)
    harm_here = bool(HARM.search(norm)) or bool(place and PLACE_HARM.search(norm))
    if means and TAKE_VERB.search(norm) and LARGE.search(norm) and re.search(AMOUNT, norm) \
            and not re.search(r"\bvitamins?\b|\bsupplements?\b", norm):
        return "quantity" if harm_here else "means_act"  # a large amount taken or gathered is a detail by itself
    if not (harm_here or harm_near):
        return None
    if means and re.search(AMOUNT, norm):
        return "quantity"
    if place and PLACE_SUITABLE.search(norm):
        return "place"
    if (means or place or METHOD_ACT.search(norm)) and HOW_TO.search(norm) and harm_here:
        return "how_to"
    if (means or place) and EFFECTIVE.search(norm):
        return "effectiveness"
    return None


_OWN_WORDS = re.compile(r"\bi (?:will|would|could|might|should|am going to|wish i had the courage to)\s*$")
_SAYING = re.compile(r"\b(?:joked|joke|said|says|say|told me|tells me|telling me|wrote|texted|messaged|commented|yelled|"
                     r"posted|replied|called me)\b")


def _quoted(norm: str, start: int) -> bool:
    """Inside quotation marks, or reported ("he told me you would be better off dead"): someone else's words."""
    before = norm[max(0, start - 300):start]  # the words just before (bounded: cost stays linear)
    if before.count('"') % 2 == 1 or (before.count("'") - len(re.findall(r"\w'\w", before))) % 2 == 1:
        return True
    return bool(_SAYING.search(before[-40:]))


def _urging(norm: str, rx: re.Pattern) -> bool:
    for m in rx.finditer(norm):
        before = norm[: m.start()]
        if not _NEGATED.search(before) and not _OWN_WORDS.search(before) and not _quoted(norm, m.start()):
            return True
    return False


def look(text: str, *, sensitive: bool = False) -> MethodFindings:
    """Method details, encouragement and pacts in `text`, sentence by sentence. `sensitive`: the text replies on a
    thread about a person at risk (a bare "do it" there is encouragement)."""
    found = MethodFindings()
    if not isinstance(text, str) or not text.strip():
        return found
    spans = sentence_spans(text)
    norms = [normalise(text[s:e]) for s, e in spans]
    harms = [bool(HARM.search(n)) for n in norms]
    whole_harm = any(harms)
    for i, ((start, end), norm) in enumerate(zip(spans, norms)):
        near = harms[i] or (i > 0 and harms[i - 1]) or (i + 1 < len(harms) and harms[i + 1])
        if _urging(norm, ENCOURAGE) or (sensitive and _urging(norm, ENCOURAGE_SENSITIVE)):
            found.encouragement.append((start, end))
        if _urging(norm, PACT) and (whole_harm or sensitive or not _PACT_NEEDS_HARM.search(norm)
                                    or re.search(r"\bsuicide|\bpact\b", norm)):
            found.pact.append((start, end))
        kind = _kind(norm, near, text[start:end])
        if kind is None:
            continue
        alike = _lookalike(norm)
        if alike and not OWN_INTENT.search(norm):
            found.lookalikes.append(alike)
            continue
        found.sentences.append((start, end))
        found.kinds.append(kind)
    return found


def _valid(spans, text: str) -> list[tuple[int, int]]:
    """Spans of `text` only: anything else a backend returns is ignored rather than trusted."""
    return [(a, b) for a, b in (spans or ()) if isinstance(a, int) and isinstance(b, int) and 0 <= a < b <= len(text)]


def with_learned(found: MethodFindings, text: str, spans: dict | None) -> MethodFindings:
    """`found` (the rules' findings in `text`) plus what learned judgements found (`Scores.spans`: {"method_details",
    "encouragement", "pact": [(start, end)]}, spans of the same `sentence_spans` or the whole text). A learned method
    sentence gets kind `described`, and the rules' look-alike contexts cancel it as they cancel their own (a
    prescriber, first aid, climbing, ...)."""
    spans = spans if isinstance(spans, dict) else {}
    added = []
    for start, end in _valid(spans.get("method_details"), text):
        if any(a < end and start < b for a, b in [*found.sentences, *added]):
            continue
        norm = normalise(text[start:end])
        alike = _lookalike(norm)
        if alike and not OWN_INTENT.search(norm):
            found.lookalikes.append(alike)
            continue
        added.append((start, end))
    if added:
        pairs = sorted([*zip(found.sentences, found.kinds), *((span, "described") for span in added)])
        found.sentences = [span for span, _ in pairs]
        found.kinds = [kind for _, kind in pairs]
    for name in ("encouragement", "pact"):
        if not getattr(found, name):  # the rules' finding stands on its own; the learned one is a suspicion
            getattr(found, f"suspected_{name}").extend(_valid(spans.get(name), text))
    return found


def mask_sentences(text: str, sentences) -> str:
    """`text` with each of `sentences` (as written, e.g. a verdict's `method_details`) replaced by MASK wherever it
    stands: a post screened as one text (title, body, warning) is stored field by field."""
    for sentence in sorted({s.strip() for s in sentences or () if s and s.strip()}, key=len, reverse=True):
        text = text.replace(sentence, MASK)
    return text


def mask(text: str, findings: MethodFindings | None = None) -> str:
    """`text` with each sentence that carries method details replaced by MASK (the rest kept as written)."""
    findings = findings if findings is not None else look(text)
    if not findings.sentences:
        return text
    out, last = [], 0
    for start, end in findings.sentences:
        out.append(text[last:start])
        out.append(MASK)
        last = end
    out.append(text[last:])
    return "".join(out)
