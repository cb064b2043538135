"""ALS models with an API close to the ``implicit`` package's ``AlternatingLeastSquares``.

IMPORTANT: ``fit`` takes a users x items matrix (ROWS ARE USERS, COLUMNS ARE ITEMS), like implicit >= 0.5.
A matrix of items x users trains a model with users and items swapped; the shape is checked against the model
wherever it is known (recommend, recalculate_user), and mismatches raise with the library's message.
"""
import ctypes
import json
import os

import numpy as np

from . import _signatures as sig
from ._arrays import check_sparse, index_array, ptr, strict
from ._dataset import Dataset
from ._lib import lib


def _schema():
    """The library's option schema (fastals_options_schema): name, type, enum spellings, description and the default
    of every model kind, in the C struct's order. The one source of this module's option names and defaults."""
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = json.loads(lib().string("fastals_options_schema"))["options"]
    return _SCHEMA


_SCHEMA = None

# The keywords that keep implicit's names for library options (every other keyword is the option's own name).
# ``use_cg`` is a bool: solver conjugate_gradient (True) or cholesky (False). The model kind is the class.
PYTHON_NAMES = {"seed": "random_state", "threads": "num_threads", "solver": "use_cg"}


def _spelling_of_kind(kind):
    return sig.AlsModelKind(kind).name.lower()


def _enum_value(option, value):
    """The integer of an enum option spelled ``value`` (the schema's spelling, e.g. 'by_count')."""
    spellings = option["values"]
    if not isinstance(value, str) or value not in spellings:
        raise ValueError("%s must be one of %s (got %r)" % (option["name"], ", ".join(spellings), value))
    return spellings.index(value)


