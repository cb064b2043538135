#!/usr/bin/python3
"""Setup time of a Python fit against one CG iteration, and the peak memory a Python fit adds against the formula.

Usage:
  /usr/bin/python3 bench/setup-memory.py [--lib NAME=PATH ...] [--users 200000] [--items 50000] [--nnz 10000000]
                                         [--factors 64] [--cg-steps 3] [--iterations 3] [--threads 0]
                                         [--rounds 2] [--out table.md]

Each --lib is a libfastals build (for example the base commit's, published into a temp dir, and this tree's
interop/python/fastals/lib/libfastals_v3.so); without one, this tree's library is measured alone. Every measurement
runs in a fresh child process (two NativeAOT runtimes do not share a process, and the peak RSS is per process), the
libraries in alternation, --rounds rounds; the table gives the median over the rounds. A build that lies in a tree's
interop/python/fastals/lib/ runs with that tree's Python wrapper (so a base commit's build measures the base commit's
fit path, copies included); any other path runs with this tree's. Each child first runs a small fit, so the figures are for a
library whose runtime has started (GC heaps, thread pool).

The data: a users x items scipy CSR with float32 data and int32 indices and indptr (what scipy builds), about
--nnz interactions with power-law item popularity and user activity (seed 42), implicit model, CG.

Rows:
  setup (fit, 0 iterations)    AlternatingLeastSquares(iterations=0).fit(csr): everything a fit does before its first
                               half-step (taking the caller's arrays, validation, transpose, checks, initialisation,
                               the first Gram matrix), on the user's path (no callback)
  of which from_csr            Dataset.from_csr(csr, copy=False): validation and transpose only
  one CG iteration             median seconds per iteration of a fit of --iterations iterations on a Dataset (timed
                               through the progress callback at the end of each item half-step)
  setup ÷ iteration            the target is <= 0.3 at k = 64
  ... process CPU-s            the same phases in process CPU time (all threads; time.process_time): steadier than
                               wall time when other processes hold the cores, but it counts a serial phase at its
                               CPU cost, not its wall time
  added peak RSS               a fit(csr) of --iterations iterations without callback: the peak RSS during the call
                               (VmHWM after resetting it through /proc/self/clear_refs) minus the RSS before it
  formula                      (second orientation of the CSR + factors) x 1.1: (items + 1) x 8 + nnz x (4 + 4) bytes
                               for the item-user CSR, (users + items) x stride(k) x 4 for the factors (stride: k
                               rounded up to 16 floats); the target is added peak <= formula
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIB = 1024.0 * 1024.0


def make_csr(users, items, nnz):
    """A canonical users x items CSR (float32 data, int32 indices and indptr) of about nnz entries, seed 42."""
    import numpy as np
    import scipy.sparse as sp
    rng = np.random.default_rng(42)
    n = int(nnz * 1.03)  # duplicates are summed away
    u = (users * rng.random(n) ** 1.6).astype(np.int32)
    i = (items * rng.random(n) ** 2.2).astype(np.int32)
    v = rng.integers(1, 6, n).astype(np.float32)
    m = sp.coo_matrix((v, (u, i)), shape=(users, items)).tocsr()
    del u, i, v
    m.sum_duplicates()
    m.sort_indices()
    m.data = np.ascontiguousarray(m.data, dtype=np.float32)
    return m


def status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError("no %s in /proc/self/status" % field)


def wrapper_dir(lib_path):
    """The Python package folder that drives a library: the tree's own when the build lies in a tree's
    interop/python/fastals/lib/ (so a base commit's build runs with the base commit's wrapper), else this tree's."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(lib_path))) if lib_path else ""
    if lib_path and os.path.isfile(os.path.join(package, "__init__.py")):
        return os.path.dirname(package)
    return os.path.join(ROOT, "interop", "python")


