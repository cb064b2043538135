"""numpy <-> C pointer helpers. Arrays go to the library by pointer; nothing is copied unless a function says so."""
import ctypes

import numpy as np

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
