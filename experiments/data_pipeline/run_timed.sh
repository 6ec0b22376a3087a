#!/usr/bin/env bash
# run_timed.sh LOG_PREFIX RUN_DIR -- COMMAND...
# Runs COMMAND (a `lidecm train --out RUN_DIR ...`) under /usr/bin/time -v and records, in seconds
# since the start, when each stderr line was printed, when RUN_DIR/model.lidecm first appeared
# (the checkpoint written after the dataset is opened and the codebook initialised, just before
# the first batch is requested) and when each line of RUN_DIR/metrics.jsonl appeared. The CLI
# does not log when it starts waiting for the first batch, so these are the markers to derive the
# open time from. RUN_DIR is removed first so that an earlier run's model.lidecm cannot count.
set -euo pipefail
prefix=$1 run_dir=$2
shift 2
[[ ${1:-} == -- ]] && shift
mkdir -p "$(dirname "$prefix")"
rm -rf "$run_dir"
t0=$(date +%s.%N)
since() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}'; }
{ echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)"; echo "# $(printf '%q ' "$@")"; } > "$prefix.events"
/usr/bin/time -v -o "$prefix.time" "$@" > "$prefix.stdout" \
  2> >(while IFS= read -r line; do echo "$(since) stderr: $line"; done >> "$prefix.events") &
pid=$!
seen_model=0 lines=0
while kill -0 "$pid" 2>/dev/null; do
  if (( !seen_model )) && [[ -f $run_dir/model.lidecm ]]; then seen_model=1; echo "$(since) model.lidecm appeared" >> "$prefix.events"; fi
  n=$( (wc -l < "$run_dir/metrics.jsonl") 2>/dev/null || echo 0)
  if (( n > lines )); then echo "$(since) metrics.jsonl has $n line(s)" >> "$prefix.events"; lines=$n; fi
  sleep 0.1
done
rc=0; wait "$pid" || rc=$?
sleep 0.2  # the stderr reader finishes after the process
n=$( (wc -l < "$run_dir/metrics.jsonl") 2>/dev/null || echo 0)
if (( n > lines )); then echo "$(since) metrics.jsonl has $n line(s) (after the exit)" >> "$prefix.events"; fi
echo "$(since) exit $rc; load: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$prefix.events"
exit "$rc"
