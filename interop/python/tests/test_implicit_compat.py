"""fastals.implicit: the drop-in for implicit 0.7's AlternatingLeastSquares and implicit.evaluation."""
import copy
import inspect
import io
import os
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import fastals
from fastals.implicit.als import AlternatingLeastSquares, ParameterWarning, calculate_loss
from fastals.implicit import evaluation

NEG = np.finfo(np.float32).min


def checker_board(n=40):
    """users x items with u liking i when u and i have the same parity (implicit's test data), plus counts."""
    u, i = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    dense = ((u % 2) == (i % 2)).astype(np.float32) * (1 + (u + i) % 3)
    dense[np.eye(n, dtype=bool)] = 0  # every user misses one item of its parity
    return sp.csr_matrix(dense)


def random_counts(users=50, items=35, density=0.25, seed=3, negatives=False):
    rng = np.random.default_rng(seed)
    mask = rng.random((users, items)) < density
    values = rng.integers(1, 8, size=(users, items)).astype(np.float32)
    if negatives:
        values[rng.random((users, items)) < 0.1] *= -1
    m = sp.csr_matrix(np.where(mask, values, 0).astype(np.float32))
    m.eliminate_zeros()
    return m


def fitted(m=None, **kwargs):
    m = random_counts() if m is None else m
    args = dict(factors=8, iterations=6, random_state=7, regularization=0.1)
    args.update(kwargs)
    return AlternatingLeastSquares(**args).fit(m, show_progress=False), m


def reference_user(model, row, alpha, regularization):
    """implicit's user_linear_equation + solve, in float64: A = Y'Y + lambda I + sum (|c|-1) y y', b = sum_{c>0} c y."""
    y = np.asarray(model.item_factors, dtype=np.float64)
    a = y.T @ y + regularization * np.eye(y.shape[1])
    b = np.zeros(y.shape[1])
    for i, v in zip(row.indices, row.data):
        c = alpha * float(v)
        if c > 0:
            b += c * y[i]
        a += (abs(c) - 1) * np.outer(y[i], y[i])
    return np.linalg.solve(a, b)


# ---- constructor
def test_constructor_has_implicits_signature_and_defaults():
    expected = [("factors", 100), ("regularization", 0.01), ("alpha", 1.0), ("dtype", np.float32),
                ("use_native", True), ("use_cg", True), ("use_gpu", False), ("iterations", 15),
                ("calculate_training_loss", False), ("num_threads", 0), ("random_state", None)]
    params = inspect.signature(AlternatingLeastSquares.__init__).parameters
    assert [(n, p.default) for n, p in params.items() if n != "self"] == expected
    m = AlternatingLeastSquares()
    assert (m.factors, m.regularization, m.alpha, m.iterations, m.use_cg, m.cg_steps) == (100, 0.01, 1.0, 15, True, 3)
    assert m.user_factors is None and m.item_factors is None
    # positional order as implicit's
    m = AlternatingLeastSquares(16, 0.5, 2.0, np.float64, True, False)
    assert (m.factors, m.regularization, m.alpha, m.dtype, m.use_cg) == (16, 0.5, 2.0, np.dtype(np.float64), False)


def test_use_gpu_raises_not_implemented():
    with pytest.raises(NotImplementedError, match="GPU"):
        AlternatingLeastSquares(use_gpu=True)


@pytest.mark.parametrize("state", [None, 5, np.random.RandomState(5), np.random.default_rng(5)])
def test_random_state_accepts_none_int_randomstate_and_generator(state):
    m, _ = fitted(random_state=state)
    assert np.all(np.isfinite(m.user_factors))


def test_random_state_int_and_generator_are_reproducible():
    a, data = fitted(random_state=11)
    b, _ = fitted(data, random_state=11)
    c, _ = fitted(data, random_state=12)
    np.testing.assert_array_equal(a.user_factors, b.user_factors)
    assert not np.array_equal(a.user_factors, c.user_factors)
    g1, _ = fitted(data, random_state=np.random.default_rng(3))
    g2, _ = fitted(data, random_state=np.random.default_rng(3))
    np.testing.assert_array_equal(g1.item_factors, g2.item_factors)


