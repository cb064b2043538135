"""Interactions held by libfastals: from a scipy.sparse CSR matrix (users x items), COO arrays or a file."""
import ctypes
import os

import numpy as np

from . import _signatures as sig
from ._arrays import check_sparse, ptr, strict
from ._lib import FastAlsError, lib


def _csr_arrays(user_items, convert):
    """(shape, indptr int64, indices int32, data float32) of a CSR matrix.

    convert=True: a non-CSR or non-canonical matrix is converted, and an array of another dtype (or not contiguous)
    is copied into one of the right dtype; arrays that already match are returned as they are (no copy).
    convert=False: the matrix must already be canonical CSR with int32 indices and float32 data (TypeError /
    ValueError otherwise). Either way indptr is widened to int64 when scipy stores it as int32 (rows + 1 entries).
    """
    try:
        import scipy.sparse as sp
    except ImportError as e:  # pragma: no cover - scipy is a dependency of fit(csr)
        raise ImportError("fastals needs scipy for sparse matrices") from e
    if not sp.issparse(user_items):
        raise TypeError("user_items must be a scipy.sparse CSR matrix of shape (users, items) (got %s)" % type(user_items).__name__)
    check_sparse(user_items, "user_items")
    if user_items.format != "csr":
        if not convert:
            raise TypeError("user_items must be in CSR format (got %s); convert with .tocsr()" % user_items.format)
        user_items = user_items.tocsr()
    if not user_items.has_canonical_format:
        if not convert:
            raise ValueError("user_items must have sorted column indices without duplicates; call .sum_duplicates() first")
        user_items = user_items.copy()
        user_items.sum_duplicates()
    indptr, indices, data = user_items.indptr, user_items.indices, user_items.data
    # scipy stores indptr as int32 whenever it fits; the library's offsets are int64, so this one small array
    # (rows + 1 entries) is widened. indices and data are used in place when their dtypes match.
    indptr = np.ascontiguousarray(indptr, dtype=np.int64)
    if convert:
        indices = np.ascontiguousarray(indices, dtype=np.int32)
        data = np.ascontiguousarray(data, dtype=np.float32)
    else:
        indices = strict(indices, np.int32, "user_items.indices", ndim=1)
        data = strict(data, np.float32, "user_items.data", ndim=1)
    return user_items.shape, indptr, indices, data


_ID_KINDS = {"auto": -1, "int": 0, "string": 1}
_HINTS = (
    ("(set UserIdKind = IdKind.String for text ids)", "(pass user_id_kind='string' to Dataset.load for text ids)"),
    ("(set ItemIdKind = IdKind.String for text ids)", "(pass item_id_kind='string' to Dataset.load for text ids)"),
    ("UserIdKind is Int64", "user_id_kind is 'int'"),
    ("UserIdKind is String", "user_id_kind is 'string'"),
    ("ItemIdKind is Int64", "item_id_kind is 'int'"),
    ("ItemIdKind is String", "item_id_kind is 'string'"),
)


def _lookup_kind(value, name):
    try:
        return _ID_KINDS[value]
    except (KeyError, TypeError):
        raise ValueError("%s must be one of 'auto', 'int', 'string' (got %r)" % (name, value)) from None


def _python_hints(message):
    for dotnet, python in _HINTS:
        message = message.replace(dotnet, python)
    return message


