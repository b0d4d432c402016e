"""The one door: every piece of member text that others could see passes `screen` first.

    verdict = screen(text, author=member_or_facts, context="forum_post")

Forum posts, thread titles, content warnings and chat messages all come through here. The caller stores
`verdict.status` on its row and shows the text to others only when it is `published`. Screening fails closed: an
exception, a time-out or a garbage score from a classifier yields a `held` verdict with hold_reason "unscreened" -
never published unscreened, never dropped - and the author is still shown support (moderation/resources).

Before the models, a deterministic first pass (moderation/first_pass.py) reads the text with the intent and
ideation rules: when it sees the author's own crisis, the verdict is a self-harm hold with resources whatever the
models say, even when they time out or fail.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass, field

from flask import current_app

from community.async_mode import native_executor
from community.errors import ServiceError
from moderation import audit, authors, batching, config_cache, first_pass, policy, scheduling, watched
from moderation.classifiers import method_details, registry
from moderation.classifiers.base import Scores
from moderation.settings import load_safety, load_thresholds

log = logging.getLogger(__name__)

# Classifier calls run in real OS threads so a hung model can be timed out and the request never blocks past the
# limit. New words (posts, replies, chat, messages to staff) go ahead of edits and retries, and one member can only
# have a few jobs waiting (moderation/scheduling.py), so a flood of edits cannot starve someone's crisis post. Both
# pools are made on first use, because gevent's worker monkey-patches the process after this module may be imported
# (e.g. gunicorn --preload): under gevent the priority pool's workers are greenlets that only wait, and the
# inference itself runs in gevent's native thread pool, so one inference does not stall every socket.
_pool = None
_executor = None
_pools_lock = threading.Lock()
BACKGROUND_CONTEXTS = {"forum_edit", "retry"}


def _screening_executor():
    global _executor
    if _executor is None:
        with _pools_lock:
            if _executor is None:
                _executor = native_executor(4, "screen")
    return _executor


def _priority_pool(app) -> scheduling.PriorityPool:
    """The screening workers: twice the merged call's size (at least 4), so that while one call of
    MODERATION_BATCH_TEXTS runs, as many more screenings can wait for the next (with 4 workers, one running and
    three waiting, a merged call never held more than 3 or 4 texts, however many posts were waiting)."""
    global _pool
    if _pool is None:
        with _pools_lock:
            if _pool is None:
                _pool = scheduling.PriorityPool(workers=max(4, 2 * int(app.config.get("MODERATION_BATCH_TEXTS", 4))))
    return _pool


def _in_native_thread(fn, *args):
    return _screening_executor().submit(fn, *args).result()


# One merger per set of loaded classifiers (moderation/batching.py): screening calls waiting at the same moment
# share one classifier call.
_coalescers: dict[int, tuple[object, batching.Coalescer]] = {}


def _coalescer(app, backends) -> batching.Coalescer:
    found = _coalescers.get(id(backends))
    if found is None or found[0] is not backends:
        with _pools_lock:
            found = _coalescers.get(id(backends))
            if found is None or found[0] is not backends:
                # A call past a quarter of the time limit (at most 0.5 s) counts as stalled: others go beside it.
                merged = batching.Coalescer(lambda texts: _in_native_thread(_score_both, backends, texts),
                                            max_texts=app.config.get("MODERATION_BATCH_TEXTS", 4),
                                            stall_seconds=min(0.5, app.config.get("MODERATION_TIMEOUT", 2.0) / 4))
                found = _coalescers[id(backends)] = (backends, merged)
    return found[1]


def _merged_score(coalescer: batching.Coalescer, texts: list[str]):
    return coalescer.run(texts)


@dataclass
class Verdict:
    status: str  # published | held | removed
    tier: str = "none"
    hold_reason: str | None = None
    priority: str | None = None
    queue_kind: str | None = None
    reasons: list[str] = field(default_factory=list)
    scores: dict = field(default_factory=dict)
    classifiers: dict = field(default_factory=dict)
    policy_version: str = policy.POLICY_VERSION
    context: str = ""
    # Watched words found in the text ({"id", "pattern", "action", "regex", "timed_out"}), see moderation/watched.py.
    watched: list[dict] = field(default_factory=list)
    # "danger" | "worried" when the author is worried about another person (policy rule 3), else None.
    someone_else: str | None = None
    # Safe messaging (policy rule 6, moderation/classifiers/method_details.py): the sentences that describe a method
    # (as written), whether the stored text is masked, encouragement to self-harm, a suicide pact, and whether the
    # text was screened as a reply on a protected thread.
    method_details: list[str] = field(default_factory=list)
    masked: bool = False
    encouragement: bool = False
    pact: bool = False
    protected: bool = False
    # Spans of the screened text the self-harm classifier judged to carry method details, encouragement or a pact
    # ({label: [(start, end)]}, Scores.spans), merged with the rules' findings by screen_many.
    learned_spans: dict = field(default_factory=dict)

    def apply_mask(self, text: str | None) -> str | None:
        """The text as others read it: each sentence with method details replaced by "[details removed for
        safety]" when the verdict masks (the caller keeps the original for moderators)."""
        if not self.masked or not text:
            return text
        # The fields are censored before they are masked: a sentence with a censored word is matched censored too.
        return method_details.mask_sentences(text, [*self.method_details,
                                                    *(self.apply_censor(s) for s in self.method_details)])

    def apply_censor(self, text: str) -> str:
        """The text as it is stored and shown: every `censor` watched word replaced with ****."""
        if not any(m.get("action") == "censor" for m in self.watched):
            return text
        return watched.censor(text, self.watched)

    @property
    def published(self) -> bool:
        return self.status == policy.PUBLISHED

    def record(self) -> dict:
        """What is stored with the item: enough to explain the decision later."""
        return asdict(self)


