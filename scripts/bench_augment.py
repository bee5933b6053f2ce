"""Images per second of the paper's train augmentation pipeline on this machine's CPU.

Times `train_tfms` (a) in one process looping over a `FERDataset`, and (b) through a `DataLoader` with worker
processes, at `--size` (the paper's 224 by default) and at the CPU preset's 72, on FER2013 Training faces
(synthetic faces where FER2013 is not found, or with `--synthetic`), with `fer_bench`'s timer (`09_bench`'s
`throughput`). Writes `results/bench/augment_cpu.json` with a run card (the load average at the start and the end).

    python scripts/bench_augment.py                 # 224 px and the 'cpu' preset (72 px)
    python scripts/bench_augment.py --size 112 --no-cpu-preset
    python scripts/bench_augment.py --synthetic --n-single 20 --n-loader 64 --bs 16 --workers 0 --out /tmp/a.json
"""
import argparse, itertools, math, sys, time
from dataclasses import replace, asdict
from pathlib import Path

import torch
from torch.utils.data import DataLoader

REPO = Path(__file__).resolve().parents[1]
try: import fer_nbdev  # noqa: F401  (installed: pip install -e .)
except ImportError: sys.path.insert(0, str(REPO))  # or run from a checkout
from fer_nbdev.config import AUG_PRESETS, paper_resize
from fer_nbdev.augment import describe, train_tfms
from fer_nbdev.bench import bench_faces, forever, throughput
from fer_nbdev.data import FERDataset
from fer_nbdev.runcard import run_card, finish_card, save_json


def one_by_one(ds):
    "The faces of `ds` in order, round and round, each as a batch of one (`throughput` counts the labels)."
    for i in itertools.count():
        x, y = ds[i % len(ds)]
        yield x, (y,)


def bench_single(ds, n, warmup=50):
    "(images, seconds) of one process calling `ds[i]` for `n` faces, after `warmup` untimed ones."
    r = throughput(one_by_one(ds), seconds=math.inf, max_batches=n, min_batches=1, warmup=warmup)
    return r['images'], r['seconds']


def bench_loader(ds, n, bs, workers, seed=0):
    "(images, seconds) of a shuffled DataLoader after its first batch (worker start-up excluded), `n` images or more."
    dl = DataLoader(ds, batch_size=bs, shuffle=True, num_workers=workers, persistent_workers=workers > 0,
                    generator=torch.Generator().manual_seed(seed))
    r = throughput(forever(dl), seconds=math.inf, max_batches=math.ceil(n / bs), min_batches=1, warmup=1)
    return r['images'], r['seconds']


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--size', type=int, default=224,
                   help="input side for the paper pipeline (resize keeps the paper's 256/224 ratio)")
    p.add_argument('--no-cpu-preset', action='store_true', help="skip the run at the 'cpu' preset (72 px)")
    p.add_argument('--n-single', type=int, default=2000, help='images timed in the single-process loop')
    p.add_argument('--n-loader', type=int, default=4000, help='images timed through the DataLoader')
    p.add_argument('--bs', type=int, default=128, help='DataLoader batch size')
    p.add_argument('--workers', type=int, default=2, help='DataLoader worker processes')
    p.add_argument('--threads', type=int, default=1,
                   help='torch intra-op threads of the single-process loop (DataLoader workers use 1); more than 1 on '
                        'a busy 2-core machine makes the small per-image ops spin and run many times slower')
    p.add_argument('--data', default=None, help='FER2013 .zip, folder or csv (default: find_fer2013)')
    p.add_argument('--synthetic', action='store_true', help='generated faces instead of FER2013 (a quick check)')
    p.add_argument('--out', type=Path, default=REPO/'results/bench/augment_cpu.json')
    a = p.parse_args()

    start = time.perf_counter()
    torch.set_num_threads(a.threads)  # before the card, whose device names the threads
    configs = [('paper', replace(AUG_PRESETS['paper'], size=a.size, resize=paper_resize(a.size)))]
    if not a.no_cpu_preset: configs.append(('cpu', AUG_PRESETS['cpu']))
    card = run_card(command=' '.join(['python', 'scripts/bench_augment.py'] + sys.argv[1:]), device='cpu',
                    torch_threads=torch.get_num_threads(), configs={n: asdict(c) for n, c in configs})
    faces, labels, source, digest = bench_faces(a.synthetic, a.data)
    print(f"{source}: {len(faces):,} faces; torch threads {torch.get_num_threads()}")

    runs = []
    for name, cfg in configs:
        ds = FERDataset(faces, labels, train_tfms(cfg))
        torch.manual_seed(0)
        for mode, (n, dt) in [
            (f'single process, {a.threads} thread' + 's'*(a.threads > 1), bench_single(ds, a.n_single)),
            (f'DataLoader {a.workers} workers, bs {a.bs}', bench_loader(ds, a.n_loader, a.bs, a.workers)),
        ]:
            runs.append(dict(preset=name, size=cfg.size, mode=mode, images=n, seconds=round(dt, 2),
                             images_per_s=round(n/dt, 1), ms_per_image=round(1000*dt/n, 2)))
            print(f"{name:6} {cfg.size:4d} px  {mode:30} {n:6d} images {dt:7.2f} s  {n/dt:8.1f} img/s")
        runs[-1]['pipeline'] = runs[-2]['pipeline'] = describe(cfg)

    card = finish_card(card, start, data_sha256=digest, data_source=source)
    print(f"wrote {save_json(dict(runs=runs, card=card), a.out)} ({card['wall_s']:.0f} s)")


if __name__ == '__main__': main()