def test_dtype_float64_is_accepted_and_the_factors_have_it():
    m64, data = fitted(dtype=np.float64)
    m32, _ = fitted(data, dtype=np.float32)
    assert m64.user_factors.dtype == np.float64 and m32.user_factors.dtype == np.float32
    # the computation is float32 either way
    np.testing.assert_array_equal(m64.user_factors, m32.user_factors.astype(np.float64))
    with pytest.raises(ValueError):
        AlternatingLeastSquares(dtype=np.float16)


# ---- confidence convention
@pytest.mark.parametrize("use_cg", [False, True])
@pytest.mark.parametrize("alpha", [0.3, 1.0, 4.0])
def test_recalculate_user_is_implicits_exact_solve_of_c_equals_alpha_r(use_cg, alpha):
    # alpha 0.3 gives confidences below 1 (negative weights c - 1) and the data has dislikes (negative values)
    data = random_counts(negatives=True)
    m, _ = fitted(data, alpha=alpha, use_cg=use_cg)
    users = np.arange(10)
    got = m.recalculate_user(users, data[users])
    for u in users:
        want = reference_user(m, data[u], alpha, m.regularization)
        np.testing.assert_allclose(got[u], want, rtol=2e-3, atol=2e-4 * np.abs(want).max())
    one = m.recalculate_user(3, data[3])
    assert one.shape == (m.factors,)


def test_recalculate_item_solves_against_the_user_factors():
    data = random_counts()
    m, _ = fitted(data, alpha=2.0)
    iu = data.T.tocsr()
    got = m.recalculate_item(4, iu[4])
    x = np.asarray(m.user_factors, dtype=np.float64)
    a = x.T @ x + m.regularization * np.eye(m.factors)
    b = np.zeros(m.factors)
    for u, v in zip(iu[4].indices, iu[4].data):
        c = 2.0 * v
        b += c * x[u]
        a += (c - 1) * np.outer(x[u], x[u])
    np.testing.assert_allclose(got, np.linalg.solve(a, b), rtol=2e-3, atol=1e-5)


def test_scaled_confidence_is_in_fastals_own_api_too():
    data = random_counts()
    native = fastals.AlternatingLeastSquares(factors=8, iterations=3, confidence="scaled", alpha=2.0).fit(data)
    assert np.all(np.isfinite(native.user_factors))
    with pytest.raises(ValueError, match="confidence"):
        fastals.AlternatingLeastSquares(confidence="bogus").fit(data)


# ---- fit
@pytest.mark.parametrize("fmt", ["coo", "lil", "csc"])
def test_fit_warns_and_converts_non_csr_input(fmt):
    data = random_counts()
    ref, _ = fitted(data)
    m = AlternatingLeastSquares(factors=8, iterations=6, random_state=7, regularization=0.1)
    with pytest.warns(ParameterWarning):
        m.fit(data.asformat(fmt), show_progress=False)
    np.testing.assert_array_equal(m.user_factors, ref.user_factors)


def test_fit_callback_once_per_iteration_and_progress_on_stderr(capsys):
    data = random_counts()
    calls = []
    m = AlternatingLeastSquares(factors=8, iterations=4, random_state=1)
    m.fit(data, callback=lambda *a: calls.append(a))  # show_progress defaults to True, as implicit
    assert [c[0] for c in calls] == [0, 1, 2, 3]
    assert all(isinstance(c[1], float) and c[1] >= 0 and c[2] is None for c in calls)
    err = capsys.readouterr().err
    assert "4/4" in err
    calls.clear()
    m = AlternatingLeastSquares(factors=8, iterations=3, random_state=1, calculate_training_loss=True)
    m.fit_callback = lambda *a: calls.append(a)
    m.fit(data, show_progress=False)
    assert len(calls) == 3 and all(isinstance(c[2], float) for c in calls)
    assert calls[-1][2] == pytest.approx(m.calculate_loss(data), rel=1e-12)
    assert capsys.readouterr().err == ""


