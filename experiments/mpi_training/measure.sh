#!/usr/bin/env bash
# Issue #16's figures on one machine: one process with 2 OpenMP threads against
# 2 MPI ranks with 1 thread each, same data and flags; then the bytes per batch at a
# large K. Run on an idle machine:
#   bash experiments/mpi_training/measure.sh BUILD_DIR DATA_DIR OUT_DIR
# DATA_DIR: e.g. the 30 large photos of experiments/common/make_photo_folders.cpp (OUT_DIR/large).
set -euo pipefail
build=$1 data=$2 out=$3
mkdir -p "$out"
root=()
[[ $(id -u) -eq 0 ]] && root=(--allow-run-as-root)  # Open MPI refuses root without it
summary() { /usr/bin/python3 "$(dirname "$0")/summarise_mpi.py" "$@"; }
run() {  # NAME RANKS FLAGS...: one training run
  local name=$1 ranks=$2; shift 2
  rm -rf "$out/$name"
  local start
  start=$(date +%s)
  if [[ $ranks == 1 ]]; then
    OMP_NUM_THREADS=2 "$build/lidecm" train --out "$out/$name" --no-report -q "$@" > "$out/$name.log" 2>&1
  else  # --bind-to none: Open MPI would pin each rank to one core, starving its OpenMP threads
    OMP_NUM_THREADS=$((2 / ranks > 0 ? 2 / ranks : 1)) mpirun "${root[@]}" --bind-to none -np "$ranks" \
      "$build/lidecm" train --out "$out/$name" --no-report -q "$@" > "$out/$name.log" 2>&1
  fi
  echo "== $name ($ranks rank(s)): $*  [$(($(date +%s) - start)) s wall, validation and checkpoints included]"
  summary "$out/$name/metrics.jsonl"
}
common=(--data "$data" --tiles --epochs 1 --max-batches 120 --val-fraction 0.1)
run one 1 "${common[@]}"
run two 2 "${common[@]}"
cmp -s "$out/one/model.lidecm" "$out/two/model.lidecm" && echo "model files identical" || echo "model files DIFFER"
large=(--data "$data" --tiles --epochs 1 --max-batches 12 --codes 8192 --init-images 8192 --val-fraction 0.1)
run one_k8192 1 "${large[@]}"
run two_k8192 2 "${large[@]}"