def _score_both(backends, texts: list[str]) -> tuple[list[Scores], list[Scores]]:
    tox = backends.toxicity.score(texts)
    sh = backends.self_harm.score(texts)
    if not isinstance(tox, list) or not isinstance(sh, list) or len(tox) != len(texts) or len(sh) != len(texts):
        raise policy.GarbageScores("a classifier returned the wrong number of results")
    return tox, sh


def screen_many(texts: list[str], *, author=None, context: str = "post", protected: bool = False) -> list[Verdict]:
    """Screen a batch (one classifier call each). `author` is the writer's AuthorFacts (or the member row the
    registered directory reads them from, moderation/authors.py), or None.

    The deterministic first pass (moderation/first_pass.py) reads every text before the models do: a crisis it
    sees is held for self-harm with resources whatever the models then say, and even when they fail or time out."""
    with config_cache.one_reading():  # thresholds, safety settings, watched words: one generation, read once
        return _screen_many(texts, author=author, context=context, protected=protected)


def _screen_many(texts, *, author, context: str, protected: bool) -> list[Verdict]:
    app = current_app._get_current_object()
    texts = list(texts)
    first = [first_pass.look(text) for text in texts]  # bounded, never waits: runs before anything can time out
    methods = [method_details.look(text, sensitive=protected) if isinstance(text, str) else
               method_details.MethodFindings() for text in texts]  # deterministic too
    backends = registry.backends(app)  # loading (and warming up) happens once per process, outside the time limit
    thresholds = current_thresholds()
    if protected:
        thresholds = policy.for_protected(thresholds)
    names = {
        "toxicity": f"{backends.toxicity.name}@{backends.toxicity.version}",
        "self_harm": f"{backends.self_harm.name}@{backends.self_harm.version}",
    }
    verdicts = _classify(app, backends, texts, names, thresholds, context, author)
    for verdict, seen, found, text in zip(verdicts, first, methods, texts):
        if seen.crisis:
            _crisis_first(verdict, seen)
        if verdict.learned_spans and isinstance(text, str):
            found = method_details.with_learned(found, text, verdict.learned_spans)
        _safe_messaging(verdict, found, text, context, protected)
    return _after_classifiers(verdicts, texts, author, context)


def _safe_messaging(verdict: Verdict, found: method_details.MethodFindings, text: str, context: str,
                    protected: bool) -> None:
    """Policy rule 6: method details masked or held, encouragement and pacts removed."""
    verdict.protected = protected
    method_reasons = [r for r in found.reasons() if r.startswith("method_details:")]
    decision, masked = policy.safe_messaging(
        policy.Decision(status=verdict.status, tier=verdict.tier, hold_reason=verdict.hold_reason,
                        priority=verdict.priority, queue_kind=verdict.queue_kind, reasons=verdict.reasons,
                        someone_else=verdict.someone_else),
        method_reasons=method_reasons, encouragement=bool(found.encouragement), pact=bool(found.pact),
        context=context, protected=protected,
        suspected=found.suspected())
    verdict.status, verdict.tier, verdict.hold_reason = decision.status, decision.tier, decision.hold_reason
    verdict.priority, verdict.queue_kind, verdict.reasons = decision.priority, decision.queue_kind, decision.reasons
    verdict.someone_else = decision.someone_else
    verdict.masked = masked
    verdict.encouragement, verdict.pact = bool(found.encouragement), bool(found.pact)
    verdict.method_details = [text[start:end] for start, end in found.sentences]



