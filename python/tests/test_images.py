"""How images go in and out: dtypes, ranges, shapes, copies, the GIL, threads, leaks."""
import gc
import sys
import threading
import tracemalloc

import numpy as np
import pytest

import lidecm
from conftest import noisy_rgb


@pytest.mark.parametrize("dtype, scale", [(np.float32, 1), (np.float64, 1), (np.uint8, 255), (np.uint16, 65535)])
@pytest.mark.parametrize("shape", [(40, 48), (40, 48, 1), (40, 48, 3)])
def test_results_come_back_in_the_inputs_dtype_shape_and_range(dtype, scale, shape):
    noisy = noisy_rgb(40, 48, sigma=0.05, seed=1)[0]
    image = noisy[..., :shape[2]] if len(shape) == 3 else noisy[..., 0]
    image = (image * scale).round().astype(dtype) if scale > 1 else image.astype(dtype)
    out = lidecm.denoise(image, 0.05 * scale, adapt=False)
    assert out.dtype == dtype and out.shape == image.shape
    assert out.min() >= 0 and out.max() <= (1 if scale == 1 else scale)
    assert out.flags.owndata or out.base is not None and out.flags.c_contiguous
    # The float image the library reads for an integer one (float32 v times float32 1/scale,
    # as OpenCV converts): its result, rounded, is the integer result.
    seen = image.astype(np.float32) * np.float32(1 / scale) if scale > 1 else image
    reference = lidecm.denoise(seen.astype(np.float32), 0.05 * scale * (1 / scale), adapt=False)
    if scale > 1:
        np.testing.assert_array_equal(out, np.round(reference * np.float32(scale)).astype(dtype))
    else:
        np.testing.assert_allclose(out, reference, atol=1e-7)


def test_integer_inputs_are_scaled_like_img_as_float():
    u8 = np.array([[0, 51, 255]], dtype=np.uint8).repeat(16, 0).repeat(6, 1)
    tiles = lidecm.extract_tiles(u8, 8)  # the image as the library sees it
    np.testing.assert_allclose(np.unique(tiles), [0, 0.2, 1], rtol=1e-6)
    u16 = (u8.astype(np.uint16) * 257)
    np.testing.assert_allclose(np.unique(lidecm.extract_tiles(u16, 8)), [0, 0.2, 1], rtol=1e-6)


def test_c_contiguous_float32_is_read_in_place_and_others_are_converted():
    image = noisy_rgb()[0]
    assert lidecm._lidecm._borrows(image)
    assert not lidecm._lidecm._borrows(image.astype(np.float64))
    assert not lidecm._lidecm._borrows(np.asfortranarray(image))
    assert not lidecm._lidecm._borrows(image[:, ::2])  # strided view
    # Views that are not contiguous give the same result as their contiguous copy.
    view = image[:, ::2]
    np.testing.assert_array_equal(lidecm.denoise(view, 0.05, adapt=False),
                                  lidecm.denoise(np.ascontiguousarray(view), 0.05, adapt=False))


def test_the_input_is_not_modified_and_the_result_owns_its_memory():
    image = noisy_rgb()[0]
    before = image.copy()
    out = lidecm.denoise(image, 0.05, adapt=False)
    np.testing.assert_array_equal(image, before)
    assert not np.shares_memory(out, image)
    del image
    gc.collect()
    assert np.isfinite(out).all()  # still valid after the input is gone


@pytest.mark.parametrize("bad, error, message", [
    (np.zeros((8, 8), np.int64), TypeError, "image: dtype int64"),
    (np.zeros((8, 8), np.float16), TypeError, "image: dtype float16"),
    (np.zeros((8, 8), bool), TypeError, "image: dtype bool"),
    ([[0.5] * 8] * 8, TypeError, "image: expected a numpy array, got list"),
    (np.zeros(8, np.float32), ValueError, "image: expected an H x W or H x W x C array, got 1 dimensions"),
    (np.zeros((2, 8, 8, 3), np.float32), ValueError, "image: expected an H x W or H x W x C array, got 4"),
    (np.zeros((8, 8, 4), np.float32), ValueError, "image: has 4 channels"),
    (np.zeros((8, 8, 2), np.uint8), ValueError, "image: has 2 channels"),
    (np.zeros((0, 8), np.float32), ValueError, "image: is empty"),
    (np.full((8, 8), np.nan, np.float32), ValueError, "image: holds NaN"),
    (np.full((8, 8), np.inf), ValueError, "image: holds NaN or infinite"),
])
def test_bad_images_raise_naming_the_argument(bad, error, message):
    for call in (lidecm.denoise, lidecm.estimate_noise, lidecm.extract_tiles):
        with pytest.raises(error, match="^" + message.replace("(", r"\(")):
            call(bad)


def test_two_threads_denoising_at_once_give_the_results_of_one():
    images = [noisy_rgb(96, 96, sigma=0.08, seed=s)[0] for s in (11, 12)]
    alone = [lidecm.denoise(im) for im in images]
    results = [None, None]
    started = threading.Barrier(2)

    def work(i):
        started.wait()
        for _ in range(3):
            results[i] = lidecm.denoise(images[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, expected in zip(results, alone):
        np.testing.assert_array_equal(got, expected)


def test_the_gil_is_released_while_the_filter_runs():
    image = noisy_rgb(256, 256, sigma=0.08, seed=13)[0]
    ticks = []
    done = threading.Event()

    def count():
        while not done.is_set():
            ticks.append(1)

    t = threading.Thread(target=count)
    t.start()
    try:
        lidecm.denoise(image)  # ~0.1-0.3 s of C++
    finally:
        done.set()
        t.join()
    assert len(ticks) > 1000  # the Python thread kept running meanwhile


def test_no_reference_or_memory_leak_over_1000_calls():
    image = noisy_rgb(16, 16, sigma=0.05, seed=14)[0]
    u8 = (image * 255).astype(np.uint8)
    for _ in range(20):  # warm-up: caches, interned strings
        lidecm.denoise(image, 0.0)
        lidecm.estimate_noise(u8)
    refs = sys.getrefcount(image), sys.getrefcount(u8)
    tracemalloc.start()
    gc.collect()
    first = tracemalloc.take_snapshot()
    for _ in range(1000):
        lidecm.denoise(image, 0.0)
        lidecm.denoise(u8, 0.0)
        lidecm.estimate_noise(u8)
        try:
            lidecm.denoise(image.astype(np.int64))
        except TypeError:
            pass
    gc.collect()
    grown = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(first, "filename"))
    tracemalloc.stop()
    assert (sys.getrefcount(image), sys.getrefcount(u8)) == refs
    assert grown < 64 * 1024  # 1,000 leaked 16x16 results would be >= 1 MB