def test_fit_iteration_by_iteration_equals_fastals_own_fit():
    data = random_counts()
    m, _ = fitted(data, use_cg=False)
    own = fastals.AlternatingLeastSquares(factors=8, iterations=6, random_state=7, regularization=0.1, alpha=1.0,
                                          confidence="scaled").fit(data)
    np.testing.assert_array_equal(m.user_factors, own.user_factors)
    np.testing.assert_array_equal(m.item_factors, own.item_factors)


def test_fit_again_continues_from_the_current_factors():
    data = random_counts()
    a, _ = fitted(data, iterations=3, use_cg=False)
    a.fit(data, show_progress=False)
    b, _ = fitted(data, iterations=6, use_cg=False)
    np.testing.assert_allclose(a.user_factors, b.user_factors, rtol=1e-5, atol=1e-6)


# ---- recommend
def test_recommend_shapes_dtypes_and_ranking():
    m, data = fitted()
    ids, scores = m.recommend(0, data[0], N=5)
    assert ids.shape == (5,) and ids.dtype == np.int32 and scores.dtype == np.float32
    assert not set(ids) & set(data[0].indices)
    expected = m.item_factors @ m.user_factors[0]
    np.testing.assert_allclose(scores, expected[ids], rtol=1e-5, atol=1e-6)
    assert np.all(np.diff(scores) <= 0)
    bids, bscores = m.recommend(np.arange(6), data[:6], N=5)
    assert bids.shape == (6, 5) and bids.dtype == np.int32 and bscores.dtype == np.float32
    for u in range(6):
        # the batch runs the library's blocked batch kernel: the same ranking, scores within float32 rounding
        sid, ssc = m.recommend(u, data[u], N=5)
        np.testing.assert_array_equal(bids[u], sid)
        np.testing.assert_allclose(bscores[u], ssc, rtol=1e-5, atol=1e-6)


def test_recommend_items_ranks_exactly_the_given_items_with_liked_ones_last():
    m, data = fitted()
    liked = set(data[2].indices)
    selected = np.array(sorted(liked)[:3] + [i for i in range(data.shape[1]) if i not in liked][:4])
    ids, scores = m.recommend(2, data[2], items=selected, N=50)
    assert sorted(ids) == sorted(selected)
    assert set(ids[-3:]) == set(selected[:3]) and np.all(scores[-3:] == NEG)
    assert np.all(scores[:4] > NEG) and np.all(np.diff(scores) <= 0)
    ids, _ = m.recommend(2, data[2], items=selected, filter_already_liked_items=False)
    assert sorted(ids) == sorted(selected)
    bids, _ = m.recommend(np.arange(5), data[:5], items=selected)
    assert bids.shape == (5, selected.size)
    for row in bids:
        assert sorted(row) == sorted(selected)
    with pytest.raises(IndexError):
        m.recommend(2, data[2], items=[0, data.shape[1]])
    with pytest.raises(IndexError):
        m.recommend(2, data[2], items=[-1, 3])
    with pytest.raises(ValueError):
        m.recommend(2, data[2], items=[1, 2], filter_items=[3])


def test_recommend_batch_with_n_above_the_candidates_returns_the_available_ones():
    m, data = fitted()
    items = data.shape[1]
    ids, scores = m.recommend(np.arange(4), data[:4], N=items + 20)
    assert ids.shape == (4, items)
    for u in range(4):
        assert sorted(ids[u]) == list(range(items))
        k = items - data[u].nnz
        assert np.all(scores[u, k:] == NEG) and set(ids[u, k:]) == set(data[u].indices)
    single, _ = m.recommend(1, data[1], N=items + 20)
    np.testing.assert_array_equal(single, ids[1])


@pytest.mark.parametrize("bad, error, message", [(-1, ValueError, r"N must be >= 0 \(got -1\)"),
                                                 (1.5, TypeError, "N must be an integer"),
                                                 ("3", TypeError, "N must be an integer")])
