"""fastals.distributed on a dask.distributed LocalCluster of worker processes: the factors must be bit-identical to
a single-process fit with the same options (same kernel path), through part files, a killed worker and a resumed
checkpoint; bad input must fail once, clearly and quickly."""
import ctypes
import os
import signal
import threading

import numpy as np
import pytest

import fastals
from fastals import (AlternatingLeastSquares, BiasedExplicitALS, BiasedImplicitALS, Dataset, ExplicitALS,
                     FastAlsCancelled, FastAlsError)
from fastals import _signatures as sig
from fastals._arrays import ptr

distributed = pytest.importorskip("dask.distributed", reason="python3-distributed is not installed")
from fastals import distributed as fd  # noqa: E402

KINDS = [AlternatingLeastSquares, ExplicitALS, BiasedExplicitALS, BiasedImplicitALS]
TIMEOUT = 120


def shared_data():
    d = os.environ.get("FASTALS_SHARED_DATA")
    if d:
        return d if os.path.isdir(d) else None
    here = os.path.dirname(os.path.abspath(__file__))
    while True:
        for c in (os.path.join(here, "shared", "data"), os.path.join(here, "data", "shared")):
            if os.path.isdir(os.path.join(c, "ml-100k")):
                return c
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


@pytest.fixture(scope="module")
def client():
    cluster = fd.local_cluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def write_parts(folder, users, items, values, parts):
    """Writes the interactions, split into ``parts`` consecutive runs, as part-000.parquet, ... (ids are int64)."""
    os.makedirs(folder, exist_ok=True)
    cuts = np.linspace(0, len(users), parts + 1).astype(int)
    for p in range(parts):
        s = slice(cuts[p], cuts[p + 1])
        with Dataset.from_coo(users[s], items[s], values[s]) as d:
            d.save_parquet(os.path.join(folder, "part-%03d.parquet" % p))
    return folder


def synthetic(seed=7, users=1400, items=1150, nnz=16000):
    rng = np.random.default_rng(seed)
    u = rng.integers(0, users, nnz).astype(np.int64) * 7 + 1000
    i = rng.integers(0, items, nnz).astype(np.int64) * 3 + 5
    v = rng.integers(1, 6, nnz).astype(np.float32)  # integers: sums of duplicates are exact in any order
    return u, i, v


@pytest.fixture(scope="module")
def synthetic_parts(tmp_path_factory):
    u, i, v = synthetic()
    return write_parts(str(tmp_path_factory.mktemp("synthetic")), u, i, v, 3)


def single_process(cls, source, **params):
    model = cls(**params)
    with Dataset.load(source) as d:
        model.fit(d)
    return model


def assert_same_model(a, b):
    assert a.shape == b.shape
    for x, y in ((a.user_factors, b.user_factors), (a.item_factors, b.item_factors)):
        assert x.dtype == y.dtype == np.float32
        np.testing.assert_array_equal(x.view(np.uint32), y.view(np.uint32))
    if isinstance(a, (BiasedExplicitALS, BiasedImplicitALS)):
        for x, y in zip(a.biases(), b.biases()):
            np.testing.assert_array_equal(np.asarray(x, np.float32).view(np.uint32), np.asarray(y, np.float32).view(np.uint32))


PARAMS = dict(factors=16, iterations=3, regularization=0.1, num_threads=1)


# ---------------------------------------------------------------------------------------------------- primitives

