"""lidecm.train, load_model and Model against the CLI on the same run."""
import json
import os
import signal

import numpy as np
import pytest

import lidecm
from conftest import read_pnm

SMALL = dict(epochs=2, batch_size=8, max_batches=3, codes=32, resolution=32, refiner="graph", seed=3,
             shuffle_buffer=5, decode_threads=1, full_decode=True, prior_components=2, prior_iterations=3,
             class_priors=0)
FLAGS = ["--epochs", "2", "--batch-size", "8", "--max-batches", "3", "--codes", "32", "--resolution", "32",
         "--refiner", "graph", "--seed", "3", "--shuffle-buffer", "5", "--decode-threads", "1", "--full-decode", "-q",
         "--prior-components", "2", "--prior-iterations", "3", "--class-priors", "0"]


@pytest.fixture(scope="module")
def run(tmp_path_factory, cli):
    """One small run trained from Python and the same run trained by the CLI."""
    root = tmp_path_factory.mktemp("runs")
    model = lidecm.train("samples", root / "py", report=False, **SMALL)
    cli("train", "--data", "samples", "--out", root / "cli", "--no-report", *FLAGS)
    return root, model


def test_train_runs_the_clis_trainer(run):
    root, model = run
    assert (root / "py" / "model.lidecm").read_bytes() == (root / "cli" / "model.lidecm").read_bytes()
    assert isinstance(model, lidecm.Model) and model.n_codes == 32 and model.patch_size == 8 and model.channels == 3


def test_info_is_what_the_cli_prints(run, cli):
    root, _ = run
    model = lidecm.load_model(root / "py" / "model.lidecm")
    assert model.info() == json.loads(cli("info", root / "cli" / "model.lidecm", "--json").stdout)
    assert model.info()["codebook"]["codes"] == 32


@pytest.mark.parametrize("refine", [False, True])
def test_tokenize_and_detokenize_equal_the_cli(run, cli, samples, tmp_path, refine):
    root, _ = run
    path = root / "py" / "model.lidecm"
    model = lidecm.load_model(path)
    # The CLI reads the sample photo; its own decoder writes it as PPM for numpy.
    cli("denoise", samples / "coffee.png", "-o", tmp_path / "photo.ppm", "--noise-sigma", "0", "--no-adapt")
    photo = read_pnm(tmp_path / "photo.ppm")[:77, :93]  # sides that are not multiples of 8
    from conftest import write_pnm
    write_pnm(tmp_path / "crop.ppm", photo)
    cli("tokenize", "--model", path, tmp_path / "crop.ppm", "-o", tmp_path / "crop.tok")
    cli("detokenize", "--model", path, tmp_path / "crop.tok", "-o", tmp_path / "back.ppm", *(["--refine"] if refine else []))
    tokens = model.tokenize(photo)
    assert tokens.dtype == np.uint16 and tokens.shape == (10, 12)
    back = model.detokenize(tokens, refine=refine, size=photo.shape[:2])
    assert back.dtype == np.float32 and back.shape == photo.shape
    as_u8 = np.round(np.clip(back, 0, 1) * np.float32(255)).astype(np.uint8)
    np.testing.assert_array_equal(as_u8, read_pnm(tmp_path / "back.ppm"))
    whole = model.detokenize(tokens)
    assert whole.shape == (80, 96, 3)


@pytest.mark.parametrize("refine", [False, True])
def test_generate_equals_the_cli(run, cli, tmp_path, refine):
    root, _ = run
    path = root / "py" / "model.lidecm"
    model = lidecm.load_model(path)
    cli("generate", "--model", path, "-n", "3", "--seed", "11", "--temperature", "0.8", "--top-k", "20",
        *([] if refine else ["--no-refine"]), "-o", str(tmp_path / "out") + "/")
    images = model.generate(n=3, seed=11, temperature=0.8, top_k=20, refine=refine)
    assert len(images) == 3 and images[0].shape == (32, 32, 3) and images[0].dtype == np.float32
    for i, image in enumerate(images):
        # The CLI wrote PNGs; its own decoder turns them into PPM for numpy.
        cli("denoise", tmp_path / "out" / f"samples_{i}.png", "-o", tmp_path / f"{i}.ppm", "--noise-sigma", "0",
            "--no-adapt")
        as_u8 = np.round(np.clip(image, 0, 1) * np.float32(255)).astype(np.uint8)
        np.testing.assert_array_equal(as_u8, read_pnm(tmp_path / f"{i}.ppm"))
    assert not np.array_equal(images[0], model.generate(n=1, seed=12, refine=refine)[0])


