# Per run: batches, data wait and step time (median, mean, share), images/s, and the epoch lines.
# Usage: summarise_metrics.py RUN/metrics.jsonl ...
import json,sys,statistics as st
for path in sys.argv[1:]:
    b=[];e=[]
    for line in open(path):
        j=json.loads(line)
        if 'timings' in j: b.append(j)
        elif 'val_psnr_refined' in j: e.append(j)
    w=[x['timings']['data_wait'] for x in b]; t=[x['timings']['total'] for x in b]
    imgs=sum(x['images'] for x in b)
    print(f"{path}: {len(b)} batches, {imgs} images; wait median {st.median(w)*1000:.1f} ms mean {st.mean(w)*1000:.1f} ms, first {w[0]:.2f} s; step median {st.median(t)*1000:.1f} ms mean {st.mean(t)*1000:.1f} ms; wait/step {sum(w)/sum(t)*100:.1f}% ; images/s wall(steps+waits) {imgs/(sum(w)+sum(t)):.1f}, steps only {imgs/sum(t):.1f} ({(sum(t))/(sum(w)+sum(t))*100:.1f}%)")
    for x in e: print(f"   epoch {x['epoch']}: val psnr token {x['val_psnr_token']:.3f} refined {x['val_psnr_refined']:.3f}, data_wait_share {x.get('data_wait_share',0):.3f}, decodes {x.get('decodes')}, seconds {x['seconds']:.1f}")
