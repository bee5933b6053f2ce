#!/usr/bin/env python
"""Time `detect_faces` (BlazeFace) on two photos: the design shipped before against the designs of nbs/04a_detect.ipynb.

The photos are scikit-image's astronaut enlarged to 640×640 and cut to 640×480 (one face), and a 1280×720 grey canvas
with her head pasted at three sizes (three faces). Each design is timed on each photo, median of `--reps` calls after
one warm-up, for each thread count given, the designs taking turns within each repetition so that a change in the
machine's load falls on all of them alike. 'tiles, one at a time' is `blazeface_boxes` as it was before: every tile
of every scale in its own network run, at the face probability it used (0.7); the others are `detect_faces` with
`passes='tiles'` (the tiles of a scale in one batch) and with the default `passes='slide'` (one pass over the whole
image per scale); OpenCV's Haar cascade (`detect_faces(image, 'haar')`) is timed beside them, and with `--graph` the
default design on another BlazeFace file too (the unpadded graph before `pad_channels`, say). Writes
results/detect/bench_detect.json with a run card (the CPU model is in it: timings compare only within one card; the
load average at the start and at the end, `load` and `load_end`, says how busy the machine was).

    python scripts/bench_detect.py [--threads 2 1] [--reps 15] [--out results/detect/bench_detect.json] [--graph FILE]
"""
import argparse, time
from pathlib import Path

import cv2
import numpy as np
from skimage import data as skdata

import fer_nbdev.detect as det
from fer_nbdev.detect import (FRAMING, BLAZEFACE_SIZE, blazeface_tile, check_image, detect_faces, frame_box,
                              tile_starts, weighted_nms)
from fer_nbdev.runcard import run_card, finish_card, save_json

ROOT = Path(__file__).resolve().parents[1]

def photos()->dict:
    "The two timed photos: name -> (H×W×3 RGB uint8 image, faces in it)."
    a = skdata.astronaut(); one = cv2.resize(a, (640, 640), interpolation=cv2.INTER_LINEAR)[:480]
    head, canvas, x = a[10:310, 110:410], np.full((720, 1280, 3), 128, np.uint8), 100
    for side in (300, 200, 120):
        y = (720 - side) // 2; canvas[y:y+side, x:x+side] = cv2.resize(head, (side, side), interpolation=cv2.INTER_AREA)
        x += side + 150
    return {'astronaut 640×480': (one, 1), 'three faces 1280×720': (canvas, 3)}

def boxes_before(image, min_size=30, score=0.7, max_side=1280, threads=None)->list:
    "`blazeface_boxes` as shipped before `passes`: the whole image, then ever smaller tiles, one network run each."
    a = check_image(image); a = np.repeat(a[..., None], 3, 2) if a.ndim == 2 else a
    s = min(1., max_side / max(a.shape[:2]))
    if s < 1: a = cv2.resize(a, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    h, w = a.shape[:2]; side, smallest = max(h, w), max(BLAZEFACE_SIZE, 4 * min_size * s)
    found = [np.zeros((0, 4), np.float32)], [np.zeros(0, np.float32)]
    while True:
        for y in tile_starts(h, side):
            for x in tile_starts(w, side):
                b, p = blazeface_tile(a[y:y+side, x:x+side], threads)
                k = (p >= score) & (b[:, 2] > b[:, 0]) & (b[:, 3] > b[:, 1])
                found[0].append(b[k] + np.float32([x, y, x, y])); found[1].append(p[k])
        if side / 2 < smallest: break
        side = int(round(side / 2))
    boxes, _ = weighted_nms(np.concatenate(found[0]), np.concatenate(found[1]))
    return sorted((x0/s, y0/s, (x1-x0)/s, (y1-y0)/s) for x0, y0, x1, y1 in boxes
                  if min(x1 - x0, y1 - y0) >= min_size * s)

def designs(threads:int)->dict:
    "name -> a function of an image returning `detect_faces`-like crop boxes."
    before = lambda im: sorted(frame_box(b, FRAMING['blazeface']) for b in boxes_before(im, threads=threads))
    return {'tiles, one at a time (before)': before,
            'tiles, one batch per scale': lambda im: detect_faces(im, passes='tiles', threads=threads),
            'slide, one pass per scale': lambda im: detect_faces(im, passes='slide', threads=threads),
            'haar': lambda im: detect_faces(im, 'haar')}  # beside them: OpenCV's cascade, on OpenCV's threads

def graph_design(path:Path, threads:int):
    "The default design (`slide`) run on another BlazeFace graph file, such as the unpadded one of an earlier commit."
    shipped = det.BLAZEFACE_PATH; det.BLAZEFACE_PATH = path
    try: sess = det.blazeface_session.__wrapped__(threads)  # the package's session options, not its cache
    finally: det.BLAZEFACE_PATH = shipped
    def f(im):
        cached = det.blazeface_session; det.blazeface_session = lambda threads=None: sess
        try: return detect_faces(im, threads=threads)
        finally: det.blazeface_session = cached
    return f

def network_work(f, image)->dict:
    "onnxruntime calls and input pixels (in 128×128 inputs) of one call of `f`."
    calls, run = [], det.blazeface_run
    def counted(x, threads=None): calls.append(x.shape[0] * x.shape[1] * x.shape[2]); return run(x, threads)
    det.blazeface_run = counted
    try: f(image)
    finally: det.blazeface_run = run
    return dict(network_calls=len(calls), inputs_128=round(sum(calls) / BLAZEFACE_SIZE**2, 2))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--threads', type=int, nargs='+', default=[2, 1], help='CPU threads, each timed')
    p.add_argument('--reps', type=int, default=15, help='timed calls per design and photo (the median is kept)')
    p.add_argument('--out', type=Path, default=ROOT/'results'/'detect'/'bench_detect.json')
    p.add_argument('--graph', type=Path, help="also time the default design on this BlazeFace graph (row 'slide, graph "
                                              "NAME'), e.g. the file of an earlier commit from `git show`")
    a = p.parse_args()
    t0, res = time.perf_counter(), {}
    card = run_card(reps=a.reps, onnxruntime=__import__('onnxruntime').__version__,  # made now: `load` is the start's
                    opencv=cv2.__version__)
    for threads in a.threads:
        cv2.setNumThreads(threads); ds, res[threads] = designs(threads), {}
        if a.graph: ds[f'slide, graph {a.graph.name}'] = graph_design(a.graph, threads)
        for name, (im, n) in photos().items():
            times = {d: [] for d in ds}; found = {d: f(im) for d, f in ds.items()}   # the warm-up call
            for _ in range(a.reps):
                for d, f in ds.items(): t = time.perf_counter(); f(im); times[d].append(time.perf_counter() - t)
            ms = lambda d, f: round(float(f(times[d])) * 1000, 2)
            res[threads][name] = {d: dict(median_ms=ms(d, np.median), min_ms=ms(d, min), faces=len(found[d]),
                                          **network_work(ds[d], im)) for d in ds}
            res[threads][name]['faces'] = n
            for d in ds: print(f"{threads} threads  {name:22} {d:30} {res[threads][name][d]}", flush=True)
    card = finish_card(card, t0)
    save_json(dict(threads={str(t): r for t, r in res.items()}, run_card=card), a.out); print('wrote', a.out.name)
