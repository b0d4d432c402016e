"""Watched words (admins): match text against the list, with a time limit on every pattern.

Plain words and phrases match whole words, case-insensitively. Regular expressions run through the `regex`
package with `timeout=`, so a catastrophic pattern such as `(a+)+$` gives up after WATCHED_WORD_TIMEOUT seconds
(default 0.1) instead of hanging the request; a pattern that times out holds the text for a human (fail closed,
never published unchecked and never refused). New regular expressions are also tried against slow inputs when an
admin adds them, and refused if they are too slow.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import regex
from flask import current_app
from sqlalchemy import select

from community.errors import ServiceError
from community.extensions import db, existing_row, iso
from moderation import audit
from moderation.models import WATCH_ACTIONS, WatchedWord

log = logging.getLogger(__name__)

PATTERN_MAX = 200
CENSOR = "****"
_PROBES = ("a" * 3000 + "!", "x" * 3000 + "y", "ab" * 1500 + "!", " " * 3000 + "!", "0" * 3000 + "x")


@dataclass
class Match:
    id: int
    pattern: str
    action: str
    regex: bool
    timed_out: bool = False

    def as_dict(self) -> dict:
        return {"id": self.id, "pattern": self.pattern, "action": self.action, "regex": self.regex,
                "timed_out": self.timed_out}


def _timeout() -> float:
    try:
        return float(current_app.config.get("WATCHED_WORD_TIMEOUT", 0.1))
    except (TypeError, ValueError):
        return 0.1


def compile_pattern(pattern: str, is_regex: bool):
    if is_regex:
        return regex.compile(pattern, regex.IGNORECASE | regex.V0)
    # Whole word: not preceded or followed by a letter/digit/underscore; spaces inside a phrase match any run.
    words = [regex.escape(w) for w in pattern.split()]
    return regex.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", regex.IGNORECASE)


def words() -> list[WatchedWord]:
    return list(db.session.scalars(_WORDS))


_WORDS = select(WatchedWord).order_by(WatchedWord.id)  # built once: every screened text reads the list


def find(text: str, entries: list[WatchedWord] | None = None) -> list[Match]:
    """Every watched word found in `text` (one Match each); a timed-out pattern is a Match with timed_out=True."""
    entries = words() if entries is None else entries
    found = []
    limit = _timeout()
    for entry in entries:
        try:
            compiled = compile_pattern(entry.pattern, entry.regex)
            hit = compiled.search(text or "", timeout=limit)
        except TimeoutError:
            log.warning("watched word %s timed out; holding the text for review", entry.id)
            found.append(Match(entry.id, entry.pattern, entry.action, entry.regex, timed_out=True))
            continue
        except regex.error:
            log.error("watched word %s is not a valid pattern; skipped", entry.id)
            continue
        if hit is not None:
            found.append(Match(entry.id, entry.pattern, entry.action, entry.regex))
    return found


def censor(text: str, matches: list[dict]) -> str:
    """Replace every match of the verdict's censor words with ****."""
    limit = _timeout()
    for m in matches:
        if m.get("action") != "censor" or m.get("timed_out"):
            continue
        try:
            text = compile_pattern(m["pattern"], m["regex"]).sub(CENSOR, text, timeout=limit)
        except (TimeoutError, regex.error):
            continue
    return text


# --- admin list ----------------------------------------------------------------------------------------------------

def to_dict(entry: WatchedWord) -> dict:
    return {"id": entry.id, "pattern": entry.pattern, "action": entry.action, "regex": entry.regex,
            "created_by": entry.created_by.handle if entry.created_by else None,
            "created_at": iso(entry.created_at)}


def validate(pattern, action, is_regex) -> tuple[str, str, bool]:
    if not isinstance(pattern, str) or not pattern.strip() or "\x00" in pattern:
        raise ServiceError("invalid_pattern", "A watched word can't be empty.", status=422, field="pattern")
    pattern = pattern.strip()
    if len(pattern) > PATTERN_MAX:
        raise ServiceError("invalid_pattern", f"A watched word is at most {PATTERN_MAX} characters.", status=422,
                           field="pattern")
    if action not in WATCH_ACTIONS:
        raise ServiceError("invalid_action", f"action must be one of: {', '.join(WATCH_ACTIONS)}.", status=422,
                           field="action")
    if is_regex is None:
        is_regex = False
    if not isinstance(is_regex, bool):
        raise ServiceError("invalid_regex", "regex must be true or false.", status=422, field="regex")
    try:
        compiled = compile_pattern(pattern, is_regex)
    except regex.error as exc:
        raise ServiceError("invalid_pattern", f"That regular expression doesn't compile: {exc}.", status=422,
                           field="pattern") from None
    if is_regex:
        if compiled.search("", timeout=_timeout()) is not None:
            raise ServiceError("invalid_pattern", "That regular expression matches empty text, so it would match "
                               "everything.", status=422, field="pattern")
        for probe in _PROBES:
            try:
                compiled.search(probe, timeout=_timeout())
            except TimeoutError:
                raise ServiceError("slow_pattern", "That regular expression is too slow on long text (it backtracks "
                                   "catastrophically). Simplify it, e.g. (a+)+ -> a+.", status=422,
                                   field="pattern") from None
    return pattern, action, is_regex


def add(actor, pattern, action, is_regex=False) -> WatchedWord:
    pattern, action, is_regex = validate(pattern, action, is_regex)
    entry = WatchedWord(pattern=pattern, action=action, regex=is_regex, created_by_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    audit.record(actor, "watched_word.add", target=f"watched_word:{entry.id}", before=None,
                 after={"pattern": pattern, "action": action, "regex": is_regex})
    db.session.commit()
    return entry


def get(entry_id) -> WatchedWord:
    return existing_row(WatchedWord, entry_id, "not_found", "No watched word with that id.")


def remove(actor, entry: WatchedWord) -> None:
    audit.record(actor, "watched_word.delete", target=f"watched_word:{entry.id}",
                 before={"pattern": entry.pattern, "action": entry.action, "regex": entry.regex}, after=None)
    db.session.delete(entry)
    db.session.commit()
