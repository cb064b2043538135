"""Every error surfaces as a Python exception carrying the library's (or the binding's) message."""
import ctypes

import numpy as np
import pytest
import scipy.sparse as sp

import fastals
from fastals import (AlternatingLeastSquares, Dataset, FastAlsArgumentError, FastAlsDataError, FastAlsHandleError,
                     FastAlsIOError)


def matrix():
    return sp.random(20, 15, density=0.3, format="csr", random_state=2, dtype=np.float32)


def model():
    return AlternatingLeastSquares(factors=4, iterations=2, num_threads=1).fit(matrix())


def test_wrong_dtype_is_rejected_on_the_zero_copy_paths():
    uf = np.zeros((3, 4), dtype=np.float64)
    with pytest.raises(TypeError, match="user_factors must have dtype float32"):
        AlternatingLeastSquares.from_factors(uf, np.zeros((5, 4), dtype=np.float32))
    with pytest.raises(TypeError, match="user_items.data must have dtype float32"):
        Dataset.from_csr(sp.random(4, 4, density=0.5, format="csr", dtype=np.float64), copy=False)
    with pytest.raises(TypeError, match="CSR"):
        Dataset.from_csr(sp.random(4, 4, density=0.5, format="coo", dtype=np.float32), copy=False)
    with pytest.raises(TypeError, match="integers"):
        model().recommend(0, matrix()[0], items=[1.5, 2.0])


def test_non_contiguous_arrays_are_rejected_not_copied():
    big = np.zeros((6, 8), dtype=np.float32)
    with pytest.raises(ValueError, match="not C-contiguous"):
        AlternatingLeastSquares.from_factors(big[:, ::2], np.zeros((5, 4), dtype=np.float32))