def test_every_call_with_n_checks_it_as_fastals_own_api_does(bad, error, message):
    # a negative N failed in numpy ("negative dimensions are not allowed"), a float was truncated, a string parsed
    m, data = fitted()
    calls = [lambda: m.recommend(0, data[0], N=bad), lambda: m.recommend(np.arange(3), data[:3], N=bad),
             lambda: m.recommend(0, data[0], N=bad, items=[1, 2, 3]), lambda: m.similar_items(0, N=bad),
             lambda: m.similar_items(np.arange(2), N=bad), lambda: m.similar_users(0, N=bad),
             lambda: m.explain(0, data, 1, N=bad)]
    for call in calls:
        with pytest.raises(error, match=message):
            call()
    assert m.recommend(0, data[0], N=np.int64(2))[0].shape == (2,)


def test_recommend_filter_items_and_no_filtering():
    m, data = fitted()
    top, _ = m.recommend(0, data[0], N=3)
    ids, _ = m.recommend(0, data[0], N=3, filter_items=[int(top[0])])
    assert top[0] not in ids
    ids, _ = m.recommend(0, None, N=data.shape[1], filter_already_liked_items=False)
    assert sorted(ids) == list(range(data.shape[1]))


@pytest.mark.parametrize("fmt", ["csc", "coo"])
def test_recommend_rejects_non_csr_user_items(fmt):
    m, data = fitted()
    with pytest.raises(ValueError, match="CSR"):
        m.recommend(0, data[0].asformat(fmt))
    with pytest.raises(ValueError):
        m.recommend(np.arange(3), data[:2])


def test_recommend_recalculate_user_solves_exactly_for_a_cg_model():
    data = random_counts(negatives=True)
    m, _ = fitted(data, use_cg=True, alpha=2.0)
    row = data[5]
    x = reference_user(m, row, 2.0, m.regularization)
    ids, scores = m.recommend(5, row, N=6, recalculate_user=True)
    expected = np.asarray(m.item_factors, np.float64) @ x
    expected[row.indices] = -np.inf
    np.testing.assert_array_equal(np.sort(ids), np.sort(np.argsort(-expected)[:6]))
    np.testing.assert_allclose(scores, expected[ids], rtol=2e-3, atol=1e-4)
    bids, _ = m.recommend(np.array([5, 6]), data[5:7], N=6, recalculate_user=True)
    np.testing.assert_array_equal(bids[0], ids)


# ---- similar items / users
def test_similar_items_puts_the_item_first_with_score_one():
    m, data = fitted(checker_board(), factors=4)
    ids, scores = m.similar_items(3, N=5)
    assert ids[0] == 3 and scores[0] == pytest.approx(1.0, abs=1e-5)
    y = m.item_factors / np.linalg.norm(m.item_factors, axis=1, keepdims=True)
    np.testing.assert_allclose(scores, y[ids] @ y[3], rtol=1e-5, atol=1e-5)
    assert ids.dtype == np.int32 and scores.dtype == np.float32
    bids, bscores = m.similar_items(np.arange(6), N=5)
    assert bids.shape == (6, 5)
    for i in range(6):
        assert bids[i, 0] == i and bscores[i, 0] == pytest.approx(1.0, abs=1e-5)


def test_similar_items_items_and_filter_items():
    m, _ = fitted(checker_board(), factors=4)
    selected = [1, 3, 5, 8, 9]
    ids, _ = m.similar_items(3, N=10, items=selected)
    assert sorted(ids) == selected and ids[0] == 3
    ids, scores = m.similar_items(3, N=5, filter_items=[3, 5])
    assert 3 not in ids and 5 not in ids
    with pytest.raises(ValueError):
        m.similar_items(3, items=[1], filter_items=[2])


def test_similar_items_with_recalculate_item():
    data = checker_board()
    m, _ = fitted(data, factors=4)
    iu = data.T.tocsr()
    ids, scores = m.similar_items(2, N=5, recalculate_item=True, item_users=iu[2])
    q = m.recalculate_item(2, iu[2])
    y = m.item_factors
    cos = (y @ q) / np.linalg.norm(y, axis=1) / np.linalg.norm(q)
    np.testing.assert_array_equal(ids, np.argsort(-cos, kind="stable")[:5])
    np.testing.assert_allclose(scores, cos[ids], rtol=1e-4, atol=1e-5)


