#!/usr/bin/python3
"""Serving latency through the C ABI (ctypes) and the Python wrapper, on a synthetic model (no training).

Usage:
  /usr/bin/python3 bench/serving.py [--lib NAME=PATH ...] [--users 200000] [--items 50000] [--factors 64]
                                    [--per-user 50] [--rounds 3] [--threads 0] [--out table.md]

Each --lib is a libfastals build (for example the base commit's, published into a temp dir, and this tree's
interop/python/fastals/lib/libfastals_v3.so); without one, this tree's library is measured alone. Every
measurement runs in a fresh child process (two NativeAOT runtimes do not share a process), the libraries in
alternation, --rounds rounds; the table gives the median over rounds of each child's median latency, and the
ratio of the first library to each other one. The model is users x items x k of random factors set through
fastals_model_set_*_factors; the seen-items matrix has --per-user random items a user.

Rows:
  recommend 1 user (Python)       model.recommend(u, user_items[u])          -> fastals_model_recommend
  similar_items 1 item (Python)   model.similar_items(i)                     -> fastals_model_similar_items
  batch B users (Python)          model.recommend(ids, user_items[ids])      -> fastals_model_recommend_batch
  batch B users (C ABI)           fastals_model_recommend_batch called with prepared arguments (seen rows
                                  filtered), so the Python wrapper's own cost is the difference to the row above
  similar_items 1 item (C ABI)    fastals_model_similar_items with prepared arguments
  first batch after set_item_factors: one 1-user batch call right after the factors changed (the cache build)
"""
import argparse
import ctypes
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def child(args):
    sys.path.insert(0, os.path.join(ROOT, "interop", "python"))
    import numpy as np
    import scipy.sparse as sp
    import fastals
    from fastals._lib import lib
    from fastals._arrays import ptr

    rng = np.random.default_rng(7)
    k, users, items = args.factors, args.users, args.items
    uf = (rng.standard_normal((users, k), dtype=np.float32) / np.sqrt(k)).astype(np.float32)
    itf = (rng.standard_normal((items, k), dtype=np.float32) / np.sqrt(k)).astype(np.float32)
    model = fastals.AlternatingLeastSquares.from_factors(uf, itf, num_threads=args.threads)
    nnz = users * args.per_user
    indptr = np.arange(0, nnz + 1, args.per_user, dtype=np.int64)
    seen = sp.csr_matrix((np.ones(nnz, dtype=np.float32), rng.integers(0, items, nnz, dtype=np.int32), indptr),
                         shape=(users, items))
    seen.sum_duplicates()
    seen.sort_indices()
    out = {}

    def timed(name, fn, reps, warm=2):
        for _ in range(warm):
            fn()
        t = []
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            t.append(time.perf_counter() - t0)
        out[name] = statistics.median(t) * 1e3  # ms

    picks = rng.integers(0, users, 4096)
    it = iter(range(10**9))

    def one_user():
        u = int(picks[next(it) % picks.size])
        model.recommend(u, seen[u], N=10)

    timed("recommend 1 user (Python)", one_user, 200)
    qi = rng.integers(0, items, 4096)
    timed("similar_items 1 item (Python)", lambda: model.similar_items(int(qi[next(it) % qi.size]), N=10), 200)

    l = lib()
    h = model._model
    n = 10
    empty_i = np.empty(0, dtype=np.int32)
    for b in (1, 10, 100, 1000):
        ids_all = [rng.choice(users, b, replace=False).astype(np.int32) for _ in range(8)]
        rows_all = [seen[ids] for ids in ids_all]
        reps = 40 if b <= 100 else 6
        def py_batch():
            j = next(it) % 8
            model.recommend(ids_all[j], rows_all[j], N=n)

        timed("batch %d users (Python)" % b, py_batch, reps)
        # the C ABI with prepared arguments
        prepared = []
        for ids, rows in zip(ids_all, rows_all):
            off = np.ascontiguousarray(rows.indptr, dtype=np.int64)
            ind = np.ascontiguousarray(rows.indices, dtype=np.int32)
            oi = np.empty(b * n, dtype=np.int32)
            os_ = np.empty(b * n, dtype=np.float32)
            cnt = np.empty(b, dtype=np.int32)
            prepared.append((h, ptr(ids), ids.size, n, ptr(off), off.size, ptr(ind), ind.size, 1, 0, ptr(empty_i), 0,
                             ptr(empty_i), 0, args.threads, ptr(oi), oi.size, ptr(os_), os_.size, ptr(cnt), cnt.size,
                             (ids, off, ind, oi, os_, cnt)))
        fn = l.cdll.fastals_model_recommend_batch

        def c_batch():
            a = prepared[next(it) % 8]
            l.check(fn(*a[:-1]))

        timed("batch %d users (C ABI)" % b, c_batch, reps)
    qarr = np.array([int(qi[0])], dtype=np.int32)
    soi, sos, scnt = np.empty(n, dtype=np.int32), np.empty(n, dtype=np.float32), np.empty(1, dtype=np.int32)
    sfn = l.cdll.fastals_model_similar_items
    sargs = (h, ptr(qarr), 1, n, 0, ptr(empty_i), 0, ptr(empty_i), 0, 0, ptr(soi), n, ptr(sos), n, ptr(scnt), 1)

    def c_similar():
        qarr[0] = qi[next(it) % qi.size]
        l.check(sfn(*sargs))

    timed("similar_items 1 item (C ABI)", c_similar, 200)

    # the cost of the first batch call after a change (the cache build; the old code paid it on every call)
    firsts = []
    one = np.array([3], dtype=np.int32)
    for r in range(3):
        itf[0, 0] += 1e-3
        model.set_item_factors(itf)
        t0 = time.perf_counter()
        model.recommend(one, seen[one], N=n)
        firsts.append(time.perf_counter() - t0)
    out["first 1-user batch after set_item_factors"] = statistics.median(firsts) * 1e3
    print(json.dumps(out))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lib", action="append", default=[], help="NAME=PATH of a libfastals build (repeatable)")
    p.add_argument("--users", type=int, default=200000)
    p.add_argument("--items", type=int, default=50000)
    p.add_argument("--factors", type=int, default=64)
    p.add_argument("--per-user", type=int, default=50)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--out", help="also write the markdown table here")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args)
        return
    libs = [tuple(s.split("=", 1)) for s in args.lib] or [("this tree", "")]
    results = {name: [] for name, _ in libs}
    base_args = [sys.executable, os.path.abspath(__file__), "--child", "--users", str(args.users), "--items",
                 str(args.items), "--factors", str(args.factors), "--per-user", str(args.per_user), "--threads",
                 str(args.threads)]
    for r in range(args.rounds):
        for name, path in libs:
            env = dict(os.environ)
            if path:
                env["FASTALS_LIBRARY"] = os.path.abspath(path)
            res = subprocess.run(base_args, env=env, capture_output=True, text=True)
            if res.returncode != 0:
                sys.exit("child for %s failed:\n%s" % (name, res.stderr))
            results[name].append(json.loads(res.stdout.strip().splitlines()[-1]))
            print("round %d %s done" % (r + 1, name), file=sys.stderr)
    rows = list(results[libs[0][0]][0].keys())
    med = {name: {row: statistics.median(x[row] for x in results[name]) for row in rows} for name, _ in libs}
    head = "| ms per call (median of %d rounds) | " % args.rounds + " | ".join(n for n, _ in libs)
    head += "".join(" | %s ÷ %s" % (libs[0][0], n) for n, _ in libs[1:]) + " |"
    lines = [head, "|---|" + "---:|" * (len(libs) + len(libs) - 1)]
    for row in rows:
        cells = ["%.3f" % med[n][row] for n, _ in libs]
        cells += ["%.2f×" % (med[libs[0][0]][row] / med[n][row]) for n, _ in libs[1:]]
        lines.append("| %s | %s |" % (row, " | ".join(cells)))
    table = "\n".join(lines)
    print(table)
    if args.out:
        with open(args.out, "w") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
