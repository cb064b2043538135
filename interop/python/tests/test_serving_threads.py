"""Single serving calls on several threads (``threads=`` > 1, opt-in): the same items and score bits as on the calling
thread for any thread count, with ties across the split's chunk borders and every filter; argument errors."""
import ctypes

import numpy as np
import pytest
import scipy.sparse as sp

import fastals
from fastals import AlternatingLeastSquares, BiasedExplicitALS, FastAlsArgumentError

# More than the 8,192 items a split needs, not a multiple of its 2,048-item chunks.
SIZE = 20_037
# Rows set to one vector (and one bias): exact ties on both sides of chunk and block borders.
TWINS = [0, 5, 1023, 1024, 2047, 2048, 4095, 4096, 10240, 16383, 16384, SIZE - 1]
THREADS = [None, 0, 1, 2, 3, 7]


def _model(cls):
    rng = np.random.default_rng(5)
    uf = (rng.random((SIZE, 8), dtype=np.float32) - 0.5).astype(np.float32)
    itf = (rng.random((SIZE, 8), dtype=np.float32) - 0.5).astype(np.float32)
    v = np.array([0.9, 0.8, -0.7, 0.6, 0.75, -0.8, 0.7, 0.9], dtype=np.float32)
    uf[TWINS] = v
    itf[TWINS] = v
    m = cls.from_factors(np.ascontiguousarray(uf), np.ascontiguousarray(itf), num_threads=2)
    if cls is BiasedExplicitALS:
        ub = rng.random(SIZE, dtype=np.float32)
        ib = rng.random(SIZE, dtype=np.float32)
        ub[TWINS] = 0.5
        ib[TWINS] = 0.25
        m.set_biases(ub, ib, 3.5)
    return m


def _seen():
    rng = np.random.default_rng(7)
    rows = []
    for _ in range(SIZE):
        rows.append(np.union1d(rng.integers(0, SIZE, 30), [2047, 2048, 16384]))
    indptr = np.concatenate([[0], np.cumsum([r.size for r in rows])])
    return sp.csr_matrix((np.ones(indptr[-1], dtype=np.float32), np.concatenate(rows), indptr), shape=(SIZE, SIZE))


def _same(want, got, what):
    np.testing.assert_array_equal(want[0], got[0], err_msg=what + ": ids differ")
    np.testing.assert_array_equal(np.asarray(want[1]).view(np.int32), np.asarray(got[1]).view(np.int32),
                                  err_msg=what + ": score bits differ")


FILTERS = [
    ("none", dict()),
    ("deny-list", dict(filter_items=[4095, 10240, 1, 2049, 16385, 19_999])),
    ("allow-list", dict(items=np.concatenate([np.arange(0, SIZE, 3), [1024, 2048, 4096, 16384]]))),
    ("allow-list smaller than N", dict(items=[3, 2047, 2048, 17_000, 20_036])),
]


@pytest.mark.parametrize("cls", [AlternatingLeastSquares, BiasedExplicitALS])
def test_single_calls_give_the_same_ids_and_bits_on_any_thread_count(cls):
    m = _model(cls)
    seen = _seen()
    for name, f in FILTERS:
        for N in (12, 3000):
            for u in (1024, 777):
                for liked in (True, False):
                    rows = seen[u]
                    want = m.recommend(u, rows, N=N, filter_already_liked_items=liked, threads=1, **f)
                    # a batch runs the packed kernel (other bits than a single call's row kernel): compared with itself
                    want_batch = m.recommend(np.array([u]), rows, N=N, filter_already_liked_items=liked, threads=1, **f)
                    for t in THREADS:
                        what = "%s %s N=%d user %d liked %s threads %s" % (cls.__name__, name, N, u, liked, t)
                        _same(want, m.recommend(u, rows, N=N, filter_already_liked_items=liked, threads=t, **f),
                              "recommend " + what)
                        _same(want_batch, m.recommend(np.array([u]), rows, N=N, filter_already_liked_items=liked,
                                                      threads=t, **f), "recommend batch of one " + what)
            allow = f.get("items")
            deny = f.get("filter_items")
            for q in (2048, 9000):
                want_i = m.similar_items(q, N=N, filter_items=deny, items=allow, threads=1)
                want_u = m.similar_users(q, N=N, filter_users=deny, users=allow, threads=1)
                for t in THREADS:
                    what = "%s %s N=%d query %d threads %s" % (cls.__name__, name, N, q, t)
                    _same(want_i, m.similar_items(q, N=N, filter_items=deny, items=allow, threads=t), "similar_items " + what)
                    _same(want_u, m.similar_users(q, N=N, filter_users=deny, users=allow, threads=t), "similar_users " + what)
    for t in THREADS:
        _same(m.recommend_ids(1024, N=20, seen_items=[2047, 5], threads=1),
              m.recommend_ids(1024, N=20, seen_items=[2047, 5], threads=t), "recommend_ids threads %s" % t)
        _same(m.similar_items_ids(2048, N=20, threads=1), m.similar_items_ids(2048, N=20, threads=t),
              "similar_items_ids threads %s" % t)
        _same(m.similar_users_ids(2048, N=20, threads=1), m.similar_users_ids(2048, N=20, threads=t),
              "similar_users_ids threads %s" % t)


