"""implicit.evaluation's splitting and ranking metrics (implicit 0.7's definitions), in numpy.

For each test user u with test items T_u (|T_u| > 0) and the model's top-K list (recommend(batch,
train[batch], N=K), training items filtered), with hits h_i = [i-th item in T_u]:

- precision = sum_u hits_u / sum_u min(K, |T_u|)  (pooled over users, not averaged);
- map       = mean_u ( sum_i h_i * (hits among the first i) / i ) / min(K, |T_u|);
- ndcg      = mean_u sum_i h_i / log2(i + 1) / IDCG_u, IDCG_u = sum_{i <= min(K, |T_u|)} 1 / log2(i + 1);
- auc       = mean_u [ sum_{misses i} (hits before i) + (hits + |T_u|) / 2 * (neg - misses) ] / (|T_u| * neg),
              neg = items - |T_u| (implicit's AUC limited to the top K).
"""
import numpy as np
import scipy.sparse as sp

from .._arrays import check_sparse
from .als import _Progress

__all__ = ["train_test_split", "precision_at_k", "mean_average_precision_at_k", "ndcg_at_k", "AUC_at_k",
           "ranking_metrics_at_k"]


def _rng(random_state):
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(2**31))
    return np.random.default_rng(random_state)


def train_test_split(ratings, train_percentage=0.8, random_state=None):
    """Splits the ratings at random: each entry goes to train with probability ``train_percentage``. As implicit
    (same draws for the same seed: a numpy Generator's ``random(nnz)`` over the COO entries), negative test values
    are dropped. Returns (train, test) CSR matrices of the input's shape and dtype."""
    ratings = check_sparse(ratings, "ratings").tocoo()
    rng = _rng(random_state)
    random_index = rng.random(len(ratings.data))
    train_index = random_index < train_percentage
    test_index = random_index >= train_percentage
    train = sp.csr_matrix((ratings.data[train_index], (ratings.row[train_index], ratings.col[train_index])),
                          shape=ratings.shape, dtype=ratings.dtype)
    test = sp.csr_matrix((ratings.data[test_index], (ratings.row[test_index], ratings.col[test_index])),
                         shape=ratings.shape, dtype=ratings.dtype)
    test.data[test.data < 0] = 0
    test.eliminate_zeros()
    return train, test


def precision_at_k(model, train_user_items, test_user_items, K=10, show_progress=True, num_threads=1):
    """P@K (see the module docstring)."""
    return ranking_metrics_at_k(model, train_user_items, test_user_items, K, show_progress, num_threads)["precision"]


def mean_average_precision_at_k(model, train_user_items, test_user_items, K=10, show_progress=True, num_threads=1):
    """MAP@K."""
    return ranking_metrics_at_k(model, train_user_items, test_user_items, K, show_progress, num_threads)["map"]


def ndcg_at_k(model, train_user_items, test_user_items, K=10, show_progress=True, num_threads=1):
    """NDCG@K."""
    return ranking_metrics_at_k(model, train_user_items, test_user_items, K, show_progress, num_threads)["ndcg"]


def AUC_at_k(model, train_user_items, test_user_items, K=10, show_progress=True, num_threads=1):  # noqa: N802
    """implicit's AUC limited to the top K."""
    return ranking_metrics_at_k(model, train_user_items, test_user_items, K, show_progress, num_threads)["auc"]


def ranking_metrics_at_k(model, train_user_items, test_user_items, K=10, show_progress=True, num_threads=1):
    """{'precision', 'map', 'ndcg', 'auc'} at K for any model with implicit's ``recommend`` (batches of 1000 users).
    ``num_threads`` is accepted for compatibility (recommend uses the model's threads)."""
    del num_threads
    for name, m in (("train_user_items", train_user_items), ("test_user_items", test_user_items)):
        if sp.issparse(m):
            check_sparse(m, name)
    train = train_user_items.tocsr() if not (sp.issparse(train_user_items) and train_user_items.format == "csr") \
        else train_user_items
    test = test_user_items.tocsr() if not (sp.issparse(test_user_items) and test_user_items.format == "csr") \
        else test_user_items
    users, items = test.shape
    K = int(K)
    cg = 1.0 / np.log2(np.arange(2, K + 2))
    cg_sum = np.cumsum(cg)
    relevant = pr_div = total = mean_ap = ndcg = mean_auc = 0.0
    to_generate = np.arange(users, dtype=np.int32)[np.diff(test.indptr) > 0]
    progress = _Progress(len(to_generate), bool(show_progress))
    try:
        for start in range(0, len(to_generate), 1000):
            batch = to_generate[start:start + 1000]
            ids, _ = model.recommend(batch, train[batch], N=K)
            ids = np.asarray(ids)
            for b, u in enumerate(batch):
                likes = set(test.indices[test.indptr[u]:test.indptr[u + 1]].tolist())
                n_likes = len(likes)
                pr_div += min(K, n_likes)
                ap = hit = miss = auc = 0.0
                idcg = cg_sum[min(K, n_likes) - 1]
                num_neg = items - n_likes
                row = ids[b]
                for i in range(K):
                    if i < row.size and int(row[i]) in likes:
                        relevant += 1
                        hit += 1
                        ap += hit / (i + 1)
                        ndcg += cg[i] / idcg
                    else:
                        miss += 1
                        auc += hit
                auc += ((hit + n_likes) / 2.0) * (num_neg - miss)
                mean_ap += ap / min(K, n_likes)
                mean_auc += auc / (n_likes * num_neg)
                total += 1
                progress.update(None)
    finally:
        progress.close()
    return {"precision": relevant / pr_div, "map": mean_ap / total, "ndcg": ndcg / total, "auc": mean_auc / total}