class AlternatingLeastSquares:
    """Implicit-feedback ALS (Hu, Koren and Volinsky 2008), trained by libfastals.

    Every keyword defaults to None: the library's default for this class's model kind (``AlsOptions.For(kind)`` in
    .NET, ``fastals_fit_options_init_kind`` in C; ``option_defaults()`` lists them). Names follow implicit where it
    has the option: ``random_state`` (the seed; an int), ``num_threads`` (0: all cores) and ``use_cg`` (conjugate
    gradient instead of exact Cholesky solves); the others are the library's: ``factors``, ``regularization``,
    ``regularization_scaling`` ('constant' or 'by_count' = ALS-WR), ``alpha``, ``epsilon``, ``confidence``
    ('linear': 1 + alpha r, 'log': 1 + alpha log(1 + r / epsilon), 'scaled': alpha r as the ``implicit``
    package; unobserved pairs weigh 1 in all three), ``iterations``, ``cg_steps``, ``cg_tolerance``,
    ``init_scale`` and ``early_stop_tolerance``.

    Arrays: ``user_factors`` / ``item_factors`` are float32 numpy arrays (users x factors, items x factors) copied out
    of the library on each access. All ids are dense 0-based row/column indices of the fitted matrix.
    """

    kind = sig.AlsModelKind.IMPLICIT

    def __init__(self, factors=None, regularization=None, alpha=None, iterations=None, random_state=None,
                 num_threads=None, use_cg=None, cg_steps=None, cg_tolerance=None, confidence=None, epsilon=None,
                 regularization_scaling=None, init_scale=None, early_stop_tolerance=None):
        if random_state is not None and not isinstance(random_state, (int, np.integer)):
            raise TypeError("random_state must be an int seed (got %s)" % type(random_state).__name__)
        given = dict(factors=factors, regularization=regularization, alpha=alpha, iterations=iterations,
                     random_state=random_state, num_threads=num_threads, use_cg=use_cg, cg_steps=cg_steps,
                     cg_tolerance=cg_tolerance, confidence=confidence, epsilon=epsilon,
                     regularization_scaling=regularization_scaling, init_scale=init_scale,
                     early_stop_tolerance=early_stop_tolerance)
        defaults = self.option_defaults()
        for name, value in given.items():
            setattr(self, name, defaults[name] if value is None else value)
        self.random_state = int(self.random_state)
        self._model = 0

    @classmethod
    def option_defaults(cls):
        """{keyword: the library's default for this class's model kind}, from the library's option schema."""
        kind = _spelling_of_kind(cls.kind)
        out = {}
        for option in _schema():
            name = option["name"]
            if name == "kind":
                continue
            value = option["defaults"][kind]
            if name == "solver":
                value = value == "conjugate_gradient"
            out[PYTHON_NAMES.get(name, name)] = value
        return out

    # ---- options
    def _options(self):
        o = sig.FastAlsFitOptions()
        lib().call("fastals_fit_options_init_kind", int(self.kind), ctypes.byref(o))
        for option in _schema():
            name = option["name"]
            if name == "kind":
                continue
            value = getattr(self, PYTHON_NAMES.get(name, name))
            if name == "solver":
                value = "conjugate_gradient" if value else "cholesky"
            if option["type"] == "enum":
                value = _enum_value(option, value)
            elif option["type"] == "int32":
                value = int(value)
            else:
                value = float(value)
            setattr(o, name, value)
        return o

    def _set_options(self, o):
        """Sets the keywords from a filled fastals_fit_options_t (a loaded model's options)."""
        for option in _schema():
            name = option["name"]
            if name == "kind":
                continue
            value = getattr(o, name)
            if option["type"] == "enum":
                value = option["values"][value]
            if name == "solver":
                value = value == "conjugate_gradient"
            setattr(self, PYTHON_NAMES.get(name, name), value)

    # ---- training
    def fit(self, user_items, show_progress=False, callback=None):
        """Trains on ``user_items``: a scipy.sparse CSR matrix of shape (users, items) — USERS ARE ROWS —, a path to
        a Parquet/CSV file (columns user, item[, value]; see Dataset.load), or a Dataset.

        ``callback(iteration, half_step, cost, loss)`` is called after every half-step (half_step 0: users solved,
        1: items solved); return True to stop training (raises FastAlsCancelled, the old model is kept).
        ``show_progress`` prints one line per iteration. The GIL is released while the library trains.
        A CSR matrix with int32 indices and float32 data is read in place, not copied (the library still validates it;
        its int32 indptr is widened to int64), so it must not change during the call; other dtypes are converted
        first. With a ``callback``, which could change it, the library copies the arrays instead.
        Returns self.
        """
        own = not isinstance(user_items, Dataset)
        if isinstance(user_items, (str, bytes, os.PathLike)):
            data = Dataset.load(user_items)
        elif own:
            data = Dataset._for_call(user_items, copy=callback is not None)
        else:
            data = user_items
        try:
            o = self._options()
            h = ctypes.c_uint64()
            self._with_progress(o, show_progress, callback, "fastals_model_fit", data.handle, ctypes.byref(o), ctypes.byref(h))
            self._free_model()
            self._model = h.value
        finally:
            if own:
                data.free()
        return self

    def continue_training(self, user_items, iterations, show_progress=False, callback=None):
        """Runs ``iterations`` more iterations from the current factors on the same users x items data (a CSR matrix,
        a path or a Dataset of the fitted shape); callback as in fit. On cancellation the model keeps the factors of
        the last completed half-step."""
        handle = self._handle()
        own = not isinstance(user_items, Dataset)
        data = Dataset.load(user_items) if isinstance(user_items, (str, bytes, os.PathLike)) else \
            Dataset._for_call(user_items, copy=callback is not None) if own else user_items
        try:
            o = self._options()
            self._with_progress(o, show_progress, callback, "fastals_model_continue_training", handle, data.handle, int(iterations), ctypes.byref(o))
        finally:
            if own:
                data.free()
        return self

    def _with_progress(self, o, show_progress, callback, export, *args):
        errors = []

        def report(iteration, half_step, cost, loss, _user):
            try:
                if show_progress and half_step == 1:
                    print("fastals: iteration %d cost %.6g" % (iteration, cost))
                if callback is not None and callback(iteration, half_step, cost, loss):
                    return 1
                return 0
            except BaseException as e:  # an exception must not unwind through C
                errors.append(e)
                return 1

        cb = sig.FN_PROGRESS(report) if (callback is not None or show_progress) else None
        if cb is not None:
            o.progress = cb
        try:
            lib().call(export, *args)
        except Exception:
            if errors:
                raise errors[0]
            raise

    @classmethod
    def from_factors(cls, user_factors, item_factors, **kwargs):
        """A model serving given factors (float32, C-contiguous, users x k and items x k; rejected otherwise — no copy
        is made on the Python side)."""
        uf = strict(user_factors, np.float32, "user_factors", ndim=2)
        itf = strict(item_factors, np.float32, "item_factors", ndim=2)
        if uf.shape[1] != itf.shape[1]:
            raise ValueError("user_factors has %d factors but item_factors has %d" % (uf.shape[1], itf.shape[1]))
        m = cls(factors=uf.shape[1], **kwargs)
        o = m._options()
        h = ctypes.c_uint64()
        l = lib()
        l.call("fastals_model_create", ctypes.byref(o), uf.shape[0], itf.shape[0], ctypes.byref(h))
        m._model = h.value
        l.call("fastals_model_set_user_factors", m._model, ptr(uf), uf.size)
        l.call("fastals_model_set_item_factors", m._model, ptr(itf), itf.size)
        return m

    # ---- state
    def _handle(self):
        if not self._model:
            raise RuntimeError("the model is not fitted (call fit or load first)")
        return self._model

    def _shape(self):
        u, i, k, kind = ctypes.c_int32(), ctypes.c_int32(), ctypes.c_int32(), ctypes.c_int32()
        lib().call("fastals_model_shape", self._handle(), ctypes.byref(u), ctypes.byref(i), ctypes.byref(k), ctypes.byref(kind))
        return u.value, i.value, k.value, kind.value

    @property
    def shape(self):
        """(users, items) of the fitted matrix."""
        return self._shape()[:2]

    @property
    def user_factors(self):
        """users x factors float32 array (a fresh copy)."""
        u, _, k, _ = self._shape()
        a = np.empty((u, k), dtype=np.float32)
        lib().call("fastals_model_get_user_factors", self._model, ptr(a), a.size)
        return a

    @property
    def item_factors(self):
        """items x factors float32 array (a fresh copy)."""
        _, i, k, _ = self._shape()
        a = np.empty((i, k), dtype=np.float32)
        lib().call("fastals_model_get_item_factors", self._model, ptr(a), a.size)
        return a

    def biases(self):
        """(user_biases, item_biases, global_mean) of a biased model; FastAlsNotSupported otherwise."""
        u, i, _, _ = self._shape()
        ub, ib, mu = np.empty(u, dtype=np.float32), np.empty(i, dtype=np.float32), ctypes.c_float()
        lib().call("fastals_model_get_biases", self._model, ptr(ub), ub.size, ptr(ib), ib.size, ctypes.byref(mu))
        return ub, ib, mu.value

    # ---- serving
    def recommend(self, userid, user_items, N=10, filter_already_liked_items=True, filter_items=None,
                  recalculate_user=False, items=None, threads=None):
        """Top-N items for one user index or an array of them.

        ``user_items``: CSR rows of the given users (1 row for a single id, len(userid) rows for an array; the full
        users x items matrix is accepted too when its row count equals the model's users). Its row supplies the
        liked items to filter and, with ``recalculate_user``, the interactions to fold in. ``filter_items``: item
        indices never returned; ``items``: the only item indices that may be returned. ``threads``: threads of
        this call (an int >= 0, or None: the calling thread for a single id, ``num_threads`` for an array; with
        ``recalculate_user`` every id is a single call). Above 1, a single id's catalogue is split across that many
        threads (8,192 items or more; the same results); it is opt-in so that a server calling from many threads is
        not oversubscribed. 0 means all cores for an array and the calling thread for a single id.
        Returns (ids, scores): 1-D arrays for a single id, (len(userid), N) arrays for an array (unused slots: id -1,
        score -inf). N is checked before anything is allocated; an N above the model's item count is capped there.
        """
        users, n_items, _, _ = self._shape()
        N = _count(N, n_items)
        single = np.ndim(userid) == 0
        one_threads = _threads(threads, True, self.num_threads)
        ids = index_array(userid, "userid")
        rows = _user_rows(user_items, ids, users, n_items) if user_items is not None else None
        if rows is None and (filter_already_liked_items or recalculate_user):
            raise ValueError("user_items is needed to filter liked items or recalculate users (pass None only with "
                             "filter_already_liked_items=False)")
        exclude = index_array(filter_items, "filter_items")
        cand = index_array(items, "items")
        has_cand = 1 if items is not None else 0
        l = lib()
        if recalculate_user or single:
            out_ids = np.full((ids.size, N), -1, dtype=np.int32)
            out_scores = np.full((ids.size, N), -np.inf, dtype=np.float32)
            for r, u in enumerate(ids):
                seen = rows[r] if rows is not None else np.empty(0, dtype=np.int32)
                oi, os_ = out_ids[r], out_scores[r]
                count = ctypes.c_int32()
                if recalculate_user:
                    factors, bias = self._recalculate(seen, rows.values[r] if rows is not None else None)
                    l.call("fastals_model_recommend_factors", self._model, ptr(factors), factors.size, ctypes.c_float(bias), N,
                           ptr(seen), seen.size, int(bool(filter_already_liked_items)), has_cand, ptr(cand), cand.size,
                           ptr(exclude), exclude.size, one_threads, ptr(oi), oi.size, ptr(os_), os_.size,
                           ctypes.byref(count))
                else:
                    l.call("fastals_model_recommend", self._model, int(u), N, ptr(seen), seen.size,
                           int(bool(filter_already_liked_items)), has_cand, ptr(cand), cand.size, ptr(exclude), exclude.size,
                           one_threads, ptr(oi), oi.size, ptr(os_), os_.size, ctypes.byref(count))
                if single:
                    return oi[:count.value].copy(), os_[:count.value].copy()
            return out_ids, out_scores
        out_ids = np.empty((ids.size, N), dtype=np.int32)
        out_scores = np.empty((ids.size, N), dtype=np.float32)
        counts = np.empty(ids.size, dtype=np.int32)
        offsets = rows.offsets if rows is not None else np.empty(0, dtype=np.int64)
        seen_all = rows.indices if rows is not None else np.empty(0, dtype=np.int32)
        l.call("fastals_model_recommend_batch", self._model, ptr(ids), ids.size, N, ptr(offsets), offsets.size,
               ptr(seen_all), seen_all.size, int(bool(filter_already_liked_items)), has_cand, ptr(cand), cand.size,
               ptr(exclude), exclude.size, _threads(threads, False, self.num_threads), ptr(out_ids), out_ids.size,
               ptr(out_scores), out_scores.size, ptr(counts), counts.size)
        for r, c in enumerate(counts):
            out_ids[r, c:] = -1
            out_scores[r, c:] = -np.inf
        return out_ids, out_scores

    def similar_items(self, itemid, N=10, filter_items=None, items=None, threads=None):
        """The N items most similar (cosine of factors) to one item index or an array of them. Unlike implicit,
        the query item itself is not returned. ``threads`` as in ``recommend``. Returns (ids, scores) shaped as
        recommend's."""
        return self._similar("fastals_model_similar_items", itemid, N, filter_items, items, "itemid", 1, threads)

    def similar_users(self, userid, N=10, filter_users=None, users=None, threads=None):
        """The N users most similar (cosine of factors) to one user index or an array of them (the user excluded).
        ``threads`` as in ``recommend``."""
        return self._similar("fastals_model_similar_users", userid, N, filter_users, users, "userid", 0, threads)

    def _similar(self, export, query, N, exclude, allow, name, side, threads):
        N = _count(N, self._shape()[side])
        single = np.ndim(query) == 0
        threads = _threads(threads, single, self.num_threads)
        q = index_array(query, name)
        ex = index_array(exclude, "filter")
        cand = index_array(allow, "allow-list")
        out_ids = np.empty((q.size, N), dtype=np.int32)
        out_scores = np.empty((q.size, N), dtype=np.float32)
        counts = np.empty(q.size, dtype=np.int32)
        lib().call(export, self._model, ptr(q), q.size, N, 1 if allow is not None else 0, ptr(cand), cand.size,
                   ptr(ex), ex.size, threads, ptr(out_ids), out_ids.size, ptr(out_scores), out_scores.size, ptr(counts),
                   counts.size)
        if single:
            return out_ids[0, :counts[0]].copy(), out_scores[0, :counts[0]].copy()
        for r, c in enumerate(counts):
            out_ids[r, c:] = -1
            out_scores[r, c:] = -np.inf
        return out_ids, out_scores

    def recalculate_user(self, userid, user_items):
        """Fold-in: the factors a training half-step would give the user(s) whose rows are in ``user_items``
        (items fixed). Returns a (factors,) array for one id, (len(userid), factors) for an array."""
        users, _, _, _ = self._shape()
        single = np.ndim(userid) == 0
        ids = index_array(userid, "userid")
        rows = _user_rows(user_items, ids, users, self.shape[1])
        out = np.stack([self._recalculate(rows[r], rows.values[r])[0] for r in range(ids.size)]) if ids.size else \
            np.empty((0, self.factors), dtype=np.float32)
        return out[0] if single else out

    def _recalculate(self, items, values):
        _, _, k, _ = self._shape()
        factors = np.zeros(k, dtype=np.float32)
        values = np.ones(items.size, dtype=np.float32) if values is None else values
        bias = ctypes.c_float()
        lib().call("fastals_model_recalculate_user", self._model, ptr(items), items.size, ptr(values), values.size,
                   ptr(factors), factors.size, ctypes.byref(bias))
        return factors, bias.value

    def predict(self, users, items, cold_start="score"):
        """Scores of (users[i], items[i]) pairs as a float32 array.

        ``cold_start``: what a pair gets whose user or item had no training interactions (a zero factor row and
        bias), as Spark's coldStartStrategy: 'score' (the model's score: 0 for ExplicitALS, mu + biases for
        BiasedExplicitALS), 'nan', 'global_mean' (the mean training rating; NaN where the model does not know it) or
        'drop', which returns ``(positions, scores)`` of the pairs kept (positions index ``users``)."""
        u = index_array(users, "users")
        i = index_array(items, "items")
        strategy = _cold_start(cold_start)
        out = np.empty(u.size, dtype=np.float32)
        if strategy == sig.ColdStartStrategy.SCORE:
            lib().call("fastals_model_predict", self._handle(), ptr(u), u.size, ptr(i), i.size, ptr(out), out.size)
            return out
        kept = np.empty(u.size, dtype=np.int32)
        count = ctypes.c_int32()
        lib().call("fastals_model_predict_cold_start", self._handle(), ptr(u), u.size, ptr(i), i.size, int(strategy),
                   ptr(out), out.size, ptr(kept), kept.size, ctypes.byref(count))
        if strategy == sig.ColdStartStrategy.DROP:
            return kept[:count.value].copy(), out[:count.value].copy()
        return out

    # ---- external ids (a model trained on a file, by the CLI or Python, keeps the file's user and item ids)
    @property
    def user_ids(self):
        """External id of each user row: an int64 array, or a list of str for string ids (0..users-1 for a model
        trained on a CSR matrix)."""
        return self._model_ids(0)

    @property
    def item_ids(self):
        """External id of each item: an int64 array, or a list of str for string ids."""
        return self._model_ids(1)

    def _model_ids(self, side):
        handle = self._handle()
        count = self.shape[side]
        cache = self.__dict__.setdefault("_ids_cache", {})
        if cache.get(("handle", side)) != handle:
            l = lib()
            if l.out("fastals_model_ids_are_text", ctypes.c_int32, handle, side):
                ids = [l.string("fastals_model_id_text", handle, side, i) for i in range(count)]
            else:
                ids = np.empty(count, dtype=np.int64)
                l.call("fastals_model_user_ids" if side == 0 else "fastals_model_item_ids", handle, ptr(ids), ids.size)
            cache[("handle", side)] = handle
            cache[side] = ids
            cache[("index", side)] = None
        ids = cache[side]
        return list(ids) if isinstance(ids, list) else ids.copy()

    def _index_of(self, side, external, name):
        """Dense indices of external ids (a scalar or a sequence); KeyError naming the first unknown id."""
        self._model_ids(side)
        cache = self._ids_cache
        if cache.get(("index", side)) is None:
            ids = cache[side]
            cache[("index", side)] = {(v if isinstance(v, str) else int(v)): i for i, v in enumerate(ids)}
        index = cache[("index", side)]
        single = np.ndim(external) == 0 or isinstance(external, str)
        values = [external] if single else list(external)
        out = np.empty(len(values), dtype=np.int32)
        for j, v in enumerate(values):
            key = v if isinstance(v, str) else int(v)
            if key not in index:
                raise KeyError("%s: %r is not a %s id of this model" % (name, v, "user" if side == 0 else "item"))
            out[j] = index[key]
        return out

    def _external(self, side, indices):
        ids = self._ids_cache[side]
        if isinstance(ids, list):
            return np.array([ids[i] for i in indices], dtype=object)
        return ids[indices]

    def user_index(self, user_ids):
        """Dense row indices of external user ids (int32 array)."""
        return self._index_of(0, user_ids, "user_ids")

    def item_index(self, item_ids):
        """Dense column indices of external item ids (int32 array)."""
        return self._index_of(1, item_ids, "item_ids")

    def recommend_ids(self, user_id, N=10, seen_items=None, filter_items=None, items=None, threads=None):
        """Top-N for one external user id, in external ids: ``seen_items`` (external item ids) are left out,
        ``filter_items`` never returned, ``items`` the only ones allowed; ``threads`` as in ``recommend`` (None: the
        calling thread). Returns (item ids, scores): the ids as an int64 array, or an object array of str for string
        ids."""
        u = int(self._index_of(0, user_id, "user_id")[0])
        seen = self._index_of(1, [] if seen_items is None else seen_items, "seen_items")
        exclude = self._index_of(1, [] if filter_items is None else filter_items, "filter_items")
        cand = self._index_of(1, [] if items is None else items, "items")
        out_ids = np.empty(max(int(N), 0), dtype=np.int32)
        out_scores = np.empty(out_ids.size, dtype=np.float32)
        count = ctypes.c_int32()
        lib().call("fastals_model_recommend", self._handle(), u, int(N), ptr(seen), seen.size, 1 if seen.size else 0,
                   1 if items is not None else 0, ptr(cand), cand.size, ptr(exclude), exclude.size,
                   _threads(threads, True, self.num_threads), ptr(out_ids), out_ids.size, ptr(out_scores),
                   out_scores.size, ctypes.byref(count))
        return self._external(1, out_ids[:count.value]), out_scores[:count.value].copy()

    def similar_items_ids(self, item_id, N=10, threads=None):
        """The N items most similar (cosine) to one external item id (itself excluded), in external ids; ``threads``
        as in ``recommend``."""
        i = int(self._index_of(1, item_id, "item_id")[0])
        ids, scores = self.similar_items(i, N=N, threads=threads)
        return self._external(1, ids), scores

    def similar_users_ids(self, user_id, N=10, threads=None):
        """The N users most similar (cosine) to one external user id (itself excluded), in external ids; ``threads``
        as in ``recommend``."""
        u = int(self._index_of(0, user_id, "user_id")[0])
        ids, scores = self.similar_users(u, N=N, threads=threads)
        return self._external(0, ids), scores

    def set_user_factors(self, user_factors):
        """Replaces the user factors (float32, C-contiguous, users x factors, finite); the model's serving caches follow."""
        a = strict(user_factors, np.float32, "user_factors", ndim=2)
        lib().call("fastals_model_set_user_factors", self._handle(), ptr(a), a.size)

    def set_item_factors(self, item_factors):
        """Replaces the item factors (float32, C-contiguous, items x factors, finite); the model's serving caches follow."""
        a = strict(item_factors, np.float32, "item_factors", ndim=2)
        lib().call("fastals_model_set_item_factors", self._handle(), ptr(a), a.size)

    def set_biases(self, user_biases, item_biases, global_mean):
        """Replaces the biases and global mean of a biased model (FastAlsNotSupported for the others)."""
        ub = strict(user_biases, np.float32, "user_biases", ndim=1)
        ib = strict(item_biases, np.float32, "item_biases", ndim=1)
        lib().call("fastals_model_set_biases", self._handle(), ptr(ub), ub.size, ptr(ib), ib.size, ctypes.c_float(global_mean))

    # ---- persistence
    def save(self, file):
        """Writes the model file (the .fals format, which the .NET AlsModel.Load and the CLI read too) to a path
        (written to a temporary name, then renamed) or to a binary file object (``write``). Raises RuntimeError for an
        unfitted model."""
        handle = self._fitted_handle("save")
        if hasattr(file, "write"):
            file.write(self.to_bytes())
        else:
            lib().call("fastals_model_save", handle, os.fsencode(file))

    @classmethod
    def load(cls, file):
        """Reads a model file from a path or a binary file object (``read``); returns an instance of the class matching
        the model's kind."""
        if hasattr(file, "read"):
            return cls.from_bytes(file.read())
        h = ctypes.c_uint64()
        lib().call("fastals_model_load", os.fsencode(file), ctypes.byref(h))
        return cls._adopt(h.value)

    def to_bytes(self):
        """The model file's bytes (what ``save`` writes): the whole model, independent of this process."""
        handle = self._fitted_handle("serialize")
        l = lib()
        size = l.out("fastals_model_saved_size", ctypes.c_int64, handle)
        buf = bytearray(size)
        n = l.out("fastals_model_save_buffer", ctypes.c_int64, handle, (ctypes.c_char * size).from_buffer(buf), size)
        del buf[n:]
        return bytes(buf)

    @classmethod
    def from_bytes(cls, data):
        """A model from a model file's bytes (``to_bytes``, ``save`` or the CLI), validated as ``load`` validates a
        file; an instance of the class matching the model's kind."""
        return cls._adopt(_load_bytes(data))

    def _fitted_handle(self, action):
        if not self._model:
            raise RuntimeError("cannot %s an unfitted %s: call fit (or load) first" % (action, type(self).__name__))
        return self._model

    # Pickling and copy.copy / copy.deepcopy carry the model's bytes (the .fals format), never the native handle, so the
    # copy is an independent model, in this process or another. An unfitted model carries only its hyperparameters.
    def __getstate__(self):
        state = {k: v for k, v in self.__dict__.items() if k not in ("_model", "_freed")}
        state["_model_bytes"] = self.to_bytes() if self._model else None
        return state

    def __setstate__(self, state):
        state = dict(state)
        data = state.pop("_model_bytes", None)
        self.__dict__.update(state)
        self._model = 0
        if data is not None:
            self._model = _load_bytes(data)

    @classmethod
    def _adopt(cls, handle):
        m = AlternatingLeastSquares()
        m._model = handle
        u, i, k, kind = m._shape()
        target = {c.kind: c for c in _MODEL_CLASSES}[kind]
        m.__class__ = target
        o = sig.FastAlsFitOptions()
        lib().call("fastals_model_options", handle, ctypes.byref(o))
        m._set_options(o)
        return m

    def export_spark(self, folder, include_biases=True, overwrite=False):
        """Writes the model in Spark ML's ALSModel folder layout (readable by pyspark's ALSModel.load)."""
        lib().call("fastals_model_export_spark", self._handle(), os.fsencode(folder), int(bool(include_biases)), int(bool(overwrite)))

    @classmethod
    def import_spark(cls, folder):
        """Reads a Spark ALSModel folder (a plain Spark model becomes an ExplicitALS)."""
        h = ctypes.c_uint64()
        lib().call("fastals_model_import_spark", os.fsencode(folder), ctypes.byref(h))
        return cls._adopt(h.value)

    def free(self):
        """Releases the model's memory; later calls raise FastAlsHandleError (a freed model)."""
        handle = self._handle()
        lib().call("fastals_model_free", handle)
        self._freed = handle

    def _free_model(self):
        if self._model and getattr(self, "_freed", None) != self._model:
            lib().cdll.fastals_model_free(self._model)

    def __del__(self):
        try:
            self._free_model()
        except Exception:
            pass


