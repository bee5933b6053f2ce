"""Images per second of the paper's train augmentation pipeline on this machine's CPU.

Times `train_tfms` (a) in one process looping over a `FERDataset`, and (b) through a `DataLoader` with worker
processes, at `--size` (the paper's 224 by default) and at the CPU preset's 64, on FER2013 Training faces
(synthetic faces where FER2013 is not found). Writes `results/bench/augment_cpu.json` with a run card.

    python scripts/bench_augment.py                 # 224 px and the 'cpu' preset (72 px)
    python scripts/bench_augment.py --size 112 --no-cpu-preset
"""
import argparse, os, sys, time
from dataclasses import replace, asdict
from pathlib import Path

import torch
from torch.utils.data import DataLoader

REPO = Path(__file__).resolve().parents[1]
try: import fer_nbdev  # noqa: F401  (installed: pip install -e .)
except ImportError: sys.path.insert(0, str(REPO))  # or run from a checkout
from fer_nbdev.config import AUG_PRESETS, paper_resize
from fer_nbdev.augment import describe, train_tfms
from fer_nbdev.data import FERDataset, find_fer2013, load_fer2013, synthetic_fer
from fer_nbdev.runcard import run_card, save_json


def bench_single(ds, n, warmup=50):
    "Images per second of one process calling `ds[i]` for `n` faces."
    for i in range(warmup): ds[i]
    t0 = time.perf_counter()
    for i in range(n): ds[(warmup + i) % len(ds)]
    dt = time.perf_counter() - t0
    return n, dt


def bench_loader(ds, n, bs, workers, seed=0):
    "Images per second of a shuffled DataLoader after its first batch (worker start-up excluded)."
    dl = DataLoader(ds, batch_size=bs, shuffle=True, num_workers=workers, generator=torch.Generator().manual_seed(seed))
    it = iter(dl); next(it)  # warm-up: starts the workers
    done, t0 = 0, time.perf_counter()
    while done < n: done += len(next(it)[0])
    dt = time.perf_counter() - t0
    del it
    return done, dt


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--size', type=int, default=224, help="input side for the paper pipeline (resize keeps the paper's 256/224 ratio)")
    p.add_argument('--no-cpu-preset', action='store_true', help="skip the run at the 'cpu' preset (72 px)")
    p.add_argument('--n-single', type=int, default=2000, help='images timed in the single-process loop')
    p.add_argument('--n-loader', type=int, default=4000, help='images timed through the DataLoader')
    p.add_argument('--bs', type=int, default=128, help='DataLoader batch size')
    p.add_argument('--workers', type=int, default=2, help='DataLoader worker processes')
    p.add_argument('--threads', type=int, default=1, help='torch intra-op threads of the single-process loop (DataLoader workers use 1); '
                   'more than 1 on a busy 2-core machine makes the small per-image ops spin and run many times slower')
    p.add_argument('--data', default=None, help='FER2013 .zip, folder or csv (default: find_fer2013)')
    p.add_argument('--out', type=Path, default=REPO/'results/bench/augment_cpu.json')
    a = p.parse_args()

    start, load_before = time.perf_counter(), os.getloadavg()
    torch.set_num_threads(a.threads)
    try: data = load_fer2013(find_fer2013(a.data), progress=False); source = 'FER2013 Training'
    except FileNotFoundError: data = synthetic_fer(200); source = 'synthetic (FER2013 not found)'
    train = data.split == 'Training'
    print(f"{source}: {train.sum():,} faces; torch threads {torch.get_num_threads()}")

    configs = [('paper', replace(AUG_PRESETS['paper'], size=a.size, resize=paper_resize(a.size)))]
    if not a.no_cpu_preset: configs.append(('cpu', AUG_PRESETS['cpu']))
    runs = []
    for name, cfg in configs:
        ds = FERDataset(data.faces[train], data.labels[train], train_tfms(cfg))
        torch.manual_seed(0)
        for mode, (n, dt) in [(f'single process, {a.threads} thread' + 's'*(a.threads > 1), bench_single(ds, a.n_single)),
                              (f'DataLoader {a.workers} workers, bs {a.bs}', bench_loader(ds, a.n_loader, a.bs, a.workers))]:
            runs.append(dict(preset=name, size=cfg.size, mode=mode, images=n, seconds=round(dt, 2), images_per_s=round(n/dt, 1),
                             ms_per_image=round(1000*dt/n, 2)))
            print(f"{name:6} {cfg.size:4d} px  {mode:30} {n:6d} images {dt:7.2f} s  {n/dt:8.1f} img/s")
        runs[-1]['pipeline'] = runs[-2]['pipeline'] = describe(cfg)

    wall = time.perf_counter() - start
    card = run_card(command=' '.join(['python', 'scripts/bench_augment.py'] + sys.argv[1:]), device='cpu', data_digest=data.digest, wall_s=round(wall, 1), data_source=source,
                    torch_threads=torch.get_num_threads(),
                    load_avg_before=[round(l, 2) for l in load_before], load_avg_after=[round(l, 2) for l in os.getloadavg()], configs={n: asdict(c) for n, c in configs})
    print(f"wrote {save_json(dict(runs=runs, card=card), a.out)} ({wall:.0f} s)")


if __name__ == '__main__': main()
