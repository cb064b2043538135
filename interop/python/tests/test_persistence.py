"""save / load with paths and file objects, model bytes, pickling and copies: always the model's bytes (the .fals
format), never a native handle, so every copy is an independent model, in this process or another."""
import copy
import gc
import io
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

import fastals
from fastals import AlternatingLeastSquares, BiasedExplicitALS, BiasedImplicitALS, Dataset, ExplicitALS

HERE = os.path.dirname(os.path.abspath(__file__))


def matrix(users=50, items=40, seed=4):
    m = sp.random(users, items, density=0.2, format="csr", random_state=seed, dtype=np.float64)
    m.data = np.floor(m.data * 5) + 1
    return m


def fitted(cls=AlternatingLeastSquares, users=50, items=40, seed=4):
    return cls(factors=6, iterations=3, regularization=0.1, num_threads=1, random_state=seed).fit(matrix(users, items, seed))


def assert_same_model(a, b):
    assert type(a) is type(b)
    assert a.shape == b.shape
    np.testing.assert_array_equal(a.user_factors, b.user_factors)
    np.testing.assert_array_equal(a.item_factors, b.item_factors)
    if type(a) in (BiasedExplicitALS, BiasedImplicitALS):
        for x, y in zip(a.biases(), b.biases()):
            np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(a.similar_items(3, N=5)[0], b.similar_items(3, N=5)[0])


@pytest.mark.parametrize("cls", [AlternatingLeastSquares, ExplicitALS, BiasedExplicitALS, BiasedImplicitALS])
def test_pickle_and_deepcopy_give_independent_equal_models(cls):
    model = fitted(cls)
    for copied in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model), copy.copy(model)):
        assert copied._model != model._model
        assert_same_model(copied, model)
    assert model.factors == 6 and pickle.loads(pickle.dumps(model)).regularization == 0.1


def test_copies_outlive_the_original():
    model = fitted()
    expect = model.user_factors
    clones = [pickle.loads(pickle.dumps(model)), copy.deepcopy(model)]
    model.free()
    del model
    gc.collect()
    for c in clones:
        np.testing.assert_array_equal(c.user_factors, expect)


def test_pickled_model_unpickles_in_another_process(tmp_path):
    """A 50x40 model pickled here answers with its own shape and neighbours in a fresh interpreter, even when that
    interpreter already holds other models (the old raw-handle pickles answered with another model's data)."""
    model = fitted()
    blob = tmp_path / "model.pkl"
    blob.write_bytes(pickle.dumps(model))
    code = ("import pickle, sys, numpy as np, scipy.sparse as sp, fastals\n"
            "other = fastals.AlternatingLeastSquares(factors=2, iterations=1).fit(sp.random(7, 5, density=0.5, format='csr', random_state=1))\n"
            "m = pickle.loads(open(sys.argv[1], 'rb').read())\n"
            "print(m.shape[0], m.shape[1]); print(' '.join(map(str, m.similar_items(3, N=5)[0])))\n")
    env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE))
    out = subprocess.run([sys.executable, "-c", code, str(blob)], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    shape, similar = out.stdout.splitlines()
    assert shape == "50 40"
    assert similar == " ".join(map(str, model.similar_items(3, N=5)[0]))


def test_save_and_load_accept_paths_and_binary_file_objects(tmp_path):
    model = fitted(BiasedImplicitALS)
    path = tmp_path / "m.fals"
    model.save(path)                      # os.PathLike
    with open(path, "rb") as f:
        assert_same_model(AlternatingLeastSquares.load(f), model)
    buf = io.BytesIO()
    model.save(buf)
    assert buf.getvalue() == path.read_bytes() == model.to_bytes()
    buf.seek(0)
    assert_same_model(AlternatingLeastSquares.load(buf), model)
    assert_same_model(AlternatingLeastSquares.load(str(path)), model)
    assert_same_model(AlternatingLeastSquares.from_bytes(bytearray(model.to_bytes())), model)
    assert_same_model(AlternatingLeastSquares.from_bytes(memoryview(model.to_bytes())), model)


def test_saving_an_unfitted_model_is_a_clear_error(tmp_path):
    m = AlternatingLeastSquares(factors=3)
    for action in (lambda: m.save(str(tmp_path / "x.fals")), lambda: m.save(io.BytesIO()), m.to_bytes):
        with pytest.raises(RuntimeError, match="cannot (save|serialize) an unfitted AlternatingLeastSquares: call fit"):
            action()
    assert not os.listdir(tmp_path)


def test_an_unfitted_model_pickles_its_hyperparameters_only():
    """An estimator sent to a worker before fit (joblib, multiprocessing) keeps its settings and stays unfitted."""
    m = pickle.loads(pickle.dumps(AlternatingLeastSquares(factors=3, regularization=0.5)))
    assert m.factors == 3 and m.regularization == 0.5 and not m._model
    with pytest.raises(RuntimeError, match="unfitted"):
        m.to_bytes()
    m.fit(matrix())
    assert m.shape == (50, 40)


def test_a_freed_model_cannot_be_pickled():
    model = fitted()
    model.free()
    with pytest.raises(fastals.FastAlsHandleError):
        pickle.dumps(model)


def test_corrupt_or_truncated_bytes_are_rejected():
    data = fitted().to_bytes()
    with pytest.raises(fastals.FastAlsDataError, match="model bytes: .*truncated"):
        AlternatingLeastSquares.from_bytes(data[:-9])
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x10
    with pytest.raises(fastals.FastAlsDataError, match="model bytes: .*checksum"):
        AlternatingLeastSquares.from_bytes(flipped)
    with pytest.raises(fastals.FastAlsDataError, match="model bytes"):
        AlternatingLeastSquares.from_bytes(b"")


def test_datasets_refuse_pickling_and_copying_instead_of_sharing_a_handle():
    ds = Dataset.from_coo([1, 2], [3, 4])
    for action in (lambda: pickle.dumps(ds), lambda: copy.copy(ds), lambda: copy.deepcopy(ds)):
        with pytest.raises(TypeError, match="cannot be pickled or copied; pickle the scipy.sparse matrix"):
            action()
    ds.free()


def test_save_buffer_refuses_a_buffer_smaller_than_the_model():
    import ctypes
    model = fitted()
    l = fastals.lib()
    size = l.out("fastals_model_saved_size", ctypes.c_int64, model._model)
    assert size == len(model.to_bytes())
    small = ctypes.create_string_buffer(size - 1)
    n = ctypes.c_int64(-1)
    assert l.cdll.fastals_model_save_buffer(model._model, small, size - 1, ctypes.byref(n)) == fastals.signatures.FASTALS_E_INVALID_ARGUMENT
    assert "capacity %d bytes is less than the %d bytes of the model" % (size - 1, size) in l.last_error()
    assert n.value == -1