class ExplicitALS(AlternatingLeastSquares):
    """Explicit ratings ALS: r_ui ~ x_u . y_i over the observed entries only (alpha is unused)."""

    kind = sig.AlsModelKind.EXPLICIT


class BiasedExplicitALS(AlternatingLeastSquares):
    """Explicit ratings with global mean and biases: r_ui ~ mu + b_u + g_i + x_u . y_i."""

    kind = sig.AlsModelKind.BIASED_EXPLICIT


class BiasedImplicitALS(AlternatingLeastSquares):
    """Implicit feedback with user and item biases (unobserved pairs counted exactly)."""

    kind = sig.AlsModelKind.BIASED_IMPLICIT


_MODEL_CLASSES = (AlternatingLeastSquares, ExplicitALS, BiasedExplicitALS, BiasedImplicitALS)


def ranking_metrics_at_k(model, train_user_items, test_user_items, K=10, num_threads=0):
    """precision, recall, map, ndcg, auc (as implicit.evaluation.ranking_metrics_at_k) and coverage at K, computed by
    the library; train and test are users x items CSR matrices of the model's shape."""
    train = Dataset._for_call(train_user_items)
    try:
        test = Dataset._for_call(test_user_items)
        try:
            m = sig.FastAlsRankingMetrics()
            lib().call("fastals_model_evaluate", model._handle(), train.handle, test.handle, int(K), int(num_threads), ctypes.byref(m))
        finally:
            test.free()
    finally:
        train.free()
    return {"precision": m.precision, "recall": m.recall, "map": m.map, "ndcg": m.ndcg, "auc": m.auc,
            "coverage": m.coverage, "users": m.users, "k": m.k}


