"""numpy's BLAS on one thread wherever the embedded models are loaded (the server and `moderation score` alike), so a
text's scores never depend on which command scored it: on some CPUs (AMD EPYC, seen) OpenBLAS's threaded products
differ in the last bits from its one-thread ones."""
import json
import subprocess
import sys
from pathlib import Path

import numpy
from threadpoolctl import threadpool_info

ROOT = Path(__file__).resolve().parents[3]


def _blas_threads():
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def _numpy_blas_threads():
    """The BLAS libraries of this test process other than those of packages a server never imports (scipy's,
    torch's, scikit-learn's: training tests load them later in the same process, with their own thread counts)."""
    site = Path(numpy.__file__).resolve().parents[1]
    others = [site / d for d in ("scipy.libs", "scipy", "torch", "scikit_learn.libs", "sklearn")]
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"
            and not any(Path(pool["filepath"]).resolve().is_relative_to(o) for o in others)]


def test_the_loaded_models_leave_blas_on_one_thread(models):
    assert _numpy_blas_threads() and all(n == 1 for n in _numpy_blas_threads())


def test_a_fresh_process_that_loads_the_models_runs_blas_on_one_thread():
    # A process of its own: nothing of this test session (other tests, fixtures) has touched its BLAS yet.
    code = ("import json\nimport numpy\nfrom threadpoolctl import threadpool_info\n"
            "before = [p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas']\n"
            "from moderation.classifiers.embedded import load_embedded\nload_embedded()\n"
            "after = [p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas']\n"
            "import sys\nprint(json.dumps([before, after, 'scipy' in sys.modules]))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={"OPENBLAS_NUM_THREADS": "2", "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"})
    assert out.returncode == 0, out.stderr
    before, after, scipy_loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert before and all(n == 2 for n in before)  # the limit really was above one before loading
    assert after and all(n == 1 for n in after)
    assert not scipy_loaded  # so numpy's is the only BLAS a serving process has
