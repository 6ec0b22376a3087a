"""lidecm.denoise and lidecm.estimate_noise against the CLI on the same pixels."""
import json

import numpy as np
import pytest

import lidecm
from conftest import noisy_rgb, read_pnm, write_pnm


def to_u8(x):
    return np.clip(np.round(x * 255), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("flags, kwargs", [
    ([], {}),
    (["--no-adapt"], {"adapt": False}),
    (["--no-adapt", "--noise-sigma", "20", "--strength", "1.2"], {"adapt": False, "sigma": 20.0, "strength": 1.2}),
    (["--global-candidates", "16"], {"global_candidates": 16}),
    (["--method", "graph"], {"method": "graph", "adapt": False}),
    (["--method", "graph", "--adapt"], {"method": "graph"}),
])
def test_denoise_equals_the_cli_on_uint8(cli, tmp_path, flags, kwargs):
    noisy = to_u8(noisy_rgb(72, 96, sigma=0.1, seed=3)[0])
    write_pnm(tmp_path / "in.ppm", noisy)
    cli("denoise", tmp_path / "in.ppm", "-o", tmp_path / "out.ppm", *flags)
    expected = read_pnm(tmp_path / "out.ppm")
    got = lidecm.denoise(noisy, **kwargs)
    assert got.dtype == np.uint8 and got.shape == noisy.shape
    np.testing.assert_array_equal(got, expected)
    assert np.abs(got.astype(int) - noisy.astype(int)).mean() > 2  # it did filter


def test_denoise_with_a_model_equals_the_cli_and_refuses_what_it_cannot(cli, tmp_path):
    noisy = to_u8(noisy_rgb(72, 96, sigma=0.1, seed=5)[0])
    write_pnm(tmp_path / "in.ppm", noisy)
    cli("train", "--data", "samples", "--epochs", "1", "--resolution", "32", "--codes", "16",
        "--prior-components", "2", "--prior-iterations", "2", "--out", tmp_path / "run")
    model = str(tmp_path / "run" / "model.lidecm")
    cli("denoise", tmp_path / "in.ppm", "-o", tmp_path / "out.ppm", "--model", model)
    np.testing.assert_array_equal(lidecm.denoise(noisy, model=model), read_pnm(tmp_path / "out.ppm"))
    with pytest.raises(Exception, match="model.lidecm"):
        lidecm.denoise(noisy[..., 0], model=model)  # a grey image, a colour model
    with pytest.raises(Exception, match="in.ppm"):
        lidecm.denoise(noisy, model=str(tmp_path / "in.ppm"))  # not a model


def test_denoise_equals_the_cli_on_uint16_grey(cli, tmp_path):
    noisy = (noisy_rgb(64, 64, sigma=0.05, seed=4)[0][..., 1] * 65535).round().astype(np.uint16)
    write_pnm(tmp_path / "in.pgm", noisy)
    cli("denoise", tmp_path / "in.pgm", "-o", tmp_path / "out.pgm")
    got = lidecm.denoise(noisy)
    assert got.dtype == np.uint16 and got.shape == noisy.shape
    np.testing.assert_array_equal(got, read_pnm(tmp_path / "out.pgm"))


def test_estimate_noise_equals_the_cli_in_the_images_units(cli, tmp_path):
    noisy = to_u8(noisy_rgb(80, 80, sigma=0.06, seed=5)[0])
    write_pnm(tmp_path / "in.ppm", noisy)
    summary = json.loads(cli("denoise", tmp_path / "in.ppm", "-o", tmp_path / "o.ppm", "--no-adapt", "--json").stdout)
    assert lidecm.estimate_noise(noisy) == summary["noise_sigma"]  # 0-255 for uint8, like the CLI
    as_float = noisy.astype(np.float32) / np.float32(255)
    assert lidecm.estimate_noise(as_float) == pytest.approx(summary["noise_sigma"] / 255, rel=1e-5)
    assert lidecm.estimate_noise(noisy.astype(np.uint16) * 257) == pytest.approx(summary["noise_sigma"] * 257, rel=1e-5)


def test_noise_estimate_tracks_the_noise_added():
    for sigma in (0.02, 0.05, 0.1):
        noisy, _ = noisy_rgb(128, 128, sigma=sigma, seed=6)
        assert lidecm.estimate_noise(noisy) == pytest.approx(sigma, rel=0.2)


def test_denoising_brings_the_image_closer_to_the_clean_one():
    noisy, clean = noisy_rgb(96, 96, sigma=0.1, seed=7)
    for method in ("collaborative", "graph"):
        out = lidecm.denoise(noisy, method=method, adapt=False)
        assert np.mean((out - clean) ** 2) < 0.5 * np.mean((noisy - clean) ** 2), method


def test_sigma_is_in_the_images_units():
    noisy, _ = noisy_rgb(64, 64, sigma=0.1, seed=8)
    u8 = to_u8(noisy)
    a = lidecm.denoise(u8, 20.0, adapt=False)
    b = lidecm.denoise(u8.astype(np.float32) * np.float32(1 / 255), 20.0 * (1 / 255), adapt=False)
    assert np.abs(a.astype(int) - to_u8(b).astype(int)).max() <= 1
    weaker = lidecm.denoise(u8, 2.0, adapt=False)
    assert np.abs(weaker.astype(int) - u8).mean() < np.abs(a.astype(int) - u8).mean()


def test_a_larger_strength_smooths_more():
    noisy, _ = noisy_rgb(64, 64, sigma=0.1, seed=9)
    soft = lidecm.denoise(noisy, 0.1, strength=0.5, adapt=False)
    hard = lidecm.denoise(noisy, 0.1, strength=2.0, adapt=False)
    assert np.abs(hard - noisy).mean() > np.abs(soft - noisy).mean()


def test_sigma_zero_returns_the_image():
    tiny = np.array([[0.25]], dtype=np.float32)
    np.testing.assert_array_equal(lidecm.denoise(tiny, 0.0), tiny)


@pytest.mark.parametrize("kwargs, argument", [
    ({"method": "median"}, "method"), ({"sigma": -1.0}, "sigma"), ({"sigma": float("nan")}, "sigma"),
    ({"strength": 0.0}, "strength"), ({"strength": 11.0}, "strength"),
])
def test_bad_options_are_value_errors_naming_them(rgb, kwargs, argument):
    with pytest.raises(ValueError, match=f"^{argument}:"):
        lidecm.denoise(rgb, **kwargs)


def test_an_image_smaller_than_a_patch_is_a_value_error():
    with pytest.raises(ValueError, match="smaller than"):
        lidecm.denoise(np.full((4, 4), 0.5, np.float32), 0.1)


def test_help_describes_the_arguments():
    doc = lidecm.denoise.__doc__
    for word in ("sigma", "strength", "adapt", "method", "uint8", "GIL"):
        assert word in doc
