#!/usr/bin/python3
"""Benchmark: one process (fit) against fastals.distributed on a 2-worker dask LocalCluster on the same machine.

    FASTALS_ISA=v3 /usr/bin/python3 bench/dask-distributed.py [--interactions 10M] [--factors 64] [--iterations 3]
                                                              [--out bench/results/<machine>/dask.md]

Data: a seeded synthetic set (Zipf-like item popularity, Pareto-like user activity; implicit counts) written as 8
Parquet part files into a temporary folder. Both runs train the same implicit model from the same parts (the single
process loads the folder; the workers read the parts themselves) and must end with bit-identical factors.

Reported per run: seconds per iteration, total CPU seconds of all processes (driver, scheduler, workers), bytes
sent per iteration between processes and peak memory per process. Bytes: dask's worker-to-worker transfer counters
(transfer_outgoing_bytes_total: factor rows to other workers and the per-chunk Gram partials gathered by the
driver) plus what the driver sends (the fixed side's Gram matrix to every block), printed beside the block-partitioned minimum: every factor row that a
block references and that lives on another worker, once per half-step (k floats, plus a bias for biased models).
Timings are for one shared machine: compare the two columns of one run, not runs across machines.
"""
import argparse
import glob
import os
import resource
import shutil
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "interop", "python"))

import fastals  # noqa: E402
from fastals import AlternatingLeastSquares, Dataset  # noqa: E402
from fastals import distributed as fd  # noqa: E402


def count(text):
    text = text.upper()
    scale = {"K": 10 ** 3, "M": 10 ** 6, "B": 10 ** 9}.get(text[-1], 1)
    return int(float(text[:-1] if text[-1] in "KMB" else text) * scale)


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime, c.ru_utime + c.ru_stime


def write_data(folder, n, users, items, parts, seed=1):
    rng = np.random.default_rng(seed)
    activity = rng.pareto(1.2, users) + 1.0
    u = rng.choice(users, size=n, p=activity / activity.sum()).astype(np.int64)
    ranks = np.arange(1, items + 1, dtype=np.float64)
    pop = 1.0 / ranks ** 0.9
    i = rng.choice(items, size=n, p=pop / pop.sum()).astype(np.int64)
    v = rng.integers(1, 20, n).astype(np.float32)
    cuts = np.linspace(0, n, parts + 1).astype(np.int64)
    for p in range(parts):
        s = slice(cuts[p], cuts[p + 1])
        with Dataset.from_coo(u[s], i[s], v[s]) as d:
            d.save_parquet(os.path.join(folder, "part-%03d.parquet" % p))


def minimum_bytes(folder, model, n_workers):
    """The block-partitioned minimum per iteration, from the data and the driver's block layout."""
    opts = fd._Opts(fd._params(model), {"duplicates": "sum"})
    with Dataset.load(folder) as d:
        users, items = d.shape
        rows, cols, _ = _coo(d)
    ub, ib = fd._bounds(opts, users, n_workers), fd._bounds(opts, items, n_workers)
    workers = list(range(n_workers))
    row_size = 4 * (opts.k + (1 if opts.biased else 0))
    total = 0
    for side, (a, b, abounds, bbounds) in enumerate(((rows, cols, ub, ib), (cols, rows, ib, ub))):
        ablock = np.searchsorted(abounds[1:-1], a, side="right")
        pairs = np.unique(ablock.astype(np.int64) * (1 << 40) + b)  # distinct (solving block, fixed row)
        sb, fr = pairs >> 40, pairs & ((1 << 40) - 1)
        fb = np.searchsorted(bbounds[1:-1], fr, side="right")
        remote = workers_of(sb, side, n_workers) != workers_of(fb, 1 - side, n_workers)
        total += int(remote.sum()) * row_size
    return total


def workers_of(blocks, side, n):
    return (blocks + side) % n  # the driver's owner rule: workers[(b + side) % len(workers)]