def test_twins_tie_in_index_order_across_chunks_when_split():
    m = _model(AlternatingLeastSquares)
    ids, scores = m.similar_items(2048, N=len(TWINS) - 1, threads=3)
    assert ids.tolist() == [t for t in TWINS if t != 2048]
    assert np.unique(scores.view(np.int32)).size == 1
    ids, _ = m.recommend(1024, None, N=len(TWINS), filter_already_liked_items=False, threads=7)
    assert ids.tolist() == TWINS
    seen = sp.csr_matrix((np.ones(3, dtype=np.float32), np.array([2047, 2048, 16384]), np.array([0, 3])),
                         shape=(1, SIZE))
    ids, _ = m.recommend(1024, seen, N=len(TWINS) - 3, threads=2)
    assert ids.tolist() == [t for t in TWINS if t not in (2047, 2048, 16384)]


def test_recalculated_user_gives_the_same_bits_on_any_thread_count():
    m = _model(AlternatingLeastSquares)
    rows = _seen()[[1024]]
    want = m.recommend(1024, rows, N=50, recalculate_user=True, threads=1)
    for t in THREADS:
        _same(want, m.recommend(1024, rows, N=50, recalculate_user=True, threads=t), "recalculate_user threads %s" % t)


def test_bad_thread_counts_are_argument_errors_naming_threads():
    m = _model(AlternatingLeastSquares)
    with pytest.raises(ValueError, match="threads must be"):
        m.similar_items(3, N=5, threads=-1)
    with pytest.raises(ValueError, match="threads must be"):
        m.recommend(3, None, N=5, filter_already_liked_items=False, threads=-2)
    with pytest.raises(TypeError, match="threads must be an integer"):
        m.similar_users(3, N=5, threads=1.5)
    with pytest.raises(ValueError, match="threads must be"):
        m.recommend_ids(3, N=5, threads=2**31)
    # the library checks it too (a C caller gets the same named error)
    out_ids = np.zeros(5, dtype=np.int32)
    out_scores = np.zeros(5, dtype=np.float32)
    count = ctypes.c_int32()
    with pytest.raises(FastAlsArgumentError, match="threads must be >= 0"):
        fastals.lib().call("fastals_model_recommend", m._model, 3, 5, None, 0, 0, 0, None, 0, None, 0, -1,
                           out_ids.ctypes.data_as(ctypes.POINTER(ctypes.c_int32)), 5,
                           out_scores.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), 5, ctypes.byref(count))
    q = np.array([3], dtype=np.int32)
    counts = np.zeros(1, dtype=np.int32)
    with pytest.raises(FastAlsArgumentError, match="threads must be >= 0"):
        fastals.lib().call("fastals_model_similar_items", m._model, q.ctypes.data_as(ctypes.POINTER(ctypes.c_int32)), 1,
                           5, 0, None, 0, None, 0, -3, out_ids.ctypes.data_as(ctypes.POINTER(ctypes.c_int32)), 5,
                           out_scores.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), 5,
                           counts.ctypes.data_as(ctypes.POINTER(ctypes.c_int32)), 1)
