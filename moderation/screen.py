"""The one door: every piece of member text that others could see passes `screen` first.

    verdict = screen(text, author=member, context="forum_post")

Forum posts, thread titles and chat messages all come through here. The caller stores `verdict.status` on its row
and shows the text to others only when it is `published`. Screening fails closed: an exception, a time-out or a
garbage score from a classifier yields a `held` verdict with hold_reason "unscreened" - never published unscreened,
never dropped.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass, field

from flask import current_app

from moderation import policy
from moderation.classifiers import registry
from moderation.classifiers.base import Scores

log = logging.getLogger(__name__)

# Classifier calls run here so a hung model can be timed out; the request thread never blocks past the limit.
_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="screen")


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


def screen_many(texts: list[str], *, author=None, context: str = "post") -> list[Verdict]:
    """Screen a batch (one classifier call each). `author` is the Member writing it, or None."""
    app = current_app._get_current_object()
    backends = registry.backends(app)  # loading happens once per process, outside the time limit
    thresholds = current_thresholds()
    names = {
        "toxicity": f"{backends.toxicity.name}@{backends.toxicity.version}",
        "self_harm": f"{backends.self_harm.name}@{backends.self_harm.version}",
    }
    try:
        future = _executor.submit(_score_both, backends, list(texts))
        tox_scores, sh_scores = future.result(timeout=app.config.get("MODERATION_TIMEOUT", 2.0))
    except FutureTimeout:
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
            scores={"toxicity": round(tox.score, 4), "toxicity_labels": _rounded(tox.labels),
                    "self_harm": round(sh.score, 4), "self_harm_labels": _rounded(sh.labels)},
            classifiers=names, context=context,
        ))
    return verdicts


def screen(text: str, *, author=None, context: str = "post") -> Verdict:
    return screen_many([text], author=author, context=context)[0]


def _failed(error: str, names: dict, context: str) -> Verdict:
    decision = policy.unscreened(error)
    return Verdict(status=decision.status, tier=decision.tier, hold_reason=decision.hold_reason,
                   priority=decision.priority, queue_kind=decision.queue_kind, reasons=decision.reasons,
                   classifiers=names, context=context)


def _rounded(labels: dict) -> dict:
    return {k: round(float(v), 4) for k, v in labels.items()}


def current_thresholds() -> policy.Thresholds:
    from moderation.settings import load_thresholds
    return load_thresholds()
