"""numpy's BLAS on one thread wherever the embedded models are loaded (the server and `moderation score` alike), so a
text's scores never depend on which command scored it: on some CPUs (AMD EPYC, seen) OpenBLAS's threaded products
differ in the last bits from its one-thread ones."""
import json
import subprocess
import sys
from pathlib import Path

from threadpoolctl import threadpool_info

ROOT = Path(__file__).resolve().parents[3]


def _blas_threads():
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_the_loaded_models_leave_blas_on_one_thread(models):
    assert _blas_threads() and all(n == 1 for n in _blas_threads())


def test_a_fresh_process_that_loads_the_models_runs_blas_on_one_thread():
    # A process of its own: nothing of this test session (other tests, fixtures) has touched its BLAS yet.
    code = ("import json\nimport numpy\nfrom threadpoolctl import threadpool_info\n"
            "before = [p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas']\n"
            "from moderation.classifiers.embedded import load_embedded\nload_embedded()\n"
            "after = [p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas']\n"
            "print(json.dumps([before, after]))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={"OPENBLAS_NUM_THREADS": "2", "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"})
    assert out.returncode == 0, out.stderr
    before, after = json.loads(out.stdout.strip().splitlines()[-1])
    assert before and all(n == 2 for n in before)  # the limit really was above one before loading
    assert after and all(n == 1 for n in after)
