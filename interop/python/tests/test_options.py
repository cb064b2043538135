"""One options schema (the library's AlsOptions, exported by fastals_options_schema): every front end here -- the
Python keywords and their defaults, the ctypes struct, the C header, the enum spellings -- must agree with it; and
the model state the C ABI setters change is the state every serving cache sees."""
import inspect
import os
import re

import numpy as np
import pytest
import scipy.sparse as sp

import fastals
from fastals import (AlternatingLeastSquares, BiasedExplicitALS, BiasedImplicitALS, ExplicitALS, error_metrics,
                     ranking_metrics_at_k)
from fastals import _signatures as sig
from fastals.als import PYTHON_NAMES, _schema

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = os.path.join(HERE, "..", "..", "include", "fastals.h")
CLASSES = [AlternatingLeastSquares, ExplicitALS, BiasedExplicitALS, BiasedImplicitALS]
# The ctypes enum of each enum option (the generated _signatures.py names them after the C# enums).
ENUMS = {"kind": sig.AlsModelKind, "regularization_scaling": sig.RegularizationScaling, "confidence": sig.ConfidenceKind,
         "solver": sig.AlsSolver}


def options():
    return [o for o in _schema() if o["name"] != "kind"]


def test_schema_lists_the_struct_fields_in_order():
    fields = [f for f, _ in sig.FastAlsFitOptions._fields_ if f not in ("progress", "progress_user")]
    assert [o["name"] for o in _schema()] == fields
    assert len(fields) >= 15


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_option_is_a_keyword_defaulting_to_the_library(cls):
    params = inspect.signature(cls.__init__).parameters
    kind = sig.AlsModelKind(cls.kind).name.lower()
    model = cls()
    struct = sig.FastAlsFitOptions()
    fastals.lib().call("fastals_fit_options_init_kind", int(cls.kind), fastals.signatures.ctypes.byref(struct))
    for o in options():
        name = PYTHON_NAMES.get(o["name"], o["name"])
        assert name in params, "%s has no keyword for option %s" % (cls.__name__, o["name"])
        assert params[name].default is None  # None: the library's default for the class's kind
        default = o["defaults"][kind]
        value = getattr(model, name)
        if o["name"] == "solver":
            assert value == (default == "conjugate_gradient")
        elif o["type"] == "enum":
            assert value == default
            assert getattr(struct, o["name"]) == o["values"].index(default)
        else:
            assert value == default
            assert getattr(struct, o["name"]) == pytest.approx(default, rel=1e-7)
    # the struct the model builds from its attributes is the library's default struct for the kind
    built = model._options()
    for o in _schema():
        assert getattr(built, o["name"]) == getattr(struct, o["name"]), o["name"]


def test_kind_defaults_come_from_the_library():
    assert ExplicitALS().regularization == pytest.approx(0.1)
    assert ExplicitALS().regularization_scaling == "by_count"
    assert BiasedExplicitALS().regularization_scaling == "by_count"
    assert AlternatingLeastSquares().regularization == pytest.approx(0.01)
    assert AlternatingLeastSquares().regularization_scaling == "constant"
    assert {c().factors for c in CLASSES} == {64}
    assert AlternatingLeastSquares(cg_tolerance=1e-3)._options().cg_tolerance == pytest.approx(1e-3)


def test_enum_spellings_are_the_generated_enums_in_snake_case():
    header = open(HEADER, encoding="utf-8").read()
    for o in _schema():
        if o["type"] != "enum":
            continue
        members = list(ENUMS[o["name"]])
        assert [m.name.lower() for m in members] == o["values"]
        assert [int(m) for m in members] == list(range(len(o["values"])))
        for v in o["values"]:
            assert re.search(r"\bFASTALS_[A-Z_]*_%s = \d+" % v.upper(), header), v
    for o in _schema():
        assert re.search(r"\b%s;" % o["name"], header), "fastals_fit_options_t lacks %s" % o["name"]
    with pytest.raises(ValueError, match="by_count"):
        AlternatingLeastSquares(regularization_scaling="count").fit(sp.csr_matrix(np.eye(3, dtype=np.float32)))


def test_loaded_model_keeps_its_options(tmp_path):
    m = sp.random(30, 20, density=0.3, format="csr", random_state=1, dtype=np.float32)
    model = ExplicitALS(factors=4, iterations=2, cg_tolerance=0.5, use_cg=True, num_threads=1).fit(m)
    path = str(tmp_path / "m.fals")
    model.save(path)
    loaded = AlternatingLeastSquares.load(path)
    assert type(loaded) is ExplicitALS
    for o in options():
        name = PYTHON_NAMES.get(o["name"], o["name"])
        want = getattr(model, name)
        if o["type"] in ("float32", "float64"):
            assert getattr(loaded, name) == pytest.approx(want, rel=1e-7), name
        else:
            assert getattr(loaded, name) == want, name


# ---- model state: the C ABI setters and the serving caches

def _ratings(users=50, items=30, seed=4):
    m = sp.random(users, items, density=0.2, format="csr", random_state=seed, dtype=np.float64)
    m.data = np.floor(m.data * 5).astype(np.float32) + 1
    return m.astype(np.float32)


def _fresh(model):
    same = {PYTHON_NAMES.get(o["name"], o["name"]): getattr(model, PYTHON_NAMES.get(o["name"], o["name"])) for o in options()
            if o["name"] != "factors"}
    f = type(model).from_factors(model.user_factors, model.item_factors, **same)
    if model.kind in (sig.AlsModelKind.BIASED_EXPLICIT, sig.AlsModelKind.BIASED_IMPLICIT):
        ub, ib, mu = model.biases()
        f.set_biases(ub, ib, mu)
    return f