def child(args):
    sys.path.insert(0, wrapper_dir(os.environ.get("FASTALS_LIBRARY", "")))
    import gc
    import fastals

    csr = make_csr(args.users, args.items, args.nnz)
    out = {"users": csr.shape[0], "items": csr.shape[1], "nnz": int(csr.nnz),
           "indptr": csr.indptr.dtype.name, "indices": csr.indices.dtype.name, "data": csr.data.dtype.name}

    def model(iterations):
        return fastals.AlternatingLeastSquares(factors=args.factors, iterations=iterations, use_cg=True,
                                               cg_steps=args.cg_steps, num_threads=args.threads, random_state=1)

    # Warm the runtime (GC heaps, thread pool) on a small fit: the figures are for a library ready to train.
    model(1).fit(make_csr(2000, 500, 20000))
    gc.collect()
    if args.child == "memory":
        before = status_kib("VmRSS")
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            out["peak_reset"] = False
            print(json.dumps(out))
            return
        m = model(args.iterations)
        m.fit(csr)
        peak = status_kib("VmHWM")
        stride = (args.factors + 15) // 16 * 16
        second = (csr.shape[1] + 1) * 8 + csr.nnz * 8
        factors = (csr.shape[0] + csr.shape[1]) * stride * 4
        out.update(peak_reset=True, added_mib=(peak - before) / 1024.0, second_mib=second / MIB,
                   factors_mib=factors / MIB, formula_mib=1.1 * (second + factors) / MIB)
        print(json.dumps(out))
        return

    # time: the setup on the user's path, its from_csr share, and the iteration time.
    def clocks():
        return time.perf_counter(), time.process_time()

    t0, c0 = clocks()
    model(0).fit(csr)
    t1, c1 = clocks()
    out["setup_s"], out["setup_cpu"] = t1 - t0, c1 - c0
    ds = fastals.Dataset.from_csr(csr, copy=False)
    t2, c2 = clocks()
    out["from_csr_s"], out["from_csr_cpu"] = t2 - t1, c2 - c1
    ends = []
    m = model(args.iterations)
    start = clocks()
    m.fit(ds, callback=lambda it, half, cost, loss: ends.append(clocks()) if half == 1 else None)
    ds.free()
    times = [(b[0] - a[0], b[1] - a[1]) for a, b in zip([start] + ends[:-1], ends)]
    later = times[1:] or times
    out["first_iteration_s"] = times[0][0]
    out["iteration_s"] = statistics.median(t[0] for t in later)
    out["iteration_cpu"] = statistics.median(t[1] for t in later)
    print(json.dumps(out))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lib", action="append", default=[], help="NAME=PATH of a libfastals build (repeatable)")
    p.add_argument("--users", type=int, default=200000)
    p.add_argument("--items", type=int, default=50000)
    p.add_argument("--nnz", type=int, default=10000000)
    p.add_argument("--factors", type=int, default=64)
    p.add_argument("--cg-steps", type=int, default=3)
    p.add_argument("--iterations", type=int, default=3)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--out", help="also write the markdown table here")
    p.add_argument("--child", choices=["time", "memory"], help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args)
        return
    libs = [tuple(s.split("=", 1)) for s in args.lib] or [("this tree", "")]
    base = [sys.executable, os.path.abspath(__file__)]
    for name in ("users", "items", "nnz", "factors", "cg_steps", "iterations", "threads"):
        base += ["--" + name.replace("_", "-"), str(getattr(args, name))]
    results = {name: {"time": [], "memory": []} for name, _ in libs}
    for r in range(args.rounds):
        for kind in ("time", "memory"):
            for name, path in libs:
                env = dict(os.environ)
                if path:
                    env["FASTALS_LIBRARY"] = os.path.abspath(path)
                res = subprocess.run(base + ["--child", kind], env=env, capture_output=True, text=True)
                if res.returncode != 0:
                    sys.exit("%s child for %s failed:\n%s" % (kind, name, res.stderr))
                results[name][kind].append(json.loads(res.stdout.strip().splitlines()[-1]))
                print("round %d %s %s done" % (r + 1, kind, name), file=sys.stderr)

    def med(name, kind, key):
        return statistics.median(x[key] for x in results[name][kind])

    first = results[libs[0][0]]["time"][0]
    lines = ["%d users x %d items, %s nnz (scipy CSR: indptr %s, indices %s, data %s), implicit, k = %d, CG %d steps, "
             "%s threads; median of %d rounds." % (first["users"], first["items"], format(first["nnz"], ","),
                                                  first["indptr"], first["indices"], first["data"], args.factors,
                                                  args.cg_steps, args.threads or "all", args.rounds), ""]
    lines.append("| | " + " | ".join(n for n, _ in libs) + " |")
    lines.append("|---|" + "---:|" * len(libs))

    def row(label, cells):
        lines.append("| %s | %s |" % (label, " | ".join(cells)))

    row("setup (fit, 0 iterations), s", ["%.3f" % med(n, "time", "setup_s") for n, _ in libs])
    row("of which from_csr (validate, transpose), s", ["%.3f" % med(n, "time", "from_csr_s") for n, _ in libs])
    row("one CG iteration, s", ["%.3f" % med(n, "time", "iteration_s") for n, _ in libs])
    row("first iteration of a fit on a Dataset, s", ["%.3f" % med(n, "time", "first_iteration_s") for n, _ in libs])
    row("**setup ÷ iteration** (target ≤ 0.3)", ["**%.2f**" % statistics.median(
        x["setup_s"] / x["iteration_s"] for x in results[n]["time"]) for n, _ in libs])
    row("setup, process CPU-s", ["%.3f" % med(n, "time", "setup_cpu") for n, _ in libs])
    row("of which from_csr, process CPU-s", ["%.3f" % med(n, "time", "from_csr_cpu") for n, _ in libs])
    row("one CG iteration, process CPU-s", ["%.3f" % med(n, "time", "iteration_cpu") for n, _ in libs])
    row("setup ÷ iteration in CPU-s", ["%.2f" % statistics.median(
        x["setup_cpu"] / x["iteration_cpu"] for x in results[n]["time"]) for n, _ in libs])
    if all(x.get("peak_reset") for n, _ in libs for x in results[n]["memory"]):
        m0 = results[libs[0][0]]["memory"][0]
        row("added peak RSS during fit(csr), MiB", ["%.0f" % med(n, "memory", "added_mib") for n, _ in libs])
        row("formula: (item-user CSR %.0f + factors %.0f MiB) x 1.1, MiB" % (m0["second_mib"], m0["factors_mib"]),
            ["%.0f" % m0["formula_mib"] for _ in libs])
        row("**added peak ÷ formula** (target ≤ 1)", ["**%.2f**" % (med(n, "memory", "added_mib") / m0["formula_mib"])
                                                      for n, _ in libs])
    else:
        row("added peak RSS", ["(peak RSS could not be reset: not measured)" for _ in libs])
    table = "\n".join(lines)
    print(table)
    if args.out:
        with open(args.out, "w") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
