"""Which classifiers screen text in this process: loaded once, on first need, then shared by every thread.

Config (README, "Screening backends"):
  MODERATION_TOXICITY_BACKEND   embedded (default) | detoxify | lexicon
  MODERATION_SELF_HARM_BACKEND  embedded (default) | lexicon
  DETOXIFY_MODEL / DETOXIFY_CHECKPOINT / DETOXIFY_CONFIG_DIR   for the detoxify backend

Loading includes warming up: each backend scores one short text before it is handed out, because the first
inference of a process is much slower than the rest (lazy allocation, kernel selection, caches). So the first text
a person writes is timed against MODERATION_TIMEOUT like any other, never against a cold model. `load_seconds`
includes the warm-up.

If a backend cannot load, its slot holds an `Unavailable` classifier that raises on every call, so the screen fails
closed (items held as "unscreened" for a human) and the health page says why. Nothing is ever published unscreened.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from moderation.classifiers.base import SELF_HARM, TOXICITY, Classifier, Scores

log = logging.getLogger(__name__)


class Unavailable:
    """Stands in for a backend that failed to load; every call raises, so screening fails closed."""

    version = "-"

    def __init__(self, kind: str, name: str, error: str):
        self.kind, self.name, self.error = kind, f"{name} (unavailable)", error

    def score(self, texts) -> list[Scores]:
        raise RuntimeError(f"classifier unavailable: {self.error}")


@dataclass
class Backends:
    toxicity: Classifier
    self_harm: Classifier
    load_seconds: dict[str, float] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def describe(self) -> list[dict]:
        rows = []
        for slot in (TOXICITY, SELF_HARM):
            clf = getattr(self, slot)
            rows.append({"slot": slot, "name": clf.name, "version": clf.version,
                         "load_seconds": round(self.load_seconds.get(slot, 0.0), 3),
                         "error": self.errors.get(slot)})
        return rows


def _load_embedded(config) -> tuple[Classifier, Classifier]:
    from moderation.classifiers.embedded import load_embedded
    return load_embedded(config.get("EMBEDDED_WEIGHTS_DIR"))


def _load(config) -> Backends:
    tox_name = config.get("MODERATION_TOXICITY_BACKEND", "embedded")
    sh_name = config.get("MODERATION_SELF_HARM_BACKEND", "embedded")
    loaded: dict[str, Classifier] = {}
    seconds: dict[str, float] = {}
    errors: dict[str, str] = {}

    if "embedded" in (tox_name, sh_name):
        started = time.perf_counter()
        try:
            tox, sh = _load_embedded(config)
            if tox_name == "embedded":
                loaded[TOXICITY] = tox
            if sh_name == "embedded":
                loaded[SELF_HARM] = sh
        except Exception as exc:  # noqa: BLE001 - any load failure must fail closed, not crash start-up
            log.exception("embedded classifiers failed to load")
            for slot, name in ((TOXICITY, tox_name), (SELF_HARM, sh_name)):
                if name == "embedded":
                    errors[slot] = f"{type(exc).__name__}: {exc}"
        elapsed = time.perf_counter() - started
        for slot, name in ((TOXICITY, tox_name), (SELF_HARM, sh_name)):
            if name == "embedded":
                seconds[slot] = elapsed

    if tox_name == "detoxify":
        started = time.perf_counter()
        try:
            from moderation.classifiers.detoxify_backend import load_detoxify
            loaded[TOXICITY] = load_detoxify(
                model_type=config.get("DETOXIFY_MODEL") if not config.get("DETOXIFY_CHECKPOINT") else None,
                checkpoint=config.get("DETOXIFY_CHECKPOINT"),
                config_dir=config.get("DETOXIFY_CONFIG_DIR"),
            )
        except Exception as exc:  # noqa: BLE001
            log.exception("Detoxify failed to load")
            errors[TOXICITY] = f"{type(exc).__name__}: {exc}"
        seconds[TOXICITY] = time.perf_counter() - started

    if tox_name == "lexicon" or sh_name == "lexicon":
        from moderation.classifiers.lexicon import LexiconSelfHarm, LexiconToxicity
        if tox_name == "lexicon":
            loaded[TOXICITY] = LexiconToxicity()
        if sh_name == "lexicon":
            loaded[SELF_HARM] = LexiconSelfHarm()

    for slot, name in ((TOXICITY, tox_name), (SELF_HARM, sh_name)):
        if slot not in loaded:
            errors.setdefault(slot, f"unknown backend {name!r}")
            loaded[slot] = Unavailable(slot, name, errors[slot])
        else:
            seconds[slot] = seconds.get(slot, 0.0) + warm_up(loaded[slot])
    return Backends(toxicity=loaded[TOXICITY], self_harm=loaded[SELF_HARM], load_seconds=seconds, errors=errors)


WARM_UP_TEXT = "Warming up: a short, ordinary sentence."


def warm_up(classifier: Classifier) -> float:
    """One inference, untimed by the screen, so the model is warm before any member's text is timed. A failure is
    logged and left to the screen (every call then fails closed as usual); the seconds it took are returned."""
    started = time.perf_counter()
    try:
        classifier.score([WARM_UP_TEXT])
    except Exception:  # noqa: BLE001 - a model that cannot score is found by the screen, which holds for a human
        log.exception("warming up the %s classifier %s failed", getattr(classifier, "kind", "?"),
                      getattr(classifier, "name", "?"))
    return time.perf_counter() - started


_lock = threading.Lock()


def backends(app) -> Backends:
    """The app's classifiers, loading them on first call (once per process, under a lock)."""
    existing = app.extensions.get("moderation_backends")
    if existing is not None:
        return existing
    with _lock:
        existing = app.extensions.get("moderation_backends")
        if existing is None:
            existing = _load(app.config)
            app.extensions["moderation_backends"] = existing
        return existing


def set_backends(app, toxicity: Classifier, self_harm: Classifier) -> Backends:
    """Install specific classifiers (tests, benchmarks)."""
    chosen = Backends(toxicity=toxicity, self_harm=self_harm)
    app.extensions["moderation_backends"] = chosen
    return chosen