def test_bad_generate_input_is_refused(run):
    root, _ = run
    model = lidecm.load_model(root / "py" / "model.lidecm")
    for bad in [dict(n=0), dict(temperature=0.0), dict(top_k=0), dict(top_k=33), dict(class_name="cats"),
                dict(prompt="a dog"), dict(class_name="samples", prompt="samples")]:
        with pytest.raises(ValueError):
            model.generate(**bad)


def test_the_codebook_is_a_fitted_codebook(run):
    _, model = run
    cb = model.codebook
    assert cb.codes_.shape == (32, 192) and cb.channels == 3
    tiles = lidecm.extract_tiles(np.full((16, 16, 3), 0.5, np.float32), 8)
    assert cb.encode(tiles).shape == (4,)


def test_bad_model_input_is_refused(run, tmp_path):
    _, model = run
    with pytest.raises(ValueError, match="^tokens: index 32"):
        model.detokenize(np.full((2, 2), 32))
    with pytest.raises(ValueError, match="^size:"):
        model.detokenize(np.zeros((2, 2), np.uint16), size=(40, 16))
    with pytest.raises(OSError, match="missing.lidecm"):
        lidecm.load_model(tmp_path / "missing.lidecm")
    (tmp_path / "junk.lidecm").write_bytes(b"not a model at all, just some bytes")
    with pytest.raises(OSError, match="junk.lidecm"):
        lidecm.load_model(tmp_path / "junk.lidecm")
    with pytest.raises(TypeError, match="unexpected keyword argument 'epoch'"):
        lidecm.train("samples", tmp_path / "r", epoch=1)
    for kwargs, error, message in [
        ({"learner": "best"}, ValueError, "learner: 'best' is not a learner"),
        ({"batch_size": 0}, ValueError, "batch_size: must be >= 1"),
        ({"val_fraction": 2.0}, ValueError, "val_fraction: must be in"),
        ({"codes": 1}, ValueError, "codes: K must be in"),
        ({"input_noise": 300}, ValueError, "input_noise: must be in \\[0, 255\\]"),
        ({"refiner": "median"}, ValueError, "refiner: must be"),
        ({"epochs": "10"}, TypeError, "epochs: expected a whole number, got str"),
        ({"tiles": "yes"}, TypeError, "tiles: expected a bool"),
    ]:
        with pytest.raises(error, match="^" + message):
            lidecm.train("samples", tmp_path / "r", **kwargs)
    assert not (tmp_path / "r").exists()  # nothing written for a refused call
    with pytest.raises(ValueError, match="^resume: a resumed run keeps its saved config"):
        lidecm.train("samples", tmp_path / "r", resume=True, codes=64)


def test_ctrl_c_saves_the_checkpoint_then_raises_and_resume_finishes_the_run(run, tmp_path):
    root, _ = run
    calls = []

    def interrupt(batch):
        calls.append(batch)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C sends

    with pytest.raises(KeyboardInterrupt):
        lidecm.train("samples", tmp_path / "run", report=False, progress=interrupt, **SMALL)
    assert calls[0]["batches"] >= 2 and calls[0]["epochs"] == 2 and "loss" in calls[0]
    saved = lidecm.load_model(tmp_path / "run" / "model.lidecm").info()["progress"]
    assert not saved["finished"] and saved["step"] == 2
    lidecm.train("samples", tmp_path / "run", resume=True, report=False)
    assert (tmp_path / "run" / "model.lidecm").read_bytes() == (root / "py" / "model.lidecm").read_bytes()


def test_progress_reports_the_data_wait_and_the_time_left(tmp_path):
    seen = []
    lidecm.train("samples", tmp_path / "run", report=False, progress=seen.append, **SMALL)
    assert len(seen) == 4  # 2 epochs of 2 batches (13 training samples, 8 a batch)
    assert all(0 <= d["data_wait_share"] < 1 and d["eta_seconds"] >= 0 for d in seen)
    assert seen[0]["eta_seconds"] > 0 and seen[-1]["eta_seconds"] == 0


def test_an_exception_in_progress_stops_the_run_and_is_raised(tmp_path):
    def fail(batch):
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        lidecm.train("samples", tmp_path / "run", report=False, progress=fail, **SMALL)
    assert lidecm.load_model(tmp_path / "run" / "model.lidecm").info()["progress"]["step"] == 1