class Dataset:
    """A users x items interaction matrix inside libfastals (an opaque handle). Free it with ``free()`` or ``with``."""

    def __init__(self, handle, keep_alive=()):
        self._handle = handle
        self._keep_alive = keep_alive

    @classmethod
    def from_csr(cls, user_items, copy=True):
        """A dataset over a scipy.sparse CSR matrix with USERS AS ROWS and ITEMS AS COLUMNS.

        copy=True: arrays that are not already int64 indptr / int32 indices / float32 data are
        converted (a copy; scipy's default float64 data and int32 indptr are converted), non-canonical matrices
        are made canonical, and the library then copies the arrays so the matrix may change afterwards.
        copy=False: zero-copy for the big arrays: indices (int32) and data (float32) are read in place and must
        already have those dtypes (TypeError otherwise) and be canonical (sorted, no duplicates); indptr (rows + 1
        entries) is widened to int64 when scipy stores it as int32. The matrix must stay alive and unchanged while
        the dataset lives (this object keeps references to the arrays).
        ``fit`` and ``continue_training`` given a CSR matrix need neither: they read it in place for the call (see fit).
        """
        return cls._over_csr(user_items, convert=copy, copy=copy)

    @classmethod
    def _for_call(cls, user_items, copy=False):
        """A dataset for the duration of one library call (``fit``, ``continue_training``, the metrics), freed by the
        caller right after it: arrays that already have the library's layout (int32 indices, float32 data; indptr
        int64, or int32 widened) are read in place, others are converted first, so nothing is copied twice. The
        library validates the structure either way. The matrix must not change during the call; ``copy=True`` (for
        calls that run user code in the middle, such as a progress callback, which could change it) has the library
        copy the arrays after validating them."""
        return cls._over_csr(user_items, convert=True, copy=copy)

    @classmethod
    def _over_csr(cls, user_items, convert, copy):
        shape, indptr, indices, data = _csr_arrays(user_items, convert)
        h = ctypes.c_uint64()
        lib().call("fastals_dataset_from_csr", shape[0], shape[1], ptr(indptr), indptr.size, ptr(indices), indices.size,
                   ptr(data), data.size, 1 if copy else 0, ctypes.byref(h))
        return cls(h.value, () if copy else (indptr, indices, data))

    @classmethod
    def from_coo(cls, user_ids, item_ids, values=None):
        """A dataset from (user id, item id, value) triplets with arbitrary int64 ids (numbered in first-seen order;
        duplicate pairs are summed). ``user_ids``/``item_ids`` int64, ``values`` float32 (None: all 1)."""
        u = np.ascontiguousarray(user_ids, dtype=np.int64)
        i = np.ascontiguousarray(item_ids, dtype=np.int64)
        v = np.ones(u.shape, dtype=np.float32) if values is None else np.ascontiguousarray(values, dtype=np.float32)
        h = ctypes.c_uint64()
        lib().call("fastals_dataset_from_coo", ptr(u), u.size, ptr(i), i.size, ptr(v), v.size, ctypes.byref(h))
        return cls(h.value)

    @classmethod
    def load(cls, path, format="auto", user_column=None, item_column=None, value_column=None, separator=None,
             has_header=None, duplicates="sum", user_id_kind="auto", item_id_kind="auto"):
        """Loads interactions from a Parquet file/folder or a CSV/TSV file (columns user, item, value by default).

        ``user_id_kind`` / ``item_id_kind``: 'auto' (Parquet: the column's type; text: integers when the first
        record's id is one), 'int' or 'string' (text ids, for columns whose first ids only look like integers)."""
        o = sig.FastAlsLoadOptions()
        l = lib()
        l.call("fastals_load_options_init", ctypes.byref(o))
        o.format = {"auto": sig.InteractionFormat.AUTO, "parquet": sig.InteractionFormat.PARQUET, "csv": sig.InteractionFormat.CSV}[format]
        keep = []
        for field, value in (("user_column", user_column), ("item_column", item_column), ("value_column", value_column), ("separator", separator)):
            if value is not None:
                b = value.encode("utf-8")
                keep.append(b)
                setattr(o, field, b)
        o.has_header = -1 if has_header is None else int(bool(has_header))
        o.duplicates = {"sum": sig.DuplicatePolicy.SUM, "last": sig.DuplicatePolicy.LAST_WINS, "error": sig.DuplicatePolicy.ERROR}[duplicates]
        o.user_id_kind = _lookup_kind(user_id_kind, "user_id_kind")
        o.item_id_kind = _lookup_kind(item_id_kind, "item_id_kind")
        h = ctypes.c_uint64()
        try:
            l.call("fastals_dataset_load", os.fsencode(path), ctypes.byref(o), ctypes.byref(h))
        except FastAlsError as e:
            # The library's hints name the .NET options (InteractionLoadOptions.UserIdKind = IdKind.String); say
            # what to pass here instead, keeping the exception's class and status.
            text = _python_hints(str(e))
            if text == str(e):
                raise
            raise type(e)(text, e.status) from e
        return cls(h.value)

    @property
    def handle(self):
        return self._handle

    @property
    def shape(self):
        """(users, items)."""
        return self._shape()[:2]

    @property
    def nnz(self):
        return self._shape()[2]

    def _shape(self):
        u, i, n = ctypes.c_int32(), ctypes.c_int32(), ctypes.c_int64()
        lib().call("fastals_dataset_shape", self._handle, ctypes.byref(u), ctypes.byref(i), ctypes.byref(n))
        return u.value, i.value, n.value

    @property
    def user_ids(self):
        """External user id of each row: an int64 array, or a list of str for string ids."""
        return self._ids(0, "fastals_dataset_user_ids")

    @property
    def item_ids(self):
        """External item id of each column: an int64 array, or a list of str for string ids."""
        return self._ids(1, "fastals_dataset_item_ids")

    def _ids(self, side, export):
        from ._lib import FastAlsNotSupported
        a = np.empty(self.shape[side], dtype=np.int64)
        try:
            lib().call(export, self._handle, ptr(a), a.size)
            return a
        except FastAlsNotSupported:
            return [lib().string("fastals_dataset_id_text", self._handle, side, i) for i in range(a.size)]

    def save_parquet(self, path):
        """Writes the interactions as a Parquet file (columns user, item, value with the dataset's ids)."""
        lib().call("fastals_dataset_save_parquet", self._handle, os.fsencode(path))

    def free(self):
        """Releases the dataset; later calls with it raise FastAlsHandleError."""
        handle, self._handle = self._handle, self._handle
        lib().call("fastals_dataset_free", handle)
        self._keep_alive = ()
        self._freed = True

    def __reduce_ex__(self, protocol):
        raise TypeError("a fastals.Dataset lives inside libfastals and cannot be pickled or copied; pickle the "
                        "scipy.sparse matrix (or save_parquet the dataset) and rebuild it with Dataset.from_csr / "
                        "Dataset.load")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            self.free()
        except Exception:  # already freed
            pass

    def __del__(self):
        if getattr(self, "_handle", 0) and not getattr(self, "_freed", False):
            try:
                lib().cdll.fastals_dataset_free(self._handle)
            except Exception:
                pass
