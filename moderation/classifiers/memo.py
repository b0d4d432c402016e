"""Results kept by exact text for the classifiers that compute many texts at once (the encoder's embeddings, the
embedded engine's scores): thread-safe, least recently used dropped first."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence


class TextMemo:
    def __init__(self, size: int):
        self._size = size
        self._kept: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()

    def many(self, texts: Sequence[str], compute: Callable[[list[str]], Sequence], out=None, *, use: bool = True):
        """Each text's result in `out` (a new list by default), in order: from the memo where it has it, else from
        one `compute` call, outside the lock, on the distinct texts it lacks. `use=False` neither reads nor keeps."""
        out = [None] * len(texts) if out is None else out
        missing: dict[str, list[int]] = {}
        with self._lock:
            for i, t in enumerate(texts):
                hit = self._kept.get(t) if use else None
                if hit is not None:
                    self._kept.move_to_end(t)
                    out[i] = hit
                else:
                    missing.setdefault(t, []).append(i)
        if missing:
            uniq = list(missing)
            computed = compute(uniq)
            with self._lock:
                for t, result in zip(uniq, computed):
                    for i in missing[t]:
                        out[i] = result
                    if use:
                        self._kept[t] = result
                        self._kept.move_to_end(t)
                while len(self._kept) > self._size:
                    self._kept.popitem(last=False)
        return out
