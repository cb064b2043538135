"""numpy <-> C pointer helpers. Arrays go to the library by pointer; nothing is copied unless a function says so."""
import ctypes

import numpy as np

from . import _signatures as sig
from ._lib import FastAlsDataError

_CTYPES = {
    np.dtype(np.float32): ctypes.c_float,
    np.dtype(np.float64): ctypes.c_double,
    np.dtype(np.int32): ctypes.c_int32,
    np.dtype(np.int64): ctypes.c_int64,
    np.dtype(np.uint8): ctypes.c_uint8,
}


def ptr(array):
    """A typed pointer to a C-contiguous array's data (None for an empty array)."""
    if array is None or array.size == 0:
        return None
    return array.ctypes.data_as(ctypes.POINTER(_CTYPES[array.dtype]))


def strict(array, dtype, name, ndim=None, shape=None):
    """Returns ``array`` itself when it is a C-contiguous numpy array of ``dtype`` (and shape); raises otherwise.

    This is the zero-copy path: wrong dtype -> TypeError, wrong shape or non-contiguous -> ValueError, each naming
    the argument. Use ``np.ascontiguousarray(a, dtype=...)`` to make a matching copy yourself.
    """
    if not isinstance(array, np.ndarray):
        raise TypeError("%s must be a numpy.ndarray of %s (got %s)" % (name, np.dtype(dtype).name, type(array).__name__))
    if array.dtype != np.dtype(dtype):
        raise TypeError("%s must have dtype %s (got %s); convert with numpy.ascontiguousarray(%s, dtype=numpy.%s)"
                        % (name, np.dtype(dtype).name, array.dtype.name, name, np.dtype(dtype).name))
    if ndim is not None and array.ndim != ndim:
        raise ValueError("%s must be %d-dimensional (got shape %s)" % (name, ndim, array.shape))
    if shape is not None and tuple(array.shape) != tuple(shape):
        raise ValueError("%s must have shape %s (got %s)" % (name, tuple(shape), array.shape))
    if not array.flags.c_contiguous:
        raise ValueError("%s is not C-contiguous (strides %s); pass numpy.ascontiguousarray(%s)" % (name, array.strides, name))
    return array


def index_array(values, name):
    """Integer ids/indices as a contiguous int32 array (a copy unless already int32 and contiguous); None -> empty."""
    if values is None:
        return np.empty(0, dtype=np.int32)
    if isinstance(values, (int, np.integer)) and not isinstance(values, (bool, np.bool_)):
        # one id (every single call): the checks below on a 1-element array cost ~14 us, mostly two reductions
        if not np.iinfo(np.int32).min <= int(values) <= np.iinfo(np.int32).max:
            raise ValueError("%s holds values outside the int32 range" % name)
        return np.array([values], dtype=np.int32)
    a = np.asarray(values)
    if a.ndim == 0:
        a = a.reshape(1)
    if a.size and not np.issubdtype(a.dtype, np.integer):
        raise TypeError("%s must hold integers (got dtype %s)" % (name, a.dtype.name))
    if a.ndim != 1:
        raise ValueError("%s must be 1-dimensional (got shape %s)" % (name, a.shape))
    if a.size and (a.min() < np.iinfo(np.int32).min or a.max() > np.iinfo(np.int32).max):
        raise ValueError("%s holds values outside the int32 range" % name)
    return np.ascontiguousarray(a, dtype=np.int32)


_SMALL = 256  # arrays up to this length are checked as Python ints (see check_sparse)


