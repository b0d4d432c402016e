"""Transparent rules for what sentence embeddings are weak at.

Embeddings capture the *mood* of a post well, but they blur the two distinctions that matter most in a peer-support
community:

* explicit signals of suicidal **intent**: a plan, means at hand, a time, goodbye / final messages, giving away
  possessions, or an act in progress ("i took all my pills", "i'm on the bridge");
* **whose** crisis it is: "kill yourself" / "kys" / "go die" is abuse aimed at someone else (a threat, never the
  author's crisis), while supportive replies ("call 988 if you feel like ending it"), recovery stories ("two years
  ago i tried to end my life"), idioms ("this song is killing me"), quoted or reported speech and negations
  ("i'm not suicidal, just tired") use crisis words without being a crisis.

`analyse(text)` returns a `RuleResult`: logit adjustments for the self-harm heads, floors, toxicity adjustments
and one human-readable reason per rule that fired. Matching runs on `normalise(text)`: lower case, curly quotes
straightened, chat spellings expanded ("im" -> "i am", "kys" -> "kill yourself", "tonite" -> "tonight"), letters
repeated 3+ times squeezed ("sooooo" -> "soo"). Rules work per sentence/clause, so a recovery marker or a reporting
verb only neutralises the clause it sits in.

These rules are English only. Other languages rely on the multilingual-ish behaviour of the encoder, which is weak.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# --------------------------------------------------------------------------------------------------------------
# Normalisation

_SUBS = [
    (r"[\u2018\u2019\u201b\u2032`´]", "'"),
    (r"[\u201c\u201d\u201e\u2033«»]", '"'),
    (r"(\w)\1{2,}", r"\1\1"),  # sooooo -> soo
    (r"\bkys\b", "kill yourself"),
    (r"\bkms\b", "kill myself"),
    (r"\bkill (?:urself|ur self|yoself|yourslef|youself|yourself)\b", "kill yourself"),
    (r"\b(?:urself|ur self|yourslef|youself)\b", "yourself"),
    (r"\b(?:myslef|mysef|my self)\b", "myself"),
    (r"\bu\b", "you"),
    (r"\bur\b", "your"),
    (r"\by'?all\b", "you all"),
    (r"\bi'?m\b", "i am"),
    (r"\bim\b", "i am"),
    (r"\bi'?ve\b", "i have"),
    (r"\bive\b", "i have"),
    (r"\bi'll\b", "i will"),
    (r"\bi'?d\b", "i would"),
    (r"\bgonna\b", "going to"),
    (r"\bgunna\b", "going to"),
    (r"\bwanna\b", "want to"),
    (r"\bgotta\b", "got to"),
    (r"\btonite\b", "tonight"),
    (r"\b2nite\b|\b2night\b", "tonight"),
    (r"\btmrw?\b", "tomorrow"),
    (r"\b2moro\b", "tomorrow"),
    (r"\brn\b", "right now"),
    (r"\bwon'?t\b", "will not"),
    (r"\bcan'?t\b", "can not"),
    (r"\bcannot\b", "can not"),
    (r"\b(do|does|did|is|are|was|were|have|has|would|should|could)n'?t\b", r"\1 not"),
    (r"\bit'?s\b", "it is"),
    (r"\bit'll\b", "it will"),
    (r"\b(she|he|they|you|we)'ll\b", r"\1 will"),
    (r"\bthat'?s\b", "that is"),
    (r"\byou'?re\b", "you are"),
    (r"\bevery ?1\b", "everyone"),
    (r"\bpls\b|\bplz\b", "please"),
    (r"\bcuz\b|\bcoz\b|\bbc\b", "because"),
    (r"\bbye+\b", "bye"),
    (r"\s+", " "),
]
_SUBS = [(re.compile(p), r) for p, r in _SUBS]


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text if isinstance(text, str) else str(text)).lower()
    for pat, rep in _SUBS:
        text = pat.sub(rep, text)
    return text.strip()


_SPLIT = re.compile(r"(?<=[.!?;\n])\s+|\s+(?:but|although|though|however)\s+|\s*[-–—]{1,2}\s+")


def clauses(norm: str) -> list[str]:
    return [c.strip() for c in _SPLIT.split(norm) if c and c.strip()]


# --------------------------------------------------------------------------------------------------------------
# Pattern vocabulary

SELF = r"(?:i|i am|i have|i had|i will|i would|me|my|myself)"
METHOD_NOUN = (r"(?:pills?|tablets?|meds|medication|paracetamol|tylenol|acetaminophen|ibuprofen|sleeping pills|"
               r"painkillers|overdose|rope|noose|belt|cord|blade|razor|knife|gun|pistol|rifle|bullets?|poison|bleach|"
               r"charcoal|helium)")
PLACE = r"(?:bridge|roof|rooftop|ledge|edge|cliffs?|tracks|train tracks|railway|platform|overpass|balcony|parking garage)"
TIME = (r"(?:tonight|tomorrow|this weekend|this evening|today|(?:at|after|before|by|around) (?:midnight|dark|dawn|"
        r"\d{1,2}(?::\d\d)? ?(?:am|pm)?|(?:\w+ )?o'?clock)|on (?:monday|tuesday|wednesday|thursday|"
        r"friday|saturday|sunday|my birthday)|next week|when (?:they|everyone|he|she|my \w+) (?:leaves?|is asleep|"
        r"are asleep|goes? out)|in (?:an|one|two|a few) (?:hours?|minutes?))")
DIE_VERB = (r"(?:kill myself|end my life|end it all|end it|take my (?:own )?life|commit suicide|do it|jump|hang myself|"
            r"overdose|od|slit my wrists|cut my wrists|die|go through with it|end things|be gone|go)")


@dataclass
class Rule:
    name: str
    pattern: re.Pattern
    reason: str  # may contain {m}: the matched text


def _r(name: str, pattern: str, reason: str) -> Rule:
    return Rule(name, re.compile(pattern), reason)


# Strong first-person signals of intent (plan, means, timing, goodbye, possessions, act in progress).
INTENT_RULES = [
    _r("intent_statement",
       rf"\bi (?:am going to|am about to|will|have decided to|decided to|plan to|am planning to|am gonna|want to|"
       rf"am ready to|am finally going to) (?:finally )?(?:kill myself|end my life|take my (?:own )?life|commit suicide|"
       rf"hang myself|overdose|slit my wrists)\b.*\b{TIME}"
       rf"|\bi (?:am going to|am about to|have decided to|decided to|am planning to|am ready to|am finally going to) "
       rf"(?:finally )?(?:kill myself|end my life|take my (?:own )?life|commit suicide|hang myself|overdose|"
       rf"slit my wrists|walk into the (?:sea|river|ocean|lake|traffic))\b"
       # "going to jump" is intent only where it is off somewhere, not into a pool or a car.
       rf"|\bi am (?:going to|about to|gonna|ready to) jump (?:off|from)\b"
       rf"|\b{PLACE}\b.{{0,60}}\bi am (?:going to|about to|gonna|ready to) jump\b(?! (?:in|into) the (?:pool|water|lake)\b)"
       rf"|\b(?:me voy a matar|voy a matarme|me voy a suicidar|je vais (?:me tuer|me suicider|en finir)|"
       rf"(?:bringe ich mich|ich bringe mich) um|ich werde mich umbringen|mi uccido stanotte)",
       "stated intent: '{m}'"),
    _r("timing",
       rf"\b(?:i am|i will|i am going to|going to|gonna) (?:going to )?(?:finally |actually |really |just )?"
       rf"(?:kill myself|end my life|end it|do it|jump|"
       rf"hang myself|overdose|end things|take them all|take them)\b.{{0,40}}\b{TIME}"
       rf"|\b{TIME},? (?:i am|i will|is when i) (?:going to )?(?:kill myself|end my life|end it|do it|jump|"
       rf"hang myself|overdose|end things)\b"
       rf"|\b(?:tonight|today|tomorrow) is the (?:night|day)\b(?!.*\b(?:party|concert|gig|game|show|celebrat|date|"
       rf"exam|interview|premiere|wedding)\w*)"
       rf"|\bit (?:all )?ends (?:tonight|today|tomorrow|now|here)\b|\bit will (?:all )?be over (?:by|before|soon|tonight)"
       rf"|\b(?:picked|chosen|chose|set|decided on) (?:the|a) (?:day|date|time|spot|place)\b"
       rf"|\b(?:going to|gonna) do it (?:when|after|before|at|once|while)\b|\bi am doing it (?:this|tonight|tomorrow|"
       rf"when|after|on)\b|\btaking (?:them|it|everything|all of (?:them|it))\b.{{0,30}}\b{TIME}"
       rf"|\bthe last (?:night|day|time) i (?:will|have to|ever)\b|\b(?:will not|never) change my mind\b"
       rf"|\b(?:everything|it all) is (?:set|ready|planned|arranged) for\b|\bcounting down (?:the )?(?:hours|days|"
       rf"minutes) (?:until|till|til) i (?:can )?(?:finally )?(?:go|die|leave|end)",
       "timing: '{m}'"),
    _r("plan",
       rf"\b(?:suicide|goodbye|final|last) (?:note|letter)s?\b|\b(?:wrote|written|writing|left|finished) (?:my|the) "
       rf"note\b|\bi have a plan\b|\bmade a plan to\b|\b(?:plan|date) (?:is set|and a date)\b|\bknow (?:exactly )?"
       rf"(?:where|how|when) i am going to do it\b|\bresearch(?:ed|ing) how (?:much|many)\b|"
       rf"\bhow (?:much|many) (?:pills|tablets) it would take\b",
       "explicit plan: '{m}'"),
    _r("means",
       rf"\b(?:i|i have|i am|just) (?:have |got |bought |ordered |collected |saved (?:up )?|been saving (?:up )?|"
       rf"stockpil\w+ |hoard\w* |counted (?:out )?|found |holding |loaded )(?:\w+ ){{0,3}}{METHOD_NOUN}\b"
       rf"|\b{METHOD_NOUN} (?:is|are) (?:ready|loaded|counted|in my hand|next to me|(?:on|in|beside|under) "
       rf"(?:the|my) (?:\w+ )?(?:table|desk|bed|drawer|pocket|bag|car|hand|lap))\b"
       rf"|\btied the (?:knot|noose)\b|\bthe (?:rope|noose) is (?:ready|up|hanging)\b|\bfinally have enough\b"
       rf"|\b(?:have|got) enough (?:pills|tablets|meds)\b|\b(?:got|have|brought) everything (?:ready|i need)\b",
       "means at hand: '{m}'"),
    _r("act_in_progress",
       rf"\bi (?:just |already |have just |have already |have )?(?:took|taken|swallowed|downed|overdosed|od'?d)\b"
       rf"(?! my (?:meds|medication|pills) (?:on time|today|this morning|as prescribed))(?!.{{0,25}}\bvitamins)"
       rf".{{0,25}}\b(?:all|whole|bottle|load|lot|handful|bunch|everything|\d+|pills|tablets|meds|packet|box)"
       rf"|\bi (?:just |already )?(?:cut|slit|sliced) (?:my wrists?|deep|too deep|my arm open)\b"
       rf"|\b(?:it|the bleeding) (?:will not|can not|does not|is not going to) stop bleeding\b|\bwill not stop bleeding\b"
       rf"|\bi (?:have |just )?(?:taken|took|swallowed) something\b|\bi (?:just |have )?overdosed\b"
       rf"|\bengine running\b|\bi am (?:standing |sitting |up )?(?:on|at|in) (?:the |a |this |top of the )?(?:edge of the )?"
       rf"(?:[a-z]+ ){{0,2}}{PLACE}\b(?!.{{0,40}}\b(?:waiting for|with my|with friends|for (?:lunch|dinner|a walk|a hike|the view)|"
       rf"hike|walk|picnic|photo|view|sunset|pretty|beautiful|family))"
       rf"|\bmy legs over the (?:side|edge)\b|\blocked in the bathroom with\b|\bi am (?:heading|driving|going|walking) "
       rf"(?:to|into) the (?:river|sea|bridge|cliffs?|tracks|ocean|lake)\b(?!.{{0,30}}\b(?:for a|picnic|swim|walk|hike|"
       rf"with (?:my|friends|the)))|\bnext (?:train|one) (?:comes|is due)",
       "act in progress: '{m}'"),
    _r("goodbye",
       rf"\bthis is (?:my )?(?:last|final) (?:post|message|time (?:i|posting))\b(?!.{{0,30}}\b(?:before|until|till|"
       rf"for (?:a while|now|today|tonight|the week|a bit)|of the (?:day|year|week)))"
       rf"|\b(?:will be|this will be) my (?:last|final) (?:post|message)\b(?!.{{0,30}}\b(?:before|until|till|for))"
       rf"|\bgoodbye (?:everyone|all|world|guys|forever|friends)\b|\bthis is goodbye\b(?!.{{0,12}}\bto my (?:old|"
       rf"\w+ )?(?:car|flat|house|job|phone))|\bsaying (?:my )?goodbyes?\b(?!.{{0,20}}\bto (?:my )?(?:old|caffeine|"
       rf"sugar|\w+ (?:habit|job)))|\bsaid my goodbyes\b|\bby the time (?:you|anyone|someone|they) (?:read|find|see)s?"
       rf"\b|\bbefore i go\b|\bi have to go now\b.{{0,20}}\bforever\b|\bnot (?:going to|gonna) (?:be around|wake up|"
       rf"be here)\b(?!.{{0,25}}\b(?:much this|for (?:a|the) (?:few|week|while|bit)|this week|because of|exams?))"
       rf"|\b(?:will not|would not) be (?:a (?:problem|burden)|around|here) (?:for (?:anyone|you|anybody) )?"
       rf"(?:much longer|for much longer|anymore|after (?:tonight|today|this))\b"
       rf"|\b(?:you|none of you|nobody|no one) (?:will not|will never) have to (?:worry|deal|put up) (?:about|with) me\b"
       rf"|\bthank(?:s| you) (?:all |everyone |you all )?(?:for (?:everything|trying)).{{0,40}}\b(?:this is it|"
       rf"goodbye|before i go|last)\b|\bthis is it for me\b|\bi will be gone\b"
       rf"|\b(?:last|final) (?:message|post|words) from me\b|\bend of the (?:road|line) for me\b|\bwill not be "
       rf"coming back\b(?!.{{0,20}}\b(?:to (?:work|this|the)|until|till))|\bnone of you will have to\b"
       rf"|\bi have to go now\b.{{0,10}}\b(?:forever|for good|goodbye|bye)\b|\bi am sorry for everything\b"
       rf"|\bdo not (?:try to )?(?:find|save|look for) me\b|\bdo not blame yourselves\b|\btell my (?:mum|mom|dad|"
       rf"family|sister|brother|kids|wife|husband|partner) i (?:love|loved)\b"
       # A last goodbye to someone who does not know it ("told her i love her for the last time").
       rf"|\b(?:told|telling|said|saying|called|texted) (?:\w+ ){{0,4}}i love (?:him|her|them|you) "
       rf"(?:for the last time|one last time)\b"
       # Being no one's burden after a stated time ("won't be anyone's problem after this weekend").
       rf"|\b(?:will not|would not|am not going to) be (?:anyone's|anybody's|your|their|a) (?:problem|burden)\b"
       rf".{{0,20}}\b(?:after|by|past|from) (?:tonight|today|tomorrow|this|next|the weekend|friday|saturday|sunday|"
       rf"monday)",
       "goodbye / final message: '{m}'"),
    _r("possessions",
       rf"\bwho (?:gets|will get|should get|should have|can have) my (?:things|stuff|belongings|cat|dog|car|"
       rf"books|room)\b|\b(?:given|gave|giving) (?:away )?(?:most of |all (?:of )?)?my (?:stuff|things|belongings|"
       rf"possessions)\b|\bmy (?:affairs|things|stuff) (?:are|is) (?:in order|sorted)\b|\b(?:rehomed|found a "
       rf"(?:new )?home for) my (?:cat|dog|pets?)\b|\b(?:will not|do not) (?:be )?need(?:ing)? (?:it|them|my \w+) "
       rf"(?:anymore|where i am going|any more)\b|\bnothing left to sort\b|\btying up loose ends\b|\bleft instructions\b"
       rf"|\bso nobody has to clean up\b|\bmy will is (?:written|done)\b.{{0,60}}\b(?:ready|nothing left|rehomed)"
       # Final preparations framed around the author's own death.
       rf"|\bfor (?:when|after) i am (?:dead|gone for good|gone forever|not here anymore)\b",
       "giving away possessions / putting affairs in order: '{m}'"),
]

# Ideation signals (not intent): used as a safety net when the head is unsure.
IDEATION_RULES = [
    _r("ideation",
       rf"\b(?:i|i really|i just|i kinda|i honestly|i seriously) (?:want|wish|need|would like|am going) to (?:die|be "
       rf"dead|kill myself|end my life|end it all|not exist|stop existing|disappear forever)\b"
       rf"|\b(?:thinking|thought|thoughts) (?:about|of) (?:killing myself|suicide|ending (?:it|my life|things)|dying|"
       rf"jumping|overdosing)\b|\bsuicidal (?:thoughts|again|feelings)\b|\bi am (?:feeling )?suicidal\b"
       rf"|\b(?:better off|happier|easier) (?:without me|if i (?:was|were) (?:dead|gone))\b"
       rf"|\b(?:do not|no longer) want to (?:be alive|live|be here|exist|wake up)\b|\bnot wake up\b"
       rf"|\bwish i (?:was|were) dead\b|\bwish i (?:had )?never (?:been born|existed)\b|\btired of (?:being alive|living|"
       rf"existing)\b|\b(?:urge|urges|want|wanting) to (?:cut|burn|hurt) (?:myself|again)\b|\brather be dead\b"
       # Self-harm urges in any word order ("the urge to self harm came back", "sh urges are loud today").
       rf"|\b(?:urge|urges|urging|itch|craving|cravings) (?:to |for )?(?:self[- ]?harm|sh|cut|relapse)\b"
       rf"|\b(?:self[- ]?harm|sh|cutting) (?:urge|urges|cravings?)\b"
       rf"|\bwant to cut\b|\b(?:cut|cutting|burned|burning|hurt|hurting|hit|hitting) myself (?:again|last night|today)\b"
       rf"|\b(?:life|living) (?:is not|is no longer) worth\b|\bno reason to (?:live|keep living|stay)\b"
       rf"|\b(?:brain|head|mind|voice|voices|thoughts)\b.{{0,25}}\b(?:tell|tells|telling|say|says|saying|whisper\w*)"
       rf"\b.{{0,25}}\b(?:die|end (?:it|things|my life)|kill myself|(?:hurt|cut|harm|punish) myself|"
       rf"better off (?:dead|gone|without me)|not be here)\b"
       rf"|\bquiero morir|\bje veux mourir|\bich will (?:nicht mehr leben|sterben)|\bme quiero matar|\bvoglio morire",
       "suicidal ideation: '{m}'"),
]

# Abuse aimed at someone else ("kill yourself"): toxicity (threat) up, author's self-harm down.
SECOND_PERSON_ABUSE = _r(
    "second_person_abuse",
    r"\b(?:go |just |please |pls |should |could |can |why (?:do not|not) you |do us a favou?r and |"
    r"do the world a favou?r and )?(?:kill|hang|shoot|stab|off|drown|end) yourself\b"
    r"|(?<!to )(?<!i )(?<!i will )\bgo (?:and )?(?:die|jump|hang|drink bleach|kill|rot|choke|drown)\b(?! in a bath)"
    r"|\bdrink bleach\b|^die\b|\band die\b(?! of| from| in my)|\bbeat the \w+ out of you\b"
    r"|\byou (?:should|need to|ought to|could) (?:just )?(?:die|end it|kill|jump|hang|do it|stop (?:existing|breathing)|"
    r"finish the job|do us|do everyone)\b|\b(?:i )?(?:hope|wish) (?:you |your (?:\w+ ){1,2})(?:die|dies|get|gets|rot|burn|choke|suffer)\b"
    r"|\byou (?:should |could |need to |can )?(?:just |please )?stop existing\b|\bfinish(?:ed)? the job\b|\b(?:do|does) the world a favou?r\b|\bput you out of your misery\b"
    r"|\bnobody would miss you\b|\bslit your wrists\b|\bdo it already\b|\b(?:kill|killed) yourself\b"
    r"|\bi (?:will|am going to|am gonna) (?:kill|hurt|find|beat|stab|shoot|break) (?:you|your)\b"
    r"|\bi know where you live\b|\bwatch your back\b|\bhope we never meet\b|\byou (?:deserve|earned) (?:to die|it)\b",
    "aimed at someone else: '{m}'",
)
THREAT_WORDS = re.compile(r"\b(?:kill|hurt|find|beat|stab|shoot|break|die|dies|hang|rot|burn|drown|live|back|meet|"
                          r"misery|bleach|jump|job|existing)\b")

# Context that means crisis words are not the author's present crisis.
_SPEECH = (r"(?:told|tells|telling|called|calls|calling|said|says|saying|replied|replies|wrote|writes|typed|texted|"
           r"messaged|dm'?d|commented|yelled|shouted|asked|asks|joked|jokes|screamed|posted|sent)")
REPORTED = re.compile(
    rf"\b(?:he|she|they|someone|somebody|people|a guy|a girl|this guy|this girl|some \w+|a user|users?|my \w+|"
    rf"(?:a|the|this) (?:guy|girl|man|woman|kid|user|troll|person|teacher|boss|character)|everyone|nobody|no one)"
    rf"(?: \w+)? {_SPEECH}\b|\b(?:told|tell|telling|called|calling) me\b|\bgot told\b|\"[^\"]{{3,}}\"|"
    rf"\bthe (?:word|phrase)\b|\bin the (?:movie|film|book|song|show|poem|game|lyrics?|news)\b"
    rf"|\bthe (?:character|song|lyrics?|poem|news|story)\b|\b(?:reporting|report|reported) (?:a |this |that )?"
    rf"(?:user|someone|post|him|her|them)\b"
)
SUPPORTIVE = re.compile(
    r"\bif (?:you|anyone|someone)(?: are| is|'re)? (?:ever )?(?:feel|feeling|thinking|having|struggling|in crisis|"
    r"need|want|reading)\b|\b(?:call|text|ring|phone|contact|reach out to|talk to) (?:the |a )?(?:988|911|999|112|"
    r"116 ?123|741741|samaritans|lifeline|crisis (?:line|text line|team)|hotline|helpline|someone|your (?:gp|doctor|"
    r"therapist))\b|\bare you safe\b|\bstay with us\b|\bplease stay\b|\byou (?:are not|aren't) (?:a burden|alone)\b"
    r"|\bi am (?:here|the mod)\b|\bproud of you\b|\byou matter\b|\bhow (?:do i|can i|to) (?:help|support)\b"
    r"|\bsigns of suicide\b|\bsuicide prevention\b"
)
RECOVERY = re.compile(
    r"\b(?:\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|few|several|many) (?:years?|months?|weeks?|days?) "
    r"(?:ago|since|clean|free|sober|without)\b|\bused to\b|\bback (?:in|when|then)\b|\bi remember when\b"
    r"|\bin (?:19|20)\d\d\b|\bsurvived\b|\bsurvivor\b|\brecovery\b|\brecovered\b|\bi am (?:doing )?(?:ok|okay|"
    r"better|good|fine|safe) now\b|\bclean for\b|\bnever (?:used|went through)\b"
    r"|\bglad i (?:did not|never|am still|stayed)\b|\bit gets better\b|\bwhen i was (?:younger|a teen|\d+|in)\b"
    r"|\blast (?:year|spring|summer|autumn|winter)\b|\bafter my attempt\b|\bi am ok now\b|\bi got through\b"
)
THIRD_PERSON = re.compile(
    r"\b(?:my|our|a|his|her) (?:best )?(?:friend|sister|brother|daughter|son|mum|mom|dad|father|mother|partner|wife|"
    r"husband|girlfriend|boyfriend|cousin|student|classmate|colleague|flatmate|roommate|kid|child|ex)\b(?:'s)?"
    r" (?:\w+ )?(?:wants?|said|says|tried|attempted|is suicidal|self harms|has been (?:self|cutting|suicidal)|keeps "
    r"(?:saying|talking|cutting)|threaten\w*|told me (?:she|he|they))"
    r"|\b(?:she|he|they) (?:wants? to (?:die|kill)|tried to|attempted|is suicidal|self harms?|said (?:she|he|they) "
    r"wants?)"
)
NEGATION = re.compile(
    r"\b(?:i am|i am really|i am honestly) not (?:suicidal|going to (?:hurt|kill) myself|in (?:any )?danger|going "
    r"anywhere|thinking of (?:ending|killing))\b(?! but)|\bnot in danger\b|\b(?:i|i really) do not (?:want to die|have (?:any )?"
    r"(?:thoughts|plans?) (?:of|to|about))\b|\bno thoughts of\b|\bno (?:i )?do not want to die\b"
    r"|\bnot going to (?:hurt|kill) myself\b|\bnot suicidal\b"
)
IDIOM = re.compile(
    r"\b(?:is|are|was|were|it is|that is|you are|they are) (?:absolutely |literally |actually |honestly )?killing me\b"
    r"|\b(?:murder|kill|die) for an? \w+|\bcould (?:murder|kill) (?:a|an|for|some)\b|\b(?:dying|died|dead) "
    r"(?:of|from|with) (?:laughter|laughing|embarrassment|boredom|cringe)\b|\bdying to (?:see|know|try|meet|go|hear|"
    r"watch|get)\b|\bi would (?:kill|die) for\b|\bto die for\b|\bkill me now\b.{0,20}\b(?:lol|jk|joking|haha)|"
    r"\bi am dead\b.{0,6}(?:lol|lmao|😂|🤣|haha)|\b(?:im|i am) dead 😂|\bkilled it\b|\bkill (?:it|this|the)\b"
    r"|\b(?:phone|battery|laptop|wifi|car|plants?|character)\b.{0,12}\b(?:died|dead|dying)\b|\bdeath of me\b"
    r"|\b(?:jk|just kidding|joking|obviously)\b\)?$"
)
FIRST_PERSON_DISTRESS = re.compile(
    r"\b(?:i|i am|i feel|i have|myself|my life)\b.{0,30}\b(?:die|dead|suicid\w*|kill myself|end (?:it|my life)|"
    r"hate myself|want out|can not (?:do|go on|take)|give up|worthless|hopeless|tired of)\b"
)

PRESENT_DISTRESS = re.compile(
    r"\b(?:i|i still|i really|i just) (?:want|wish|need) to (?:die|cut|hurt|disappear|end|not be|be dead|stop)\b"
    r"|\b(?:again|tonight|right now|these days|lately|anymore|any more)\b.{0,40}\b(?:die|dying|dead|cut|hurt "
    r"myself|end it|kill myself|not be here|give up)\b|\b(?:die|dying|dead|cut|kill myself|end it)\b.{0,30}\b(?:again|"
    r"tonight|right now|anymore)\b|\bbut (?:i|the thoughts|it)\b.{0,40}\b(?:die|dying|want|back|again)\b"
)

INNER_VOICE = re.compile(r"\b(?:brain|head|mind|voice|voices|thoughts|depression|illness|inner critic)\b.{0,25}"
                         r"\b(?:tell|tells|telling|told|say|says|saying|said|whisper\w*|scream\w*)\b")

_SELF_WISH = re.compile(r"\bi (?:really |just |kinda |honestly )?(?:want|wish|would like|need|am going|would rather|"
                        r"feel like i should|should|could) to\b|\bi (?:should|could|might|might as well)\b|\bme\b")

INTENT_FLOOR = 0.85  # P(intent) when a strong intent rule fires in a clean first-person clause


@dataclass
class RuleResult:
    """What the rules layer thinks of one text. Logit deltas are added to the heads' logits."""

    intent_rules: list[str] = field(default_factory=list)
    ideation_rule: bool = False
    second_person_abuse: bool = False
    threat: bool = False
    suppressors: list[str] = field(default_factory=list)  # reported / supportive / recovery / third_person / ...
    reasons: list[str] = field(default_factory=list)
    # adjustments
    intent_floor: float = 0.0
    weak_intent: bool = False  # floor intent only if the heads already read the post as ideation or above
    ideation_floor: float = 0.0
    sh_delta: float = 0.0  # added to concern/ideation/intent logits
    intent_delta: float = 0.0
    tox_floor: float = 0.0
    tox_delta: float = 0.0
    tox_cap: float = 1.0