def error_metrics(model, test_user_items, cold_start="score"):
    """RMSE and MAE of the model's predictions over every interaction of ``test_user_items`` (users x items CSR of the
    model's shape), computed by the library; ``cold_start`` as in ``predict`` ('drop': such pairs are not counted,
    'nan': any makes the metrics NaN). Returns {"rmse", "mae", "count"}."""
    test = Dataset._for_call(test_user_items)
    try:
        rmse, mae, count = ctypes.c_double(), ctypes.c_double(), ctypes.c_int64()
        lib().call("fastals_model_error_metrics", model._handle(), test.handle, int(_cold_start(cold_start)),
                   ctypes.byref(rmse), ctypes.byref(mae), ctypes.byref(count))
    finally:
        test.free()
    return {"rmse": rmse.value, "mae": mae.value, "count": count.value}


def _cold_start(value):
    names = [m.name.lower() for m in sig.ColdStartStrategy]
    if value not in names:
        raise ValueError("cold_start must be one of %s (got %r)" % (", ".join(names), value))
    return sig.ColdStartStrategy[value.upper()]


class _Rows:
    """The CSR rows of some users: offsets (int64, len(users)+1), indices (int32) and values (float32)."""

    def __init__(self, offsets, indices, values):
        self.offsets, self.indices, self.values_all = offsets, indices, values
        self.values = _RowValues(self)

    def __getitem__(self, r):
        return self.indices[self.offsets[r]:self.offsets[r + 1]]