@pytest.mark.parametrize("cls,setter", [(c, s) for c in (AlternatingLeastSquares, BiasedImplicitALS, BiasedExplicitALS)
                                        for s in ("item_factors", "user_factors", "biases")
                                        if s != "biases" or c is not AlternatingLeastSquares],
                         ids=lambda v: v if isinstance(v, str) else v.__name__)
def test_serving_after_a_setter_equals_a_fresh_model(cls, setter):
    m = _ratings()
    model = cls(factors=6, iterations=2, num_threads=1).fit(m)
    row = m[3]
    model.recalculate_user(3, row)  # fills the fold-in cache
    rng = np.random.default_rng(9)
    if setter == "item_factors":
        model.set_item_factors((rng.random(model.item_factors.shape, dtype=np.float32) - 0.5).astype(np.float32))
    elif setter == "user_factors":
        model.set_user_factors((rng.random(model.user_factors.shape, dtype=np.float32) - 0.5).astype(np.float32))
    else:
        ub, ib, mu = model.biases()
        model.set_biases(rng.random(ub.size, dtype=np.float32), rng.random(ib.size, dtype=np.float32), mu + 0.5)
    fresh = _fresh(model)
    np.testing.assert_array_equal(model.recalculate_user(3, row), fresh.recalculate_user(3, row))
    users = np.array([0, 1, 2, 5])
    np.testing.assert_array_equal(model.recommend(users, m[users], N=5)[0], fresh.recommend(users, m[users], N=5)[0])
    np.testing.assert_array_equal(model.predict(users, users), fresh.predict(users, users))


def test_set_biases_is_refused_for_models_without_biases():
    model = AlternatingLeastSquares(factors=2, iterations=1).fit(_ratings())
    with pytest.raises(fastals.FastAlsNotSupported, match="no biases"):
        model.set_biases(np.zeros(50, np.float32), np.zeros(30, np.float32), 0.0)
    with pytest.raises(fastals.FastAlsArgumentError, match="not finite"):
        model.set_item_factors(np.full(model.item_factors.shape, np.nan, dtype=np.float32))


# ---- cold users and items

def test_cold_start_strategies():
    m = _ratings().tolil()
    m[7, :] = 0  # user 7 and item 5 have no training ratings
    m[:, 5] = 0
    m = m.tocsr()
    m.eliminate_zeros()
    model = ExplicitALS(factors=4, iterations=3, num_threads=1).fit(m)
    users, items = np.array([0, 7, 1, 2]), np.array([1, 1, 5, 2])
    score = model.predict(users, items)
    assert score[1] == 0 and score[2] == 0  # the plain explicit model's own score for cold rows
    nan = model.predict(users, items, cold_start="nan")
    assert np.isnan(nan[[1, 2]]).all() and np.array_equal(nan[[0, 3]], score[[0, 3]])
    mean = model.predict(users, items, cold_start="global_mean")
    np.testing.assert_allclose(mean[[1, 2]], m.data.mean(), rtol=1e-5)
    kept, dropped = model.predict(users, items, cold_start="drop")
    np.testing.assert_array_equal(kept, [0, 3])
    np.testing.assert_array_equal(dropped, score[[0, 3]])
    with pytest.raises(ValueError, match="global_mean"):
        model.predict(users, items, cold_start="mean")
    test = sp.csr_matrix((np.array([4, 3], np.float32), (np.array([0, 7]), np.array([1, 1]))), shape=m.shape)
    assert error_metrics(model, test, cold_start="drop")["count"] == 1
    assert np.isnan(error_metrics(model, test, cold_start="nan")["rmse"])
    assert error_metrics(model, test, cold_start="global_mean")["count"] == 2


# ---- every kind works out of the box on MovieLens 100K

def _movielens():
    root = os.environ.get("FASTALS_SHARED_DATA")
    candidates = [root] if root else []
    d = HERE
    for _ in range(8):
        candidates.append(os.path.join(d, "shared", "data"))
        d = os.path.dirname(d)
    candidates.append("/work/shared/data")
    for c in candidates:
        if c and os.path.exists(os.path.join(c, "ml-100k", "u.data")):
            return os.path.join(c, "ml-100k", "u.data")
    return None


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_kind_trains_with_defaults_on_movielens(cls):
    path = _movielens()
    if path is None:
        pytest.skip("MovieLens 100K (ml-100k/u.data) is not in the shared data folder; set FASTALS_SHARED_DATA")
    raw = np.loadtxt(path, dtype=np.int64, usecols=(0, 1, 2))
    users, items, ratings = raw[:, 0] - 1, raw[:, 1] - 1, raw[:, 2].astype(np.float32)
    rng = np.random.default_rng(1)
    test_mask = rng.random(raw.shape[0]) < 0.2
    shape = (users.max() + 1, items.max() + 1)
    train = sp.csr_matrix((ratings[~test_mask], (users[~test_mask], items[~test_mask])), shape=shape)
    test = sp.csr_matrix((ratings[test_mask], (users[test_mask], items[test_mask])), shape=shape)
    model = cls(num_threads=0).fit(train)  # every option at the library's default for the kind
    assert np.isfinite(model.user_factors).all() and np.isfinite(model.item_factors).all()
    if cls in (ExplicitALS, BiasedExplicitALS):
        e = error_metrics(model, test, cold_start="global_mean")
        baseline = float(np.sqrt(np.mean((ratings[test_mask] - train.data.mean()) ** 2)))
        assert e["count"] == test.nnz
        assert e["rmse"] < 0.95 * baseline, "%s RMSE %.3f vs the global mean's %.3f" % (cls.__name__, e["rmse"], baseline)
    else:
        p = ranking_metrics_at_k(model, train, test, K=10)["precision"]
        assert p > 0.1, "%s p@10 %.3f" % (cls.__name__, p)
