"""Finds, loads and binds libfastals (a NativeAOT shared library with a C ABI); maps status codes to exceptions.

Which library: ``FASTALS_LIBRARY`` (a path to a .so) wins; otherwise the package's ``lib/`` folder (or the folder in
``FASTALS_LIB_DIR``) holds ``libfastals_v2.so`` / ``_v3.so`` / ``_v4.so``, one per x86-64 level, and the widest one
this machine runs is loaded (``FASTALS_ISA=v2|v3|v4`` forces a level). Under NativeAOT the SIMD width is fixed when
the library is compiled, so this choice is what makes the AVX2 or AVX-512 kernels run.

"This machine runs" is decided by ``fastals_cpu_level()`` in ``libfastals_cpu.so`` (next to the builds; see
interop/c/fastals_cpu.c): CPUID plus the OS's XGETBV register-state check, never /proc/cpuinfo flag names, which
virtual machines often leave incomplete. interop/build.sh and interop/c/isa_check use the same function. When the
build for that level is missing, the widest lower build that exists is loaded.
"""
import ctypes
import os
import threading

from . import _signatures as sig

LEVELS = ("v2", "v3", "v4")
CPU_HELPER = "libfastals_cpu.so"


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


def library_dir():
    """The folder holding the builds: FASTALS_LIB_DIR, else the package's lib/ folder."""
    return os.environ.get("FASTALS_LIB_DIR") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib")


_cpu_levels = {}


def cpu_level(directory=None):
    """The x86-64 level this CPU and OS run, as ``fastals_cpu_level()`` in libfastals_cpu.so decides it: 4, 3 or 2
    for x86-64-v4 / v3 / v2, 1 below v2. Cached per folder."""
    directory = directory or library_dir()
    if directory not in _cpu_levels:
        path = os.path.join(directory, CPU_HELPER)
        if not os.path.exists(path):
            raise FastAlsError("%s not found: it decides which libfastals build this CPU runs; build it with "
                               "interop/build.sh (or set FASTALS_ISA=v2|v3|v4 or FASTALS_LIBRARY)" % path)
        fn = ctypes.CDLL(path).fastals_cpu_level
        fn.restype, fn.argtypes = ctypes.c_int, []
        _cpu_levels[directory] = int(fn())
    return _cpu_levels[directory]


def best_level(directory=None):
    """The widest level ('v2', 'v3', 'v4') this machine runs (whether or not that build exists), or None below v2."""
    level = cpu_level(directory)
    return "v%d" % min(level, 4) if level >= 2 else None


def library_path(level=None):
    """The path of the library to load: FASTALS_LIBRARY; else lib/libfastals_<level>.so for the given level or
    FASTALS_ISA; else the widest build in the folder that this machine runs (fastals_cpu_level)."""
    explicit = os.environ.get("FASTALS_LIBRARY")
    if explicit and level is None:
        return explicit
    directory = library_dir()
    forced = level or os.environ.get("FASTALS_ISA")
    if forced:
        if forced not in LEVELS:
            raise FastAlsError("FASTALS_ISA=%r is not one of v2, v3, v4" % forced)
        path = os.path.join(directory, "libfastals_%s.so" % forced)
        if not os.path.exists(path):
            raise FastAlsError("%s not found: build it with interop/build.sh (or set FASTALS_LIBRARY / "
                               "FASTALS_LIB_DIR)" % path)
        return path
    cpu = cpu_level(directory)
    fitting = [lv for lv in LEVELS if int(lv[1]) <= cpu]
    for lv in reversed(fitting):
        path = os.path.join(directory, "libfastals_%s.so" % lv)
        if os.path.exists(path):
            return path
    if not fitting:
        raise FastAlsError("this CPU is below x86-64-v2 (SSE4.2, POPCNT), the oldest level libfastals is built "
                           "for; set FASTALS_LIBRARY to a library built for it")
    raise FastAlsError("no libfastals build for x86-64-%s or lower in %s: build them with interop/build.sh (or set "
                       "FASTALS_LIBRARY / FASTALS_LIB_DIR)" % (fitting[-1], directory))


class Library:
    """A loaded, bound libfastals. Use ``lib()`` for the process-wide one."""

    def __init__(self, path):
        self.path = path
        self.cdll = sig.bind(ctypes.CDLL(path))

    def __getattr__(self, name):
        return getattr(self.cdll, name)

    def last_error(self):
        """This thread's last error message, whole: its length comes from the library, so a NUL byte inside the
        text (for example from a UTF-16 file read as UTF-8) does not cut it; NULs are shown as \\x00."""
        n = self.cdll.fastals_last_error(None, 0)
        buf = ctypes.create_string_buffer(n + 1)
        n = min(n, self.cdll.fastals_last_error(buf, n + 1))
        return buf.raw[:n].decode("utf-8", errors="replace").replace("\x00", "\\x00")

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
        return buf.raw[:n.value].decode("utf-8")

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