def test_similar_users_first_is_the_user_and_users_filter():
    m, _ = fitted(checker_board(), factors=4)
    ids, scores = m.similar_users(4, N=5)
    assert ids[0] == 4 and scores[0] == pytest.approx(1.0, abs=1e-5)
    ids, _ = m.similar_users(4, N=10, users=[0, 4, 6, 7])
    assert sorted(ids) == [0, 4, 6, 7]
    ids, _ = m.similar_users(4, N=3, filter_users=[4])
    assert 4 not in ids
    bids, _ = m.similar_users(np.arange(3), N=4)
    assert bids.shape == (3, 4) and list(bids[:, 0]) == [0, 1, 2]


# ---- the rest of the model
def test_explain_is_the_exact_split_of_the_folded_in_score():
    data = random_counts(negatives=True)
    m, _ = fitted(data, alpha=2.0)
    score, top, weights = m.explain(7, data, 11, N=4)
    x = reference_user(m, data[7], 2.0, m.regularization)
    assert score == pytest.approx(float(np.asarray(m.item_factors[11], np.float64) @ x), rel=1e-4, abs=1e-5)
    assert len(top) == min(4, int(np.sum(data[7].data > 0)))
    assert all(isinstance(i, int) and isinstance(s, float) for i, s in top)
    assert [s for _, s in top] == sorted((s for _, s in top), reverse=True)
    assert not {i for i, _ in top} & set(data[7].indices[data[7].data < 0])
    all_score, all_top, _ = m.explain(7, data, 11, N=1000)
    assert sum(s for _, s in all_top) == pytest.approx(all_score, rel=1e-4, abs=1e-5)
    again, again_top, _ = m.explain(7, data, 11, user_weights=weights, N=4)
    assert again == pytest.approx(score, rel=1e-4, abs=1e-5)
    assert [i for i, _ in again_top] == [i for i, _ in top]


def test_partial_fit_users_updates_rows_and_grows_the_model():
    data = random_counts()
    m, _ = fitted(data)
    before = np.array(m.user_factors)
    new_rows = random_counts(users=3, seed=9)
    m.partial_fit_users(np.array([2, 50, 53]), new_rows)
    assert m.user_factors.shape == (54, m.factors)
    np.testing.assert_allclose(m.user_factors[2], m.recalculate_user(2, new_rows[0]), rtol=1e-6)
    np.testing.assert_array_equal(m.user_factors[51], np.zeros(m.factors))
    np.testing.assert_array_equal(m.user_factors[:2], before[:2])
    ids, _ = m.recommend(53, new_rows[2], N=3)
    assert ids.shape == (3,)
    with pytest.raises(ValueError):
        m.partial_fit_users([1, 2], new_rows)


def test_partial_fit_items_updates_rows_and_grows_the_model():
    data = random_counts()
    m, _ = fitted(data)
    rows = random_counts(users=2, items=data.shape[0], seed=4)
    m.partial_fit_items([0, 36], rows)
    assert m.item_factors.shape == (37, m.factors)
    np.testing.assert_allclose(m.item_factors[36], m.recalculate_item(36, rows[1]), rtol=1e-6)


def test_factors_are_numpy_arrays_read_only_and_assignable():
    m, data = fitted()
    assert isinstance(m.user_factors, np.ndarray) and m.user_factors.shape == (data.shape[0], 8)
    with pytest.raises(ValueError):
        m.user_factors[0, 0] = 1.0
    uf = np.array(m.user_factors)
    uf[0] = 0.5
    m.user_factors = uf
    np.testing.assert_array_equal(m.user_factors[0], np.full(8, 0.5, np.float32))
    ids, scores = m.recommend(0, data[0], N=3)
    np.testing.assert_allclose(scores, (m.item_factors @ uf[0])[ids], rtol=1e-5)
    fresh = AlternatingLeastSquares()
    fresh.user_factors = uf
    fresh.item_factors = m.item_factors
    np.testing.assert_array_equal(fresh.similar_items(2)[0], m.similar_items(2)[0])


