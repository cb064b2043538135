"""fastals: Python bindings (ctypes, no compiled extension) of libfastals, the FastAls ALS recommender.

    import scipy.sparse as sp, fastals
    model = fastals.AlternatingLeastSquares(factors=64, regularization=0.05, alpha=2.0, iterations=15)
    model.fit(user_items)                      # scipy.sparse CSR, USERS x ITEMS
    ids, scores = model.recommend(0, user_items[0], N=10)

The library file is picked by CPU (libfastals_v4.so with AVX-512, _v3.so with AVX2+FMA, else _v2.so);
``kernel_path()`` says which kernel runs. See _lib.py for FASTALS_LIBRARY / FASTALS_LIB_DIR / FASTALS_ISA.
"""
import ctypes

from . import _signatures as signatures
from ._dataset import Dataset
from ._lib import (FastAlsArgumentError, FastAlsCancelled, FastAlsDataError, FastAlsError, FastAlsHandleError,
                   FastAlsIOError, FastAlsNotSupported, FastAlsStateError, Library, best_level, cpu_flags, lib,
                   library_path)
from .als import (AlternatingLeastSquares, BiasedExplicitALS, BiasedImplicitALS, ExplicitALS, error_metrics,
                  ranking_metrics_at_k)

KernelPath = signatures.KernelPath

__all__ = [
    "AlternatingLeastSquares", "ExplicitALS", "BiasedExplicitALS", "BiasedImplicitALS", "Dataset",
    "ranking_metrics_at_k", "error_metrics", "version", "build_info", "kernel_path", "library_path", "best_level", "cpu_flags",
    "FastAlsError", "FastAlsArgumentError", "FastAlsHandleError", "FastAlsIOError", "FastAlsDataError",
    "FastAlsCancelled", "FastAlsNotSupported", "FastAlsStateError", "KernelPath", "Library", "lib",
]


def version():
    """The library's version string."""
    return lib().string("fastals_version")


def build_info():
    """One line: version, runtime, the x86-64 level the loaded library was built for, the live kernel."""
    return lib().string("fastals_build_info")


def kernel_path(library=None):
    """The kernel path (KernelPath.SCALAR / VECTOR256 / VECTOR512) live in the loaded (or given) library."""
    return KernelPath((library or lib()).out("fastals_kernel_path", ctypes.c_int32))
