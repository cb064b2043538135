"""Distributed training on ``dask.distributed``: the same factors as ``model.fit`` on one machine, bit for bit.

    from dask.distributed import Client
    from fastals import AlternatingLeastSquares, distributed
    model = distributed.fit(Client("tcp://scheduler:8786"), "/shared/interactions/", AlternatingLeastSquares(factors=64))

``source`` is a Parquet folder (its ``*.parquet`` part files, sorted by name, as ``Dataset.load`` reads it) or a list
of part files. The WORKERS read the parts themselves (the paths must be readable on every worker); the driver only
ever holds the id lists (to agree on dense indices), the fixed-side Gram matrices and loss scalars, and at the end
the factors of the finished model (or not even those: with ``spark_output`` the workers write the result as
Spark ALSModel part files, one per block).

How it works (Spark MLlib ALS's block-partitioned scheme):

* Ids: every part is read once on a worker (``fastals_part_read``: raw interactions in input order); the driver
  merges the parts' id lists in part order into the first-seen order that loading the whole folder gives. Each
  side's ids are int64 (numpy arrays) or strings (lists of str; ``fastals_part_text_ids``), the same in every part
  (else one error naming the part and column); the model and Spark parts get them back as they were.
* Blocks: users and items are cut into contiguous blocks whose boundaries are the Gram chunk boundaries of their
  side (``fastals_gram_chunking``), so each block's per-chunk Gram partials are exactly the chunks training sums,
  and ``fastals_gram_reduce`` adds them in training's order: the same bits. Each worker owns user and item blocks
  (dask futures pinned to it and kept across iterations); a user block's CSR is built from the parts' entries in
  part order with the load's duplicate policy (``fastals_dataset_from_indices``), so it holds exactly the values
  of the whole data set's rows; an item block is assembled from the user blocks' transposes (its rows of each,
  in user block order), exactly the whole data set's item rows, without a second build.
* Exchange: a block of one side references only some rows of the other side (its in-block); before a half-step
  each fixed block sends each solving block only the factor rows that block references (its out-block), worker
  to worker. Only the Gram partials, losses and regularization terms reach the driver.
* Starting factors come from ``fastals_init_rows`` (counter-based by seed, side and row), which ``fit`` uses too.
* Faults: the factors of each completed half-step are replicated on two workers; a lost worker's blocks are
  recomputed by dask from their lineage: a user block's names only the part files holding its rows (so only those
  are re-read; ``PART_READS`` counts reads), an item block's the user blocks' kept transposes (no part is read
  while they survive). Optional checkpoints every N iterations
  (``checkpoint_dir``, written atomically) let a new run resume (``resume=True``) with the same final factors.

Costs (``loss``, ``cost``) reported to the callback are summed block by block, so they may differ from ``fit``'s
in the last bits; the factors do not.
"""
import collections
import ctypes
import inspect
import json
import operator
import os
import re
import uuid

import numpy as np

from . import _signatures as sig
from ._arrays import ptr
from ._lib import FastAlsArgumentError, FastAlsCancelled, FastAlsError, lib

__all__ = ["fit", "connect", "local_cluster", "worker_environment", "list_parts", "QUIET_CONFIG"]

_USERS, _ITEMS = 0, 1
_DUPLICATES = {"sum": sig.DuplicatePolicy.SUM, "last": sig.DuplicatePolicy.LAST_WINS, "error": sig.DuplicatePolicy.ERROR}


# ---------------------------------------------------------------------------------------------------- cluster helpers

def worker_environment():
    """The environment the dask nanny should give workers: dask's default minus ``MALLOC_TRIM_THRESHOLD_=65536``,
    which made the solves cost 1.45x the CPU. Use as ``dask.config.set({"distributed.nanny.pre-spawn-environ":
    worker_environment()})`` before starting workers (``local_cluster`` does)."""
    import dask
    env = dict(dask.config.get("distributed.nanny.pre-spawn-environ", default={}) or {})
    env.pop("MALLOC_TRIM_THRESHOLD_", None)
    return env


QUIET_CONFIG = {
    # Transfers uncompressed: factor rows and indices barely compress, and on one machine or a fast network lz4
    # only costs CPU.
    "distributed.comm.compression": None,
    # The workers' statistical profiler samples every thread's stack every 10 ms (the solves' too).
    "distributed.worker.profile.enabled": False,
    # Event-loop health ticks (20 ms), psutil samples (500 ms) and the workers' memory checks (100 ms).
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}
"""Dask settings that cut the CPU dask itself spends in the driver, scheduler and workers: an idle 2-worker
LocalCluster on the development VM used, per 10 s, 0.57 CPU s in the driver (client + scheduler) and 0.95 in
the workers with dask's defaults, 0.10 and 0.09 with these. ``local_cluster`` uses them; a real cluster's
scheduler and workers can take them from their dask config."""


def local_cluster(n_workers=2, threads_per_worker=1, **kwargs):
    """A ``dask.distributed.LocalCluster`` of worker processes started without dask's malloc trim threshold,
    without work stealing (which would move a block's solve away from the worker holding the block, and its data
    with it; set ``distributed.scheduler.work-stealing: false`` on a real cluster's scheduler too) and without
    dask's own CPU costs (``QUIET_CONFIG``)."""
    import dask
    from dask.distributed import LocalCluster
    os.environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    with dask.config.set(dict(QUIET_CONFIG, **{"distributed.nanny.pre-spawn-environ": worker_environment(),
                                              "distributed.scheduler.work-stealing": False})):
        return LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker, processes=True, **kwargs)


def connect(address, timeout=10):
    """A ``dask.distributed.Client`` for the scheduler at ``address``; raises ConnectionError naming the address
    when it cannot be reached within ``timeout`` seconds."""
    from dask.distributed import Client
    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError) as e:
        raise ConnectionError("cannot reach the Dask scheduler at %s within %s s: %s" % (address, timeout, e)) from None


