"""Finds, loads and binds libfastals (a NativeAOT shared library with a C ABI); maps status codes to exceptions.

Which library: ``FASTALS_LIBRARY`` (a path to a .so) wins; otherwise the package's ``lib/`` folder (or the folder in
``FASTALS_LIB_DIR``) holds ``libfastals_v2.so`` / ``_v3.so`` / ``_v4.so``, one per x86-64 level, and the widest one
this CPU runs is loaded (``FASTALS_ISA=v2|v3|v4`` forces a level). Under NativeAOT the SIMD width is fixed when the
library is compiled, so this choice is what makes the AVX2 or AVX-512 kernels run.
"""
import ctypes
import os
import threading

from . import _signatures as sig

_LEVEL_FLAGS = {
    # x86-64 psABI micro-architecture levels, as /proc/cpuinfo names the flags.
    "v2": {"cx16", "lahf_lm", "popcnt", "sse4_1", "sse4_2", "ssse3"},
    "v3": {"avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"},
    "v4": {"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"},
}
LEVELS = ("v2", "v3", "v4")


class FastAlsError(Exception):
    """An error reported by libfastals; ``status`` is the fastals_status code, the message is the library's."""

    def __init__(self, message, status=sig.FASTALS_E_INTERNAL):
        super().__init__(message)
        self.status = status


class FastAlsArgumentError(FastAlsError, ValueError):
    """FASTALS_E_INVALID_ARGUMENT: an argument is out of range, inconsistent or of the wrong shape."""


class FastAlsHandleError(FastAlsError, ValueError):
    """FASTALS_E_INVALID_HANDLE: the model or dataset was freed (or never existed)."""


class FastAlsIOError(FastAlsError, OSError):
    """FASTALS_E_IO: a file could not be read or written."""


class FastAlsDataError(FastAlsError, ValueError):
    """FASTALS_E_INVALID_DATA: malformed input (file contents or arrays)."""


class FastAlsCancelled(FastAlsError):
    """FASTALS_E_CANCELLED: the progress callback asked to stop."""


class FastAlsNotSupported(FastAlsError, NotImplementedError):
    """FASTALS_E_NOT_SUPPORTED: not available for this model kind or build."""


class FastAlsStateError(FastAlsError, RuntimeError):
    """FASTALS_E_INVALID_STATE: the object's state does not allow the call."""


class FastAlsNumericalError(FastAlsError, ArithmeticError):
    """FASTALS_E_NUMERICAL: a solve broke down (not positive definite) or diverged; the message names the row."""


_ERRORS = {
    sig.FASTALS_E_INVALID_ARGUMENT: FastAlsArgumentError,
    sig.FASTALS_E_INVALID_HANDLE: FastAlsHandleError,
    sig.FASTALS_E_IO: FastAlsIOError,
    sig.FASTALS_E_INVALID_DATA: FastAlsDataError,
    sig.FASTALS_E_CANCELLED: FastAlsCancelled,
    sig.FASTALS_E_OUT_OF_MEMORY: FastAlsError,
    sig.FASTALS_E_BUFFER_TOO_SMALL: FastAlsError,
    sig.FASTALS_E_NOT_SUPPORTED: FastAlsNotSupported,
    sig.FASTALS_E_INVALID_STATE: FastAlsStateError,
    sig.FASTALS_E_NUMERICAL: FastAlsNumericalError,
}


def cpu_flags(path="/proc/cpuinfo"):
    """The CPU feature flags of the first processor in /proc/cpuinfo (empty set when unreadable)."""
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def best_level(flags=None):
    """The widest x86-64 level ('v2', 'v3', 'v4') whose flags (and every lower level's) the CPU has, or None."""
    flags = cpu_flags() if flags is None else set(flags)
    best = None
    for level in LEVELS:
        if not _LEVEL_FLAGS[level] <= flags:
            break
        best = level
    return best


def library_dir():
    return os.environ.get("FASTALS_LIB_DIR") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib")


def library_path(level=None):
    """The path of the library to load: FASTALS_LIBRARY, else lib/libfastals_<level>.so for the given or best level."""
    explicit = os.environ.get("FASTALS_LIBRARY")
    if explicit and level is None:
        return explicit
    level = level or os.environ.get("FASTALS_ISA") or best_level()
    if level not in LEVELS:
        raise FastAlsError(
            "no libfastals build fits this CPU (needs at least x86-64-v2: SSE4.2, POPCNT); "
            "set FASTALS_LIBRARY to a library built for it" if level is None else
            "FASTALS_ISA=%r is not one of v2, v3, v4" % level)
    path = os.path.join(library_dir(), "libfastals_%s.so" % level)
    if not os.path.exists(path):
        raise FastAlsError(
            "%s not found: build it with interop/build.sh (or set FASTALS_LIBRARY / FASTALS_LIB_DIR)" % path)
    return path


class Library:
    """A loaded, bound libfastals. Use ``lib()`` for the process-wide one."""

    def __init__(self, path):
        self.path = path
        self.cdll = sig.bind(ctypes.CDLL(path))

    def __getattr__(self, name):
        return getattr(self.cdll, name)

    def last_error(self):
        n = self.cdll.fastals_last_error(None, 0)
        buf = ctypes.create_string_buffer(n + 1)
        self.cdll.fastals_last_error(buf, n + 1)
        return buf.value.decode("utf-8", errors="replace")

    def check(self, status):
        """Raises the exception for a non-zero fastals_status, with the library's message."""
        if status != sig.FASTALS_OK:
            message = self.last_error()
            name = sig.STATUS_NAMES.get(status, "status %d" % status)
            raise _ERRORS.get(status, FastAlsError)("%s (%s)" % (message, name) if message else name, status)

    def call(self, name, *args):
        self.check(getattr(self.cdll, name)(*args))

    def string(self, name, *args):
        """Calls a string-returning export (buffer, cap, len) and returns the text."""
        n = ctypes.c_int64()
        fn = getattr(self.cdll, name)
        self.check(_probe(fn, args, n))
        buf = ctypes.create_string_buffer(n.value + 1)
        self.check(fn(*args, buf, n.value + 1, ctypes.byref(n)))
        return buf.value.decode("utf-8")

    def out(self, name, ctype, *args):
        """Calls an export whose last parameter receives one value of ``ctype``; returns the value."""
        v = ctype()
        self.check(getattr(self.cdll, name)(*args, ctypes.byref(v)))
        return v.value


def _probe(fn, args, n):
    status = fn(*args, None, 0, ctypes.byref(n))
    return sig.FASTALS_OK if status == sig.FASTALS_E_BUFFER_TOO_SMALL else status


_lock = threading.Lock()
_lib = None


def lib():
    """The process-wide library, loaded on first use."""
    global _lib
    if _lib is None:
        with _lock:
            if _lib is None:
                _lib = Library(library_path())
    return _lib
