"""lidecm.Codebook: k-means against scikit-learn, the mini-batch step, encode/decode/transform."""
import numpy as np
import pytest

import lidecm


def clusters(n=4000, k=24, d=64, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.random((k, d)).astype(np.float32)
    labels = rng.integers(0, k, n)
    return (centres[labels] + 0.08 * rng.standard_normal((n, d))).astype(np.float32)


def test_fit_inertia_is_within_one_percent_of_sklearn_from_the_same_init():
    cluster = pytest.importorskip("sklearn.cluster")
    X = clusters()
    rng = np.random.default_rng(1)
    init = X[rng.choice(len(X), 32, replace=False)]
    ours = lidecm.Codebook(32, 8, iterations=20).fit(X, init=init)
    theirs = cluster.KMeans(n_clusters=32, init=init, n_init=1, max_iter=20, algorithm="lloyd").fit(X)
    assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=0.01)
    # The inertia is what it says: the squared distances to the final codewords.
    assert ours.inertia_ == pytest.approx(float(ours.transform(X).min(axis=1).sum()), rel=1e-5)


def test_fit_from_k_means_plus_plus_is_seeded_and_beats_its_start():
    X = clusters(seed=2)
    a = lidecm.Codebook(24, 8, iterations=10, seed=7).fit(X)
    b = lidecm.Codebook(24, 8, iterations=10, seed=7).fit(X)
    start = lidecm.Codebook(24, 8, iterations=0, seed=7).fit(X)
    np.testing.assert_array_equal(a.codes_, b.codes_)
    assert a.inertia_ < start.inertia_
    assert a.counts_.sum() == len(X) and a.counts_.dtype == np.uint64
    assert a.codes_.shape == (24, 64) and a.channels == 1


def test_encode_decode_transform_agree():
    X = clusters(n=600, seed=3)
    cb = lidecm.Codebook(16, 8, iterations=5).fit(X)
    codes = cb.encode(X)
    assert codes.dtype == np.int32 and codes.shape == (600,)
    d2 = cb.transform(X)
    assert d2.shape == (600, 16) and d2.dtype == np.float32
    np.testing.assert_array_equal(codes, d2.argmin(axis=1))
    direct = ((X[:, None, :] - cb.codes_[None, :, :]) ** 2).sum(-1)
    np.testing.assert_allclose(d2, direct, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(cb.decode(codes), cb.codes_[codes])


def test_partial_fit_is_one_online_k_means_step():
    X = clusters(n=2000, seed=4)
    cb = lidecm.Codebook(16, 8, seed=5)
    assert not hasattr(cb, "codes_")
    cb.partial_fit(X[:1000])
    first = cb.codes_.copy()
    counts = cb.counts_.copy()
    assert counts.sum() == 1000
    batch = X[1000:]
    labels = cb.encode(batch)
    before = cb.inertia_
    cb.partial_fit(batch)
    # c_k += (mean of the batch's rows of k - c_k) * n_k / N_k
    for k in range(16):
        n_k = int((labels == k).sum())
        if n_k:
            expected = first[k] + (batch[labels == k].mean(0) - first[k]) * n_k / (counts[k] + n_k)
            np.testing.assert_allclose(cb.codes_[k], expected, rtol=1e-4, atol=1e-5)
    assert cb.counts_.sum() == 2000
    assert cb.inertia_ == pytest.approx(float(((batch - first[labels]) ** 2).sum()), rel=1e-4)
    assert before > 0


def test_extract_tiles_rows_fit_a_codebook_and_decode_back_to_the_image():
    rng = np.random.default_rng(6)
    image = rng.random((32, 40, 3)).astype(np.float32)
    tiles = lidecm.extract_tiles(image, 8)
    assert tiles.shape == (20, 192)
    np.testing.assert_array_equal(tiles[1].reshape(8, 8, 3), image[0:8, 8:16])
    cb = lidecm.Codebook(20, 8, iterations=3).fit(tiles)
    assert cb.inertia_ == pytest.approx(0.0, abs=1e-6)  # as many codes as tiles: each its own
    assert cb.channels == 3


@pytest.mark.parametrize("call, error, message", [
    (lambda: lidecm.Codebook(1), ValueError, "n_codes:"),
    (lambda: lidecm.Codebook(16, 0), ValueError, "patch_size:"),
    (lambda: lidecm.Codebook(16, iterations=-1), ValueError, "iterations:"),
    (lambda: lidecm.Codebook(16).fit(np.zeros((100, 50), np.float32)), ValueError, "X: rows have 50 values"),
    (lambda: lidecm.Codebook(16).fit(np.zeros((10, 64), np.float32)), ValueError, "X: has 10 rows"),
    (lambda: lidecm.Codebook(16).fit(np.zeros(64, np.float32)), ValueError, "X: expected 2 dimensions"),
    (lambda: lidecm.Codebook(16).fit(np.array([["a"] * 64] * 20)), TypeError, "X: dtype <U1"),
    (lambda: lidecm.Codebook(16).fit("text"), TypeError, "X: "),
    (lambda: lidecm.Codebook(16).fit(np.zeros((20, 64), np.float32), init=np.zeros((3, 64))), ValueError, "init:"),
    (lambda: lidecm.Codebook(16).encode(np.zeros((2, 64), np.float32)), ValueError, "Codebook: not fitted"),
])
def test_bad_arguments_raise_naming_them(call, error, message):
    with pytest.raises(error, match="^" + message):
        call()


def test_codes_out_of_range_and_wrong_widths_are_refused():
    cb = lidecm.Codebook(16, 8, iterations=1).fit(clusters(n=200, k=16, seed=7))
    with pytest.raises(ValueError, match="^codes: index 16"):
        cb.decode(np.array([0, 16]))
    with pytest.raises(ValueError, match="^X: rows have 192 values, the codebook's codewords 64"):
        cb.encode(np.zeros((3, 192), np.float32))
    with pytest.raises(TypeError, match="^codes: dtype float"):
        cb.decode(np.array([0.5]))