def _classify(app, backends, texts, names, thresholds, context, author) -> list[Verdict]:
    priority = scheduling.BACKGROUND if context in BACKGROUND_CONTEXTS else scheduling.URGENT
    try:
        future = _priority_pool(app).submit(_merged_score, _coalescer(app, backends), list(texts), priority=priority,
                                         owner=getattr(authors.facts(author), "id", None))
    except scheduling.Busy:
        if context in BACKGROUND_CONTEXTS:
            raise ServiceError("screening_busy", "We're still checking your last changes. Please wait a moment and "
                                                 "try again; nothing you wrote is lost.", status=429)
        # New words are never refused for it: held for a person, with support shown (and the first pass still
        # reads a crisis).
        return [_failed("busy", names, context) for _ in texts]
    try:
        tox_scores, sh_scores = future.result(timeout=app.config.get("MODERATION_TIMEOUT", 2.0))
    except FutureTimeout:
        future.cancel()  # not started yet: the worker drops it instead of spending time on an abandoned job
        log.error("screening timed out after %ss; holding %d item(s)", app.config.get("MODERATION_TIMEOUT"), len(texts))
        return [_failed("timeout", names, context) for _ in texts]
    except Exception as exc:  # noqa: BLE001 - any classifier failure holds the item for a human
        log.exception("screening failed; holding %d item(s)", len(texts))
        return [_failed(type(exc).__name__, names, context) for _ in texts]

    verdicts = []
    for tox, sh in zip(tox_scores, sh_scores):
        try:
            policy.check_scores(tox, "toxicity")
            policy.check_scores(sh, "self_harm")
        except policy.GarbageScores as exc:
            log.error("classifier returned garbage: %s", exc)
            verdicts.append(_failed("garbage", names, context))
            continue
        decision = policy.decide(tox, sh, thresholds)
        verdicts.append(Verdict(
            status=decision.status, tier=decision.tier, hold_reason=decision.hold_reason,
            priority=decision.priority, queue_kind=decision.queue_kind, reasons=decision.reasons,
            someone_else=decision.someone_else,
            scores={"toxicity": round(tox.score, 4), "toxicity_labels": _rounded(tox.labels),
                    "self_harm": round(sh.score, 4), "self_harm_labels": _rounded(sh.labels)},
            classifiers=names, context=context, learned_spans=_spans(sh),
        ))
    return verdicts


def _crisis_first(verdict: Verdict, seen: first_pass.FirstPass) -> None:
    decision = policy.crisis_first(policy.Decision(status=verdict.status, tier=verdict.tier,
                                                   hold_reason=verdict.hold_reason, priority=verdict.priority,
                                                   queue_kind=verdict.queue_kind, reasons=verdict.reasons),
                                   seen.tier, seen.reasons)
    verdict.status, verdict.tier, verdict.hold_reason = decision.status, decision.tier, decision.hold_reason
    verdict.priority, verdict.queue_kind, verdict.reasons = decision.priority, decision.queue_kind, decision.reasons


# --- after the classifiers: watched words and new-account approval ----------------------------------------------

class WatchedWordBlocked(ServiceError):
    """The text contains a `block` watched word: refused, nothing stored (API 422 code watched_word)."""

    def __init__(self, match, field: str | None = None):
        shown = f' ("{match.pattern}")' if not match.regex else ""
        super().__init__("watched_word", f"This contains a word or phrase{shown} that this community doesn't allow. "
                         "Please reword it - nothing was posted, and your text is still here.", status=422,
                         field=field)


FORUM_CONTEXTS = ("forum_thread", "forum_reply", "forum_edit")
# Text addressed to the moderators themselves: screened for urgency only, never refused by a watched word (and
# stored text being screened again is never refused either).
NEVER_REFUSED = ("retry", "staff_message", "appeal", "report_note")


def _after_classifiers(verdicts: list[Verdict], texts: list[str], author, context: str) -> list[Verdict]:
    """Watched words, then the optional first-post approval, on top of the classifiers' verdicts. Both can only
    make a verdict stricter: nothing a classifier held is ever published here, and a self-harm hold always stays a
    hold with resources (a `block` match never turns a person in crisis away)."""
    entries = config_cache.cached("watched_words", lambda: tuple(
        config_cache.Entry(w.id, w.pattern, w.action, w.regex) for w in watched.words()))
    for verdict, text in zip(verdicts, texts):
        if entries:
            _apply_watched(verdict, watched.find(text, entries), context)
        if context in FORUM_CONTEXTS and author is not None:  # an edit of a held first post still waits
            first_post_approval(verdict, author)
    return verdicts