def check_sparse(matrix, name):
    """Returns ``matrix`` (a scipy.sparse matrix or array) once its stored arrays agree with each other and with its
    shape; raises FastAlsDataError (a ValueError) naming ``name``, the array and the first bad row otherwise.

    scipy's compiled routines (``tocsr``, ``sum_duplicates``, ``sort_indices``, row slicing) trust these arrays and read
    and write through them: a matrix whose ``indptr`` or ``indices`` were changed after it was built can crash the
    process inside scipy before the library ever sees it. So every entry point that takes a sparse matrix checks it
    first: for CSR, CSC and BSR, ``indptr`` has one entry per row (column, block row) plus one, starts at 0, never
    decreases, and ends within ``indices`` and ``data``, and the indices in use are inside the shape; for COO, ``row``,
    ``col`` and ``data`` have one length and the coordinates are inside the shape. Vectorized, O(nnz), no copy. Other
    formats (LIL, DOK, DIA) are converted by scipy's Python code and are left to it.
    """
    fmt = getattr(matrix, "format", None)
    shape = tuple(matrix.shape)
    if fmt in ("csr", "csc", "bsr"):
        if fmt == "bsr":
            r, c = matrix.blocksize
            if r <= 0 or c <= 0 or shape[0] % r or shape[1] % c:
                _bad("%s has block size %s, which does not divide its shape %s" % (name, (r, c), shape))
            major, minor, what, other = shape[0] // r, shape[1] // c, "block row", "block column"
        else:
            major, minor = shape if fmt == "csr" else shape[::-1]
            what, other = ("row", "column") if fmt == "csr" else ("column", "row")
        indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
        _integer_vectors(name, (("indptr", indptr), ("indices", indices)))
        if not isinstance(data, np.ndarray) or data.ndim < 1:
            _bad("%s.data must be an array (got %s)" % (name, _describe(data)))
        if indptr.size != major + 1:
            _bad("%s.indptr must have %d entries (one per %s, plus one) for shape %s (got %d)"
                 % (name, major + 1, what, shape, indptr.size))
        if indptr[0] != 0:
            _bad("%s.indptr[0] must be 0 (got %d)" % (name, indptr[0]))
        if major > 0:
            # A serving call's matrix is often one row: plain ints are several times cheaper than numpy's reductions.
            if indptr.size <= _SMALL:
                p = indptr.tolist()
                down = [i for i in range(major) if p[i + 1] < p[i]]
            else:
                down = np.flatnonzero(indptr[1:] < indptr[:-1])
            if len(down):
                i = int(down[0])
                _bad("%s.indptr decreases at %s %d: indptr[%d] = %d > indptr[%d] = %d"
                     % (name, what, i, i, indptr[i], i + 1, indptr[i + 1]))
        nnz = int(indptr[-1])
        if nnz > indices.size or nnz > data.shape[0]:
            _bad("%s.indptr ends at %d, past the %d stored indices and %d stored values"
                 % (name, nnz, indices.size, data.shape[0]))
        if nnz:
            used = indices[:nnz]
            if nnz <= _SMALL:
                listed = used.tolist()
                lo, hi = min(listed), max(listed)
            else:
                lo, hi = used.min(), used.max()
            if lo < 0 or hi >= minor:
                at = int(np.flatnonzero((used < 0) | (used >= minor))[0])
                row = int(np.searchsorted(indptr, at, side="right")) - 1
                _bad("%s %s %d has %s index %d outside [0, %d)" % (name, what, row, other, used[at], minor))
    elif fmt == "coo":
        row, col, data = matrix.row, matrix.col, matrix.data
        _integer_vectors(name, (("row", row), ("col", col)))
        if not isinstance(data, np.ndarray) or data.ndim != 1 or not row.size == col.size == data.size:
            _bad("%s.row, .col and .data must be 1-dimensional and of one length (got %d, %d and %s)"
                 % (name, row.size, col.size, _describe(data)))
        for label, a, bound in (("row", row, shape[0]), ("col", col, shape[1])):
            if a.size and (a.min() < 0 or a.max() >= bound):
                at = int(np.flatnonzero((a < 0) | (a >= bound))[0])
                _bad("%s entry %d has %s %d outside [0, %d)" % (name, at, label, a[at], bound))
    return matrix


def _integer_vectors(name, arrays):
    """Raises unless each (label, array) of ``arrays`` is a 1-dimensional integer numpy array."""
    for label, a in arrays:
        if not isinstance(a, np.ndarray) or a.ndim != 1 or a.dtype.kind not in "iu":
            _bad("%s.%s must be a 1-dimensional integer array (got %s)" % (name, label, _describe(a)))


def _describe(a):
    if isinstance(a, np.ndarray):
        return "%s of shape %s" % (a.dtype.name, a.shape)
    return type(a).__name__


def _bad(message):
    raise FastAlsDataError(message, sig.FASTALS_E_INVALID_DATA)
