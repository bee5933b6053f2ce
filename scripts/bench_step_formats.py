"""Training-step images per second for fp32/bf16 × channels_last/contiguous on this CPU -> results/bench/step_formats_cpu.json.

    OMP_NUM_THREADS=1 python scripts/bench_step_formats.py            # 72 and 112 px, 2 alternating rounds of 10 s each
"""
import argparse, time
import torch
from fer_nbdev.bench import bench_formats, bench_faces, cpu_features
from fer_nbdev.runcard import run_card, finish_card, save_json

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--sizes', default='72,112', help='input sides, comma-separated')
p.add_argument('--rounds', type=int, default=2, help='alternating rounds (median per combination)')
p.add_argument('--seconds', type=float, default=10., help='time budget of each measurement')
p.add_argument('--out', default='results/bench/step_formats_cpu.json')
a = p.parse_args()
t0 = time.perf_counter()
card = run_card(None, torch.device('cpu'), torch_threads=torch.get_num_threads(), cpu_features=cpu_features())
df = bench_formats(tuple(int(s) for s in a.sizes.split(',')), rounds=a.rounds, seconds=a.seconds, device='cpu')
print(df.to_string(index=False))
digest = bench_faces()[3]
card = finish_card(card, t0, data_sha256=digest)  # the load average at the start (`load`) and the end (`load_end`)
print('wrote', save_json(dict(rows=df.to_dict('records'), card=card), a.out))
