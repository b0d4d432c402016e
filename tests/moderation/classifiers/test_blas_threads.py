"""numpy's BLAS limited to one thread at run time (`moderation score` / `evaluate`): the products are unchanged."""
import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits


def test_limiting_blas_threads_leaves_the_heads_products_unchanged():
    rng = np.random.default_rng(0)
    E = rng.standard_normal((512, 384)).astype(np.float32)
    W = rng.standard_normal((384, 256)).astype(np.float32)
    E64, W64 = E.astype(np.float64), rng.standard_normal((384, 3))
    before = (E @ W, E64 @ W64, E @ W[:, 0])
    with threadpool_limits(limits=1, user_api="blas"):
        assert all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")
        after = (E @ W, E64 @ W64, E @ W[:, 0])
    for a, b in zip(before, after):
        assert np.array_equal(a, b)
