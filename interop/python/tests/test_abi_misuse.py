"""C ABI misuse: every export (enumerated from the generated signatures, so new exports are covered without
editing this file) is called with NULL pointers, negative and huge lengths and counts, bogus, freed and
wrong-kind handles, from several threads at once. No call may crash the process; each must return a defined
status, and only the statuses that misuse can produce (never FASTALS_E_INTERNAL, an unexpected exception).

The battery runs in a child process, so that a crash fails this test instead of killing pytest."""
import ctypes
import os
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

BUF = 16  # elements of every non-NULL buffer; a non-NULL pointer is never passed with a larger length


def _scalar_pointee(t):
    return getattr(t, "_type_", None)


class Battery:
    def __init__(self, lib, sig):
        self.lib = lib
        self.sig = sig
        self.statuses = {}
        self.failures = []
        self.lock = threading.Lock()

    # -- live handles -------------------------------------------------------------------------------------
    def dataset(self):
        users = (ctypes.c_int64 * 4)(1, 2, 3, 1)
        items = (ctypes.c_int64 * 4)(10, 20, 10, 30)
        vals = (ctypes.c_float * 4)(1, 2, 3, 4)
        h = ctypes.c_uint64()
        assert self.lib.fastals_dataset_from_coo(users, 4, items, 4, vals, 4, ctypes.byref(h)) == 0
        return h.value

    def model(self):
        o = self.sig.FastAlsFitOptions()
        self.lib.fastals_fit_options_init(ctypes.byref(o))
        o.factors = 2
        h = ctypes.c_uint64()
        assert self.lib.fastals_model_create(ctypes.byref(o), 3, 3, ctypes.byref(h)) == 0
        return h.value

    def free(self, h):
        if h:
            self.lib.fastals_dataset_free(ctypes.c_uint64(h))
            self.lib.fastals_model_free(ctypes.c_uint64(h))

    # -- arguments ----------------------------------------------------------------------------------------
    def arg(self, t, name, p, keep, created):
        if t in (ctypes.c_int32, ctypes.c_int64, ctypes.c_size_t):
            if name.endswith("_len") or name.endswith("_cap") or name == "cap":
                v = p["len"]
                return max(v, 0) if t is ctypes.c_size_t else v
            return p["int"]
        if t is ctypes.c_uint64:
            return p["handle"]()
        if t in (ctypes.c_float, ctypes.c_double):
            return p["float"]
        if t is ctypes.c_char_p:
            return p["str"]
        if t is ctypes.c_void_p:
            return None
        pointee = _scalar_pointee(t)
        if pointee is None:
            raise AssertionError("unhandled argument type %r of %s" % (t, name))
        if issubclass(pointee, ctypes.Structure):
            if p["struct"] is None:
                return None
            s = pointee()
            if p["struct"] == "init":
                init = {"FastAlsFitOptions": "fastals_fit_options_init", "FastAlsLoadOptions": "fastals_load_options_init"}
                fn = init.get(pointee.__name__)
                if fn:
                    getattr(self.lib, fn)(ctypes.byref(s))
            keep.append(s)
            return ctypes.pointer(s)
        if not p["buffers"]:
            return None
        buf = (pointee * BUF)()
        keep.append(buf)
        if pointee is ctypes.c_uint64:
            created.append(buf)
        return ctypes.cast(buf, t)

    # -- one call -----------------------------------------------------------------------------------------
    def call(self, name, profile):
        restype, argtypes, names = self.sig.SIGNATURES[name]
        live = []
        p = dict(profile)
        kinds = p.pop("handles")
        if kinds == "live-dataset":
            h = self.dataset()
            live.append(h)
            p["handle"] = lambda: h
        elif kinds == "live-model":
            h = self.model()
            live.append(h)
            p["handle"] = lambda: h
        elif kinds == "freed":
            h = self.model()
            self.free(h)
            p["handle"] = lambda: h
        else:
            p["handle"] = kinds
        keep, created = [], []
        args = [self.arg(t, n, p, keep, created) for t, n in zip(argtypes, names)]
        status = getattr(self.lib, name)(*args)
        for buf in created:
            if status == 0:
                self.free(buf[0])
        for h in live:
            self.free(h)
        if name == "fastals_last_error":
            return
        with self.lock:
            self.statuses.setdefault(name, set()).add(status)
            if status not in self.sig.STATUS_NAMES:
                self.failures.append("%s %s: undefined status %d" % (name, profile["label"], status))
            elif status == self.sig.FASTALS_E_INTERNAL:
                self.failures.append("%s %s: FASTALS_E_INTERNAL: %s" % (name, profile["label"], self.last_error()))

    def last_error(self):
        n = self.lib.fastals_last_error(None, 0)
        buf = ctypes.create_string_buffer(n + 1)
        self.lib.fastals_last_error(buf, n + 1)
        return buf.value.decode("utf-8", "replace")