def test_wrong_shapes_are_reported():
    with pytest.raises(ValueError, match="2-dimensional"):
        AlternatingLeastSquares.from_factors(np.zeros(4, dtype=np.float32), np.zeros((5, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="factors"):
        AlternatingLeastSquares.from_factors(np.zeros((3, 4), dtype=np.float32), np.zeros((5, 3), dtype=np.float32))
    m = model()
    with pytest.raises(ValueError, match="items x users"):
        m.recommend(0, matrix().T.tocsr()[:1], N=3)
    with pytest.raises(FastAlsArgumentError, match=r"index 99 is outside \[0, 20\)"):
        m.recommend(99, None, N=3, filter_already_liked_items=False)
    with pytest.raises(FastAlsArgumentError, match="same length"):
        Dataset.from_coo([1, 2], [1], [1.0, 2.0])


def test_from_factors_serves_the_given_factors():
    uf = np.arange(12, dtype=np.float32).reshape(3, 4)
    itf = np.ones((5, 4), dtype=np.float32)
    m = AlternatingLeastSquares.from_factors(uf, itf)
    np.testing.assert_array_equal(m.user_factors, uf)
    np.testing.assert_allclose(m.predict([2], [0]), [uf[2].sum()])


def test_freed_model_and_dataset_raise_instead_of_crashing():
    m = model()
    m.free()
    with pytest.raises(FastAlsHandleError, match="unknown or was already freed"):
        m.user_factors
    with pytest.raises(FastAlsHandleError, match="already freed"):
        m.recommend(0, None, filter_already_liked_items=False)
    with pytest.raises(FastAlsHandleError):
        m.free()
    ds = Dataset.from_coo([1, 2], [3, 4])
    ds.free()
    with pytest.raises(FastAlsHandleError, match="dataset"):
        ds.shape
    with pytest.raises(FastAlsHandleError):
        AlternatingLeastSquares(factors=2).fit(ds)


def test_freeing_a_handle_that_a_running_call_uses_is_refused():
    """The progress callback runs inside fastals_model_fit, which holds the dataset: freeing it there must fail
    cleanly (FastAlsStateError) instead of releasing memory the training still reads."""
    ds = Dataset.from_csr(matrix())
    refused = []

    def callback(iteration, half_step, cost, loss):
        try:
            ds.free()
        except fastals.FastAlsStateError as e:
            refused.append(str(e))
        return False

    m = AlternatingLeastSquares(factors=4, iterations=2, num_threads=1)
    m.fit(ds, callback=callback)
    assert len(refused) == 4 and "is in use by a running call" in refused[0]
    ds.free()
    m.free()


def test_wrong_handle_kind_is_reported():
    ds = Dataset.from_coo([1, 2], [3, 4])
    with pytest.raises(FastAlsHandleError, match="refers to a Dataset, not a AlsModel"):
        fastals.lib().call("fastals_model_free", ds.handle)
    ds.free()


def test_invalid_options_carry_the_library_message():
    with pytest.raises(FastAlsArgumentError, match=r"Factors must be in \[1, 4096\] \(got 0\)"):
        AlternatingLeastSquares(factors=0).fit(matrix())
    with pytest.raises(FastAlsArgumentError, match="Regularization"):
        AlternatingLeastSquares(regularization=-1.0).fit(matrix())
    with pytest.raises(ValueError, match="confidence must be one of"):
        AlternatingLeastSquares(confidence="cubic").fit(matrix())


def test_bad_files_raise_io_or_data_errors(tmp_path):
    with pytest.raises(FastAlsIOError):
        AlternatingLeastSquares(factors=2).fit(str(tmp_path / "missing.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_text("user,item,value\n1,2,3\n1,x2,notanumber\n")
    with pytest.raises(FastAlsDataError, match="bad.csv"):
        AlternatingLeastSquares(factors=2).fit(str(bad))
    junk = tmp_path / "junk.fals"
    junk.write_bytes(b"not a model file at all")
    with pytest.raises(FastAlsDataError, match="junk.fals"):
        AlternatingLeastSquares.load(str(junk))
    with pytest.raises(FastAlsIOError):
        AlternatingLeastSquares.load(str(tmp_path / "nope.fals"))
    notparquet = tmp_path / "x.parquet"
    notparquet.write_bytes(b"PAR1 garbage")
    with pytest.raises(fastals.FastAlsError):
        Dataset.load(str(notparquet))


def test_invalid_csr_structure_is_rejected_by_the_library():
    indptr = np.array([0, 2, 1], dtype=np.int64)  # decreasing
    m = sp.csr_matrix((np.ones(2, dtype=np.float32), np.array([0, 1], dtype=np.int32), np.array([0, 2, 2], dtype=np.int64)), shape=(2, 3))
    m.indptr = indptr
    with pytest.raises((FastAlsDataError, FastAlsArgumentError, ValueError)):
        Dataset.from_csr(m, copy=False)
    nan = sp.csr_matrix((np.array([np.nan], dtype=np.float32), np.array([0], dtype=np.int32), np.array([0, 1], dtype=np.int64)), shape=(1, 2))
    with pytest.raises(FastAlsDataError, match="non-finite"):
        Dataset.from_csr(nan, copy=False)


def test_fit_validates_a_csr_it_reads_in_place():
    # fit reads a float32 / int32 CSR without copying it; the library still checks the structure before training
    bad = sp.csr_matrix((np.ones(3, dtype=np.float32), np.array([0, 2, 1], dtype=np.int32),
                         np.array([0, 1, 3], dtype=np.int32)), shape=(2, 3))
    bad.has_canonical_format = True  # lie to scipy: the library must not trust it
    with pytest.raises(FastAlsDataError, match="row 1 has column indices out of order"):
        AlternatingLeastSquares(factors=2, iterations=1).fit(bad)
    out_of_range = sp.csr_matrix((np.ones(2, dtype=np.float32), np.array([0, 1], dtype=np.int32),
                                  np.array([0, 1, 2], dtype=np.int32)), shape=(2, 3))
    out_of_range.indices[1] = 7
    with pytest.raises(FastAlsDataError, match="row 1 has column index 7 outside"):
        AlternatingLeastSquares(factors=2, iterations=1).fit(out_of_range)


def test_null_pointers_and_negative_lengths_are_checked_by_the_generated_exports():
    l = fastals.lib()
    assert l.cdll.fastals_dataset_from_csr(1, 1, None, 2, None, 0, None, 0, 0, ctypes.byref(ctypes.c_uint64())) == fastals.signatures.FASTALS_E_INVALID_ARGUMENT
    assert "row_offsets is NULL but row_offsets_len is 2" in l.last_error()
    assert l.cdll.fastals_dataset_from_csr(1, 1, None, -1, None, 0, None, 0, 0, ctypes.byref(ctypes.c_uint64())) == fastals.signatures.FASTALS_E_INVALID_ARGUMENT
    assert "row_offsets_len must be in [0, 2147483647] (got -1)" in l.last_error()
    assert l.cdll.fastals_kernel_path(None) == fastals.signatures.FASTALS_E_INVALID_ARGUMENT
    assert "path must not be NULL" in l.last_error()
    n = ctypes.c_int64()
    small = ctypes.create_string_buffer(3)
    assert l.cdll.fastals_version(small, 3, ctypes.byref(n)) == fastals.signatures.FASTALS_E_BUFFER_TOO_SMALL
    assert n.value == len(fastals.version())
    assert l.cdll.fastals_model_free(0) == fastals.signatures.FASTALS_E_INVALID_HANDLE
    assert "null handle" in l.last_error()


def test_error_text_is_not_cut_at_a_nul_byte(tmp_path):
    """A message about a file with NUL bytes (binary or UTF-16 text) reaches Python whole, naming the file and line."""
    f = tmp_path / "nul.csv"
    f.write_bytes(b"user,item,value\n1,2,3\x004\n")
    with pytest.raises(FastAlsDataError) as e:
        Dataset.load(str(f))
    text = str(e.value)
    # The reader refuses NUL bytes (binary or UTF-16 text) and says so; the whole message reaches Python.
    assert "nul.csv, line 2" in text and "UTF-16" in text and text.endswith("(FASTALS_E_INVALID_DATA)")


def test_last_error_keeps_every_byte_the_library_reports():
    """fastals_last_error's length is used, not the first NUL: the decoded text has exactly that many bytes (NULs
    shown as \\x00)."""
    l = fastals.lib()
    assert l.cdll.fastals_model_free(0) == fastals.signatures.FASTALS_E_INVALID_HANDLE
    n = l.cdll.fastals_last_error(None, 0)
    assert n > 0 and len(l.last_error().encode("utf-8")) == n


def test_id_kind_hints_name_the_python_argument(tmp_path):
    f = tmp_path / "mixed.csv"
    f.write_text("user,item,value\n1,10,1\nann,11,2\n")
    with pytest.raises(FastAlsDataError) as e:
        Dataset.load(str(f))
    assert "pass user_id_kind='string' to Dataset.load" in str(e.value) and "IdKind" not in str(e.value)
    ds = Dataset.load(str(f), user_id_kind="string")
    assert ds.user_ids == ["1", "ann"]
    ds.free()
    g = tmp_path / "mixed_items.csv"
    g.write_text("user,item,value\n1,10,1\n2,book,2\n")
    with pytest.raises(FastAlsDataError, match=r"pass item_id_kind='string' to Dataset.load"):
        Dataset.load(str(g))
    with pytest.raises(ValueError, match="user_id_kind must be one of"):
        Dataset.load(str(f), user_id_kind="text")


def test_result_counts_are_range_checked_before_allocating():
    """N = 10**9 must not allocate N-sized buffers: it is capped at the candidates there can be; a negative or
    non-integer N is an error naming N."""
    m = model()
    ids, scores = m.recommend(0, matrix()[0], N=10**9)
    assert 0 < ids.size <= 15 and ids.size == scores.size
    batch, _ = m.recommend([0, 1], matrix()[[0, 1]], N=10**12)
    assert batch.shape == (2, 15)
    assert m.similar_items(0, N=10**9)[0].size == 14
    assert m.similar_users([0, 1], N=10**9)[0].shape == (2, 20)
    assert m.recommend(0, matrix()[0], N=10**9, recalculate_user=True)[0].size == ids.size
    for call in (lambda n: m.recommend(0, matrix()[0], N=n), lambda n: m.recommend([0, 1], matrix()[[0, 1]], N=n),
                 lambda n: m.similar_items(0, N=n), lambda n: m.similar_users([0], N=n)):
        with pytest.raises(ValueError, match=r"N must be >= 0 \(got -1\)"):
            call(-1)
        with pytest.raises(TypeError, match="N must be an integer"):
            call(2.5)
        with pytest.raises(TypeError, match="N must be an integer"):
            call(True)


def test_a_numerical_breakdown_raises_its_own_error_naming_the_row():
    """FASTALS_E_NUMERICAL -> FastAlsNumericalError (an ArithmeticError), not a generic or internal error."""
    # User 1 has one rating: with regularization 0 its 8 x 8 normal equations have rank 1.
    rows = [0, 0, 0, 1] + [2] * 12
    cols = [0, 1, 2, 3] + list(range(12))
    x = sp.csr_matrix((np.full(len(rows), 3.0, dtype=np.float32), (rows, cols)), shape=(3, 12))
    with pytest.raises(fastals.FastAlsNumericalError, match="not positive definite") as e:
        fastals.ExplicitALS(factors=8, regularization=0.0, iterations=2, num_threads=1).fit(x)
    assert isinstance(e.value, ArithmeticError)
    assert e.value.status == fastals.signatures.FASTALS_E_NUMERICAL


def test_recommend_factors_rejects_non_finite_factors_instead_of_returning_nothing():
    m = model()
    k = m.user_factors.shape[1]
    out_ids = np.zeros(3, dtype=np.int32)
    out_scores = np.zeros(3, dtype=np.float32)
    count = ctypes.c_int32()
    for bad in (np.nan, np.inf):
        factors = np.ones(k, dtype=np.float32)
        factors[1] = bad
        with pytest.raises(FastAlsArgumentError, match="not finite"):
            fastals.lib().call("fastals_model_recommend_factors", m._model,
                               factors.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
                               k, ctypes.c_float(0), 3, None, 0, 0, 0, None, 0, None, 0, 0,
                               out_ids.ctypes.data_as(ctypes.POINTER(ctypes.c_int32)), 3,
                               out_scores.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), 3, ctypes.byref(count))


def test_one_id_takes_the_scalar_path_with_the_array_paths_checks():
    m = model()
    want = m.similar_items(3, N=4)
    for one in (3, np.int64(3), np.int32(3), np.uint8(3)):
        got = m.similar_items(one, N=4)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    for bad in (True, np.bool_(True)):
        with pytest.raises(TypeError, match="integers"):
            m.similar_items(bad, N=4)
    for big in (2**31, -2**31 - 1, np.int64(2**40)):
        with pytest.raises(ValueError, match="int32 range"):
            m.similar_items(big, N=4)
    with pytest.raises(FastAlsArgumentError):
        m.similar_items(-1, N=4)
