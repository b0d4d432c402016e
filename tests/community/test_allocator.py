"""community/allocator.py: a serving process keeps few malloc arenas and gives free pages back (glibc only).

Each check runs in a fresh interpreter, so the malloc state it reads is that process's own."""
import platform
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                                reason="the allocator settings are glibc's; elsewhere they are no-ops")


def run(code: str, env_extra: dict | None = None) -> str:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **(env_extra or {})}
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env,
                         timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


ARENAS = """
    import ctypes, os, re, tempfile, threading
    from community import allocator
    if {limit}:
        assert allocator.limit_arenas() is True
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    together = threading.Barrier(8)
    def work():
        p = libc.malloc(4096)  # a thread's first malloc picks (or makes) its arena
        together.wait()  # all eight alive at once: none can take over an arena a finished thread left
        libc.free(p)
    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    libc.fopen.restype = ctypes.c_void_p
    libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    path = os.path.join(tempfile.mkdtemp(), "malloc.xml")
    fp = libc.fopen(path.encode(), b"w")
    libc.malloc_info(0, fp)
    libc.fclose(fp)
    print(len(re.findall(r'<heap nr="', open(path).read())))
"""


def test_limit_arenas_caps_the_arenas_threads_make():
    unlimited = int(run(ARENAS.format(limit=False)))
    limited = int(run(ARENAS.format(limit=True)))
    assert unlimited > 2  # eight threads make arenas of their own by default: the check can fail
    assert limited <= 2


def test_an_operators_own_setting_wins():
    assert run("""
        from community import allocator
        print(allocator.limit_arenas())
    """, {"MALLOC_ARENA_MAX": "4"}) == "False"


FRAGMENTED = """
    import ctypes, threading
    from community import allocator
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
    def rss():
        return int(next(l for l in open("/proc/self/status") if l.startswith("VmRSS")).split()[1]) // 1024
    kept = []
    def work():  # in a thread, so in a thread arena, as a request thread's screening would be
        blocks = []
        for _ in range(1200):
            p = libc.malloc(100_000)  # under the mmap threshold: from the arena
            libc.memset(p, 1, 100_000)
            blocks.append(p)
        for i, p in enumerate(blocks):  # free every other block: holes that are not at the arena's top
            if i % 2:
                libc.free(p)
            else:
                kept.append(p)
    t = threading.Thread(target=work)
    t.start(); t.join()
    before = rss()
    released = allocator.release_free_memory() if {release} else None
    print(before - rss(), released)
"""


def test_release_free_memory_gives_freed_pages_back():
    dropped, released = run(FRAGMENTED.format(release=True)).split()
    kept, _ = run(FRAGMENTED.format(release=False)).split()
    assert int(kept) < 5  # without a trim the ~57 MB of holes stay resident
    assert released == "True" and int(dropped) > 40


def test_start_trimmer():
    out = run("""
        import threading, time
        from community import allocator
        assert allocator.start_trimmer(0) is False
        assert allocator.start_trimmer(0.05) is True
        time.sleep(0.2)
        print(sorted(t.name for t in threading.enumerate()))
    """)
    assert "memory-trim" in out
