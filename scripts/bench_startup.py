#!/usr/bin/env python
"""Benchmark (not a test): how long a user waits for the commands, process start included.

Each command runs as a fresh process, once to warm the disk cache, then `--reps` times; the figure is the median wall
time. Commands: `python -c pass` (the interpreter alone), `python -c "import fer_nbdev"`, `fer_predict --help`,
`fer_predict photo.jpg --json out.json` on one 640×480 photo with one face (a crop of scikit-image's astronaut), and the
same with `--runtime torch`. Writes results/bench/startup_cpu.json with a run card.

    OMP_NUM_THREADS=2 python scripts/bench_startup.py [--reps 5]
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time
from pathlib import Path

import numpy as np
from PIL import Image

from fer_nbdev.runcard import run_card, save_json

ROOT = Path(__file__).resolve().parents[1]

def photo(path:Path)->Path:
    "A 640×480 RGB photo with one face: scikit-image's astronaut, padded on the right and cropped to 480 rows."
    from skimage import data
    a = data.astronaut()[:480]
    Image.fromarray(np.pad(a, ((0, 0), (0, 640 - a.shape[1]), (0, 0)), mode='edge')).save(path, quality=95)
    return path

def wall_s(cmd:list, reps:int)->dict:
    "Median, min and max wall seconds of `cmd` as a new process, after one warm-up run (which must succeed)."
    subprocess.run(cmd, check=True, capture_output=True)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return dict(median_s=round(statistics.median(times), 3), min_s=round(min(times), 3), max_s=round(max(times), 3),
                reps=reps)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--reps', type=int, default=5, help='timed runs of each command after the warm-up')
    p.add_argument('--out', default=str(ROOT/'results/bench/startup_cpu.json'))
    args = p.parse_args()
    fer_predict = shutil.which('fer_predict')
    if fer_predict is None: sys.exit("bench_startup: error: fer_predict is not installed (pip install -e .)")
    t0, rows = time.perf_counter(), {}
    with tempfile.TemporaryDirectory() as d:
        jpg, out = photo(Path(d)/'photo.jpg'), str(Path(d)/'out.json')
        commands = {'python -c pass': [sys.executable, '-c', 'pass'],
                    'python -c "import fer_nbdev"': [sys.executable, '-c', 'import fer_nbdev'],
                    'fer_predict --help': [fer_predict, '--help'],
                    'fer_predict photo.jpg --json out.json': [fer_predict, str(jpg), '--json', out],
                    'fer_predict photo.jpg --json out.json --runtime torch': [fer_predict, str(jpg), '--json', out,
                                                                              '--runtime', 'torch']}
        for name, cmd in commands.items():
            rows[name] = wall_s(cmd, args.reps)
            print(f"{name:55s} {rows[name]['median_s']:7.3f} s (median of {args.reps})")
    res = dict(commands=rows, threads=os.environ.get('OMP_NUM_THREADS'), photo='640×480 JPEG, one face (astronaut)')
    save_json(dict(results=res, run_card=run_card(device='cpu', wall_s=time.perf_counter() - t0)), args.out)
    print(f"wrote {os.path.relpath(args.out)}")

if __name__ == '__main__': main()
