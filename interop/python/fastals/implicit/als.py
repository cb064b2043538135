"""A drop-in for ``implicit.als.AlternatingLeastSquares`` (implicit 0.7), trained and served by libfastals.

    from fastals.implicit.als import AlternatingLeastSquares    # was: from implicit.als import ...

Same constructor, defaults, methods, argument names, return shapes and dtypes as implicit's CPU model, and the same
objective: confidence ``c = alpha * r`` with weight 1 on unobserved pairs (``ConfidenceKind.SCALED`` in the core;
FastAls's own ``fastals.AlternatingLeastSquares`` defaults to Hu et al.'s ``1 + alpha * r``). What still differs is
listed in the README ("fastals.implicit: what matches and what differs"): no GPU, float32 computation whatever
``dtype`` says, a different random initialization (so factors are not bit-identical to implicit's), and ``save``
writing FastAls's model inside the ``.npz``.
"""
import ctypes
import os
import sys
import tempfile
import time
import warnings

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from .. import _signatures as sig
from .._arrays import check_sparse, index_array, ptr
from .._dataset import Dataset
from .._lib import lib
from ..als import AlternatingLeastSquares as _Native
from ..als import _count

__all__ = ["AlternatingLeastSquares", "ParameterWarning", "calculate_loss"]

_NEG = np.finfo(np.float32).min  # implicit's score for filtered items: -FLT_MAX


class ParameterWarning(Warning):
    """Warned when an argument is converted (a non-CSR matrix given to fit), as implicit's ParameterWarning."""


def check_csr(matrix, name="user_items"):
    """Returns ``matrix`` as CSR; warns (ParameterWarning) when it had to convert, as implicit does. Its arrays are
    checked first (``check_sparse``: scipy's conversions trust them)."""
    if not sp.issparse(matrix):
        raise TypeError("expected a scipy.sparse matrix (got %s)" % type(matrix).__name__)
    check_sparse(matrix, name)
    if _is_csr(matrix):
        return matrix
    kind = type(matrix).__name__
    start = time.time()
    converted = matrix.tocsr()
    warnings.warn("Method expects CSR input, and was passed %s instead. Converting to CSR took %.3g seconds"
                  % (kind, time.time() - start), ParameterWarning, stacklevel=3)
    return converted


def _is_csr(matrix):
    return sp.issparse(matrix) and matrix.format == "csr"


def _seed(random_state):
    """An int32 seed from implicit's random_state forms: None (fresh entropy), an int, a RandomState or a Generator."""
    if random_state is None:
        return int(np.random.default_rng().integers(0, 2**31 - 1))
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**31 - 1))
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        value = int(random_state)
        if 0 <= value < 2**31:
            return value
        if value < 0:
            raise ValueError("random_state must be non-negative (got %d)" % value)
        return int(np.random.default_rng(value).integers(0, 2**31 - 1))
    raise TypeError("random_state must be None, an int, a numpy RandomState or a numpy Generator (got %s)"
                    % type(random_state).__name__)


def calculate_loss(Cui, X, Y, regularization, num_threads=0):
    """implicit's normalized training loss, computed exactly in float64.

    With ``c`` the stored values of ``Cui`` (already multiplied by alpha, as implicit's fit passes them), ``p = [c > 0]``
    and ``|c|`` the confidence::

        loss = ( sum_u x_u' Y'Y x_u + sum_(u,i) stored [ (|c|-1) (x_u.y_i)^2 - 2 c p (x_u.y_i) + |c| ]
                 + regularization (|X|^2 + |Y|^2) ) / ( sum |c| + users * items - nnz )

    that is sum over all pairs of c_ui (p_ui - x_u.y_i)^2 plus the penalty, per unit of confidence (as implicit, a
    negative entry also adds its |c| to the numerator).
    """
    del num_threads
    Cui = check_csr(Cui, "Cui")
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    users, items = Cui.shape
    data = np.asarray(Cui.data, dtype=np.float32).astype(np.float64)
    conf = np.abs(data)
    YtY = Y.T @ Y
    loss = float(np.einsum("ij,ij->", X @ YtY, X))
    rows = np.repeat(np.arange(users), np.diff(Cui.indptr))
    cols = Cui.indices
    chunk = 1 << 18
    for start in range(0, data.size, chunk):
        sl = slice(start, start + chunk)
        pred = np.einsum("ij,ij->i", X[rows[sl]], Y[cols[sl]])
        c = conf[sl]
        loss += float(np.sum(np.where(data[sl] > 0, -2.0 * c, 0.0) * pred + (c - 1.0) * pred * pred))
    total_confidence = float(conf.sum())
    loss += total_confidence
    loss += regularization * (float(np.einsum("ij,ij->", X, X)) + float(np.einsum("ij,ij->", Y, Y)))
    return loss / (total_confidence + users * items - Cui.nnz)


