#!/usr/bin/env python
"""Benchmark (not a test): time to load FER2013 the first time (decode every image, write the cache)
and again from the cache. Writes results/bench/load_cpu.json with a run card (the load average at the start and the
end).

    python scripts/bench_load.py [--data PATH]
"""
import argparse, os, tempfile, time
from pathlib import Path
from fer_nbdev.data import find_fer2013, load_fer2013
from fer_nbdev.runcard import run_card, finish_card, save_json

ROOT = Path(__file__).resolve().parents[1]

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', default=None, help='FER2013 .zip, folder or csv (default: find_fer2013())')
    p.add_argument('--out', default=str(ROOT/'results/bench/load_cpu.json'))
    args = p.parse_args()
    start, card = time.perf_counter(), run_card(device='cpu')
    path = find_fer2013(args.data)
    with tempfile.TemporaryDirectory() as d:
        os.environ['FER_NBDEV_CACHE'] = d  # an empty cache: the first load decodes everything
        t0 = time.perf_counter(); data = load_fer2013(path); t1 = time.perf_counter()
        again = load_fer2013(path); t2 = time.perf_counter()
    assert (again.faces == data.faces).all()
    res = dict(source=os.path.relpath(path, ROOT), faces=len(data), first_load_s=round(t1 - t0, 2),
               cached_load_s=round(t2 - t1, 3))
    print(f"{len(data):,} faces from {path.name}: first load (decode + cache) {res['first_load_s']} s, cached load {res['cached_load_s']} s")
    save_json(dict(results=res, run_card=finish_card(card, start, data_sha256=data.digest)), args.out)
    print(f"wrote {args.out}")

if __name__ == '__main__': main()