def test_to_gpu_raises_and_to_cpu_returns_self():
    m, _ = fitted()
    with pytest.raises(NotImplementedError):
        m.to_gpu()
    assert m.to_cpu() is m


def test_calculate_loss_is_implicits_normalized_loss():
    data = random_counts()
    m, _ = fitted(data, alpha=3.0)
    x = np.asarray(m.user_factors, np.float64)
    y = np.asarray(m.item_factors, np.float64)
    c = np.ones(data.shape)
    p = np.zeros(data.shape)
    dense = data.toarray()
    c[dense != 0] = 3.0 * dense[dense != 0]
    p[dense > 0] = 1
    num = np.sum(c * (p - x @ y.T) ** 2) + m.regularization * (np.sum(x * x) + np.sum(y * y))
    den = np.sum(3.0 * dense[dense != 0]) + data.shape[0] * data.shape[1] - data.nnz
    assert m.calculate_loss(data) == pytest.approx(num / den, rel=1e-10)
    assert calculate_loss(data * 3.0, x, y, m.regularization) == pytest.approx(num / den, rel=1e-10)


# ---- persistence
def test_save_and_load_with_paths_and_file_objects(tmp_path):
    m, data = fitted()
    m.save(str(tmp_path / "model"))  # numpy appends .npz, load does too, as implicit
    assert (tmp_path / "model.npz").exists()
    back = AlternatingLeastSquares.load(str(tmp_path / "model"))
    np.testing.assert_array_equal(back.item_factors, m.item_factors)
    assert (back.factors, back.regularization, back.alpha, back.iterations) == (8, 0.1, 1.0, 6)
    buf = io.BytesIO()
    m.save(buf)
    buf.seek(0)
    back = AlternatingLeastSquares.load(buf)
    np.testing.assert_array_equal(back.similar_items(1)[0], m.similar_items(1)[0])
    np.testing.assert_array_equal(back.recommend(0, data[0])[1], m.recommend(0, data[0])[1])


def test_saving_an_unfitted_model_raises_a_clear_error(tmp_path):
    with pytest.raises(RuntimeError, match="not fitted"):
        AlternatingLeastSquares().save(str(tmp_path / "m.npz"))


def test_load_rejects_a_file_that_is_not_a_model(tmp_path):
    np.savez(str(tmp_path / "other.npz"), a=np.arange(3))
    with pytest.raises(ValueError, match="fastals_model"):
        AlternatingLeastSquares.load(str(tmp_path / "other.npz"))
    np.savez(str(tmp_path / "bad.npz"), fastals_model=np.frombuffer(b"not a model at all", np.uint8))
    with pytest.raises(fastals.FastAlsError):
        AlternatingLeastSquares.load(str(tmp_path / "bad.npz"))


def test_implicit_npz_files_convert():
    buf = io.BytesIO()
    rng = np.random.default_rng(0)
    uf, itf = rng.random((6, 4), dtype=np.float32), rng.random((5, 4), dtype=np.float32)
    np.savez(buf, user_factors=uf, item_factors=itf, factors=4, regularization=0.2, alpha=3.0, dtype="float32")
    buf.seek(0)
    m = AlternatingLeastSquares.from_implicit_npz(buf)
    np.testing.assert_array_equal(m.user_factors, uf)
    assert (m.factors, m.regularization, m.alpha) == (4, 0.2, 3.0)


def test_pickle_and_deepcopy_give_independent_models():
    m, data = fitted()
    for clone in (pickle.loads(pickle.dumps(m)), copy.deepcopy(m)):
        np.testing.assert_array_equal(clone.recommend(0, data[0])[0], m.recommend(0, data[0])[0])
        before = np.array(m.user_factors)
        clone.partial_fit_users([0], data[1])
        np.testing.assert_array_equal(m.user_factors, before)
    ids = m.similar_items(3)[0]
    del m
    np.testing.assert_array_equal(clone.similar_items(3)[0], ids)
    unfitted = pickle.loads(pickle.dumps(AlternatingLeastSquares(factors=3)))
    assert unfitted.factors == 3 and unfitted.user_factors is None


