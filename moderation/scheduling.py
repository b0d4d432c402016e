"""The screening workers: a small pool that takes new words before edits, and bounds what one member can queue.

A flood of edits must not starve a crisis post: jobs wait in a priority queue (new posts, replies, chat and staff
messages first; edits and retries after), a member may have only a few jobs waiting or running at once (more are
refused at once with `Busy`, nothing queued), and edits as a whole may hold only a bounded part of the queue. A job
whose caller already gave up (timed out) is dropped before it runs, so abandoned work never delays anyone.
"""
from __future__ import annotations

import heapq
import itertools
import threading
from concurrent.futures import Future

URGENT, BACKGROUND = 0, 1


class Busy(Exception):
    """Too much of this member's (or of all background) work is already waiting."""


class PriorityPool:
    def __init__(self, workers: int = 4, per_owner: dict | None = None, background_waiting: int = 8,
                 name: str = "screen"):
        self.per_owner = per_owner or {URGENT: 6, BACKGROUND: 2}
        self.background_waiting = background_waiting
        self._heap: list = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._owners: dict[tuple, int] = {}
        self._background_queued = 0
        self._name, self._workers, self._threads = name, workers, []

    def _start(self) -> None:
        while len(self._threads) < self._workers:
            t = threading.Thread(target=self._run, name=f"{self._name}-{len(self._threads)}", daemon=True)
            t.start()
            self._threads.append(t)

    def submit(self, fn, *args, priority: int = URGENT, owner=None) -> Future:
        future: Future = Future()
        key = (owner, priority)
        with self._cond:
            if owner is not None and self._owners.get(key, 0) >= self.per_owner[priority]:
                raise Busy("this member already has work waiting")
            if priority == BACKGROUND and self._background_queued >= self.background_waiting:
                raise Busy("too much background work waiting")
            self._start()
            if owner is not None:
                self._owners[key] = self._owners.get(key, 0) + 1
            if priority == BACKGROUND:
                self._background_queued += 1
            heapq.heappush(self._heap, (priority, next(self._seq), future, fn, args, key))
            self._cond.notify()
        return future

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                priority, _seq, future, fn, args, key = heapq.heappop(self._heap)
                if priority == BACKGROUND:
                    self._background_queued -= 1
            try:
                if future.set_running_or_notify_cancel():  # False: the caller gave up before it started
                    try:
                        future.set_result(fn(*args))
                    except BaseException as exc:  # noqa: BLE001 - handed to the caller
                        future.set_exception(exc)
            finally:
                with self._cond:
                    if key[0] is not None:
                        left = self._owners.get(key, 1) - 1
                        if left <= 0:
                            self._owners.pop(key, None)
                        else:
                            self._owners[key] = left

    def waiting(self) -> int:
        with self._cond:
            return len(self._heap)