def list_parts(source):
    """The part files of ``source``: a list/tuple of paths as given, or a folder's ``*.parquet``/``*.parq`` files
    (not hidden, not ``_``-prefixed) sorted by name, as ``Dataset.load`` reads a folder. Raises FileNotFoundError."""
    if isinstance(source, (list, tuple)):
        if not source:
            raise FastAlsArgumentError("source is an empty list of part files", sig.FASTALS_E_INVALID_ARGUMENT)
        return [os.fspath(p) for p in source]
    source = os.fspath(source)
    if os.path.isfile(source):
        return [os.path.abspath(source)]
    if not os.path.isdir(source):
        raise FileNotFoundError("%s: no such file or directory" % source)
    names = sorted(n for n in os.listdir(source)
                   if not n.startswith((".", "_")) and n.lower().endswith((".parquet", ".parq"))
                   and os.path.isfile(os.path.join(source, n)))
    if not names:
        raise FileNotFoundError("%s: the directory holds no *.parquet part files" % source)
    return [os.path.abspath(os.path.join(source, n)) for n in sorted(names, key=lambda n: n.encode("utf-8"))]


# ---------------------------------------------------------------------------------------------------- options

def _params(model):
    """The constructor parameters of an estimator (what rebuilds its options on a worker)."""
    names = [n for n in inspect.signature(type(model).__init__).parameters if n != "self"]
    return type(model).__name__, {n: getattr(model, n) for n in names if hasattr(model, n)}


def _check_spec(model, opts):
    """The options the workers rebuild from the estimator's constructor parameters must be the estimator's own."""
    want = model._options()
    for name, _ in want._fields_:
        if name not in ("progress", "progress_user", "threads") and getattr(want, name) != getattr(opts.fit, name):
            raise FastAlsArgumentError(
                "%s: option %s (%r) is not reproduced by its constructor parameters (got %r); pass an estimator "
                "whose options are all constructor arguments" % (type(model).__name__, name, getattr(want, name),
                                                                  getattr(opts.fit, name)), sig.FASTALS_E_INVALID_ARGUMENT)


def _estimator(spec):
    from . import als
    name, params = spec
    return getattr(als, name)(**params)


class _Opts:
    """Fit options rebuilt in this process from an estimator spec, plus the load options (ctypes structs)."""

    def __init__(self, spec, load):
        self.model = _estimator(spec)
        self.fit = self.model._options()
        self.k = int(self.fit.factors)
        self.kind = int(self.fit.kind)
        self.biased = self.kind in (int(sig.AlsModelKind.BIASED_EXPLICIT), int(sig.AlsModelKind.BIASED_IMPLICIT))
        self.implicit = self.kind in (int(sig.AlsModelKind.IMPLICIT), int(sig.AlsModelKind.BIASED_IMPLICIT))
        o = sig.FastAlsLoadOptions()
        lib().call("fastals_load_options_init", ctypes.byref(o))
        o.format = sig.InteractionFormat.PARQUET
        self._keep = []
        for field in ("user_column", "item_column", "value_column"):
            value = load.get(field)
            if value is not None:
                b = value.encode("utf-8")
                self._keep.append(b)
                setattr(o, field, b)
        o.duplicates = _DUPLICATES[load.get("duplicates", "sum")]
        self.load = o

    @property
    def w(self):
        return lib().out("fastals_gram_width", ctypes.c_int32, ctypes.byref(self.fit))


def _chunking(opts, rows):
    c, s = ctypes.c_int32(), ctypes.c_int32()
    lib().call("fastals_gram_chunking", ctypes.byref(opts.fit), int(rows), ctypes.byref(c), ctypes.byref(s))
    return c.value, s.value


def _bounds(opts, rows, blocks):
    """Block boundaries on the side's Gram chunk grid: at most ``blocks`` blocks of whole chunks."""
    count, size = _chunking(opts, rows)
    if count == 0:
        return [0, 0]
    n = max(1, min(blocks, count))
    cuts = [round(b * count / n) for b in range(n + 1)]
    return [min(rows, c * size) for c in cuts]


# ---------------------------------------------------------------------------------------------------- worker tasks

PART_READS = collections.Counter()
"""How many times this process read each part file (``_read_part``): a rebuild from lineage shows up here."""


def _read_part(path, spec, load):
    """Task: one part's raw interactions (part-local indices, input order) and id lists."""
    PART_READS[path] += 1
    opts = _Opts(spec, load)
    l = lib()
    h = ctypes.c_uint64()
    l.call("fastals_part_read", os.fsencode(path), ctypes.byref(opts.load), ctypes.byref(h))
    try:
        n, nu, ni = ctypes.c_int64(), ctypes.c_int32(), ctypes.c_int32()
        l.call("fastals_part_shape", h.value, ctypes.byref(n), ctypes.byref(nu), ctypes.byref(ni))
        text = {}
        for s in (_USERS, _ITEMS):
            flag, size = ctypes.c_int32(), ctypes.c_int64()
            l.call("fastals_part_id_text", h.value, s, ctypes.byref(flag), ctypes.byref(size))
            text[s] = size.value if flag.value else None
        # int64 ids as numpy arrays; string ids as lists of str (a side with string ids takes no fastals_part_ids entries)
        uids = np.empty(0 if text[_USERS] is not None else nu.value, np.int64)
        iids = np.empty(0 if text[_ITEMS] is not None else ni.value, np.int64)
        l.call("fastals_part_ids", h.value, ptr(uids), uids.size, ptr(iids), iids.size)
        if text[_USERS] is not None:
            uids = _part_text_ids(l, h.value, _USERS, nu.value, text[_USERS])
        if text[_ITEMS] is not None:
            iids = _part_text_ids(l, h.value, _ITEMS, ni.value, text[_ITEMS])
        columns = tuple(l.string("fastals_part_column", h.value, s) for s in (_USERS, _ITEMS))
        u, i, v = np.empty(n.value, np.int32), np.empty(n.value, np.int32), np.empty(n.value, np.float32)
        l.call("fastals_part_entries", h.value, ptr(u), u.size, ptr(i), i.size, ptr(v), v.size)
    finally:
        l.call("fastals_part_free", h.value)
    return {"path": path, "user_ids": uids, "item_ids": iids, "users": u, "items": i, "values": v, "columns": columns}


def _part_text_ids(l, h, side, count, size):
    """A part's string ids of one side (fastals_part_text_ids: packed UTF-8) as a list of str."""
    text = np.empty(size, np.uint8)
    off = np.empty(count + 1, np.int64)
    l.call("fastals_part_text_ids", h, side, ptr(text), text.size, ptr(off), off.size)
    raw = text.tobytes()
    return [raw[off[n]:off[n + 1]].decode("utf-8") for n in range(count)]