class _RowValues:
    def __init__(self, rows):
        self._rows = rows

    def __getitem__(self, r):
        return self._rows.values_all[self._rows.offsets[r]:self._rows.offsets[r + 1]]


def _user_rows(user_items, ids, model_users, model_items):
    import scipy.sparse as sp
    if not sp.issparse(user_items):
        raise TypeError("user_items must be a scipy.sparse CSR matrix (users x items) (got %s)" % type(user_items).__name__)
    m = check_sparse(user_items, "user_items").tocsr()
    if m.shape[1] != model_items:
        raise ValueError("user_items has %d columns but the model has %d items (is the matrix items x users? fit and "
                         "recommend take USERS x ITEMS)" % (m.shape[1], model_items))
    if m.shape[0] != ids.size:
        if m.shape[0] == model_users:
            m = m[ids]
        else:
            raise ValueError("user_items has %d rows; pass the rows of the %d requested user(s) or the full %d-user "
                             "matrix" % (m.shape[0], ids.size, model_users))
    if not m.has_canonical_format:
        m = m.copy()
        m.sum_duplicates()
    return _Rows(np.ascontiguousarray(m.indptr, dtype=np.int64), np.ascontiguousarray(m.indices, dtype=np.int32),
                 np.ascontiguousarray(m.data, dtype=np.float32))