def _coo(d):
    import ctypes
    from fastals._arrays import ptr
    users, _ = d.shape
    l = fastals.lib()
    nnz = ctypes.c_int64()
    l.call("fastals_dataset_csr_nnz", d.handle, 0, 0, users, ctypes.byref(nnz))
    off = np.empty(users + 1, np.int64)
    cols = np.empty(nnz.value, np.int32)
    vals = np.empty(nnz.value, np.float32)
    l.call("fastals_dataset_csr_rows", d.handle, 0, 0, users, ptr(off), off.size, ptr(cols), cols.size, ptr(vals), vals.size)
    return np.repeat(np.arange(users), np.diff(off)), cols, vals


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--interactions", default="10M")
    ap.add_argument("--users", default="200K")
    ap.add_argument("--items", default="50K")
    ap.add_argument("--factors", type=int, default=64)
    ap.add_argument("--iterations", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--replicate", action="store_true",
                    help="keep the fault-tolerance copy of each half-step's factors (adds the solved side's factors "
                         "to the bytes of every half-step)")
    ap.add_argument("--out", default=None, help="markdown file for the table (default: print only)")
    ap.add_argument("--data", default=None,
                    help="keep the parts in this folder and reuse them when it holds them already (default: a "
                         "temporary folder, removed at the end)")
    a = ap.parse_args()
    n, users, items = count(a.interactions), count(a.users), count(a.items)
    folder = a.data or tempfile.mkdtemp(prefix="fastals-dask-bench-")
    try:
        if a.data and os.path.isdir(folder) and len(glob.glob(os.path.join(folder, "*.parquet"))) == 8:
            print("reusing the parts in %s" % folder, flush=True)
        else:
            os.makedirs(folder, exist_ok=True)
            t = time.time()
            write_data(folder, n, users, items, 8)
            print("wrote %d interactions as 8 parts in %.1f s" % (n, time.time() - t), flush=True)
        params = dict(factors=a.factors, iterations=a.iterations, regularization=0.05, alpha=2.0)

        # one process
        load_before = os.getloadavg()[0]
        stamps = []
        c0, _ = cpu_seconds()
        t0 = time.time()
        single = AlternatingLeastSquares(num_threads=0, **params)
        with Dataset.load(folder) as d:
            t_loaded = time.time()
            single_cpu = []
            single.fit(d, callback=lambda it, h, c, l: stamps.append(time.time()) or (h == 1 and single_cpu.append(cpu_seconds()[0])) and False)
        c1, _ = cpu_seconds()
        single_row = {"s_iter": (stamps[-1] - t_loaded) / a.iterations, "cpu": c1 - c0,
                      "cpu_iter": (single_cpu[-1] - single_cpu[0]) / max(1, a.iterations - 1), "wall": time.time() - t0,
                      "bytes": 0, "peak": [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024]}
        print("single process: %.2f s/iteration, %.1f CPU s" % (single_row["s_iter"], single_row["cpu"]), flush=True)

        # the cluster
        cluster = fd.local_cluster(n_workers=a.workers, threads_per_worker=1, dashboard_address=None)
        from dask.distributed import Client
        client = Client(cluster)
        try:
            def worker_cpu():
                r = resource.getrusage(resource.RUSAGE_SELF)
                return r.ru_utime + r.ru_stime

            def sent(dask_worker):
                return dask_worker.transfer_outgoing_bytes_total

            w0 = sum(client.run(worker_cpu).values())
            d0, _ = cpu_seconds()
            stamps, sent_at, cpu_at, driver_at = [], [], [], []

            def progress(it, h, c, l):
                stamps.append(time.time())
                if h == 1:  # bytes and CPU at the end of each iteration (steady state: after the first)
                    sent_at.append(sum(client.run(sent).values()))
                    workers_cpu = sum(client.run(worker_cpu).values())
                    cpu_at.append(workers_cpu + cpu_seconds()[0])
                    driver_at.append(cpu_seconds()[0])
                return False

            t0 = time.time()
            model = fd.fit(client, folder, AlternatingLeastSquares(**params), threads=1, callback=progress,
                           replicate=a.replicate)
            wall = time.time() - t0
            d1, _ = cpu_seconds()
            w1 = sum(client.run(worker_cpu).values())
            peaks = [v / 1024 for v in client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss).values()]
            w = fd._Opts(fd._params(model), {}).w
            blocks = len(fd._bounds(fd._Opts(fd._params(model), {}), model.shape[0], a.workers)) - 1
            # The driver sends the fixed side's W x W Gram matrix with each block's solve (2 half-steps); what workers
            # send back (per-chunk Gram partials) is in their transfer counters already.
            driver_bytes = 2 * blocks * (w * w * 8)
            per_step = (stamps[1::2][-1] - stamps[1::2][0]) / max(1, a.iterations - 1) if a.iterations > 1 else wall
            dist_row = {"s_iter": per_step, "cpu": (d1 - d0) + (w1 - w0), "wall": wall,
                        "cpu_iter": (cpu_at[-1] - cpu_at[0]) / max(1, a.iterations - 1),
                        "driver_iter": (driver_at[-1] - driver_at[0]) / max(1, a.iterations - 1),
                        "bytes": (sent_at[-1] - sent_at[0]) / max(1, a.iterations - 1) + driver_bytes, "peak": peaks}
            same = (np.array_equal(model.user_factors.view(np.uint32), single.user_factors.view(np.uint32))
                    and np.array_equal(model.item_factors.view(np.uint32), single.item_factors.view(np.uint32)))
        finally:
            client.close()
            cluster.close()
        minimum = minimum_bytes(folder, single, a.workers)
        lines = [
            "# fastals.distributed vs one process",
            "",
            "%s interactions (%s users x %s items, 8 Parquet parts), implicit, k = %d, %d iterations, %d workers x 1 "
            "thread vs 1 process x all threads; %s; kernel %s." % (a.interactions, a.users, a.items, a.factors,
                                                                   a.iterations, a.workers, os.uname().nodename,
                                                                   fastals.kernel_path().name),
            "",
            "| run | s/iteration | total CPU s | CPU vs 1 process | CPU s/iteration (steady) | vs 1 process | bytes/iteration | block-partitioned minimum | peak RSS MiB per process |",
            "|---|---|---|---|---|---|---|---|---|",
            "| 1 process | %.2f | %.1f | 1.00x | %.2f | 1.00x | 0 | 0 | %s |" % (
                single_row["s_iter"], single_row["cpu"], single_row["cpu_iter"],
                ", ".join("%.0f" % p for p in single_row["peak"])),
            "| %d-worker LocalCluster | %.2f | %.1f | %.2fx | %.2f | %.2fx | %.3g | %.3g (%.1f%% over) | %s |" % (
                a.workers, dist_row["s_iter"], dist_row["cpu"], dist_row["cpu"] / single_row["cpu"], dist_row["cpu_iter"],
                dist_row["cpu_iter"] / single_row["cpu_iter"], dist_row["bytes"],
                minimum, 100.0 * (dist_row["bytes"] - minimum) / minimum if minimum else 0.0,
                ", ".join("%.0f" % p for p in dist_row["peak"])),
            "",
            "Steady-state CPU per iteration of the cluster: %.2f s in the driver process (client, scheduler, the "
            "callback's probes), %.2f s in the workers." % (dist_row["driver_iter"], dist_row["cpu_iter"] - dist_row["driver_iter"]),
            "Factors bit-identical to the single process: %s. Bytes: steady state (iterations 2..N): the "
            "workers' transfer counters (factor rows to other workers, Gram partials to the driver) plus the Gram "
            "matrices the driver sends; replication of each half-step's factors for fault tolerance: %s."
            % ("yes" if same else "NO", "on (included)" if a.replicate else "off (--replicate adds the solved side's factors per half-step)"),
            "The 1-process CPU includes loading the parts; the cluster's includes the workers' part reads and the "
            "driver (which also runs the scheduler).",
            "One-time CPU (total minus iterations x steady state: loading, blocks, starting factors): %.1f s in 1 "
            "process, %.1f s in the cluster." % (single_row["cpu"] - a.iterations * single_row["cpu_iter"],
                                                 dist_row["cpu"] - a.iterations * dist_row["cpu_iter"]),
            "Load while measuring (1-minute load average, %d CPUs): %.1f before, %.1f after." % (
                os.cpu_count(), load_before, os.getloadavg()[0]),
        ]
        text = "\n".join(lines) + "\n"
        print(text)
        if a.out:
            os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
            tmp = a.out + ".tmp"
            with open(tmp, "w") as f:
                f.write(text)
            os.replace(tmp, a.out)
    finally:
        if not a.data:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
