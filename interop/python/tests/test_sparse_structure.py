"""A scipy.sparse matrix whose own arrays were changed after it was built (a decreasing indptr, an index outside the
shape) is refused with FastAlsDataError at every entry point that takes one, before any scipy routine runs over it.
scipy's compiled sorting, conversion and slicing loops trust those arrays: given such a matrix, ``sum_duplicates``
ran off the end of ``indices`` and the process died with SIGSEGV inside scipy."""
import numpy as np
import pytest
import scipy.sparse as sp

import fastals
from fastals import AlternatingLeastSquares, Dataset, FastAlsDataError
from fastals._arrays import check_sparse
from fastals.implicit import evaluation
from fastals.implicit.als import AlternatingLeastSquares as ImplicitALS
from fastals.implicit.als import calculate_loss

USERS, ITEMS = 12, 9


def good():
    return sp.random(USERS, ITEMS, density=0.4, format="csr", random_state=3, dtype=np.float32)


def _csr_decreasing():
    m = good()
    m.indptr = m.indptr.copy()
    m.indptr[4] = 10 ** 6  # the crash: sum_duplicates sorted a "row" of a million entries
    return m, r"indptr decreases at row 4"


def _csr_past_the_end():
    m = good()
    m.indptr = m.indptr.copy()
    m.indptr[-1] = m.indices.size + 5
    return m, r"indptr ends at \d+, past the \d+ stored indices"


def _csr_short_indptr():
    m = good()
    m.indptr = m.indptr[:-2].copy()
    return m, r"indptr must have 13 entries \(one per row, plus one\)"


def _csr_offset_start():
    m = good()
    m.indptr = m.indptr.copy()
    m.indptr[0] = 1
    return m, r"indptr\[0\] must be 0"


def _csr_index_outside():
    m = good()
    m.indices = m.indices.copy()
    at = m.indptr[5]  # the first entry of row 5 (rows 0-4 may be empty)
    row = int(np.searchsorted(m.indptr, at, side="right")) - 1
    m.indices[at] = ITEMS + 100
    return m, r"row %d has column index %d outside \[0, %d\)" % (row, ITEMS + 100, ITEMS)


def _csr_negative_index():
    m = good()
    m.indices = m.indices.copy()
    m.indices[0] = -1
    return m, r"row \d+ has column index -1 outside"


def _csc_decreasing():
    m = good().tocsc()
    m.indptr = m.indptr.copy()
    m.indptr[3] = 10 ** 6
    return m, r"indptr decreases at column 3"


def _coo_row_outside():
    m = good().tocoo()
    m.row = m.row.copy()
    m.row[2] = USERS + 50
    return m, r"entry 2 has row %d outside \[0, %d\)" % (USERS + 50, USERS)


def _coo_lengths_differ():
    m = good().tocoo()
    m.col = m.col[:-1].copy()
    return m, r"must be 1-dimensional and of one length"


BROKEN = [_csr_decreasing, _csr_past_the_end, _csr_short_indptr, _csr_offset_start, _csr_index_outside,
          _csr_negative_index, _csc_decreasing, _coo_row_outside, _coo_lengths_differ]
CSR_ONLY = [b for b in BROKEN if b.__name__.startswith("_csr")]


@pytest.fixture(scope="module")
def native():
    return AlternatingLeastSquares(factors=3, iterations=2, num_threads=1, random_state=1).fit(good())


@pytest.fixture(scope="module")
def compat():
    m = ImplicitALS(factors=3, iterations=2, random_state=1)
    m.fit(good(), show_progress=False)
    return m


@pytest.mark.parametrize("broken", BROKEN, ids=lambda b: b.__name__[1:])
def test_check_sparse_names_the_array_and_the_row(broken):
    m, message = broken()
    with pytest.raises(FastAlsDataError, match=message) as e:
        check_sparse(m, "user_items")
    assert str(e.value).startswith("user_items")
    assert e.value.status == fastals.signatures.FASTALS_E_INVALID_DATA


@pytest.mark.parametrize("broken", BROKEN, ids=lambda b: b.__name__[1:])
def test_training_entry_points_refuse_it(broken, compat):
    m, message = broken()
    with pytest.raises(FastAlsDataError, match=message):
        AlternatingLeastSquares(factors=3, iterations=1, num_threads=1).fit(m)
    with pytest.raises(FastAlsDataError, match=message):
        Dataset.from_csr(m)
    with pytest.raises(FastAlsDataError, match=message):
        ImplicitALS(factors=3, iterations=1).fit(m, show_progress=False)
    with pytest.raises(FastAlsDataError, match=message):
        compat.calculate_loss(m)
    with pytest.raises(FastAlsDataError, match=message):
        calculate_loss(m, compat.user_factors, compat.item_factors, 0.01)
    with pytest.raises(FastAlsDataError, match=message):
        evaluation.train_test_split(m, 0.8, random_state=1)
    with pytest.raises(FastAlsDataError, match=message):
        evaluation.ranking_metrics_at_k(compat, m, good(), K=3, show_progress=False)
    with pytest.raises(FastAlsDataError, match=message):
        evaluation.ranking_metrics_at_k(compat, good(), m, K=3, show_progress=False)


@pytest.mark.parametrize("broken", CSR_ONLY, ids=lambda b: b.__name__[1:])
def test_serving_entry_points_refuse_it(broken, native, compat):
    m, message = broken()
    users = np.arange(USERS)
    with pytest.raises(FastAlsDataError, match=message):
        native.recommend(users, m)
    with pytest.raises(FastAlsDataError, match=message):
        compat.recommend(users, m)
    with pytest.raises(FastAlsDataError, match=message):
        compat.recalculate_user(users, m)
    with pytest.raises(FastAlsDataError, match=message):
        compat.partial_fit_users(users, m)
    with pytest.raises(FastAlsDataError, match=message):
        compat.explain(0, m, 1)


def test_sound_matrices_pass_unchanged(native, compat):
    m = good()
    arrays = (m.indptr, m.indices, m.data)
    assert check_sparse(m, "user_items") is m
    assert all(a is b for a, b in zip(arrays, (m.indptr, m.indices, m.data)))  # nothing copied or replaced
    for other in (m.tocsc(), m.tocoo(), m.tobsr(blocksize=(3, 3)), sp.csr_matrix((0, 0), dtype=np.float32),
                  sp.csr_matrix((4, 5), dtype=np.float32)):
        assert check_sparse(other, "user_items") is other
    ids, _ = native.recommend(np.arange(USERS), m, N=3)
    assert ids.shape == (USERS, 3)
    ids, _ = compat.recommend(np.arange(USERS), m, N=3)
    assert ids.shape == (USERS, 3)
