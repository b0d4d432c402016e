"""How many threads numpy's OpenBLAS may use, set while the process runs (OPENBLAS_NUM_THREADS only counts before
numpy is imported, and a Flask command imports it long before its own code runs).

The embedded heads' matrix products are small (a batch of 384-wide embeddings times a few columns), yet OpenBLAS
splits them over every core and its threads then keep spinning for a while after each call: in `moderation score`
they took 1-1.5 s of CPU per 1,000 texts from ONNX Runtime, which needs both cores of a small machine. With one
thread the scores of 7,211 evaluation texts came out byte for byte the same, without the spinning.

Linux only (the library is found in /proc/self/maps, as threadpoolctl does); elsewhere, or when numpy uses another
BLAS, nothing changes.
"""
from __future__ import annotations

import ctypes
from pathlib import Path

# numpy's wheels bundle scipy-openblas (64-bit integers, suffixed symbols); a system OpenBLAS has the plain name.
_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads", "openblas_set_num_threads64_",
            "openblas_set_num_threads")


def _loaded_openblas() -> list[str]:
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return []
    paths = {line.split(None, 5)[5] for line in maps.splitlines() if line.count(" ") >= 5 and "openblas" in line.lower()}
    return sorted(p for p in paths if ".so" in p)


def limit_blas_threads(count: int = 1) -> int:
    """Let every OpenBLAS loaded in this process use at most `count` threads; returns how many libraries were set."""
    done = 0
    for path in _loaded_openblas():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _SETTERS:
            setter = getattr(lib, name, None)
            if setter is not None:
                setter.argtypes, setter.restype = [ctypes.c_int], None
                setter(int(count))
                done += 1
                break
    return done
