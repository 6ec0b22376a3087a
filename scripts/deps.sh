#!/usr/bin/env bash
# Installs the Debian packages that the build, the tests, the benchmarks and the
# samples need. Idempotent: installs only what is missing; needs root (or sudo).
set -euo pipefail
packages=(
  g++ cmake ninja-build make        # compiler and build
  libopencv-core-dev libopencv-imgcodecs-dev libopencv-imgproc-dev  # image I/O and resampling
  libopencv-photo-dev               # benchmark baseline only (non-local means)
  libnanoflann-dev                  # KD-tree radius search
  libeigen3-dev                     # vectorised exp/tanh (SIMD)
  libcli11-dev                      # command-line parsing
  nlohmann-json3-dev                # JSON summaries, metrics lines, model file headers
  zlib1g-dev                        # CRC-32 checksums of model and token files
  python3                           # independent reader of model files in one test
  python3-dev python3-venv python3-pip pybind11-dev python3-pybind11  # the Python module (make python)
  python3-numpy python3-pytest python3-sklearn  # its arrays, its tests, the k-means it is compared with
  python3-scipy                     # the sparse matrices the prototype-style learner test hands to estimate_smoothness
  chromium                          # renders the HTML training report in its browser test
  clang libclang-rt-14-dev libomp-14-dev  # libFuzzer targets (make fuzz): clang, its fuzzer runtime, its OpenMP
  libgtest-dev libgmock-dev         # unit tests
  libbenchmark-dev                  # micro-benchmarks
  libopenmpi-dev openmpi-bin        # training on several processes/machines (mpirun -np N lidecm train)
  python3-pil fonts-dejavu-core fonts-liberation2  # document pages for the learned-prior experiments (experiments/document_pages)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "deps: all ${#packages[@]} packages present"
