"""Figures of one run's metrics.jsonl for experiments/mpi_training/measure.sh: step time, images/s of
the steps, the share of step time inside collectives and the payload per batch."""
import json
import statistics
import sys

batches = [json.loads(line) for line in open(sys.argv[1]) if '"timings"' in line]
batches = batches[3:] if len(batches) > 6 else batches  # the first steps warm caches up
total = sum(b["timings"]["total"] for b in batches)
comm = sum(b["timings"].get("communication", 0.0) for b in batches)
images = sum(b["images"] for b in batches)
sent = [b.get("communication_bytes", 0) for b in batches]
print(f"  batches {len(batches)}, step median {1000 * statistics.median(b['timings']['total'] for b in batches):.1f} ms, "
      f"{images / total:.1f} images/s of step time, data wait median "
      f"{1000 * statistics.median(b['timings']['data_wait'] for b in batches):.1f} ms")
print(f"  in collectives {100 * comm / total:.1f} % of step time, payload per batch (rank 0) median "
      f"{statistics.median(sent) / 1e6:.3f} MB")