def _snip(m: re.Match, limit: int = 60) -> str:
    s = m.group(0).strip()
    return s if len(s) <= limit else s[: limit - 1] + "…"


def analyse(text: str) -> RuleResult:
    norm = normalise(text)
    res = RuleResult()
    parts = clauses(norm) or [norm]
    inner = bool(INNER_VOICE.search(norm))  # "my brain keeps telling me ..." is the author's own thought
    whole_context = {
        "reported": bool(REPORTED.search(norm)) and not inner,
        "supportive": bool(SUPPORTIVE.search(norm)),
        "recovery": bool(RECOVERY.search(norm)),
        "third_person": bool(THIRD_PERSON.search(norm)),
        "negation": bool(NEGATION.search(norm)),
        "idiom": bool(IDIOM.search(norm)),
    }

    # 1) Second-person abuse (not the author's crisis).
    abuse_clean = False
    for c in parts:
        m = SECOND_PERSON_ABUSE.pattern.search(c)
        if not m:
            continue
        if _SELF_WISH.search(c[: m.start()]) and "you" not in m.group(0):
            continue  # "i want to just go die somewhere": the author's own wish, not an order to someone
        if REPORTED.search(c) or SUPPORTIVE.search(c) or re.search(r"\b(?:do not|never|should not|stop) (?:say|tell|type)", c):
            res.suppressors.append("reported")
            res.reasons.append(f"crisis words quoted or reported, not aimed at anyone: '{_snip(m)}'")
            continue
        abuse_clean = True
        res.second_person_abuse = True
        res.threat = res.threat or bool(THREAT_WORDS.search(m.group(0)))
        res.reasons.append(SECOND_PERSON_ABUSE.reason.format(m=_snip(m)))
    if abuse_clean:
        res.tox_floor = max(res.tox_floor, 0.90)
        # The author's own crisis language elsewhere in the post (e.g. "you all say kys, fine, i want to die") keeps
        # the self-harm heads in charge; otherwise push self-harm well down.
        own = [c for c in parts if not SECOND_PERSON_ABUSE.pattern.search(c) and FIRST_PERSON_DISTRESS.search(c)]
        if not own:
            res.sh_delta -= 6.0

    # 2) Intent and ideation, clause by clause, ignoring clauses with a neutralising context.
    for c in parts:
        if SECOND_PERSON_ABUSE.pattern.search(c):
            continue
        ctx = [name for name, rx in (("reported", REPORTED), ("supportive", SUPPORTIVE), ("recovery", RECOVERY),
                                     ("third_person", THIRD_PERSON), ("negation", NEGATION), ("idiom", IDIOM))
               if rx.search(c) and not (name == "reported" and INNER_VOICE.search(c))]
        if "recovery" in ctx and PRESENT_DISTRESS.search(c):
            ctx.remove("recovery")
        for rule in INTENT_RULES:
            m = rule.pattern.search(c)
            if not m:
                continue
            if ctx:
                res.reasons.append(f"{rule.name} words in a {'/'.join(ctx)} context, not counted: '{_snip(m)}'")
                continue
            res.intent_rules.append(rule.name)
            res.reasons.append(rule.reason.format(m=_snip(m)))
        m = IDEATION_RULES[0].pattern.search(c)
        if m and not ctx:
            res.ideation_rule = True
            res.reasons.append(IDEATION_RULES[0].reason.format(m=_snip(m)))

    if res.intent_rules:
        strong = {"intent_statement", "timing", "plan", "act_in_progress", "goodbye", "possessions"}
        if len(set(res.intent_rules)) >= 2 or (set(res.intent_rules) & strong):
            res.intent_floor = INTENT_FLOOR
        else:  # means alone ("bought rope") is only intent when the post is already suicidal by the heads' reading
            res.weak_intent = True
        res.intent_delta += 2.0
        res.ideation_floor = max(res.ideation_floor, 0.9)
    elif res.ideation_rule:
        res.ideation_floor = max(res.ideation_floor, 0.75)

    # 3) Whole-post neutralisers when nothing clean fired: damp the heads a little (they also learned these).
    if not res.intent_rules and not res.ideation_rule:
        damp = 0.0
        present = bool(PRESENT_DISTRESS.search(norm))
        for name in ("supportive", "recovery", "negation", "idiom", "reported", "third_person"):
            if whole_context[name]:
                res.suppressors.append(name)
                if present and name in ("recovery", "reported", "negation"):
                    continue  # "8 months clean but i want to cut again" is the author's crisis now
                damp += {"supportive": 1.0, "recovery": 1.0, "negation": 1.5, "idiom": 1.0, "reported": 0.5,
                         "third_person": 1.0}[name]
        if damp:
            res.sh_delta -= min(damp, 2.0)
            res.intent_delta -= 1.0
            res.reasons.append("context: " + "/".join(res.suppressors) + " (not the author's present crisis)")

    # 4) Self-directed distress without any abuse at others is never "toxic": cap below the hold threshold.
    if not res.second_person_abuse and (res.intent_rules or res.ideation_rule or FIRST_PERSON_DISTRESS.search(norm)):
        if not re.search(r"\byou\b|\byour\b|\bpeople like\b", norm):
            res.tox_cap = 0.5
    return res