def _pack_text(ids):
    """String ids packed as the C ABI takes them: UTF-8 bytes and count + 1 offsets from 0."""
    encoded = [i.encode("utf-8") for i in ids]
    off = np.zeros(len(encoded) + 1, np.int64)
    np.cumsum([len(e) for e in encoded], out=off[1:])
    text = np.frombuffer(b"".join(encoded), np.uint8) if off[-1] else np.empty(0, np.uint8)
    return np.ascontiguousarray(text), off


def _is_text(ids):
    return not isinstance(ids, np.ndarray)


def _part_ids(part):
    return part["user_ids"], part["item_ids"], part["columns"]


def _split_part(part, umap, imap, ubounds):
    """Task: the part's entries in global indices, cut by user block (input order kept)."""
    gu = umap[part["users"]]
    gi = imap[part["items"]]
    v = part["values"]
    which = np.searchsorted(np.asarray(ubounds[1:-1], dtype=np.int64), gu, side="right")
    out = {}
    for b in range(len(ubounds) - 1):
        sel = np.flatnonzero(which == b) if len(ubounds) > 2 else slice(None)
        out[b] = ((gu[sel] - ubounds[b]).astype(np.int32), gi[sel].astype(np.int32), v[sel])
    return out


def _csr_rows(l, h, transposed, start, count):
    """Rows [start, start + count) of a dataset's CSR (transposed: its item-by-user matrix) as numpy arrays."""
    nnz = ctypes.c_int64()
    l.call("fastals_dataset_csr_nnz", h, int(transposed), int(start), int(count), ctypes.byref(nnz))
    off = np.empty(count + 1, np.int64)
    cols = np.empty(nnz.value, np.int32)
    vals = np.empty(nnz.value, np.float32)
    l.call("fastals_dataset_csr_rows", h, int(transposed), int(start), int(count), ptr(off), off.size, ptr(cols),
           cols.size, ptr(vals), vals.size)
    return off, cols, vals


