#!/usr/bin/env python
"""Training-step images per second of EfficientNet-Lite0, -Lite1 and -Lite2 at the prog192 recipe's two sides, on this
CPU, and what that makes of the recipe's wall time -> results/bench/archs_cpu.json.

    OMP_NUM_THREADS=2 python scripts/bench_archs.py          # 160 and 192 px, fp32, batch 64, 3 alternating rounds

Each rate is `bench_formats` (`09_bench`): the trainer's own `train_step` on `TensorLoader` batches, the median of
alternating rounds. The projection scales the committed prog192 run's measured epoch seconds (`results/prog192`,
Lite0) by each backbone's rate relative to Lite0's at the same side, measured in this run: an estimate for planning,
valid on the CPU model that both name, not a training run.
"""
import argparse, json, time
from pathlib import Path

import pandas as pd
import torch
from fer_nbdev.bench import bench_formats, bench_faces, cpu_features
from fer_nbdev.config import PRESETS
from fer_nbdev.runcard import run_card, finish_card, save_json

ROOT = Path(__file__).resolve().parents[1]
ARCHS = ('efficientnet_lite0', 'efficientnet_lite1', 'efficientnet_lite2')


def projection(rates:pd.DataFrame, run:Path)->dict:
    "Minutes of the prog192 recipe per backbone: the run's training seconds at each side times Lite0's rate over its."
    cfg, hist = PRESETS['prog192'], pd.read_csv(run/'history.csv')
    side = [cfg.prog_size if e <= cfg.prog_epochs else cfg.aug.size for e in hist.epoch]
    secs = hist.assign(side=side).groupby('side').seconds.sum()
    rate = rates.set_index(['arch', 'size']).images_per_s
    return {a: round(float(sum(s * rate[(ARCHS[0], side)] / rate[(a, side)] for side, s in secs.items())) / 60, 1)
            for a in ARCHS}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--sizes', default='160,192', help='input sides, comma-separated')
    p.add_argument('--rounds', type=int, default=3, help='alternating rounds (median per backbone and side)')
    p.add_argument('--seconds', type=float, default=10., help='time budget of each measurement')
    p.add_argument('--out', default=str(ROOT/'results/bench/archs_cpu.json'))
    a = p.parse_args()
    t0 = time.perf_counter()
    card = run_card(None, torch.device('cpu'), torch_threads=torch.get_num_threads(), cpu_features=cpu_features())
    df = bench_formats(tuple(int(s) for s in a.sizes.split(',')), amps=('none',), layouts=(True,), rounds=a.rounds,
                       seconds=a.seconds, bs=PRESETS['prog192'].bs, preset='prog192', device='cpu', archs=ARCHS)
    df['vs_lite0'] = df.images_per_s / df['size'].map(df[df.arch == ARCHS[0]].set_index('size').images_per_s)
    run = ROOT/'results/prog192'
    ref = json.loads((run/'run_card.json').read_text())
    proj = dict(minutes=projection(df, run), from_run='results/prog192', its_device=ref['device'],
                its_train_minutes=round(ref['train_s'] / 60, 1))
    print(df.round(3).to_string(index=False))
    print('prog192 recipe, projected minutes of training:', proj['minutes'])
    card = finish_card(card, t0, data_sha256=bench_faces()[3])
    print('wrote', save_json(dict(rows=df.to_dict('records'), projection=proj, card=card), a.out))


if __name__ == '__main__': main()