def test_pickle_across_processes(tmp_path):
    m, data = fitted()
    path = tmp_path / "m.pkl"
    path.write_bytes(pickle.dumps(m))
    code = ("import pickle, sys; m = pickle.loads(open(sys.argv[1], 'rb').read()); "
            "print(m.user_factors.shape, list(m.similar_items(3, N=4)[0]))")
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "%s %s" % (m.user_factors.shape, list(m.similar_items(3, N=4)[0]))


# ---- evaluation
class _FixedModel:
    def __init__(self, lists):
        self.lists = lists

    def recommend(self, userid, user_items, N=10, **kwargs):
        return np.array([self.lists[u][:N] for u in userid], dtype=np.int32), np.zeros((len(userid), N), np.float32)


def test_ranking_metrics_follow_implicits_definitions():
    # one test user with test items {1, 2}; top-3 list [1, 5, 2]; 10 items
    test = sp.csr_matrix(([1.0, 1.0], ([0, 0], [1, 2])), shape=(2, 10))
    train = sp.csr_matrix((2, 10))
    r = evaluation.ranking_metrics_at_k(_FixedModel({0: [1, 5, 2]}), train, test, K=3, show_progress=False)
    idcg = 1 + 1 / np.log2(3)
    assert r["precision"] == pytest.approx(2 / 2)
    assert r["map"] == pytest.approx((1 / 1 + 2 / 3) / 2)
    assert r["ndcg"] == pytest.approx((1 + 1 / np.log2(4)) / idcg)
    assert r["auc"] == pytest.approx((1 + (2 + 2) / 2 * (8 - 1)) / (2 * 8))
    model = _FixedModel({0: [1, 5, 2]})
    assert evaluation.precision_at_k(model, train, test, K=3, show_progress=False) == r["precision"]
    assert evaluation.mean_average_precision_at_k(model, train, test, K=3, show_progress=False) == r["map"]
    assert evaluation.ndcg_at_k(model, train, test, K=3, show_progress=False) == r["ndcg"]
    assert evaluation.AUC_at_k(model, train, test, K=3, show_progress=False) == r["auc"]
    # precision pools hits over users: 1 hit of min(3, 4) + 0 of min(3, 1)
    test = sp.csr_matrix(([1.0] * 5, ([0, 0, 0, 0, 1], [1, 2, 3, 4, 9])), shape=(2, 10))
    r = evaluation.ranking_metrics_at_k(_FixedModel({0: [1, 5, 6], 1: [0, 5, 6]}), train, test, K=3,
                                        show_progress=False)
    assert r["precision"] == pytest.approx(1 / 4)


def test_ranking_metrics_agree_with_the_librarys_own_evaluation():
    data = random_counts(users=80, items=60, density=0.2)
    train, test = evaluation.train_test_split(data, 0.75, random_state=2)
    m = AlternatingLeastSquares(factors=8, iterations=5, random_state=1).fit(train, show_progress=False)
    ours = evaluation.ranking_metrics_at_k(m, train, test, K=5, show_progress=False)
    own = fastals.ranking_metrics_at_k(m._native, train, test, K=5)
    for key in ("precision", "map", "ndcg", "auc"):
        assert ours[key] == pytest.approx(own[key], rel=1e-6), key


def test_train_test_split_is_implicits():
    data = random_counts(users=100, items=80, density=0.3, negatives=True)
    train, test = evaluation.train_test_split(data, 0.8, random_state=4)
    again, _ = evaluation.train_test_split(data, 0.8, random_state=np.random.default_rng(4))
    assert (train != again).nnz == 0
    assert train.format == "csr" and test.format == "csr" and train.shape == data.shape
    coo = data.tocoo()
    keep = np.random.default_rng(4).random(coo.nnz) < 0.8
    assert train.nnz == keep.sum()
    assert np.all(test.data > 0)  # negative test values are dropped, as implicit
    assert (train.multiply(test)).nnz == 0
    positives = data.multiply(data > 0)
    assert ((train + test).multiply(data > 0) != positives).nnz == 0
    evaluation.train_test_split(data, 0.5, random_state=np.random.RandomState(1))