def _build_user_block(b, ub, ib, spec, load, *pieces):
    """Task: user block ``b`` from its parts' pieces (in part order): the builder resolves duplicates exactly as
    loading the whole data set does. Also keeps the block's transpose (item rows, block-local user columns), from
    which the item blocks are assembled without a second build (and rebuilt after a loss, by ``_item_piece``)."""
    opts = _Opts(spec, load)
    l = lib()
    first, rows, n_items = ub[b], ub[b + 1] - ub[b], ib[-1]
    r = np.concatenate([p[0] for p in pieces]) if pieces else np.empty(0, np.int32)
    c = np.concatenate([p[1] for p in pieces]) if pieces else np.empty(0, np.int32)
    v = np.concatenate([p[2] for p in pieces]) if pieces else np.empty(0, np.float32)
    h = ctypes.c_uint64()
    l.call("fastals_dataset_from_indices", int(rows), int(n_items), int(first), ptr(r), r.size, ptr(c), c.size,
           ptr(v), v.size, ctypes.byref(opts.load), ctypes.byref(h))
    del r, c, v
    try:
        off, cols, vals = _csr_rows(l, h.value, 0, 0, rows)
        by_item = _csr_rows(l, h.value, 1, 0, n_items)
    finally:
        l.call("fastals_dataset_free", h.value)
    block = _finish_block(_USERS, b, ub, ib, off, cols, vals)
    block["by_item"] = by_item
    _, size = _chunking(opts, ub[-1])
    sums = np.zeros(0 if rows == 0 else -(-rows // size), np.float64)
    l.call("fastals_value_sums", ctypes.byref(opts.fit), int(ub[-1]), int(first), int(rows), ptr(off), off.size,
           ptr(vals), vals.size, ptr(sums), sums.size)
    block["value_sums"] = sums
    return block


def _item_piece(ublock, j, ib):
    """Task (on the user block's worker): item block ``j``'s rows of a user block's transpose, global user columns."""
    off, cols, vals = ublock["by_item"]
    s, e = off[ib[j]], off[ib[j + 1]]
    return off[ib[j]:ib[j + 1] + 1] - s, cols[s:e] + np.int32(ublock["first"]), vals[s:e].copy()


def _build_item_block(j, ib, ub, *pieces):
    """Task: item block ``j`` from the user blocks' pieces (in user block order): each item row is the
    concatenation of its rows in the user blocks' transposes, so its users stay ascending and its values are the
    resolved ones: the rows of the whole data set's item-by-user matrix."""
    rows = ib[j + 1] - ib[j]
    counts = np.zeros(rows, np.int64)
    for po, _, _ in pieces:
        counts += np.diff(po)
    off = np.zeros(rows + 1, np.int64)
    np.cumsum(counts, out=off[1:])
    cols = np.empty(int(off[-1]), np.int32)
    vals = np.empty(int(off[-1]), np.float32)
    cursor = off[:-1].copy()
    for po, pc, pv in pieces:
        c = np.diff(po)
        dest = np.repeat(cursor - po[:-1], c)
        dest += np.arange(pc.size, dtype=np.int64)
        cols[dest] = pc
        vals[dest] = pv
        cursor += c
    return _finish_block(_ITEMS, j, ib, ub, off, cols, vals)


def _finish_block(side, b, bounds, other_bounds, off, cols, vals):
    """A block's CSR with columns compacted to the other-side rows it references, and its in-block (which rows of
    each other-side block it needs)."""
    n_other = other_bounds[-1]
    # The referenced other-side rows (sorted) and each entry's index among them: a mark per other-side row instead
    # of np.unique's sort (O(nnz + n_other)).
    seen = np.zeros(int(n_other) + 1, np.int32)
    seen[cols + 1] = 1
    np.cumsum(seen, out=seen)
    local = seen[cols]
    refs = np.flatnonzero(np.diff(seen)).astype(np.int32)
    del seen
    ob = np.asarray(other_bounds, dtype=np.int64)
    cuts = np.searchsorted(refs, ob)
    need = [(refs[cuts[j]:cuts[j + 1]] - ob[j]).astype(np.int64) for j in range(len(ob) - 1)]
    return {"side": side, "b": b, "first": bounds[b], "rows": bounds[b + 1] - bounds[b], "offsets": off,
            "cols": local, "values": vals, "refs": refs.size, "ref_cuts": cuts, "need": need, "nnz": int(cols.size),
            "total": bounds[-1]}


def _init_factors(block, spec, load):
    """Task: the block's starting factors (and zero biases), as fit starts them."""
    opts = _Opts(spec, load)
    f = np.empty((block["rows"], opts.k), np.float32)
    lib().call("fastals_init_rows", ctypes.byref(opts.fit), int(block["side"]), int(block["first"]), int(block["rows"]),
               ptr(block["offsets"]), block["offsets"].size, ptr(f), f.size)
    return f, (np.zeros(block["rows"], np.float32) if opts.biased else None)


def _load_factors(path, block, spec, load):
    """Task: a block's factors from a checkpoint file."""
    opts = _Opts(spec, load)
    with np.load(path) as z:
        f = np.ascontiguousarray(z["factors"], dtype=np.float32)
        bias = np.ascontiguousarray(z["biases"], dtype=np.float32) if opts.biased else None
    if f.shape != (block["rows"], opts.k) or (bias is not None and bias.shape != (block["rows"],)):
        raise FastAlsError("%s: factors of shape %s do not fit block %d (%d rows, k = %d)"
                           % (path, f.shape, block["b"], block["rows"], opts.k))
    return f, bias


def _take(factors, need):
    """Task (on the fixed block's worker): the rows a solving block references (its out-block share)."""
    f, bias = factors
    return f[need], (bias[need] if bias is not None else None)


def _regularization(block, factors, opts):
    """sum_r lambda_r (|f_r|^2 + b_r^2) of a block (progress only)."""
    f, bias = factors
    counts = np.diff(block["offsets"]).astype(np.float64)
    reg = np.float64(np.float32(opts.fit.regularization))
    lam = (reg * counts if int(opts.fit.regularization_scaling) == int(sig.RegularizationScaling.BY_COUNT)
           else np.full(counts.shape, reg)).astype(np.float32).astype(np.float64)
    s = np.einsum("ij,ij->i", f.astype(np.float64), f.astype(np.float64))
    if bias is not None:
        s = s + bias.astype(np.float64) ** 2
    return float(np.dot(lam, s))


def _gram_partials(block, factors, opts, threads):
    f, bias = factors
    count, size = _chunking(opts, block["total"])
    rows = block["rows"]
    n = 0 if rows == 0 else -(-rows // size)
    w = opts.w
    parts = np.zeros(n * w * w, np.float64)
    b = bias if bias is not None else np.empty(0, np.float32)
    lib().call("fastals_gram_partials", ctypes.byref(opts.fit), int(block["total"]), int(block["first"]), int(rows),
               ptr(f), f.size, ptr(b), b.size, int(threads), ptr(parts), parts.size)
    return parts


def _stats(block, factors, spec, load, threads):
    """Task: the block's Gram partials and regularization (for the starting or checkpointed factors)."""
    opts = _Opts(spec, load)
    return _gram_partials(block, factors, opts, threads), _regularization(block, factors, opts)


def _solve(block, current, gram, global_mean, spec, load, threads, *received):
    """Task: solves the block against the other-side rows it received; returns the new factors (and biases) and
    (Gram partials, loss, regularization)."""
    opts = _Opts(spec, load)
    l = lib()
    k = opts.k
    fixed = np.empty((block["refs"], k), np.float32)
    fixed_b = np.empty(block["refs"] if opts.biased else 0, np.float32)
    cuts = block["ref_cuts"]
    for j, (rf, rb) in enumerate(received):
        fixed[cuts[j]:cuts[j + 1]] = rf
        if opts.biased:
            fixed_b[cuts[j]:cuts[j + 1]] = rb
    h = ctypes.c_uint64()
    l.call("fastals_fixed_create", ctypes.byref(opts.fit), int(block["refs"]), ptr(fixed), fixed.size, ptr(fixed_b),
           fixed_b.size, 0, ctypes.byref(h))
    try:
        if opts.implicit:
            l.call("fastals_fixed_set_gram", h.value, ptr(gram), gram.size)
        f = np.array(current[0], dtype=np.float32, order="C", copy=True)
        bias = np.array(current[1], dtype=np.float32, copy=True) if opts.biased else np.empty(0, np.float32)
        loss, reg = ctypes.c_double(), ctypes.c_double()
        off, cols, vals = block["offsets"], block["cols"], block["values"]
        l.call("fastals_fixed_solve", h.value, int(block["first"]), int(block["rows"]), ptr(off), off.size,
               ptr(cols), cols.size, ptr(vals), vals.size, float(global_mean), int(threads), ptr(f), f.size,
               ptr(bias), bias.size, ctypes.byref(loss), ctypes.byref(reg))
    finally:
        l.call("fastals_fixed_free", h.value)
    solved = (f, bias if opts.biased else None)
    return solved, (_gram_partials(block, solved, opts, threads), loss.value, reg.value)


def _save_block(factors, path):
    """Task: writes a block's factors to ``path`` (temporary name, then renamed)."""
    f, bias = factors
    tmp = "%s.tmp-%s.npz" % (path[:-4], uuid.uuid4().hex)
    try:
        np.savez(tmp, factors=f, biases=bias if bias is not None else np.empty(0, np.float32))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _spark_part(factors, folder, side, b, first, ids, external, spec, load):
    """Task: writes a block's factors as Spark part file number ``b`` of its side (the library's Spark writer:
    temporary name, then renamed, so a rerun after a lost worker replaces it)."""
    opts = _Opts(spec, load)
    f, bias = factors
    f = np.ascontiguousarray(f, dtype=np.float32)
    bias = np.ascontiguousarray(bias, dtype=np.float32) if opts.biased else np.empty(0, np.float32)
    if _is_text(ids):
        text, off = _pack_text(ids)
        lib().call("fastals_spark_write_part_text", ctypes.byref(opts.fit), os.fsencode(folder), int(side), int(b),
                   int(first), len(ids), ptr(f), f.size, ptr(bias), bias.size, ptr(text), text.size, ptr(off), off.size)
        return b
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    lib().call("fastals_spark_write_part", ctypes.byref(opts.fit), os.fsencode(folder), int(side), int(b), int(first),
               int(ids.size), ptr(f), f.size, ptr(bias), bias.size, ptr(ids), ids.size, bool(external))
    return b


# ---------------------------------------------------------------------------------------------------- driver

def _merge_ids(id_lists):
    """Global ids in first-seen order over the parts (in order) and each part's local -> global index map: the
    order in which loading all the parts at once numbers them. int64 ids (numpy arrays) give a numpy array,
    string ids (lists of str, all parts alike: see ``_check_kinds``) a list."""
    if not id_lists:
        return np.empty(0, np.int64), []
    if _is_text(id_lists[0]):
        index = {}
        maps = [np.fromiter((index.setdefault(i, len(index)) for i in ids), np.int32, len(ids)) for ids in id_lists]
        return list(index), maps
    allids = np.concatenate(id_lists)
    uniq, first, inverse = np.unique(allids, return_index=True, return_inverse=True)
    order = np.argsort(first)  # first positions are distinct
    rank = np.empty(uniq.size, np.int32)
    rank[order] = np.arange(uniq.size, dtype=np.int32)
    return uniq[order], np.split(rank[inverse.reshape(-1)], np.cumsum([ids.size for ids in id_lists])[:-1])


def _check_kinds(paths, ids):
    """All parts must agree on each side's id type (int64 or string), as loading them at once requires: else one
    error naming the first part that differs from the first part, and its column."""
    for s, name in ((_USERS, "user"), (_ITEMS, "item")):
        kinds = [_is_text(i[s]) for i in ids]
        for n, k in enumerate(kinds):
            if k != kinds[0]:
                raise FastAlsError("%s, column '%s': the %s ids are %s, but %s (the first part) has %s %s ids; every "
                                   "part must have the same id column types"
                                   % (paths[n], ids[n][2][s], name, "strings" if k else "int64", paths[0],
                                      "string" if kinds[0] else "int64", name), sig.FASTALS_E_INVALID_DATA)


def _block_parts(maps, bounds):
    """For each block of a side, the parts (in part order) whose entries have rows in it: a part's id list holds
    exactly the ids of its entries, so its local -> global map says which blocks it reaches."""
    holders = [[] for _ in range(len(bounds) - 1)]
    edges = np.asarray(bounds[1:-1], dtype=np.int64)
    for n, m in enumerate(maps):
        reached = np.zeros(len(holders), bool)
        reached[np.searchsorted(edges, m, side="right")] = True
        for b in np.flatnonzero(reached):
            holders[b].append(n)
    return holders


def fit(client, source, model, blocks=None, duplicates="sum", user_column=None, item_column=None, value_column=None,
        threads=0, callback=None, checkpoint_dir=None, checkpoint_every=0, resume=False, replicate=True, timeout=None,
        spark_output=None, overwrite=False, assemble=True):
    """Trains ``model`` (an unfitted fastals estimator: its parameters are the options) on a Dask cluster.

    ``client``: a ``dask.distributed.Client`` or a scheduler address (see ``connect``). ``source``: a Parquet folder
    or a list of part files, read by the workers. ``blocks``: blocks per side (default: the number of workers; at
    most the side's Gram chunk count). ``duplicates``/``*_column`` as in ``Dataset.load``. ``threads``: solver
    threads per task (0: all cores of the worker's machine). ``callback(iteration, half_step, cost, loss)`` after
    every half-step, as in ``fit``; returning True stops with FastAlsCancelled. ``checkpoint_dir`` and
    ``checkpoint_every`` (iterations): the factors are written there (shared by all workers) every N iterations;
    ``resume=True`` continues from the last checkpoint. ``timeout``: seconds to wait for any one step.
    ``spark_output``: a folder that the WORKERS write the result to, in Spark ML's ALSModel layout (each block one
    part file, written by the worker holding it; the driver adds the metadata; built beside the folder under a
    temporary name and renamed into place; ``overwrite=True`` replaces an existing folder). ``import_spark``
    reads it back as the model. ``assemble=False`` skips gathering the factors into the driver (for data whose
    model does not fit there) and returns ``spark_output`` instead of the model.
    Returns ``model``, fitted: an ordinary model (save, recommend, export_spark) with the parts' ids (int64 or
    string, per side, as ``Dataset.load`` gives them).
    """
    if isinstance(client, str):
        client = connect(client)
    if duplicates not in _DUPLICATES:
        raise FastAlsArgumentError("duplicates must be one of %s (got %r)" % (sorted(_DUPLICATES), duplicates),
                                   sig.FASTALS_E_INVALID_ARGUMENT)
    if not assemble and spark_output is None:
        raise FastAlsArgumentError("assemble=False needs spark_output (the result would go nowhere)",
                                   sig.FASTALS_E_INVALID_ARGUMENT)
    if spark_output is not None and not overwrite and os.path.lexists(os.fspath(spark_output)):
        raise FileExistsError("%s already exists (pass overwrite=True to replace it)" % os.path.abspath(spark_output))
    if checkpoint_every and not checkpoint_dir:
        raise FastAlsArgumentError("checkpoint_every needs checkpoint_dir", sig.FASTALS_E_INVALID_ARGUMENT)
    paths = list_parts(source)
    spec = _params(model)
    load = {"duplicates": duplicates, "user_column": user_column, "item_column": item_column,
            "value_column": value_column}
    opts = _Opts(spec, load)
    _check_spec(model, opts)
    workers = sorted(client.scheduler_info()["workers"])
    if not workers:
        raise FastAlsError("the Dask cluster has no workers")
    run = uuid.uuid4().hex[:12]
    keys = iter(range(1 << 62))

    def submit(fn, *args, where=None, **kw):
        return client.submit(fn, *args, key="fastals-%s-%s-%d" % (run, fn.__name__.strip("_"), next(keys)), pure=False,
                             workers=None if where is None else [where], allow_other_workers=where is not None, **kw)

    def gather(futures):
        return client.gather(futures) if timeout is None else _gather_timeout(client, futures, timeout)

    # 1. Read the parts on the workers; agree on the ids.
    parts = [submit(_read_part, p, spec, load, where=workers[n % len(workers)]) for n, p in enumerate(paths)]
    ids = gather([submit(_part_ids, p, where=workers[n % len(workers)]) for n, p in enumerate(parts)])
    _check_kinds(paths, ids)
    user_ids, umaps = _merge_ids([u for u, _, _ in ids])
    item_ids, imaps = _merge_ids([i for _, i, _ in ids])
    n_users, n_items = len(user_ids), len(item_ids)
    if n_users == 0:
        raise FastAlsError("%s: no interactions" % (source if not isinstance(source, (list, tuple)) else ", ".join(paths)),
                           sig.FASTALS_E_INVALID_DATA)
    nb = blocks or len(workers)
    ub, ib = _bounds(opts, n_users, nb), _bounds(opts, n_items, nb)
    # The id maps travel inside the tasks (not scattered) so that dask can recompute a lost split from lineage.
    splits = [submit(_split_part, p, umaps[n], imaps[n], ub, where=workers[n % len(workers)])
              for n, p in enumerate(parts)]
    sides = {_USERS: ub, _ITEMS: ib}
    owner = {(s, b): workers[(b + s) % len(workers)] for s in sides for b in range(len(sides[s]) - 1)}
    # User blocks: built from the pieces of only the parts that hold rows of them (their lineage; rebuilding a lost
    # user block re-reads those parts). Item blocks: assembled from the user blocks' transposes (a lost item block
    # is rebuilt from the user blocks, which stay in memory, reading no part).
    holders = _block_parts(umaps, ub)
    blk = {}
    for b in range(len(ub) - 1):
        pieces = [submit(operator.getitem, splits[n], b, where=workers[n % len(workers)]) for n in holders[b]]
        blk[(_USERS, b)] = submit(_build_user_block, b, ub, ib, spec, load, *pieces, where=owner[(_USERS, b)])
    for j in range(len(ib) - 1):
        pieces = [submit(_item_piece, blk[(_USERS, b)], j, ib, where=owner[(_USERS, b)]) for b in range(len(ub) - 1)]
        blk[(_ITEMS, j)] = submit(_build_item_block, j, ib, ub, *pieces, where=owner[(_ITEMS, j)])
    del parts, splits
    # What each solving block needs from each fixed block (constant for the run), computed where the solving block
    # lives, then copied once to the fixed block's worker and kept there (not re-sent every half-step).
    need = {}
    for (s, b) in blk:
        for j in range(len(sides[1 - s]) - 1):
            here = submit(_need, blk[(s, b)], j, where=owner[(s, b)])
            need[(s, b, j)] = submit(_keep, here, where=owner[(1 - s, j)])

    # 2. Starting factors (or a checkpoint's), global mean, Gram matrices.
    start_iter = 0
    state = {}
    manifest = _manifest_path(checkpoint_dir)
    shape = {"users": int(n_users), "items": int(n_items), "ubounds": ub, "ibounds": ib, "options": spec[1],
             "kind": spec[0], "parts": paths}
    if resume:
        if not manifest or not os.path.exists(manifest):
            raise FileNotFoundError("resume=True but %s holds no checkpoint (manifest.json)" % checkpoint_dir)
        with open(manifest) as f:
            m = json.load(f)
        if {k: m.get(k) for k in shape} != json.loads(json.dumps(shape)):
            raise FastAlsArgumentError("%s: the checkpoint was written for other data, blocks or options" % manifest,
                                       sig.FASTALS_E_INVALID_ARGUMENT)
        start_iter = int(m["iteration"])
        state = m.get("state", {})
        cur = {key: submit(_load_factors, os.path.join(checkpoint_dir, m["generation"], _block_file(*key)), blk[key], spec, load,
                           where=owner[key]) for key in blk}
    else:
        cur = {key: submit(_init_factors, blk[key], spec, load, where=owner[key]) for key in blk}
    global_mean = 0.0
    if opts.kind == int(sig.AlsModelKind.BIASED_EXPLICIT):
        sums_nnz = gather([submit(_value_sums, blk[(_USERS, b)], where=owner[(_USERS, b)]) for b in range(len(ub) - 1)])
        sums = [s for s, _ in sums_nnz]
        nnz = sum(n for _, n in sums_nnz)
        s = 0.0
        for chunk in np.concatenate(sums):
            s += float(chunk)  # chunk order, in double: the sum fit computes
        global_mean = float(np.float32(s / nnz)) if nnz else 0.0
    init = {key: submit(_stats, blk[key], cur[key], spec, load, threads, where=owner[key]) for key in blk}
    stats = dict(zip(init, gather(list(init.values()))))
    gram = {s: _reduce(opts, [stats[(s, b)][0] for b in range(len(sides[s]) - 1)], sides[s][-1]) for s in sides}
    reg = {s: sum(stats[(s, b)][1] for b in range(len(sides[s]) - 1)) for s in sides}
    previous_cost = state.get("previous_cost", float("nan"))
    previous_iteration_cost = state.get("previous_iteration_cost", float("nan"))

    # 3. Iterations.
    iterations = int(opts.fit.iterations)
    for it in range(start_iter + 1, iterations + 1):
        for s in (_USERS, _ITEMS):
            o = 1 - s
            res = {}
            for b in range(len(sides[s]) - 1):
                sends = [submit(_take, cur[(o, j)], need[(s, b, j)], where=owner[(o, j)])
                         for j in range(len(sides[o]) - 1)]
                res[b] = submit(_solve, blk[(s, b)], cur[(s, b)], gram[o], global_mean, spec, load, threads, *sends,
                                where=owner[(s, b)])
            new = {b: submit(operator.getitem, r, 0, where=owner[(s, b)]) for b, r in res.items()}
            out = gather([submit(operator.getitem, r, 1, where=owner[(s, b)]) for b, r in res.items()])
            for b in new:
                cur[(s, b)] = new[b]
            if replicate:
                _replicate(client, list(new.values()))
            del res
            gram[s] = _reduce(opts, [p for p, _, _ in out], sides[s][-1])
            loss = sum(x for _, x, _ in out)
            if opts.implicit:
                loss += _pair_square_sum(opts, gram[s], gram[o])
            reg[s] = sum(r for _, _, r in out)
            cost = loss + reg[_USERS] + reg[_ITEMS]
            previous_cost = cost
            if callback is not None and callback(it, s, cost, loss):
                raise FastAlsCancelled("training was stopped by the callback after iteration %d, half-step %d" % (it, s),
                                       sig.FASTALS_E_CANCELLED)
        stop = (float(opts.fit.early_stop_tolerance) > 0 and previous_iteration_cost == previous_iteration_cost
                and (previous_iteration_cost - previous_cost) / abs(previous_iteration_cost) < float(opts.fit.early_stop_tolerance))
        previous_iteration_cost = previous_cost
        if checkpoint_dir and checkpoint_every and (it % checkpoint_every == 0 or it == iterations or stop):
            _checkpoint(client, submit, gather, checkpoint_dir, cur, owner, it, shape,
                        {"previous_cost": previous_cost, "previous_iteration_cost": previous_iteration_cost})
        if stop:
            break

    # 4. The Spark folder (written by the workers) and/or the model (gathered by the driver).
    if spark_output is not None:
        _write_spark(submit, gather, spark_output, overwrite, opts, spec, load, cur, owner, sides,
                     {_USERS: user_ids, _ITEMS: item_ids}, global_mean)
    if not assemble:
        return spark_output
    return _assemble(model, opts, client, gather, cur, sides, user_ids, item_ids, global_mean)


def _write_spark(submit, gather, folder, overwrite, opts, spec, load, cur, owner, sides, ids, global_mean):
    """The workers write each block as one part file of a Spark ALSModel folder built beside ``folder`` under a
    temporary name; the driver adds the metadata and renames it into place (replacing ``folder`` when
    ``overwrite``). On any failure the temporary folder is removed."""
    full = os.path.abspath(os.fspath(folder)).rstrip(os.sep)
    if os.path.lexists(full) and not overwrite:
        raise FileExistsError("%s already exists (pass overwrite=True to replace it)" % full)
    parent, name = os.path.split(full)
    os.makedirs(parent, exist_ok=True)
    tmp = os.path.join(parent, ".%s.tmp-%s" % (name, uuid.uuid4().hex[:12]))
    os.mkdir(tmp)
    old = None
    try:
        external = {}
        for s in sides:
            if _is_text(ids[s]):
                external[s] = True  # string ids always go to the external_id column (fastals_spark_write_part_text)
                continue
            flag = ctypes.c_int32()
            lib().call("fastals_spark_external_ids", ptr(ids[s]), ids[s].size, ctypes.byref(flag))
            external[s] = bool(flag.value)
        gather([submit(_spark_part, cur[(s, b)], tmp, s, b, sides[s][b], ids[s][sides[s][b]:sides[s][b + 1]],
                       external[s], spec, load, where=owner[(s, b)]) for s in sides for b in range(len(sides[s]) - 1)])
        for side in ("userFactors", "itemFactors"):  # scratch files of a writer that died mid-part
            d = os.path.join(tmp, side)
            for n in os.listdir(d):
                if n.startswith("."):
                    os.unlink(os.path.join(d, n))
        lib().call("fastals_spark_write_metadata", ctypes.byref(opts.fit), os.fsencode(tmp), ctypes.c_float(global_mean),
                   bool(external[_USERS]), bool(external[_ITEMS]), _is_text(ids[_USERS]), _is_text(ids[_ITEMS]))
        if os.path.lexists(full):
            old = os.path.join(parent, ".%s.old-%s" % (name, uuid.uuid4().hex[:12]))
            os.rename(full, old)
        os.rename(tmp, full)
        tmp = None
    finally:
        if tmp is not None:
            _rmtree(tmp)
            if old is not None and not os.path.lexists(full):
                os.rename(old, full)
                old = None
        if old is not None:
            _rmtree(old)


def _replicate(client, futures):
    """Keeps a second copy of a completed half-step's factors on another worker, so that losing one worker loses
    no factors (its blocks are then rebuilt from lineage). Best effort: when it cannot (one worker left, a worker
    dying meanwhile), dask can still recompute the factors from their lineage."""
    alive = len(client.scheduler_info()["workers"])
    if alive < 2:
        return
    try:
        client.replicate(futures, n=2)
    except Exception:  # noqa: BLE001 - a failed extra copy is not a failed training
        pass


def _value_sums(block):
    return block["value_sums"], block["nnz"]


def _need(block, j):
    return block["need"][j]


def _keep(value):
    """A copy of a small value held on this task's worker (a key of its own)."""
    return value.copy()


def _reduce(opts, partials, total):
    count, _ = _chunking(opts, total)
    p = np.concatenate(partials) if partials else np.empty(0, np.float64)
    w = opts.w
    if p.size != count * w * w:
        raise FastAlsError("internal: %d Gram partial values for %d chunks of %d x %d" % (p.size, count, w, w))
    g = np.empty(w * w, np.float64)
    lib().call("fastals_gram_reduce", ctypes.byref(opts.fit), int(count), ptr(p), p.size, ptr(g), g.size)
    return g


def _pair_square_sum(opts, solved, fixed):
    return lib().out("fastals_gram_pair_square_sum", ctypes.c_double, ctypes.byref(opts.fit), ptr(solved), solved.size,
                     ptr(fixed), fixed.size)


def _gather_timeout(client, futures, timeout):
    from dask.distributed import wait
    done = wait(futures, timeout=timeout, return_when="ALL_COMPLETED")
    if done.not_done:
        raise TimeoutError("a distributed training step did not finish within %s s" % timeout)
    return client.gather(futures)


def _manifest_path(folder):
    return os.path.join(folder, "manifest.json") if folder else None


def _block_file(side, b):
    return "%s-%05d.npz" % ("users" if side == _USERS else "items", b)


def _checkpoint(client, submit, gather, folder, cur, owner, iteration, shape, state):
    """Workers write their blocks' factors; then the manifest is replaced (atomically), so a crash mid-way leaves the
    previous checkpoint readable... except for the block files already overwritten, which is why each checkpoint
    writes into a fresh generation folder that the manifest names."""
    os.makedirs(folder, exist_ok=True)
    gen = "iter-%06d" % iteration
    target = os.path.join(folder, gen)
    os.makedirs(target, exist_ok=True)
    gather([submit(_save_block, cur[key], os.path.join(target, _block_file(*key)), where=owner[key]) for key in cur])
    m = dict(shape, iteration=iteration, state=state, generation=gen)
    tmp = os.path.join(folder, ".manifest-%s.tmp" % uuid.uuid4().hex)
    with open(tmp, "w") as f:
        json.dump(m, f)
    os.replace(tmp, os.path.join(folder, "manifest.json"))
    for name in os.listdir(folder):  # older generations are no longer named by the manifest
        if name.startswith("iter-") and name != gen:
            _rmtree(os.path.join(folder, name))


def _rmtree(path):
    import shutil
    shutil.rmtree(path, ignore_errors=True)


def _assemble(model, opts, client, gather, cur, sides, user_ids, item_ids, global_mean):
    """The finished factors gathered into an ordinary model with the parts' ids."""
    l = lib()
    h = ctypes.c_uint64()
    if _is_text(user_ids) or _is_text(item_ids):
        args = []
        for ids in (user_ids, item_ids):
            if _is_text(ids):
                text, off = _pack_text(ids)
                args += [None, 0, ptr(text), text.size, ptr(off), off.size]
            else:
                args += [ptr(ids), ids.size, None, 0, None, 0]
        l.call("fastals_model_create_with_text_ids", ctypes.byref(opts.fit), *args, ctypes.byref(h))
    else:
        l.call("fastals_model_create_with_ids", ctypes.byref(opts.fit), ptr(user_ids), user_ids.size, ptr(item_ids),
               item_ids.size, ctypes.byref(h))
    try:
        for s in (_USERS, _ITEMS):
            bounds = sides[s]
            for b in range(len(bounds) - 1):
                f, bias = gather(cur[(s, b)])
                f = np.ascontiguousarray(f, dtype=np.float32)
                l.call("fastals_model_set_factor_rows", h.value, s, int(bounds[b]), int(bounds[b + 1] - bounds[b]),
                       ptr(f), f.size)
                if opts.biased:
                    bias = np.ascontiguousarray(bias, dtype=np.float32)
                    args = (int(bounds[b]), ptr(bias), bias.size, 0, None, 0) if s == _USERS else \
                        (0, None, 0, int(bounds[b]), ptr(bias), bias.size)
                    l.call("fastals_model_set_bias_rows", h.value, *args, ctypes.c_float(global_mean))
    except BaseException:
        l.call("fastals_model_free", h.value)
        raise
    model._free_model()
    model._model = h.value
    return model


# ---------------------------------------------------------------------------------------------------- command line

_CLASSES = {"implicit": "AlternatingLeastSquares", "explicit": "ExplicitALS", "biased_explicit": "BiasedExplicitALS",
            "biased_implicit": "BiasedImplicitALS"}


def _spelling(value):
    """An enum value of AlsOptions' JSON in the schema's snake_case spelling ('ByCount' from older writers -> 'by_count')."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", str(value)).lower()


def estimator_from_options(options):
    """An unfitted estimator from AlsOptions' JSON form (what ``fastals train --scheduler`` passes: AlsOptions
    .WriteJsonProperties). Raises FastAlsArgumentError for what the Python estimators cannot express."""
    from . import als
    o = dict(options)
    try:
        cls = getattr(als, _CLASSES[_spelling(o["kind"])])
        if float(o.get("cgTolerance", 0)) != 0:
            raise FastAlsArgumentError("cgTolerance %s: the distributed driver supports only 0 (a fixed number of CG "
                                       "steps)" % o["cgTolerance"], sig.FASTALS_E_INVALID_ARGUMENT)
        solver = _spelling(o["solver"])
        if solver not in ("cholesky", "conjugate_gradient"):
            raise KeyError(o["solver"])
        return cls(factors=int(o["factors"]), regularization=float(o["regularization"]), alpha=float(o["alpha"]),
                   iterations=int(o["iterations"]), random_state=int(o["seed"]), num_threads=int(o.get("threads", 0)),
                   use_cg=solver == "conjugate_gradient", cg_steps=int(o["cgSteps"]),
                   confidence=_spelling(o["confidence"]), epsilon=float(o["epsilon"]),
                   regularization_scaling=_spelling(o["regularizationScaling"]),
                   init_scale=float(o["initScale"]), early_stop_tolerance=float(o["earlyStopTolerance"]))
    except KeyError as e:
        raise FastAlsArgumentError("options JSON: missing or unknown value %s" % e, sig.FASTALS_E_INVALID_ARGUMENT) from None


def main(argv=None):
    """``python3 -m fastals.distributed --scheduler ADDR --output MODEL [--spark FOLDER] [--options-json JSON] DATA...``: what
    ``fastals train DATA --scheduler ADDR -o MODEL`` runs. Progress on stderr, one line per iteration. Exit 0 on
    success, 1 on bad input or an unreachable cluster (one ``fastals: error: ...`` line), 2 on usage errors."""
    import argparse
    import sys
    p = argparse.ArgumentParser(prog="python3 -m fastals.distributed", description=main.__doc__.split("\n")[0])
    p.add_argument("source", nargs="+", help="a Parquet folder, or part files")
    p.add_argument("--scheduler", required=True, help="the Dask scheduler address, e.g. tcp://host:8786")
    p.add_argument("--output", "-o", help="the model file to write (gathered by the driver)")
    p.add_argument("--options-json", default="{}", help="AlsOptions as JSON (fastals train passes them)")
    p.add_argument("--spark", help="the workers write the model in Spark ML's ALSModel layout to this folder "
                                   "(replaced if it exists)")
    p.add_argument("--duplicates", default="sum", choices=sorted(_DUPLICATES))
    p.add_argument("--user-col")
    p.add_argument("--item-col")
    p.add_argument("--value-col")
    p.add_argument("--blocks", type=int)
    p.add_argument("--checkpoint-dir")
    p.add_argument("--checkpoint-every", type=int, default=0)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--connect-timeout", type=float, default=10)
    p.add_argument("--timeout", type=float, help="seconds to wait for any one step")
    p.add_argument("--quiet", "-q", action="store_true")
    a = p.parse_args(argv)
    if a.output is None and a.spark is None:
        p.error("one of --output and --spark is required")
    try:
        options = json.loads(a.options_json)
        model = estimator_from_options(options) if options else _estimator(("AlternatingLeastSquares", {}))
        client = connect(a.scheduler, timeout=a.connect_timeout)
        try:
            def progress(iteration, half_step, cost, loss):
                if not a.quiet and half_step == 1:
                    print("iter %d cost %.6g loss %.6g" % (iteration, cost, loss), file=sys.stderr, flush=True)
                return False

            source = a.source[0] if len(a.source) == 1 and os.path.isdir(a.source[0]) else a.source
            fit(client, source, model, blocks=a.blocks, duplicates=a.duplicates, user_column=a.user_col,
                item_column=a.item_col, value_column=a.value_col, threads=int(options.get("threads", 0)),
                callback=progress, checkpoint_dir=a.checkpoint_dir, checkpoint_every=a.checkpoint_every,
                resume=a.resume, timeout=a.timeout, spark_output=a.spark, overwrite=True,
                assemble=a.output is not None)
        finally:
            client.close()
        if a.output is not None:
            model.save(a.output)
        if not a.quiet:
            if a.output is not None:
                u, i = model.shape
                print("saved %s: %d users x %d items, k = %d" % (a.output, u, i, model.factors), file=sys.stderr)
            if a.spark is not None:
                print("the workers wrote %s (Spark ALSModel layout)" % a.spark, file=sys.stderr)
        return 0
    except (FastAlsError, OSError, ConnectionError, TimeoutError, ValueError) as e:
        print("fastals: error: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    # Run the imported module's main, so that the tasks pickle as fastals.distributed._* (which workers can import),
    # not as __main__._*.
    import sys
    from fastals.distributed import main as _main
    sys.exit(_main())