def _apply_watched(verdict: Verdict, matches, context: str) -> None:
    if not matches:
        return
    verdict.watched = [m.as_dict() for m in matches]
    verdict.reasons = [*verdict.reasons, *(
        f"watched_word:{'timeout' if m.timed_out else m.action}:{m.pattern}" for m in matches)]
    blocks = [m for m in matches if m.action == "block" and not m.timed_out]
    holds = [m for m in matches if m.action == "require_approval" or m.timed_out]
    flags = [m for m in matches if m.action == "flag" and not m.timed_out]
    # Refuse only when no classifier saw any self-harm risk and screening itself worked: a person in crisis (even
    # "concern") or unscreened text is held for a human instead. A re-screen of stored text never refuses.
    refusable = verdict.hold_reason not in ("self_harm", "unscreened", "pact") and verdict.tier == "none"
    if verdict.someone_else is not None:
        return  # worried about someone else: never refused or held; its urgent/high item shows the words matched
    if blocks and refusable and context not in NEVER_REFUSED:
        raise WatchedWordBlocked(blocks[0])
    if (blocks or holds) and verdict.status == policy.PUBLISHED:
        verdict.status, verdict.hold_reason = policy.HELD, "watched_word"
        verdict.queue_kind, verdict.priority = "watched_word", policy.HIGH if verdict.tier == "concern" else policy.NORMAL
    elif flags and verdict.status == policy.PUBLISHED and verdict.queue_kind is None:
        verdict.queue_kind, verdict.priority = "watched_word", policy.NORMAL


def first_post_approval(verdict: Verdict, author) -> None:
    """Admin setting (off by default): a new account's posts wait for a moderator until one has been published."""
    facts = authors.facts(author)
    if verdict.status != policy.PUBLISHED or facts is None or facts.is_staff or verdict.someone_else is not None:
        return
    if not config_cache.cached("safety", load_safety)["new_account_first_post_approval"] or facts.trusted:
        return
    if facts.id is None or authors.published_posts(facts.id) > 0:
        return
    verdict.status, verdict.hold_reason = policy.HELD, "new_account"
    verdict.queue_kind = "new_account"
    verdict.priority = policy.HIGH if verdict.tier == "concern" else policy.NORMAL
    verdict.reasons = [*verdict.reasons, "new_account:first_post"]


def screen_handle(handle: str, *, member=None) -> None:
    """Check a handle against the watched words at sign-up and rename. A name can't be held or censored, so
    `block`, `require_approval`, `censor` and a timed-out pattern refuse it (422 watched_word); `flag` lets it through
    and writes an audit entry for admins."""
    matches = watched.find(handle)
    if not matches:
        return
    refusing = [m for m in matches if m.action != "flag" or m.timed_out]
    if refusing:
        raise ServiceError("watched_word", "That handle contains a word this community doesn't allow. "
                           "Please choose another.", status=422, field="handle")
    audit.record(None, "watched_word.handle_flag", target=f"member:{member.id}" if member is not None else "signup",
                 after={"handle": handle, "patterns": [m.pattern for m in matches]})


def screen(text: str, *, author=None, context: str = "post", protected: bool = False) -> Verdict:
    """`protected`: a reply on a protected thread (a person at risk's post published with support): the lower
    toxicity hold, and a bare "do it" or any method talk removes it."""
    return screen_many([text], author=author, context=context, protected=protected)[0]


def _failed(error: str, names: dict, context: str) -> Verdict:
    decision = policy.unscreened(error)
    return Verdict(status=decision.status, tier=decision.tier, hold_reason=decision.hold_reason,
                   priority=decision.priority, queue_kind=decision.queue_kind, reasons=decision.reasons,
                   classifiers=names, context=context)


def _spans(scores: Scores) -> dict:
    spans = scores.spans if isinstance(scores.spans, dict) else {}
    return {str(k): [tuple(s) for s in v if isinstance(s, (tuple, list)) and len(s) == 2]
            for k, v in spans.items() if isinstance(v, (list, tuple)) and v}


def _rounded(labels: dict) -> dict:
    return {k: round(float(v), 4) for k, v in labels.items()}


def current_thresholds() -> policy.Thresholds:
    """The thresholds screening uses now (read again after any change: moderation/config_cache.py)."""
    return config_cache.cached("thresholds", load_thresholds)