class _Progress:
    """A one-line progress bar on stderr (implicit shows tqdm's)."""

    def __init__(self, total, enabled):
        self.total, self.enabled, self.done, self.start = total, enabled, 0, time.time()

    def update(self, loss):
        if not self.enabled:
            return
        self.done += 1
        width = 30
        filled = width * self.done // max(self.total, 1)
        extra = "" if loss is None else ", loss=%.6g" % loss
        sys.stderr.write("\r%3d%%|%s%s| %d/%d [%.1fs%s]" % (100 * self.done // max(self.total, 1), "#" * filled,
                                                          " " * (width - filled), self.done, self.total,
                                                          time.time() - self.start, extra))
        sys.stderr.flush()

    def close(self):
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


class AlternatingLeastSquares:
    """implicit's AlternatingLeastSquares (Hu, Koren and Volinsky 2008, with the conjugate-gradient solver of Takacs
    et al.), trained by libfastals.

    Parameters (implicit 0.7's, same defaults): ``factors``, ``regularization``, ``alpha`` (confidence ``alpha * r``),
    ``dtype`` (float32 or float64: the dtype of ``user_factors``/``item_factors``; the computation is float32),
    ``use_native`` (accepted; always native), ``use_cg`` (3 CG steps per row, ``cg_steps``; False: exact Cholesky),
    ``use_gpu`` (True raises NotImplementedError), ``iterations``, ``calculate_training_loss`` (compute the loss after
    each iteration; passed to the fit callback and shown in the progress bar), ``num_threads`` (0: all cores),
    ``random_state`` (None, an int, a ``numpy.random.RandomState`` or a ``numpy.random.Generator``).

    ``user_factors`` / ``item_factors`` are read-only numpy arrays of ``dtype``; assign a new array to replace them.
    """

    def __init__(self, factors=100, regularization=0.01, alpha=1.0, dtype=np.float32, use_native=True, use_cg=True,
                 use_gpu=False, iterations=15, calculate_training_loss=False, num_threads=0, random_state=None):
        if use_gpu:
            raise NotImplementedError("fastals.implicit has no GPU implementation: use_gpu=True is not supported "
                                      "(the CPU model uses the AVX2/AVX-512 kernels of libfastals)")
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ValueError("dtype must be float32 or float64 (got %s)" % self.dtype)
        self.use_native = use_native
        self.use_cg = use_cg
        self.use_gpu = False
        self.iterations = iterations
        self.calculate_training_loss = calculate_training_loss
        self.num_threads = num_threads
        self.random_state = random_state
        self.cg_steps = 3
        self.fit_callback = None
        self._native = None
        self._pending = {}
        self._reset_caches()

    # ---- the native model and its caches
    def _reset_caches(self):
        self._cache = {}
        self._twins = {}

    def _native_options(self, seed=42):
        return dict(regularization=float(self.regularization), alpha=float(self.alpha), random_state=int(seed),
                    num_threads=int(self.num_threads), use_cg=bool(self.use_cg), cg_steps=int(self.cg_steps),
                    confidence="scaled", regularization_scaling="constant")

    def _fitted(self):
        if self._native is None:
            raise RuntimeError("the model is not fitted: call fit (or load, or set user_factors and item_factors) first")
        return self._native

    def _set_native(self, native):
        old, self._native = self._native, native
        self._reset_caches()
        if old is not None and old is not native:
            old._free_model()
            old._model = 0

    def _factors(self, which):
        if which not in self._cache:
            native = self._native
            if native is None:
                pending = self._pending.get(which)
                return None if pending is None else pending
            a = native.user_factors if which == "user" else native.item_factors
            if a.dtype != self.dtype:
                a = a.astype(self.dtype)
            a.flags.writeable = False
            self._cache[which] = a
        return self._cache[which]

    @property
    def user_factors(self):
        """users x factors array of ``dtype`` (read-only; None before fit)."""
        return self._factors("user")

    @user_factors.setter
    def user_factors(self, value):
        self._assign("user", value)

    @property
    def item_factors(self):
        """items x factors array of ``dtype`` (read-only; None before fit)."""
        return self._factors("item")

    @item_factors.setter
    def item_factors(self, value):
        self._assign("item", value)

    def _assign(self, which, value):
        if value is None:
            self._set_native(None)
            self._pending.pop(which, None)
            return
        a = np.array(value, dtype=np.float32, order="C", copy=True)
        if a.ndim != 2:
            raise ValueError("%s_factors must be 2-dimensional (got shape %s)" % (which, a.shape))
        if self._native is not None:
            other = self._native.item_factors if which == "user" else self._native.user_factors
        else:
            other = self._pending.get("item" if which == "user" else "user")
        if other is None:
            a.flags.writeable = False
            self._pending[which] = a
            return
        other = np.ascontiguousarray(other, dtype=np.float32)
        if other.shape[1] != a.shape[1]:
            raise ValueError("%s_factors has %d factors but the other side has %d" % (which, a.shape[1], other.shape[1]))
        uf, itf = (a, other) if which == "user" else (other, a)
        self._replace(uf, itf)
        self._pending = {}

    def _replace(self, uf, itf):
        """Installs new factors: in place when the shapes are unchanged, else as a new native model."""
        native = self._native
        uf = np.ascontiguousarray(uf, dtype=np.float32)
        itf = np.ascontiguousarray(itf, dtype=np.float32)
        if native is not None and native.shape == (uf.shape[0], itf.shape[0]) and native.factors == uf.shape[1]:
            lib().call("fastals_model_set_user_factors", native._handle(), ptr(uf), uf.size)
            lib().call("fastals_model_set_item_factors", native._handle(), ptr(itf), itf.size)
            self._reset_caches()
        else:
            self._set_native(_Native.from_factors(uf, itf, **self._native_options()))
        self.factors = uf.shape[1]

    def _twin(self, side):
        """A model whose user side is ``side`` ('user' or 'item') and whose solver is exact (Cholesky): the fold-ins of
        recalculate_user/recalculate_item are exact solves even when the model trains with CG."""
        native = self._fitted()
        if side not in self._twins:
            uf = np.ascontiguousarray(native.user_factors)
            itf = np.ascontiguousarray(native.item_factors)
            if side == "item":
                uf, itf = itf, uf
            options = dict(self._native_options(), use_cg=False)
            self._twins[side] = _Native.from_factors(uf, itf, **options)
        return self._twins[side]

    @property
    def user_norms(self):
        if "user_norms" not in self._cache:
            n = np.linalg.norm(self.user_factors.astype(np.float32), axis=-1)
            n[n == 0] = 1e-10
            self._cache["user_norms"] = n
        return self._cache["user_norms"]

    @property
    def item_norms(self):
        if "item_norms" not in self._cache:
            n = np.linalg.norm(self.item_factors.astype(np.float32), axis=-1)
            n[n == 0] = 1e-10
            self._cache["item_norms"] = n
        return self._cache["item_norms"]

    @property
    def YtY(self):
        if "YtY" not in self._cache:
            y = self.item_factors.astype(np.float64)
            self._cache["YtY"] = y.T @ y
        return self._cache["YtY"]

    @property
    def XtX(self):
        if "XtX" not in self._cache:
            x = self.user_factors.astype(np.float64)
            self._cache["XtX"] = x.T @ x
        return self._cache["XtX"]

    # ---- training
    def fit(self, user_items, show_progress=True, callback=None):
        """Factorizes ``user_items`` (users x items; the values are confidences before ``alpha``; negative values are
        dislikes with confidence |alpha r|). A non-CSR matrix is converted with a ParameterWarning.

        As implicit, a model that already has factors of this shape continues from them; otherwise the factors are
        initialized from ``random_state``. ``callback(iteration, elapsed_seconds, loss)`` (or ``self.fit_callback``) is
        called after every iteration (0-based; loss is None unless ``calculate_training_loss``). ``show_progress``
        draws a progress bar on stderr.
        """
        Cui = check_csr(user_items)
        if not np.all(np.isfinite(Cui.data)):
            raise ValueError("user_items holds non-finite values")
        users, items = Cui.shape
        callback = callback or self.fit_callback
        seed = _seed(self.random_state)
        data = Dataset._for_call(Cui, copy=callback is not None)  # the callback runs between library calls
        try:
            current = self._native
            if current is not None and current.shape == (users, items) and current.factors == self.factors:
                native = _Native.from_factors(np.ascontiguousarray(current.user_factors),
                                              np.ascontiguousarray(current.item_factors),
                                              **self._native_options(seed))
            else:
                native = _Native(factors=int(self.factors), iterations=0, **self._native_options(seed)).fit(data)
            self._set_native(native)
            loss_matrix = None
            progress = _Progress(int(self.iterations), bool(show_progress))
            try:
                for iteration in range(int(self.iterations)):
                    start = time.time()
                    native.continue_training(data, 1)
                    self._reset_caches()
                    loss = None
                    if self.calculate_training_loss:
                        if loss_matrix is None:
                            loss_matrix = Cui.astype(np.float32) * np.float32(self.alpha)
                        loss = calculate_loss(loss_matrix, native.user_factors, native.item_factors,
                                              self.regularization)
                    progress.update(loss)
                    if callback:
                        callback(iteration, time.time() - start, loss)
            finally:
                progress.close()
        finally:
            data.free()
        return self

    def calculate_loss(self, user_items):
        """implicit's normalized loss of this model on ``user_items`` (see the module function calculate_loss)."""
        self._fitted()
        Cui = check_csr(user_items).astype(np.float32) * np.float32(self.alpha)
        return calculate_loss(Cui, self.user_factors, self.item_factors, self.regularization)

    # ---- fold-in
    def recalculate_user(self, userid, user_items):
        """Exact (Cholesky) solve of the users' factors from their rows of ``user_items`` (one row per id), items
        fixed; the model is not changed. Returns (factors,) for one id, (len(userid), factors) for an array."""
        return self._recalculate("user", userid, user_items)

    def recalculate_item(self, itemid, item_users):
        """Exact solve of the items' factors from their rows of ``item_users`` (items x users, one row per id)."""
        return self._recalculate("item", itemid, item_users)

    def _recalculate(self, side, ids, rows):
        twin = self._twin(side)
        rows = check_csr(rows, "user_items" if side == "user" else "item_users")
        count = 1 if np.isscalar(ids) else len(ids)
        if rows.shape[0] != count:
            raise ValueError("%s_items should have one row for every id in %sid (got %d rows for %d ids)"
                             % (side, side, rows.shape[0], count) if side == "user" else
                             "item_users should have one row for every id in itemid (got %d rows for %d ids)"
                             % (rows.shape[0], count))
        other = twin.shape[1]
        if rows.shape[1] != other:
            raise ValueError("the matrix has %d columns but the model has %d %s" % (rows.shape[1], other,
                                                                                     "items" if side == "user" else "users"))
        rows = _canonical(rows)
        out = np.zeros((count, self.factors), dtype=np.float32)
        for r in range(count):
            lo, hi = rows.indptr[r], rows.indptr[r + 1]
            idx = np.ascontiguousarray(rows.indices[lo:hi], dtype=np.int32)
            val = np.ascontiguousarray(rows.data[lo:hi], dtype=np.float32)
            out[r] = twin._recalculate(idx, val)[0]
        out = out.astype(self.dtype, copy=False)
        return out[0] if np.isscalar(ids) else out

    def partial_fit_users(self, userids, user_items):
        """Recalculates (exactly) and stores the factors of ``userids`` from their rows of ``user_items``; ids beyond
        the model's users grow it (users in between get zero factors)."""
        self._partial_fit("user", userids, user_items)

    def partial_fit_items(self, itemids, item_users):
        """Recalculates and stores the factors of ``itemids`` from ``item_users`` (one row per id); grows the model
        for new ids."""
        self._partial_fit("item", itemids, item_users)

    def _partial_fit(self, side, ids, rows):
        ids = np.asarray(ids)
        if ids.ndim != 1:
            raise ValueError("%sids must be a 1-D array of ids" % side)
        if len(ids) != rows.shape[0]:
            raise ValueError("%s must contain 1 row for every id in %sids" % ("user_items" if side == "user" else "item_users", side))
        if len(ids) == 0:
            return
        if ids.min() < 0:
            raise IndexError("%sids must be >= 0 (got %d)" % (side, ids.min()))
        solved = np.asarray(self._recalculate(side, ids, rows), dtype=np.float32)
        native = self._fitted()
        uf, itf = np.array(native.user_factors), np.array(native.item_factors)
        target = uf if side == "user" else itf
        if ids.max() >= target.shape[0]:
            grown = np.zeros((int(ids.max()) + 1, target.shape[1]), dtype=np.float32)
            grown[:target.shape[0]] = target
            target = grown
        target[ids] = solved
        self._replace(target, itf) if side == "user" else self._replace(uf, target)

    # ---- serving
    def recommend(self, userid, user_items, N=10, filter_already_liked_items=True, filter_items=None,
                  recalculate_user=False, items=None):
        """Top-N items for one user id or an array of them, as implicit.

        ``user_items``: CSR rows of the given users (one row per id). ``items``: rank exactly these items (their
        already-liked ones come last, score -FLT_MAX, as in implicit). ``filter_items``: ids never ranked ahead of the
        others (score -FLT_MAX). N is capped at the number of candidates. Returns (ids int32, scores float32): 1-D for
        one id, 2-D (len(userid), N) for an array.
        """
        native = self._fitted()
        single = np.isscalar(userid)
        count = 1 if single else len(userid)
        if filter_already_liked_items or recalculate_user:
            if not _is_csr(user_items):
                raise ValueError("user_items needs to be a CSR sparse matrix")
            if user_items.shape[0] != count:
                raise ValueError("user_items must contain 1 row for every user in userids")
        n_users, n_items = native.shape
        uids = np.atleast_1d(np.asarray(userid))
        if not recalculate_user and uids.size and (uids.min() < 0 or uids.max() >= n_users):
            raise IndexError("userid out of range: the model has %d users" % n_users)
        if items is not None:
            if filter_items is not None and len(filter_items):
                raise ValueError("Can't set both items and filter_items in recommend call")
            cand = np.sort(np.asarray(items).astype(np.int64).ravel())
            if cand.size and (cand.max() >= n_items or cand.min() < 0):
                raise IndexError("Some itemids in the items parameter in are not in the model")
            cand = cand.astype(np.int32)
            n = _count(N, cand.size)
        else:
            cand = None
            n = _count(N, n_items)
        excl = _ids(filter_items, n_items, "filter_items")
        rows = _canonical(check_sparse(user_items, "user_items")) if user_items is not None and _is_csr(user_items) else None
        if recalculate_user:
            vectors = np.atleast_2d(np.asarray(self.recalculate_user(userid, user_items), dtype=np.float32))
        else:
            vectors = None
        out_ids = np.empty((count, n), dtype=np.int32)
        out_scores = np.empty((count, n), dtype=np.float32)
        l = lib()
        has_cand = 1 if cand is not None else 0
        cand_arr = cand if cand is not None else np.empty(0, dtype=np.int32)
        stored = None
        counts = None
        if vectors is None and count > 1 and n > 0 and np.unique(uids).size == count:
            # One parallel pass of the library's batch recommender (rows with too few results are filled below).
            users32 = np.ascontiguousarray(uids, dtype=np.int32)
            filt = bool(filter_already_liked_items and rows is not None)
            offsets = np.ascontiguousarray(rows.indptr, dtype=np.int64) if filt else np.empty(0, dtype=np.int64)
            seen = np.ascontiguousarray(rows.indices, dtype=np.int32) if filt else np.empty(0, dtype=np.int32)
            counts = np.zeros(count, dtype=np.int32)
            l.call("fastals_model_recommend_batch", native._handle(), ptr(users32), users32.size, n, ptr(offsets),
                   offsets.size, ptr(seen), seen.size, 1 if filt else 0, has_cand, ptr(cand_arr), cand_arr.size,
                   ptr(excl), excl.size, int(self.num_threads), ptr(out_ids), out_ids.size, ptr(out_scores),
                   out_scores.size, ptr(counts), counts.size)
        for r in range(count):
            if counts is not None and counts[r] == n:
                continue
            liked = np.empty(0, dtype=np.int32)
            if filter_already_liked_items and rows is not None:
                liked = np.ascontiguousarray(rows.indices[rows.indptr[r]:rows.indptr[r + 1]], dtype=np.int32)
            oi, os_ = out_ids[r], out_scores[r]
            got = ctypes_int()
            if counts is not None:
                got.value = int(counts[r])
                vec = None
            elif vectors is not None:
                vec = np.ascontiguousarray(vectors[r])
                l.call("fastals_model_recommend_factors", native._handle(), ptr(vec), vec.size, ctypes_float(0.0), n,
                       ptr(liked), liked.size, 1 if filter_already_liked_items else 0, has_cand, ptr(cand_arr),
                       cand_arr.size, ptr(excl), excl.size, 0, ptr(oi), oi.size, ptr(os_), os_.size, byref(got))
            else:
                vec = None
                l.call("fastals_model_recommend", native._handle(), int(uids[r]), n, ptr(liked), liked.size,
                       1 if filter_already_liked_items else 0, has_cand, ptr(cand_arr), cand_arr.size, ptr(excl),
                       excl.size, 0, ptr(oi), oi.size, ptr(os_), os_.size, byref(got))
            c = got.value
            if c < n:
                # implicit ranks the filtered candidates last with score -FLT_MAX: same here, best first.
                if vec is None:
                    if stored is None:
                        stored = self._factors_f32("user")
                    vec = stored[int(uids[r])]
                pool = cand_arr if cand is not None else None
                filtered = np.union1d(liked if filter_already_liked_items else np.empty(0, np.int32), excl)
                if pool is not None:
                    filtered = np.intersect1d(filtered, pool)
                filtered = np.setdiff1d(filtered, oi[:c])
                itf = self._factors_f32("item")
                order = np.argsort(-(itf[filtered] @ vec), kind="stable")
                fill = filtered[order][: n - c]
                oi[c:c + fill.size] = fill
                os_[c:c + fill.size] = _NEG
        if single:
            return out_ids[0], out_scores[0]
        return out_ids, out_scores

    def _factors_f32(self, which):
        key = which + "_f32"
        if key not in self._cache:
            native = self._fitted()
            self._cache[key] = native.user_factors if which == "user" else native.item_factors
        return self._cache[key]

    def similar_items(self, itemid, N=10, recalculate_item=False, item_users=None, filter_items=None, items=None):
        """The N items most similar (cosine of factors) to one item id or an array of them; as implicit the item
        itself is included (first, score 1). ``items``: only these; ``filter_items``: ranked last (-FLT_MAX).
        ``recalculate_item``: the query's factors are solved exactly from ``item_users`` (one row per id)."""
        self._fitted()
        n_items = self.item_factors.shape[0]
        if recalculate_item:
            if item_users is None:
                raise ValueError("recalculate_item needs item_users")
            query = np.asarray(self.recalculate_item(itemid, item_users), dtype=np.float32)
        else:
            query = self._factors_f32("item")[_checked(itemid, n_items, "itemid")]
        return self._similar(query, itemid, self._factors_f32("item"), self.item_norms, N, filter_items, items, "items")

    def similar_users(self, userid, N=10, filter_users=None, users=None):
        """The N users most similar (cosine) to one user id or an array of them, the user itself first (score 1)."""
        self._fitted()
        n_users = self.user_factors.shape[0]
        query = self._factors_f32("user")[_checked(userid, n_users, "userid")]
        return self._similar(query, userid, self._factors_f32("user"), self.user_norms, N, filter_users, users, "users")

    def _similar(self, query, qid, factors, norms, N, exclude, allow, what):
        single = np.isscalar(qid)
        q = np.atleast_2d(query).astype(np.float32)
        qnorm = np.linalg.norm(q, axis=1)
        qnorm[qnorm == 0] = 1e-10
        ids_all = None
        if allow is not None:
            if exclude is not None and len(exclude):
                raise ValueError("Can't set both %s and filter_%s in similar_%s call" % (what, what, what))
            ids_all = np.asarray(allow).astype(np.int64).ravel()
            if ids_all.size and (ids_all.max() >= factors.shape[0] or ids_all.min() < 0):
                raise IndexError("Some ids in the %s parameter are not in the model" % what)
            factors, norms = factors[ids_all], norms[ids_all]
        excl = _ids(exclude, factors.shape[0], "filter_" + what)
        n = _count(N, factors.shape[0])
        out_ids = np.empty((q.shape[0], n), dtype=np.int32)
        out_scores = np.empty((q.shape[0], n), dtype=np.float32)
        for start in range(0, q.shape[0], 256):
            block = q[start:start + 256]
            scores = (block @ factors.T) / norms / qnorm[start:start + 256, None]
            scores = scores.astype(np.float32)
            if excl.size:
                scores[:, excl] = _NEG
            top = _top(scores, n)
            out_ids[start:start + block.shape[0]] = top
            out_scores[start:start + block.shape[0]] = np.take_along_axis(scores, top, axis=1)
        if ids_all is not None:
            out_ids = ids_all[out_ids].astype(np.int32)
        if single:
            return out_ids[0], out_scores[0]
        return out_ids, out_scores

    def explain(self, userid, user_items, itemid, user_weights=None, N=10):
        """Why ``itemid`` scores as it does for ``userid`` (the row ``userid`` of ``user_items``), as implicit:
        returns (total_score, [(itemid, contribution), ...] the N largest first, user_weights). ``user_weights``
        is the Cholesky factorization (scipy.linalg.cho_factor) of the user's system; pass it back to explain other
        items of the same user faster. Exact double-precision solves."""
        native = self._fitted()
        N = _count(N, np.iinfo(np.int32).max)
        user_items = check_csr(user_items)
        n_items = native.shape[1]
        if user_items.shape[1] != n_items:
            raise ValueError("user_items has %d columns; the model has %d items" % (user_items.shape[1], n_items))
        _checked(itemid, n_items, "itemid")
        row = _canonical(user_items[int(userid)])
        idx = np.ascontiguousarray(row.indices, dtype=np.int32)
        val = np.ascontiguousarray(row.data, dtype=np.float32)
        conf = val * np.float32(self.alpha)
        y = self.item_factors.astype(np.float64)
        if user_weights is None:
            A = self.YtY + self.regularization * np.eye(y.shape[1])
            w = (np.abs(conf).astype(np.float64) - 1.0)
            A += (y[idx] * w[:, None]).T @ y[idx]
            user_weights = scipy.linalg.cho_factor(A)
            negatives = int(np.sum(conf < 0))
            k = int(N) + negatives
            items = np.empty(k, dtype=np.int32)
            contrib = np.empty(k, dtype=np.float32)
            count, score, baseline = ctypes_int(), ctypes_float(), ctypes_float()
            lib().call("fastals_model_explain", self._twin("user")._handle(), int(itemid), ptr(idx), idx.size, ptr(val), val.size,
                       k, ptr(items), items.size, ptr(contrib), contrib.size, byref(count), byref(score), byref(baseline))
            negative_items = set(idx[conf < 0].tolist())
            top = [(int(i), float(s)) for i, s in zip(items[:count.value], contrib[:count.value])
                   if int(i) not in negative_items][:int(N)]
            return float(score.value), top, user_weights
        weighted = scipy.linalg.cho_solve(user_weights, y[int(itemid)])
        keep = conf >= 0
        scores = (y[idx[keep]] @ weighted) * conf[keep]
        order = np.argsort(-scores, kind="stable")[:int(N)]
        return float(scores.sum()), [(int(idx[keep][o]), float(scores[o])) for o in order], user_weights

    def to_gpu(self):
        raise NotImplementedError("fastals.implicit has no GPU model")

    def to_cpu(self):
        return self

    # ---- persistence
    _PARAMS = ("factors", "regularization", "alpha", "use_native", "use_cg", "iterations", "calculate_training_loss",
               "num_threads", "cg_steps")

    def _model_bytes(self):
        native = self._fitted()
        with tempfile.TemporaryDirectory(prefix="fastals-") as d:
            path = os.path.join(d, "model.fals")
            native.save(path)
            with open(path, "rb") as f:
                return f.read()

    def _restore(self, params, model_bytes):
        for k in self._PARAMS:
            if k in params:
                setattr(self, k, params[k])
        if model_bytes is not None:
            with tempfile.TemporaryDirectory(prefix="fastals-") as d:
                path = os.path.join(d, "model.fals")
                with open(path, "wb") as f:
                    f.write(model_bytes)
                native = _Native.load(path)
            if native.kind != sig.AlsModelKind.IMPLICIT:
                native._free_model()
                native._model = 0
                raise ValueError("the saved model is a %s model, not an implicit one" % sig.AlsModelKind(native.kind).name)
            self._set_native(native)
            self.factors = native.factors

    def save(self, fileobj_or_path):
        """Saves to a ``.npz`` (numpy's format, as implicit; ``.npz`` is appended to a path without it) holding the
        parameters and the FastAls model file (``fastals_model``, readable by the .NET library and the CLI once written
        out). A path or a binary file object. An unfitted model raises RuntimeError."""
        params = {k: getattr(self, k) for k in self._PARAMS}
        params["dtype"] = self.dtype.name
        if isinstance(self.random_state, (int, np.integer)) and not isinstance(self.random_state, bool):
            params["random_state"] = int(self.random_state)
        blob = np.frombuffer(self._model_bytes(), dtype=np.uint8)
        np.savez(fileobj_or_path, fastals_model=blob, **params)

    @classmethod
    def load(cls, fileobj_or_path):
        """Reads a model written by ``save`` (a path, with ``.npz`` appended when missing, or a binary file object)."""
        if isinstance(fileobj_or_path, (str, os.PathLike)):
            path = os.fspath(fileobj_or_path)
            if not path.endswith(".npz"):
                path += ".npz"
            fileobj_or_path = path
        with np.load(fileobj_or_path, allow_pickle=False) as data:
            if "fastals_model" not in data:
                raise ValueError("not a fastals.implicit model file (no fastals_model entry); implicit's own .npz "
                                 "files can be converted with AlternatingLeastSquares.from_implicit_npz")
            params = {k: data[k].item() for k in data.files if k != "fastals_model" and data[k].shape == ()}
            blob = data["fastals_model"].tobytes()
        model = cls(dtype=np.dtype(str(params.pop("dtype", "float32"))), random_state=params.pop("random_state", None))
        model._restore(params, blob)
        return model

    @classmethod
    def from_implicit_npz(cls, fileobj_or_path):
        """A model from a file written by implicit's own ``save`` (its factors and parameters)."""
        with np.load(fileobj_or_path, allow_pickle=False) as data:
            values = {k: data[k] for k in data.files}
        params = {k: values[k].item() for k in cls._PARAMS if k in values}
        model = cls(dtype=np.dtype(str(values["dtype"])) if "dtype" in values else np.float32,
                    random_state=values["random_state"].item() if "random_state" in values else None)
        for k, v in params.items():
            setattr(model, k, v)
        if "user_factors" in values and "item_factors" in values:
            model._replace(values["user_factors"], values["item_factors"])
        return model

    def __getstate__(self):
        state = {k: getattr(self, k) for k in self._PARAMS}
        state.update(dtype=self.dtype.name, random_state=self.random_state, fit_callback=self.fit_callback,
                     model=self._model_bytes() if self._native is not None else None,
                     pending={k: np.array(v) for k, v in self._pending.items()})
        return state

    def __setstate__(self, state):
        self.__init__(dtype=state["dtype"], random_state=state["random_state"])
        self.fit_callback = state.get("fit_callback")
        self._restore(state, state["model"])
        for k, v in state.get("pending", {}).items():
            v.flags.writeable = False
            self._pending[k] = v

    def __del__(self):
        try:
            self._twins = {}
        except Exception:
            pass


