"""FastAls's own API: a model trained on a file (by the CLI or from Python: the same .NET loader and Fit) keeps the
file's user and item ids through save/load, and the *_ids methods take and return them."""
import numpy as np
import pytest
import scipy.sparse as sp

from fastals import AlternatingLeastSquares, Dataset


def _write(tmp_path, users, items):
    rows = ["user,item,value"]
    for u_i, u in enumerate(users):
        for j in range(5):
            rows.append("%s,%s,%d" % (u, items[(u_i * 3 + j * 2) % len(items)], 1 + j))
    path = tmp_path / "interactions.csv"
    path.write_text("\n".join(rows) + "\n")
    return str(path)


@pytest.mark.parametrize("kind", ["int", "str"])
def test_a_saved_model_exposes_its_ids_and_the_methods_accept_them(tmp_path, kind):
    users = [1000 + 7 * u for u in range(30)] if kind == "int" else ["user-%02d" % u for u in range(30)]
    items = [90000 + 11 * i for i in range(20)] if kind == "int" else ["item-%c" % chr(65 + i) for i in range(20)]
    path = _write(tmp_path, users, items)
    ds = Dataset.load(path)
    model = AlternatingLeastSquares(factors=4, iterations=4, num_threads=1).fit(ds)
    model.save(str(tmp_path / "model.fals"))
    loaded = AlternatingLeastSquares.load(str(tmp_path / "model.fals"))
    for m in (model, loaded):
        if kind == "int":
            np.testing.assert_array_equal(m.user_ids, ds.user_ids)
            assert m.user_ids.dtype == np.int64
        else:
            assert m.user_ids == ds.user_ids and m.item_ids == ds.item_ids
        assert sorted(m.user_ids) == sorted(users) and sorted(m.item_ids) == sorted(items)
    ds.free()

    u = users[4]
    row = loaded.user_index(u)[0]
    seen_ext = [loaded.item_ids[i] for i in range(2)]
    ids, scores = loaded.recommend_ids(u, N=5, seen_items=seen_ext)
    dense_ids, dense_scores = loaded.recommend(row, None, N=5, filter_already_liked_items=False,
                                               filter_items=loaded.item_index(seen_ext))
    assert list(ids) == [loaded.item_ids[i] for i in dense_ids]
    np.testing.assert_array_equal(scores, dense_scores)
    assert not set(ids) & set(seen_ext)
    allowed = [items[3], items[5], items[7]]
    ids, _ = loaded.recommend_ids(u, N=10, items=allowed)
    assert sorted(ids) == sorted(allowed)
    sim, _ = loaded.similar_items_ids(items[2], N=3)
    dense, _ = loaded.similar_items(int(loaded.item_index(items[2])[0]), N=3)
    assert list(sim) == [loaded.item_ids[i] for i in dense]
    sim_users, _ = loaded.similar_users_ids(users[0], N=3)
    assert len(sim_users) == 3 and users[0] not in list(sim_users)
    with pytest.raises(KeyError, match="not a user id"):
        loaded.recommend_ids("nobody" if kind == "str" else 5, N=3)
    with pytest.raises(KeyError, match="not a item id|not an item id"):
        loaded.recommend_ids(u, N=3, items=["nothing" if kind == "str" else 1])


def test_a_csr_trained_model_has_identity_ids():
    m = sp.random(12, 9, density=0.4, random_state=2, format="csr")
    model = AlternatingLeastSquares(factors=3, iterations=2, num_threads=1).fit(m)
    np.testing.assert_array_equal(model.user_ids, np.arange(12))
    np.testing.assert_array_equal(model.item_ids, np.arange(9))