PROFILES = [
    dict(label="all-null", buffers=False, len=0, int=0, handles=lambda: 0, float=0.0, str=None, struct=None),
    dict(label="null-huge", buffers=False, len=2 ** 31, int=2 ** 31 - 1, handles=lambda: 2 ** 64 - 1, float=1e30,
         str=None, struct=None),
    dict(label="null-very-huge", buffers=False, len=2 ** 62, int=-2 ** 31, handles=lambda: 0x0000000100000001,
         float=float("inf"), str=b"", struct="zero"),
    dict(label="null-negative", buffers=False, len=-1, int=-1, handles=lambda: 12345, float=float("nan"),
         str=b"/nonexistent-fastals-misuse/x", struct="zero"),
    dict(label="buffers-negative", buffers=True, len=-1, int=-1, handles="freed", float=0.0,
         str=b"/nonexistent-fastals-misuse/x", struct="init"),
    dict(label="buffers-freed", buffers=True, len=BUF, int=1, handles="freed", float=1.0,
         str=b"/nonexistent-fastals-misuse/x", struct="init"),
    dict(label="live-dataset-negative", buffers=True, len=-1, int=-1, handles="live-dataset", float=float("nan"),
         str=b"/nonexistent-fastals-misuse/x", struct="zero"),
    dict(label="live-model-negative", buffers=True, len=-1, int=-1, handles="live-model", float=float("nan"),
         str=b"/nonexistent-fastals-misuse/x", struct="zero"),
    dict(label="live-model-null", buffers=False, len=0, int=-1, handles="live-model", float=0.0,
         str=None, struct=None),
    dict(label="live-dataset-buffers", buffers=True, len=1, int=-1, handles="live-dataset", float=float("inf"),
         str=b"/nonexistent-fastals-misuse/x", struct="zero"),
]


def structural_cases(lib, sig, failures):
    """CSR arrays whose lengths agree but whose offsets do not: rejected before any row is walked or copied."""
    I64, I32, F32 = ctypes.c_int64, ctypes.c_int32, ctypes.c_float
    cols = (I32 * 2)(0, 1)
    vals = (F32 * 2)(1, 1)
    bad_offsets = [(0, 1 << 40, 2), (0, -(1 << 40), 2), (5, 1, 2), (0, 2, 1), (0, 3, 2)]
    for offsets in bad_offsets:
        off = (I64 * 3)(*offsets)
        for copy in (0, 1):
            h = ctypes.c_uint64()
            status = lib.fastals_dataset_from_csr(2, 3, off, 3, cols, 2, vals, 2, copy, ctypes.byref(h))
            if status not in (sig.FASTALS_E_INVALID_DATA, sig.FASTALS_E_INVALID_ARGUMENT):
                failures.append("dataset_from_csr offsets %r copy=%d: status %d" % (offsets, copy, status))
    o = sig.FastAlsFitOptions()
    lib.fastals_fit_options_init(ctypes.byref(o))
    o.factors = 2
    o.kind = sig.AlsModelKind.EXPLICIT
    width = ctypes.c_int32()
    lib.fastals_gram_width(ctypes.byref(o), ctypes.byref(width))
    w2 = width.value * width.value
    fixed = (F32 * 6)()
    solved = (F32 * 4)()
    gram = (ctypes.c_double * w2)()
    loss, reg = ctypes.c_double(), ctypes.c_double()
    for offsets in bad_offsets:
        off = (I64 * 3)(*offsets)
        # Consistent lengths, bad structure; then a fixed_factors array shorter than the shapes say.
        for fixed_len in (6, 2):
            status = lib.fastals_shard_solve(ctypes.byref(o), 2, 3, off, 3, cols, 2, vals, 2, fixed, fixed_len, None, 0,
                                             None, 0, ctypes.c_float(0), 1, solved, 4, None, 0, gram, w2,
                                             ctypes.byref(loss), ctypes.byref(reg))
            if status not in (sig.FASTALS_E_INVALID_DATA, sig.FASTALS_E_INVALID_ARGUMENT):
                failures.append("shard_solve offsets %r fixed_len %d: status %d" % (offsets, fixed_len, status))


def run_battery(threads=4):
    from fastals import _lib, _signatures as sig
    lib = _lib.lib().cdll
    battery = Battery(lib, sig)
    base = ctypes.c_int32()
    lib.fastals_handle_count(ctypes.byref(base))
    names = sorted(sig.SIGNATURES)

    def work(offset):
        for i in range(len(names)):
            name = names[(i + offset) % len(names)]
            for profile in PROFILES:
                battery.call(name, profile)

    structural_cases(lib, sig, battery.failures)
    ts = [threading.Thread(target=work, args=(k * 7,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    after = ctypes.c_int32()
    lib.fastals_handle_count(ctypes.byref(after))
    if after.value != base.value:
        battery.failures.append("handle count %d after the battery, %d before (a leak)" % (after.value, base.value))
    for f in battery.failures:
        print("FAIL", f)
    print("exports %d, calls %d, failures %d" % (len(names), len(names) * len(PROFILES) * threads, len(battery.failures)))
    return 1 if battery.failures else 0


def test_every_export_survives_misuse_from_several_threads():
    env = dict(os.environ)
    r = subprocess.run([sys.executable, os.path.abspath(__file__)], capture_output=True, text=True, timeout=300, env=env)
    out = r.stdout + r.stderr
    assert r.returncode == 0, "the misuse battery failed (rc %d):\n%s" % (r.returncode, out[-6000:])
    assert "failures 0" in out, out[-6000:]


if __name__ == "__main__":
    sys.exit(run_battery())