# ---- helpers
def _canonical(m):
    if not m.has_canonical_format:
        m = m.copy()
        m.sum_duplicates()
    return m


def _ids(values, count, name):
    if values is None:
        return np.empty(0, dtype=np.int32)
    a = index_array(np.asarray(values).ravel(), name)
    if a.size and (a.min() < 0 or a.max() >= count):
        raise IndexError("%s holds ids outside [0, %d)" % (name, count))
    return np.unique(a)


def _checked(ids, count, name):
    a = np.asarray(ids)
    if a.size and (not np.issubdtype(a.dtype, np.integer)):
        raise TypeError("%s must hold integers (got %s)" % (name, a.dtype))
    if a.size and (a.min() < 0 or a.max() >= count):
        raise IndexError("%s out of range: the model has %d" % (name, count))
    return a


def _top(scores, n):
    """Indices of the n largest scores of each row, best first (ties: lower index first)."""
    if n == 0:
        return np.empty((scores.shape[0], 0), dtype=np.int64)
    if n < scores.shape[1]:
        part = np.argpartition(-scores, n - 1, axis=1)[:, :n]
    else:
        part = np.tile(np.arange(scores.shape[1]), (scores.shape[0], 1))
    vals = np.take_along_axis(scores, part, axis=1)
    # Sort each row by (-score, id): order by id first, then a stable sort by descending score.
    by_id = np.argsort(part, axis=1, kind="stable")
    part = np.take_along_axis(part, by_id, axis=1)
    vals = np.take_along_axis(vals, by_id, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def ctypes_int():
    return ctypes.c_int32()


def ctypes_float(value=0.0):
    return ctypes.c_float(value)


byref = ctypes.byref
