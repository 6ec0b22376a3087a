"""Shared fixtures: the CLI the module is compared with, the sample photos, small images."""
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]


def _tool(variable, default):
    path = os.environ.get(variable) or shutil.which(default)
    if not path:
        pytest.skip(f"{variable} is not set (ctest sets it)")
    return path


@pytest.fixture(scope="session")
def cli():
    """Runs the lidecm CLI; returns the completed process (check=True)."""
    path = _tool("LIDECM_CLI", "lidecm")

    def run(*args, **kwargs):
        return subprocess.run([path, *map(str, args)], check=True, capture_output=True, text=True, **kwargs)

    return run


@pytest.fixture(scope="session")
def learner_sequence():
    return _tool("LIDECM_LEARNER_SEQUENCE", "learner_sequence")


@pytest.fixture(scope="session")
def samples():
    return Path(os.environ.get("LIDECM_SAMPLES", REPO / "data" / "samples"))


def write_pnm(path, image):
    """Binary PGM/PPM of a uint8 or uint16 H x W (x 3) array (16-bit samples big-endian, as netpbm says)."""
    image = np.asarray(image)
    grey = image.ndim == 2
    maxval = 255 if image.dtype == np.uint8 else 65535
    header = f"{'P5' if grey else 'P6'}\n{image.shape[1]} {image.shape[0]}\n{maxval}\n".encode()
    data = image.astype(">u2" if maxval == 65535 else np.uint8).tobytes()
    Path(path).write_bytes(header + data)


def read_pnm(path):
    """The array a binary PGM/PPM holds (uint8 or uint16)."""
    raw = Path(path).read_bytes()
    fields, pos = [], 0
    while len(fields) < 4:
        while raw[pos:pos + 1].isspace():
            pos += 1
        end = pos
        while not raw[end:end + 1].isspace():
            end += 1
        fields.append(raw[pos:end].decode())
        pos = end
    pos += 1  # the single whitespace after maxval
    magic, width, height, maxval = fields[0], int(fields[1]), int(fields[2]), int(fields[3])
    dtype = np.dtype(">u2") if maxval > 255 else np.dtype(np.uint8)
    shape = (height, width) if magic == "P5" else (height, width, 3)
    return np.frombuffer(raw[pos:], dtype=dtype, count=int(np.prod(shape))).reshape(shape).astype(
        np.uint16 if maxval > 255 else np.uint8)


def noisy_rgb(height=64, width=80, sigma=0.08, seed=0):
    """A smooth colour image with edges plus Gaussian noise, float32 in [0, 1]."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    clean = np.stack([0.5 + 0.3 * np.sin(x / 9), 0.5 + 0.3 * np.cos(y / 7), (x > width / 2) * 0.6 + 0.2], axis=-1)
    noisy = clean + sigma * rng.standard_normal(clean.shape).astype(np.float32)
    return np.clip(noisy, 0, 1).astype(np.float32), clean.astype(np.float32)


@pytest.fixture
def rgb():
    return noisy_rgb()[0]
