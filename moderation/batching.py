"""Screening calls that wait at the same moment are merged into one classifier call.

The encoder costs less per text in a batch than one text at a time (one model run, one set of matrix products for
several rows), so when several posts or chat messages are being screened at once, the workers that would each call
the classifiers take turns as the *leader*: whoever finds nobody scoring scores its own texts at once; whoever
arrives while a call runs waits, and when that call ends the first waiting worker becomes the leader for everything
waiting by then (up to `max_texts`). Nobody waits for a timer: a lone post is scored at once, exactly as before, and
a merged call is never longer than the queue that was already there.

A call that runs longer than `stall_seconds` (a model stuck on one text) no longer counts as running: the first
worker waiting then leads a call of its own beside it, so one hung call never stops every other screening (the
screening workers' time limit still holds the stuck text for a human).

Each caller gets back exactly the scores of its own texts, in order. A merged call that fails is run again one
caller at a time, so one bad text fails only its own screening (held for a human, as every failure is). The merge
sits outside the classifiers (moderation/classifiers is untouched): it only calls `score(texts)` with more texts.
"""
from __future__ import annotations

import threading
import time
from collections import deque


class _Request:
    __slots__ = ("texts", "done", "lead", "result", "error")

    def __init__(self, texts: list[str]):
        self.texts = texts
        self.done = threading.Event()
        self.lead = False
        self.result = None
        self.error: BaseException | None = None

    def outcome(self):
        if self.error is not None:
            raise self.error
        return self.result


class Coalescer:
    """run(texts) -> fn(texts), where fn(texts) returns one list per output (e.g. (toxicity, self_harm)), each with
    one entry per text; concurrent callers share calls of fn."""

    def __init__(self, fn, max_texts: int = 4, stall_seconds: float = 0.5):
        self.fn = fn
        self.max_texts = max(1, int(max_texts))
        self.stall_seconds = max(0.001, float(stall_seconds))
        self._lock = threading.Lock()
        self._waiting: deque[_Request] = deque()
        self._running: dict[int, float] = {}  # id(request) of each running leader -> when its call began
        self.calls = 0  # how many times fn ran (for tests and the bench)
        self._calls_lock = threading.Lock()

    def _may_lead(self) -> bool:
        """Under the lock: no call is running that has not stalled."""
        now = time.monotonic()
        return all(now - began >= self.stall_seconds for began in self._running.values())

    def run(self, texts: list[str]):
        request = _Request(list(texts))
        with self._lock:
            if self.max_texts > 1 and not self._may_lead():
                self._waiting.append(request)
            else:
                self._running[id(request)] = time.monotonic()
                request.lead = True
        if not request.lead:
            while not request.done.wait(self.stall_seconds):
                with self._lock:
                    if request in self._waiting and self._may_lead():
                        self._waiting.remove(request)  # every running call has stalled: lead one beside them
                        self._running[id(request)] = time.monotonic()
                        request.lead = True
                        break
            if not request.lead:  # scored by another leader
                request.done.wait()
                return request.outcome()
        try:
            self._lead(request)
        finally:
            with self._lock:
                self._running.pop(id(request), None)
                if self._waiting and self._may_lead():
                    following = self._waiting.popleft()
                    self._running[id(following)] = time.monotonic()
                    following.lead = True
                    following.done.set()
        return request.outcome()

    def _lead(self, request: _Request) -> None:
        batch, size = [request], len(request.texts)
        with self._lock:
            while self._waiting and size + len(self._waiting[0].texts) <= self.max_texts:
                joined = self._waiting.popleft()
                batch.append(joined)
                size += len(joined.texts)
        try:
            if len(batch) == 1:
                self._score(request)
            else:
                self._score_together(batch)
        finally:
            for other in batch[1:]:
                other.done.set()

    def _score(self, request: _Request) -> None:
        try:
            with self._calls_lock:
                self.calls += 1
            request.result = self.fn(request.texts)
        except BaseException as exc:  # noqa: BLE001 - handed to that caller
            request.error = exc

    def _score_together(self, batch: list[_Request]) -> None:
        texts = [text for request in batch for text in request.texts]
        try:
            with self._calls_lock:
                self.calls += 1
            outputs = self.fn(texts)
            if any(not isinstance(output, list) or len(output) != len(texts) for output in outputs):
                raise ValueError("a merged call returned the wrong number of results")
        except BaseException:  # noqa: BLE001 - one at a time instead: a failure stays with its own texts
            for request in batch:
                self._score(request)
            return
        start = 0
        for request in batch:
            end = start + len(request.texts)
            request.result = tuple(output[start:end] for output in outputs)
            start = end
