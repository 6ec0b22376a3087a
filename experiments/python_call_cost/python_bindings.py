"""What the Python module costs per call, against the same C++ calls in the same run.

    PYTHONPATH=build/python python3 experiments/python_call_cost/python_bindings.py build

Writes the inputs (a 1x1 image, a 256x256 RGB photo crop with noise, 2,500 patches) to a
temporary folder, times the Python calls (median of --repeat runs of timeit), runs
build/bench/perf/bench_binding_baseline on the same files (Google Benchmark, median of 5
repetitions), and prints one table: Python median, C++ median, overhead, ratio. It also
times the seed learner's update written with numpy (numpy_learner.py) as the baseline a
Python user would otherwise have.
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "python" / "tests"))
import lidecm  # noqa: E402
from conftest import write_pnm  # noqa: E402
from numpy_learner import NumpyLearner, features  # noqa: E402


def median_seconds(fn, repeat, number):
    return statistics.median(timeit.repeat(fn, repeat=repeat, number=number)) / number


def inputs(folder):
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:256, 0:256].astype(np.float32)
    clean = np.stack([0.5 + 0.3 * np.sin(x / 11), 0.5 + 0.3 * np.cos(y / 9), 0.3 + 0.4 * (x > y)], -1)
    noisy = np.clip(clean + 25 / 255 * rng.standard_normal(clean.shape), 0, 1)
    u16 = np.round(noisy * 65535).astype(np.uint16)
    write_pnm(folder / "photo.ppm", u16)
    write_pnm(folder / "tiny.pgm", np.array([[32768]], np.uint16))
    photo = u16.astype(np.float32) * np.float32(1 / 65535)  # what the C++ loader makes of the file
    tiny = np.array([[32768]], np.float32) * np.float32(1 / 65535)
    corners = np.stack(np.meshgrid(np.arange(50) * 5, np.arange(50) * 5, indexing="ij"), -1).reshape(-1, 2)
    patches = np.stack([photo[cy:cy + 8, cx:cx + 8] for cy, cx in corners]).astype(np.float32)
    (folder / "patches.bin").write_bytes(np.int64(len(patches)).tobytes() + patches.tobytes() +
                                         corners.astype(np.int64).tobytes())
    return photo, tiny, patches, corners + 4.0


def cpp_medians(build, folder):
    out = subprocess.run([str(Path(build) / "bench" / "perf" / "bench_binding_baseline"), "--benchmark_format=json",
                          "--benchmark_repetitions=5", "--benchmark_report_aggregates_only=true"],
                         check=True, capture_output=True, text=True, env={"LIDECM_BENCH_INPUTS": str(folder)})
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    return {b["run_name"]: b["real_time"] * scale[b["time_unit"]] for b in json.loads(out.stdout)["benchmarks"]
            if b.get("aggregate_name") == "median"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", help="CMake build folder (holds bench/perf/bench_binding_baseline)")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        photo, tiny, patches, centers = inputs(folder)
        cpp = cpp_medians(args.build, folder)
        learner = lidecm.EMParameterLearning()
        numpy_learner = NumpyLearner()
        losses = iter([0.3, 0.6] * 10**6)
        rows = [
            ("denoise 1x1, sigma 0 (a copy)", "BM_DenoiseTiny",
             median_seconds(lambda: lidecm.denoise(tiny, 0.0, adapt=False), args.repeat, 2000), None),
            ("denoise 256x256 RGB, sigma 25, adapt=False", "BM_Denoise256",
             median_seconds(lambda: lidecm.denoise(photo, 25 / 255, adapt=False), args.repeat, 3), None),
            ("estimate_noise 256x256 RGB", "BM_EstimateNoise256",
             median_seconds(lambda: lidecm.estimate_noise(photo), args.repeat, 20), None),
            ("EMParameterLearning.update_global_params, 2,500 patches", "BM_UpdateGlobalParams2500",
             median_seconds(lambda: learner.update_global_params(next(losses), 0.5, patches, centers), args.repeat, 200),
             median_seconds(lambda: numpy_learner.update_global_params(next(losses), 0.5, patches, centers),
                            args.repeat, 20)),
        ]
    ours = lidecm.EMParameterLearning.compute_patch_features(patches, centers)
    print(f"numpy baseline's head scores differ from lidecm's by at most {np.abs(features(patches, centers) - ours).max():.1e}")
    print(f"{'call':58} {'Python':>10} {'C++':>10} {'overhead':>10} {'ratio':>6}   numpy baseline")
    for name, bench, py_s, numpy_s in rows:
        c = cpp[bench]
        extra = f"   {numpy_s * 1e3:.2f} ms ({numpy_s / py_s:.0f}x lidecm)" if numpy_s else ""
        print(f"{name:58} {py_s * 1e6:8.1f}us {c * 1e6:8.1f}us {(py_s - c) * 1e6:8.1f}us {py_s / c:6.3f}{extra}")


if __name__ == "__main__":
    main()