def _load_bytes(data):
    """A model handle from a model file's bytes (bytes, bytearray, memoryview or any buffer)."""
    if not isinstance(data, bytes):
        data = bytes(memoryview(data).cast("B"))
    h = ctypes.c_uint64()
    lib().call("fastals_model_load_buffer", data, len(data), ctypes.byref(h))
    return h.value


def _threads(threads, single, batch_default):
    """The threads argument of a serving call, checked: None gives 0 for a single query (the library runs it on the
    calling thread) and ``batch_default`` (the model's num_threads) for an array; an integer >= 0 is passed as it is
    (above 1 it splits a single query across that many threads)."""
    if threads is None:
        return 0 if single else int(batch_default)
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)):
        raise TypeError("threads must be an integer or None (got %s)" % type(threads).__name__)
    if not 0 <= threads <= 2**31 - 1:
        raise ValueError("threads must be in [0, 2147483647] (got %d)" % threads)
    return int(threads)


def _count(n, limit, name="N"):
    """Checks a result count argument (an integer >= 0) before anything is allocated; returns the number of result
    slots to allocate: n, or ``limit`` (the most results there can be) when n is larger."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError("%s must be an integer (got %s)" % (name, type(n).__name__))
    if n < 0:
        raise ValueError("%s must be >= 0 (got %d)" % (name, n))
    return int(min(n, limit))