def test_gram_partials_reduce_to_the_training_gram_bit_for_bit():
    l = fastals.lib()
    rng = np.random.default_rng(1)
    for cls, rows, k in ((AlternatingLeastSquares, 3000, 16), (BiasedImplicitALS, 1337, 10), (ExplicitALS, 700, 24)):
        o = cls(factors=k)._options()
        f = rng.standard_normal((rows, k)).astype(np.float32)
        b = rng.standard_normal(rows).astype(np.float32) if cls is BiasedImplicitALS else np.empty(0, np.float32)
        w = l.out("fastals_gram_width", ctypes.c_int32, ctypes.byref(o))
        want = np.empty(w * w)
        l.call("fastals_gram_compute", ctypes.byref(o), rows, ptr(f), f.size, ptr(b), b.size, 1, ptr(want), want.size)
        count, size = fd._chunking(type("O", (), {"fit": o})(), rows)
        assert count >= 2
        cuts = [0, size, min(rows, 2 * size), rows] if count > 2 else [0, size, rows]
        parts = []
        for s, e in zip(cuts[:-1], cuts[1:]):
            n = -(-(e - s) // size)
            p = np.empty(n * w * w)
            bb = b[s:e] if b.size else b
            l.call("fastals_gram_partials", ctypes.byref(o), rows, s, e - s, ptr(f[s:e].copy()), (e - s) * k,
                   ptr(bb.copy()) if bb.size else None, bb.size, 2, ptr(p), p.size)
            parts.append(p)
        allp = np.concatenate(parts)
        got = np.empty(w * w)
        l.call("fastals_gram_reduce", ctypes.byref(o), count, ptr(allp), allp.size, ptr(got), got.size)
        np.testing.assert_array_equal(got.view(np.uint64), want.view(np.uint64))


def test_gram_partials_reject_a_block_off_the_chunk_grid():
    l = fastals.lib()
    o = AlternatingLeastSquares(factors=16)._options()
    f = np.zeros((100, 16), np.float32)
    p = np.empty(16 * 16)
    with pytest.raises(fastals.FastAlsArgumentError, match="chunk boundaries"):
        l.call("fastals_gram_partials", ctypes.byref(o), 3000, 7, 100, ptr(f), f.size, None, 0, 1, ptr(p), p.size)


def test_init_rows_are_the_rows_fit_starts_from():
    """A 0-iteration fit is its starting point; fastals_init_rows gives the same rows for any block."""
    u, i, v = synthetic(users=300, items=200, nnz=2000)
    with Dataset.from_coo(u, i, v) as d:
        m = AlternatingLeastSquares(factors=12, iterations=0, random_state=5)
        m.fit(d)
        users = d.shape[0]
        o = m._options()
        # row lengths from the fitted users' CSR: take them from a reload of the same data
        starts = np.zeros((users, 12), np.float32)
        nonzero = np.any(m.user_factors != 0, axis=1)
        off = np.concatenate([[0], np.cumsum(nonzero.astype(np.int64))])
        for s, e in ((0, 100), (100, users)):
            blk = np.empty((e - s, 12), np.float32)
            l_off = off[s:e + 1] - off[s]
            fastals.lib().call("fastals_init_rows", ctypes.byref(o), 0, s, e - s, ptr(l_off), l_off.size, ptr(blk), blk.size)
            starts[s:e] = blk
    np.testing.assert_array_equal(starts.view(np.uint32), m.user_factors.view(np.uint32))


# ---------------------------------------------------------------------------------------------------- training

@pytest.mark.parametrize("use_cg", [False, True], ids=["cholesky", "cg"])
@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
def test_synthetic_parts_bit_identical_to_fit(client, synthetic_parts, cls, use_cg):
    params = dict(PARAMS, use_cg=use_cg, factors=16 if use_cg else 10)  # 16: factors used in place; 10: copied
    want = single_process(cls, synthetic_parts, **params)
    got = fd.fit(client, synthetic_parts, cls(**params), timeout=TIMEOUT)
    assert got.shape == want.shape
    assert_same_model(got, want)


@pytest.mark.parametrize("dataset", ["ml-100k", "lastfm-2k"])
@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
def test_shared_data_bit_identical_to_fit(client, tmp_path, dataset, cls):
    root = shared_data()
    if root is None:
        pytest.skip("shared data (MovieLens 100K / Last.fm 2K) not found; set FASTALS_SHARED_DATA")
    path = os.path.join(root, dataset, "u.data" if dataset == "ml-100k" else "user_artists.dat")
    with Dataset.load(path) as d:
        uids, iids = d.user_ids, d.item_ids
        u, i, v = _coo(d)
    folder = write_parts(str(tmp_path / dataset), uids[u], iids[i], v, 2)
    for use_cg in (False, True):
        params = dict(PARAMS, use_cg=use_cg, iterations=2)
        if dataset == "lastfm-2k" and cls in (ExplicitALS, BiasedExplicitALS):
            params["regularization"] = 10.0  # play counts up to 350k: Cholesky needs a larger lambda
        want = single_process(cls, folder, **params)
        got = fd.fit(client, folder, cls(**params), timeout=TIMEOUT)
        assert_same_model(got, want)


def _coo(d):
    """A dataset's interactions as (user index, item index, value) through the CSR row export."""
    users, _ = d.shape
    l = fastals.lib()
    nnz = ctypes.c_int64()
    l.call("fastals_dataset_csr_nnz", d.handle, 0, 0, users, ctypes.byref(nnz))
    off = np.empty(users + 1, np.int64)
    cols = np.empty(nnz.value, np.int32)
    vals = np.empty(nnz.value, np.float32)
    l.call("fastals_dataset_csr_rows", d.handle, 0, 0, users, ptr(off), off.size, ptr(cols), cols.size, ptr(vals), vals.size)
    return np.repeat(np.arange(users), np.diff(off)), cols, vals


def test_overlapping_parts_load_as_one_data_set(client, tmp_path):
    """Parts share users and items (and some pairs, summed across parts): the distributed model is the model of the
    parts loaded as one data set, whatever the number of blocks."""
    u, i, v = synthetic(seed=11)
    u = np.concatenate([u, u[:500]])  # the same pairs again in the last part: summed across parts
    i = np.concatenate([i, i[:500]])
    v = np.concatenate([v, v[:500]])
    parts = write_parts(str(tmp_path / "parts"), u, i, v, 4)
    ids = []
    for p in fd.list_parts(parts):
        with Dataset.load(p) as d:
            ids.append(set(d.user_ids.tolist()))
    assert all(ids[0] & other for other in ids[1:])
    params = dict(PARAMS)
    a = fd.fit(client, parts, BiasedImplicitALS(**params), timeout=TIMEOUT)
    b = fd.fit(client, fd.list_parts(parts), BiasedImplicitALS(**params), blocks=1, timeout=TIMEOUT)
    assert_same_model(a, b)
    assert_same_model(a, single_process(BiasedImplicitALS, parts, **params))


def test_assembled_model_is_an_ordinary_model(client, synthetic_parts, tmp_path):
    model = fd.fit(client, synthetic_parts, BiasedExplicitALS(**PARAMS), timeout=TIMEOUT)
    path = str(tmp_path / "m.fastals")
    model.save(path)
    loaded = BiasedExplicitALS.load(path)
    assert_same_model(loaded, model)
    model.export_spark(str(tmp_path / "spark"))
    assert os.path.isdir(str(tmp_path / "spark"))


def test_worker_killed_mid_half_step_gives_the_same_model(client, synthetic_parts, tmp_path):
    params = dict(PARAMS, iterations=4)
    want = single_process(AlternatingLeastSquares, synthetic_parts, **params)
    pids = client.run(os.getpid)
    victim = sorted(pids.values())[-1]
    killed = []

    def callback(iteration, half_step, cost, loss):
        if iteration == 1 and half_step == 0 and not killed:
            # the next half-step's tasks are being submitted; the worker dies while they run
            threading.Timer(0.05, lambda: os.kill(victim, signal.SIGKILL)).start()
            killed.append(victim)
        return False

    ckpt = str(tmp_path / "ckpt")
    spark = str(tmp_path / "spark")
    got = fd.fit(client, synthetic_parts, AlternatingLeastSquares(**params), callback=callback, timeout=TIMEOUT,
                 checkpoint_dir=ckpt, checkpoint_every=2, spark_output=spark)
    assert killed
    assert_same_model(got, want)
    assert_same_model(AlternatingLeastSquares.import_spark(spark), want)
    leftovers = [os.path.join(r, n) for r, ds, ns in os.walk(str(tmp_path)) for n in ns + ds
                 if "tmp" in n or n.startswith(".")]
    assert leftovers == []
    client.wait_for_workers(2, timeout=TIMEOUT)


def test_block_parts_names_only_the_parts_with_rows_in_the_block():
    maps = [np.array([0, 1, 2], np.int32), np.array([5, 9], np.int32), np.array([], np.int32), np.array([4, 6], np.int32)]
    assert fd._block_parts(maps, [0, 5, 10]) == [[0, 3], [1, 3]]
    assert fd._block_parts(maps, [0, 10]) == [[0, 1, 3]]


def test_lost_blocks_are_rebuilt_from_only_their_parts(client, tmp_path):
    """Part 3 holds rows of user block 0 and item block 1 only (both on worker 0). Killing worker 1 loses user block
    1 and item block 0: their rebuild re-reads parts 0-2, never part 3, and the model is still bit-identical."""
    u, i, v = synthetic(seed=5)
    folder = write_parts(str(tmp_path / "parts"), u, i, v, 3)
    params = dict(PARAMS, iterations=4)
    opts = fd._Opts(fd._params(AlternatingLeastSquares(**params)), {"duplicates": "sum"})
    with Dataset.load(folder) as d:
        uids, iids = d.user_ids, d.item_ids
    ub, ib = fd._bounds(opts, uids.size, 2), fd._bounds(opts, iids.size, 2)
    assert len(ub) == len(ib) == 3 and ub[1] > 10 and ib[2] - ib[1] > 10
    extra_u = np.repeat(uids[:10], 10)  # user rows 0..9: user block 0
    extra_i = np.tile(iids[-10:], 10)  # item rows n-10..n-1: item block 1
    with Dataset.from_coo(extra_u, extra_i, np.ones(100, np.float32)) as d:
        d.save_parquet(os.path.join(folder, "part-003.parquet"))
    paths = fd.list_parts(folder)
    want = single_process(AlternatingLeastSquares, folder, **params)
    workers = sorted(client.scheduler_info()["workers"])
    victim_address, survivor = workers[1], workers[0]
    victim = client.run(os.getpid, workers=[victim_address])[victim_address]
    before = {}

    def callback(iteration, half_step, cost, loss):
        if iteration == 1 and half_step == 0 and not before:
            before.update(client.run(lambda: dict(fd.PART_READS), workers=[survivor])[survivor])
            threading.Timer(0.05, lambda: os.kill(victim, signal.SIGKILL)).start()
        return False

    got = fd.fit(client, folder, AlternatingLeastSquares(**params), blocks=2, callback=callback, timeout=TIMEOUT)
    assert_same_model(got, want)
    after = {}  # the live workers: the survivor and, when it is back already, the restarted one (a fresh process)
    for counts in client.run(lambda: dict(fd.PART_READS)).values():
        for path, n in counts.items():
            after[path] = after.get(path, 0) + n
    client.wait_for_workers(2, timeout=4 * TIMEOUT)  # a restart imports dask anew: slow on a loaded machine
    reread = {p for p in paths if after.get(p, 0) > before.get(p, 0)}
    assert reread, "the lost blocks were not rebuilt from the parts"
    assert paths[3] not in reread
    assert reread <= set(paths[:3])


def test_resume_from_checkpoint_equals_an_uninterrupted_run(client, synthetic_parts, tmp_path):
    params = dict(PARAMS, iterations=4)
    want = fd.fit(client, synthetic_parts, BiasedImplicitALS(**params), timeout=TIMEOUT)
    ckpt = str(tmp_path / "ckpt")

    def stop(iteration, half_step, cost, loss):
        return iteration == 3 and half_step == 0

    with pytest.raises(FastAlsCancelled):
        fd.fit(client, synthetic_parts, BiasedImplicitALS(**params), callback=stop, timeout=TIMEOUT,
               checkpoint_dir=ckpt, checkpoint_every=1)
    seen = []
    got = fd.fit(client, synthetic_parts, BiasedImplicitALS(**params), timeout=TIMEOUT, checkpoint_dir=ckpt,
                 checkpoint_every=1, resume=True, callback=lambda it, h, c, l: seen.append((it, h)))
    assert seen[0] == (3, 0)
    assert_same_model(got, want)
    assert sorted(os.listdir(ckpt)) == ["iter-000004", "manifest.json"]


@pytest.mark.parametrize("cls", [BiasedExplicitALS, AlternatingLeastSquares], ids=lambda c: c.__name__)
@pytest.mark.parametrize("big_ids", [False, True], ids=["int32-ids", "int64-ids"])
def test_workers_write_the_spark_layout(client, tmp_path, cls, big_ids):
    """spark_output: each worker writes its blocks as Spark part files; import_spark reads back the model's factors,
    biases, global mean and ids; the folder appears only when complete and nothing temporary is left."""
    u, i, v = synthetic(seed=3)
    if big_ids:  # outside Spark's int32 ids: the external_id column
        u, i = u + (1 << 40), i - (1 << 35)
    parts = write_parts(str(tmp_path / "parts"), u, i, v, 3)
    out = str(tmp_path / "out" / "spark")
    model = fd.fit(client, parts, cls(**PARAMS), spark_output=out, blocks=3, timeout=TIMEOUT)
    back = cls.import_spark(out)
    assert_same_model(back, model)
    np.testing.assert_array_equal(back.user_ids, model.user_ids)
    np.testing.assert_array_equal(back.item_ids, model.item_ids)
    if cls is BiasedExplicitALS:
        assert back.biases()[2] == model.biases()[2] != 0
    assert sorted(os.listdir(str(tmp_path / "out"))) == ["spark"]
    names = sorted(os.path.relpath(os.path.join(r, n), out) for r, _, ns in os.walk(out) for n in ns)
    assert names == ["itemFactors/_SUCCESS"] + ["itemFactors/part-%05d-c000.snappy.parquet" % b for b in range(3)] + \
        ["metadata/_SUCCESS", "metadata/part-00000", "userFactors/_SUCCESS"] + \
        ["userFactors/part-%05d-c000.snappy.parquet" % b for b in range(3)]
    with pytest.raises(FileExistsError, match="overwrite"):
        fd.fit(client, parts, cls(**PARAMS), spark_output=out, timeout=TIMEOUT)
    # assemble=False: the driver never gathers the factors; the folder is replaced
    assert fd.fit(client, parts, cls(**PARAMS), spark_output=out, overwrite=True, assemble=False, timeout=TIMEOUT) == out
    assert_same_model(cls.import_spark(out), model)
    assert sorted(os.listdir(str(tmp_path / "out"))) == ["spark"]


def write_text_parts(folder, users, items, values, parts, user_format="u%d", item_format="i%d"):
    """Like ``write_parts`` with string ids (``user_format % id``; None keeps a side's int64 ids): each part goes
    through a CSV file, loaded and saved as Parquet (string id columns)."""
    os.makedirs(folder, exist_ok=True)
    cuts = np.linspace(0, len(users), parts + 1).astype(int)
    for p in range(parts):
        csv = os.path.join(folder, "part-%03d.csv" % p)
        with open(csv, "w", encoding="utf-8") as f:
            f.write("user,item,value\n")
            for n in range(cuts[p], cuts[p + 1]):
                f.write("%s,%s,%g\n" % (user_format % users[n] if user_format else users[n],
                                         item_format % items[n] if item_format else items[n], values[n]))
        with Dataset.load(csv, user_id_kind="string" if user_format else "int",
                          item_id_kind="string" if item_format else "int") as d:
            d.save_parquet(os.path.join(folder, "part-%03d.parquet" % p))
        os.unlink(csv)
    return folder


@pytest.mark.parametrize("cls", [AlternatingLeastSquares, BiasedExplicitALS], ids=lambda c: c.__name__)
def test_string_id_parts_bit_identical_to_fit(client, tmp_path, cls):
    """String user and item ids (overlapping across parts, some non-ASCII): the shared id dictionary numbers them
    as loading the folder does, so the factors are bit-identical and the model's ids are the same strings."""
    u, i, v = synthetic(seed=5)
    parts = write_text_parts(str(tmp_path / "parts"), u, i, v, 3, user_format="usr-%d", item_format="art\u00e9-%d")
    ids = []
    for p in fd.list_parts(parts):
        with Dataset.load(p) as d:
            assert isinstance(d.user_ids, list) and isinstance(d.item_ids, list)
            ids.append((set(d.user_ids), set(d.item_ids)))
    assert all(ids[0][0] & o[0] and ids[0][1] & o[1] for o in ids[1:])  # overlapping id sets
    want = single_process(cls, parts, **PARAMS)
    for blocks in (None, 3):
        got = fd.fit(client, parts, cls(**PARAMS), blocks=blocks, timeout=TIMEOUT)
        assert_same_model(got, want)
        assert got.user_ids == want.user_ids and got.item_ids == want.item_ids
        assert got.item_ids[0].startswith("art\u00e9-")


def test_model_create_with_text_ids_keeps_each_sides_id_type():
    """The driver's model assembly with string users and int64 items (the library cannot write such a Parquet file
    to run it end to end): each side keeps its id type; bad id lists are clear errors."""
    l = fastals.lib()
    model = AlternatingLeastSquares(factors=4)
    o = model._options()
    users = ["alice", "b\u00e9a", "42"]
    text, off = fd._pack_text(users)
    items = np.array([5, 1 << 40], np.int64)
    h = ctypes.c_uint64()
    l.call("fastals_model_create_with_text_ids", ctypes.byref(o), None, 0, ptr(text), text.size, ptr(off), off.size,
           ptr(items), items.size, None, 0, None, 0, ctypes.byref(h))
    model._free_model()
    model._model = h.value
    assert model.shape == (3, 2)
    assert model.user_ids == users
    np.testing.assert_array_equal(model.item_ids, items)
    for ids, match in ((["a", "b", "a"], "occurs twice"), (None, "not valid UTF-8")):
        if ids is None:
            t, of = np.frombuffer(b"ok\xff", np.uint8).copy(), np.array([0, 2, 3], np.int64)
        else:
            t, of = fd._pack_text(ids)
        with pytest.raises(FastAlsError, match=match):
            l.call("fastals_model_create_with_text_ids", ctypes.byref(o), None, 0, ptr(t), t.size, ptr(of), of.size,
                   ptr(items), items.size, None, 0, None, 0, ctypes.byref(h))
    with pytest.raises(FastAlsError, match="not both"):
        l.call("fastals_model_create_with_text_ids", ctypes.byref(o), ptr(items), items.size, ptr(text), text.size,
               ptr(off), off.size, ptr(items), items.size, None, 0, None, 0, ctypes.byref(h))


@pytest.mark.parametrize("cls", [BiasedExplicitALS, AlternatingLeastSquares], ids=lambda c: c.__name__)
def test_workers_write_string_ids_in_the_spark_layout(client, tmp_path, cls):
    """spark_output with string ids: the workers write them to the external_id column, as export_spark does;
    import_spark reads back the model with the same string ids."""
    u, i, v = synthetic(seed=4)
    parts = write_text_parts(str(tmp_path / "parts"), u, i, v, 2)
    out = str(tmp_path / "spark")
    model = fd.fit(client, parts, cls(**PARAMS), spark_output=out, blocks=2, timeout=TIMEOUT)
    back = cls.import_spark(out)
    assert_same_model(back, model)
    assert back.user_ids == model.user_ids and back.item_ids == model.item_ids
    ref = str(tmp_path / "ref")
    model.export_spark(ref)
    assert_same_model(cls.import_spark(ref), back)
    assert cls.import_spark(ref).user_ids == back.user_ids


# ---------------------------------------------------------------------------------------------------- bad input

def test_missing_part_file_is_one_clear_error(client, synthetic_parts, tmp_path):
    missing = str(tmp_path / "nope.parquet")
    parts = fd.list_parts(synthetic_parts) + [missing]
    with pytest.raises(FastAlsError, match="nope.parquet"):
        fd.fit(client, parts, AlternatingLeastSquares(**PARAMS), timeout=TIMEOUT)


def test_mismatched_schema_is_one_clear_error(client, synthetic_parts, tmp_path):
    csv = tmp_path / "strings.csv"
    csv.write_text("user,item,value\nalice,x,1\nbob,y,2\n")
    bad = str(tmp_path / "strings.parquet")
    with Dataset.load(str(csv)) as d:
        d.save_parquet(bad)
    with pytest.raises(FastAlsError, match="strings.parquet.*int64"):
        fd.fit(client, fd.list_parts(synthetic_parts) + [bad], AlternatingLeastSquares(**PARAMS), timeout=TIMEOUT)


def test_string_then_int64_parts_are_one_clear_error(client, synthetic_parts, tmp_path):
    """A string-id part first, int64 parts after it: one error naming the first differing file and its column."""
    u, i, v = synthetic(seed=2, nnz=200)
    text = write_text_parts(str(tmp_path / "text"), u, i, v, 1)
    paths = fd.list_parts(text) + fd.list_parts(synthetic_parts)
    with pytest.raises(FastAlsError, match=r"part-000\.parquet, column 'user': the user ids are int64, but .*text.*"
                                           r"has string user ids") as e:
        fd.fit(client, paths, AlternatingLeastSquares(**PARAMS), timeout=TIMEOUT)
    assert synthetic_parts in str(e.value)


def test_unreachable_scheduler_is_one_clear_error():
    with pytest.raises(ConnectionError, match="tcp://127.0.0.1:9"):
        fd.connect("tcp://127.0.0.1:9", timeout=2)


def test_empty_folder_is_one_clear_error(client, tmp_path):
    with pytest.raises(FileNotFoundError, match="no \\*.parquet part files"):
        fd.fit(client, str(tmp_path), AlternatingLeastSquares(**PARAMS))


def test_workers_run_without_the_nanny_malloc_trim_threshold(client):
    env = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
    assert set(env.values()) == {None}


def test_command_line_driver_trains_and_saves_the_same_model(client, synthetic_parts, tmp_path):
    """``python3 -m fastals.distributed`` (what ``fastals train --scheduler`` runs) with AlsOptions' JSON form."""
    import json
    import subprocess
    import sys
    options = {"kind": "BiasedImplicit", "factors": 16, "regularization": 0.1, "regularizationScaling": "Constant",
               "alpha": 2.0, "epsilon": 1.0, "confidence": "Linear", "iterations": 2, "seed": 3, "threads": 1,
               "solver": "ConjugateGradient", "cgSteps": 2, "cgTolerance": 0, "earlyStopTolerance": 0, "initScale": 0.1}
    out = str(tmp_path / "m.fals")
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(fastals.__file__))))
    r = subprocess.run([sys.executable, "-m", "fastals.distributed", "--scheduler", client.scheduler.address, "--output",
                        out, "--options-json", json.dumps(options), synthetic_parts],
                       env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    assert "iter 2 cost" in r.stderr
    got = BiasedImplicitALS.load(out)
    want = single_process(BiasedImplicitALS, synthetic_parts, factors=16, regularization=0.1, alpha=2.0, iterations=2,
                          random_state=3, num_threads=1, use_cg=True, cg_steps=2)
    assert_same_model(got, want)
    bad = subprocess.run([sys.executable, "-m", "fastals.distributed", "--scheduler", client.scheduler.address,
                          "--output", str(tmp_path / "x.fals"), "--options-json", json.dumps(dict(options, cgTolerance=0.5)),
                          synthetic_parts], env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert bad.returncode == 1 and "cgTolerance" in bad.stderr and not os.path.exists(str(tmp_path / "x.fals"))


def test_options_the_workers_cannot_rebuild_are_refused(client, synthetic_parts):
    """Workers rebuild the options from the estimator's constructor parameters; any difference is an error."""
    model = AlternatingLeastSquares(**PARAMS)
    real = model._options

    def altered():
        o = real()
        o.cg_tolerance = 0.25  # not a constructor parameter
        return o

    model._options = altered
    with pytest.raises(fastals.FastAlsArgumentError, match="cg_tolerance"):
        fd.fit(client, synthetic_parts, model, timeout=TIMEOUT)
