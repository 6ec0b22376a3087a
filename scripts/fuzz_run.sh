#!/usr/bin/env bash
# Runs every fuzz target for N seconds on a copy of its committed corpus, two at
# a time (2 cores), and fails if any target finds a crash, leak or sanitizer error.
set -uo pipefail
build=${1:-build-fuzz}
seconds=${2:-60}
findings="$build/findings"
mkdir -p "$findings"
run_one() {
  local t=$1 work="$build/corpus/$1"
  rm -rf "$work" && mkdir -p "$work" && cp fuzz/corpus/"$t"/* "$work"/ 2>/dev/null
  # -rss_limit_mb bounds memory (a hostile header must not make us allocate);
  # -timeout flags inputs that take over 10 s (a hang).
  "$build/fuzz/$t" "$work" -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 -max_len=65536 \
    -artifact_prefix="$findings/$t-" -print_final_stats=1 >"$build/$t.log" 2>&1
  local rc=$?
  local execs
  execs=$(grep -m1 'stat::number_of_executed_units' "$build/$t.log" | awk '{print $2}')
  echo "fuzz: $t: ${execs:-?} executions in ${seconds}s, exit $rc"
  return $rc
}
status=0
# FUZZ_TARGETS="fuzz_image fuzz_model" runs a selection.
read -r -a targets <<<"${FUZZ_TARGETS:-fuzz_image fuzz_model fuzz_token fuzz_cifar fuzz_metrics fuzz_flags}"
for ((i = 0; i < ${#targets[@]}; i += 2)); do
  run_one "${targets[i]}" & a=$!
  b=""
  if ((i + 1 < ${#targets[@]})); then run_one "${targets[i+1]}" & b=$!; fi
  wait $a || status=1
  if [[ -n $b ]]; then wait $b || status=1; fi
done
if ((status)); then
  echo "fuzz: FINDINGS — see $findings and $build/fuzz_*.log"
  ls "$findings"
fi
exit $status
