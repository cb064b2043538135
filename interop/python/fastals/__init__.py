"""fastals: Python bindings (ctypes, no compiled extension) of libfastals, the FastAls ALS recommender.

    import scipy.sparse as sp, fastals
    model = fastals.AlternatingLeastSquares(factors=64, regularization=0.05, alpha=2.0, iterations=15)
    model.fit(user_items)                      # scipy.sparse CSR, USERS x ITEMS
    ids, scores = model.recommend(0, user_items[0], N=10)

The library file is the widest build this machine runs (libfastals_v4.so with AVX-512, _v3.so with AVX2+FMA, else
_v2.so), as libfastals_cpu.so's CPUID check decides; ``kernel_path()`` says which kernel runs and
``python -m fastals`` prints the version and the build loaded. See _lib.py for FASTALS_LIBRARY / FASTALS_LIB_DIR /
FASTALS_ISA.
"""
import ctypes

from . import _signatures as signatures
from ._dataset import Dataset
from ._lib import (FastAlsArgumentError, FastAlsCancelled, FastAlsDataError, FastAlsError, FastAlsHandleError,
                   FastAlsIOError, FastAlsNotSupported, FastAlsNumericalError, FastAlsStateError, Library, best_level, cpu_level, lib,
                   library_path)
from .als import (AlternatingLeastSquares, BiasedExplicitALS, BiasedImplicitALS, ExplicitALS, error_metrics,
                  ranking_metrics_at_k)

KernelPath = signatures.KernelPath

__all__ = [
    "AlternatingLeastSquares", "ExplicitALS", "BiasedExplicitALS", "BiasedImplicitALS", "Dataset",
    "ranking_metrics_at_k", "error_metrics", "version", "build_info", "kernel_path", "library_path", "best_level", "cpu_level",
    "FastAlsError", "FastAlsArgumentError", "FastAlsHandleError", "FastAlsIOError", "FastAlsDataError",
    "FastAlsCancelled", "FastAlsNotSupported", "FastAlsNumericalError", "FastAlsStateError", "KernelPath", "Library", "lib", "loaded_build",
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


def loaded_build():
    """What was loaded, as a dict: path, level (the x86-64 level the build was compiled for), cpu_level (what this
    machine runs, per libfastals_cpu.so; None when the helper is absent), kernel (the live KernelPath) and version."""
    import re
    library = lib()
    info = build_info()
    m = re.search(r"instruction_set=x86-64-(v\d)", info)
    try:
        cpu = "v%d" % cpu_level() if cpu_level() >= 2 else "below v2"
    except FastAlsError:
        cpu = None
    return {"version": version(), "path": library.path, "level": m.group(1) if m else None, "cpu_level": cpu,
            "kernel": kernel_path(library), "build_info": info}


def __getattr__(name):
    if name == "__version__":  # the loaded library's version: one source of truth (Directory.Build.props)
        return version()
    raise AttributeError("module 'fastals' has no attribute %r" % name)
