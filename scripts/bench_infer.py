#!/usr/bin/env python
"""Benchmark (not a test): how fast the shipped model classifies faces on this machine's CPU cores, with PyTorch eager and
with onnxruntime, one face per call and 64; its accuracy on FER2013's PrivateTest faces with both runtimes; and the time
`predict` takes for one photo (detection, cropping and classification). Writes results/bench/infer_cpu.json with a run card.

    python scripts/bench_infer.py [--model PATH] [--data PATH] [--threads N]

Speeds are for the classifier alone, on faces already cropped and preprocessed (`face_inputs`).
"""
import argparse, os, tempfile, time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import torch
from skimage import data as skdata

from fer_nbdev.data import load_fer2013, synthetic_fer
from fer_nbdev.infer import load_model, face_inputs, export_onnx, onnx_session, onnx_probs, predict
from fer_nbdev.runcard import run_card, save_json
from fer_nbdev.train import test_metrics

ROOT = Path(__file__).resolve().parents[1]

def faces_per_s(run, x, min_s:float=3., min_reps:int=5)->dict:
    "Time `run(x)` repeatedly (after two warm-up calls) for at least `min_s` seconds."
    for _ in range(2): run(x)
    reps, t0 = 0, time.perf_counter()
    while reps < min_reps or time.perf_counter() - t0 < min_s: run(x); reps += 1
    dt = (time.perf_counter() - t0) / reps
    return dict(batch=len(x), ms_per_batch=round(dt*1e3, 2), faces_per_s=round(len(x)/dt, 1), reps=reps)

def batched(f, x, bs=256)->np.ndarray: return np.concatenate([f(x[i:i+bs]) for i in range(0, len(x), bs)])

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default=None, help='model file (default: the shipped fer_nbdev/models/model.pt)')
    p.add_argument('--data', default=None, help='FER2013 .zip, folder or csv (default: find_fer2013())')
    p.add_argument('--threads', type=int, default=len(os.sched_getaffinity(0)), help='CPU threads for both runtimes (default: all cores)')
    p.add_argument('--out', default=str(ROOT/'results/bench/infer_cpu.json'))
    args = p.parse_args()
    t_start = time.perf_counter()
    torch.set_num_threads(args.threads)
    m = load_model(args.model)
    try: fer = load_fer2013(args.data, progress=False)
    except FileNotFoundError as e: fer = None; print(f"{e}\nAccuracy skipped; speed measured on generated faces.")
    faces = fer.faces[fer.split == 'PrivateTest'] if fer is not None else synthetic_fer(16).faces
    x = face_inputs(faces, m.aug)
    with tempfile.TemporaryDirectory() as d:
        sess = onnx_session(export_onnx(m, Path(d)/'fer.onnx'), threads=args.threads)
        @torch.inference_mode()
        def torch_run(xb): return m.model(xb.contiguous(memory_format=torch.channels_last)).float().softmax(1).numpy()
        xn = x.numpy()
        runtimes = {'pytorch eager': (torch_run, x), 'onnxruntime': (lambda xb: onnx_probs(sess, xb), xn)}
        speed = []
        for name, (run, xs) in runtimes.items():
            for bs in (1, 64):
                r = dict(runtime=name, **faces_per_s(run, xs[:bs])); speed.append(r)
                print(f"{name:14s} batch {bs:3d}: {r['faces_per_s']:8.1f} faces/s ({r['ms_per_batch']} ms per batch)", flush=True)
        accuracy = {}
        if fer is not None:
            labels = fer.labels[fer.split == 'PrivateTest']
            probs = {name: batched(run, xs) for name, (run, xs) in runtimes.items()}
            for name, pr in probs.items():
                accuracy[name] = test_metrics(pr, labels)
                print(f"{name:14s} PrivateTest accuracy {accuracy[name]['accuracy']:.4f}, macro F1 {accuracy[name]['macro_f1']:.4f}")
            pt, po = probs['pytorch eager'], probs['onnxruntime']
            accuracy['runtimes_agree'] = dict(max_abs_prob_diff=float(np.abs(pt - po).max()), same_argmax=float((pt.argmax(1) == po.argmax(1)).mean()))
            ran = m.info.get('metrics', {}).get('PrivateTest')
            if ran: accuracy['training_run_fp32'] = ran; print(f"training run (fp32 weights) PrivateTest accuracy {ran['accuracy']:.4f}")
    photo = skdata.astronaut(); predict(photo, m)
    t = []
    for _ in range(10): t0 = time.perf_counter(); res = predict(photo, m); t.append(time.perf_counter() - t0)
    latency = dict(image='skimage astronaut 512x512', faces=len(res), label=res[0]['label'] if res else None,
                   median_ms=round(float(np.median(t))*1e3, 1))
    print(f"predict() on a 512×512 photo: {latency['median_ms']} ms (median of 10)")
    card = {k: m.info.get(k) for k in ('file', 'sha256', 'bytes', 'dtype', 'source')}
    res = dict(model=card, arch=m.model.__class__.__name__, input_size=m.aug.size, threads=args.threads,
               privatetest_faces=int(len(faces)) if fer is not None else 0, speed=speed, accuracy=accuracy, photo_latency=latency,
               load_average=os.getloadavg())
    save_json(dict(results=res, run_card=run_card(device='cpu', data_digest=fer.digest if fer is not None else '', wall_s=time.perf_counter() - t_start,
                                                  onnxruntime=version('onnxruntime'), onnx=version('onnx'), opencv=version('opencv-python-headless'))), args.out)
    print(f"wrote {args.out}")

if __name__ == '__main__': main()
