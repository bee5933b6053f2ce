#!/usr/bin/env python
"""Benchmark (not a test): how fast the shipped model classifies faces on this machine's CPU cores, with PyTorch eager
and with onnxruntime, one face per call and 64; its accuracy on FER2013's PrivateTest faces with both runtimes; the
whole path from pixels to expressions as a user calls it; and, in the same run on the same inputs, the same for the
`fer` PyPI package, run by scripts/bench_fer_pkg.py with the Python of a separate environment (`--fer-python`; fer
and TensorFlow are never dependencies of fer_nbdev). Writes results/bench/infer_cpu.json with a run card (which holds
the load average at the start and at the end) and the cores it could use (the machine may be shared).

fer's network is scored two ways on the same PrivateTest crops: fed as it was trained (each 48×48 crop resized
straight to 64×64; `fer_package.accuracy_as_trained`, the classifier comparison) and fed as `FER.detect_emotions`
feeds a face box (grey padding and a widened box; `fer_package.accuracy_detect_emotions`), each with accuracy and
macro F1. Its end-to-end pipeline on scikit-image's astronaut is timed under `fer_package.photo_latency`.

End to end (`end_to_end`, ours against fer, speed-up = fer's time / ours), on inputs made from scikit-image's
astronaut (never FER2013 faces), written to a temporary folder:
- `photo_1face`: bench_startup.py's 640×480 JPEG with one face; `photo_3faces`: a 1280×720 photo with the
  astronaut's head pasted three times at different sizes. `predict(photo)` against `FER().detect_emotions(bgr)` and
  `FER(mtcnn=True)`, median of 15 calls after a warm-up, with the faces each found.
- `video`: a 640×480 mp4v clip of 300 frames with two faces moving. `predict_video(clip, detect_every=5)` and
  `detect_every=1` against fer's `Video(clip).analyze(FER(), ...)` with nothing shown, drawn or saved, frames per
  second end to end (decode, detect or track, classify), median of 3 passes; and how often the tracked label equals
  frame-by-frame `predict(frame)`'s for the same face (the box it overlaps most).
- `folder`: 200 JPEGs (the one-face photo shifted by a few pixels): `predict_photos` against `cv2.imread` +
  `FER().detect_emotions`, photos per second, median of 3 passes.
Both tools get `--threads` threads: torch, onnxruntime (classifier and BlazeFace) and OpenCV for ours; TensorFlow's
intra-op pool, torch (MTCNN) and OpenCV for fer.

    OMP_NUM_THREADS=2 python scripts/bench_infer.py [--model PATH] [--data PATH] [--threads N] [--fer-python PATH]
                                                    [--skip-accuracy]

Speeds under `speed` are for the classifier alone, on faces already cropped and preprocessed (the evaluation view of
`view_tfms`; fer's own preprocessing for fer's model); accuracies go through `face_probs`, the library's one path from
faces to probabilities, with either runtime. `--skip-accuracy` leaves out the PrivateTest accuracies (several
minutes) and keeps those of the previous file when it measured the same model. The environment for fer, outside the
repository (any folder; pass its Python with --fer-python or $FER_PYTHON):

    python -m venv ../fer-bench-venv
    ../fer-bench-venv/bin/pip install fer tensorflow-cpu tf-keras "setuptools<81" facenet-pytorch
"""
import argparse, json, os, subprocess, sys, tempfile, time
from importlib.metadata import version
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image
from skimage import data as skdata

from fer_nbdev.data import CLASSES, load_fer2013, synthetic_fer
from torchvision import tv_tensors
from fer_nbdev.augment import view_tfms
from fer_nbdev.model import load_model, norm_stats, face_probs, export_onnx, OnnxNet, onnx_file, MODEL_DIR
from fer_nbdev.detect import box_iou
from fer_nbdev.infer import predict, predict_video, predict_photos
from fer_nbdev.detect import DETECTORS
from fer_nbdev.runcard import run_card, finish_card, load_average, save_json
from fer_nbdev.rundir import test_metrics

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'scripts'))
from bench_fer_pkg import faces_per_s  # one timer for both models (that script runs in fer's environment too)
from bench_startup import photo as one_face_jpeg  # the 640×480 one-face photo bench_startup.py times fer_predict on

FER_PYTHON = os.environ.get('FER_PYTHON')  # the Python of an environment with the `fer` package, if set
FER_DEFAULT, FER_MTCNN = 'fer default (Haar + TFLite)', 'fer mtcnn=True (MTCNN + TFLite)'  # bench_fer_pkg's names

def fer_package(python, faces, labels, threads:int, d:Path, photo=None, e2e:list=())->dict:
    "The `fer` package's model on `faces` (and end to end on `photo` and `e2e`'s inputs), run by bench_fer_pkg.py."
    np.save(d/'faces.npy', np.ascontiguousarray(faces, np.uint8))
    cmd = [str(python), str(ROOT/'scripts/bench_fer_pkg.py'), str(d/'faces.npy'), str(d/'fer.json'),
           '--threads', str(threads), '--interop-threads', str(torch.get_num_interop_threads()), *e2e]
    if photo is not None: np.save(d/'photo.npy', photo); cmd += ['--photo', str(d/'photo.npy')]
    load = load_average()
    r = subprocess.run(cmd, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3', PYTHONWARNINGS='ignore'),
                       stderr=subprocess.PIPE, text=True)
    if r.returncode: return dict(error=f"bench_fer_pkg.py exited {r.returncode}: {r.stderr.strip()[-2000:]}")
    out = dict(json.loads((d/'fer.json').read_text()), load_average_before=load)
    # fer's network fed as it was trained (the classifier comparison), and fed as FER.detect_emotions feeds a face box
    for k, key in (('pred_direct_resize', 'accuracy_as_trained'), ('pred', 'accuracy_detect_emotions')):
        pred = out.pop(k)
        if labels is None: continue
        probs = np.eye(len(CLASSES), dtype=np.float32)[[CLASSES.index(c) for c in pred]]  # fer's names, our order
        out[key] = test_metrics(probs, labels)
    if labels is not None:
        # the names older files used, read by 05_infer until it reads the two above
        out['accuracy'], out['accuracy_direct_resize'] = out['accuracy_detect_emotions'], out['accuracy_as_trained']
        for key, how in (('accuracy_as_trained', 'as trained (crop resized to 64×64)'),
                         ('accuracy_detect_emotions', 'through detect_emotions (padded, widened box)')):
            print(f"{'fer package':14s} PrivateTest accuracy {out[key]['accuracy']:.4f}, "
                  f"macro F1 {out[key]['macro_f1']:.4f}, {how}")
    return out

# ---------------------------------------------------------------- end to end: the inputs

def user_model(path, threads:int):
    "The model as `predict` loads it (onnxruntime where `model.onnx` ships beside it), its network on `threads`."
    m = load_model(path)
    if not isinstance(m.model, OnnxNet): return m
    onnx = onnx_file(m.info, Path(path).parent if path else MODEL_DIR)
    return m._replace(model=OnnxNet(onnx, m.model.pretrained_cfg, threads=threads))

def astronaut_head()->np.ndarray: return skdata.astronaut()[:260, 120:340]  # head and shoulders, 260×220 RGB

def paste(canvas:np.ndarray, img:np.ndarray, x:int, y:int, scale:float)->np.ndarray:
    "`img` resized by `scale` and pasted into `canvas` (in place) with its top left corner at (x, y)."
    im = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    canvas[y:y + im.shape[0], x:x + im.shape[1]] = im
    return canvas

def three_faces()->np.ndarray:
    "A 1280×720 RGB photo with three faces: the astronaut's head at three sizes on a plain grey canvas."
    canvas, head = np.full((720, 1280, 3), 190, np.uint8), astronaut_head()
    for x, y, s in ((60, 240, 0.7), (380, 160, 1.1), (820, 60, 1.6)): paste(canvas, head, x, y, s)
    return canvas

def make_clip(path:Path, n:int=300, fps:int=30)->Path:
    "A 640×480 mp4v clip of `n` frames, two faces moving: a head panned and growing, a smaller one below."
    head, w = astronaut_head(), cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), fps, (640, 480))
    for i in range(n):
        t, frame = i / (n - 1), np.full((480, 640, 3), 190, np.uint8)
        paste(frame, head, int(10 + 420*t), 10, 0.7 + 0.2*t)    # 154 -> 198 px wide, top half
        paste(frame, head, int(520 - 500*t), 340, 0.5)           # 110 px wide, right to left, bottom rows
        w.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    w.release()
    return path

def make_folder(d:Path, img:np.ndarray, n:int=200)->list:
    "`n` JPEGs of `img` in folder `d`, each shifted by up to 8 pixels each way."
    d.mkdir(); rng = np.random.default_rng(0)
    for i in range(n):
        Image.fromarray(np.roll(img, tuple(rng.integers(-8, 9, 2)), (0, 1))).save(d/f'{i:03d}.jpg', quality=95)
    return sorted(d.glob('*.jpg'))

# ---------------------------------------------------------------- end to end: ours

def photo_ms(img:np.ndarray, m, reps:int=15, **kw)->dict:
    "Median milliseconds of `predict(img)` after one warm-up call, with the faces it found."
    predict(img, m, **kw); t = []
    for _ in range(reps): t0 = time.perf_counter(); res = predict(img, m, **kw); t.append(time.perf_counter() - t0)
    return dict(faces=len(res), label=res[0]['label'] if res else None, labels=[f['label'] for f in res],
                median_ms=round(float(np.median(t))*1e3, 1), reps=reps)

def video_fps(path:Path, m, detect_every:int, runs:int=3)->tuple:
    "Frames per second of `predict_video` (decode, detect or track, classify), median of `runs`; and the last result."
    fps = []
    for _ in range(runs):
        res = predict_video(path, model=m, detect_every=detect_every, progress=False); fps.append(res['frames_per_s'])
    faces = [f for fr in res['frames'] for f in fr['faces']]
    return dict(detect_every=detect_every, frames=res['frames_total'], faces=len(faces),
                tracks=len({f['track'] for f in faces}), frames_per_s=float(np.median(fps)), runs=fps), res

def overlap(a, b)->float:
    "Intersection over union of two (x, y, w, h) boxes, by detect's `box_iou`."
    corners = lambda x, y, w, h: np.array([x, y, x + w, y + h], float)
    return float(box_iou(corners(*a[:4]), corners(*b[:4])[None])[0])

def label_agreement(path:Path, m, tracked:dict, min_iou:float=0.3)->dict:
    "How often the tracked labels (`predict_video`'s result) equal frame-by-frame `predict`'s for the same faces."
    cap, same, faces, unmatched, frames_same = cv2.VideoCapture(str(path)), 0, 0, 0, 0
    for fr in tracked['frames']:
        ref = predict(cap.read()[1], m, bgr=True); ok = len(ref) == len(fr['faces'])
        for r in ref:  # each face predict finds, against the tracked face whose box overlaps it most
            iou, label = max(((overlap(r['box'], f['box']), f['label']) for f in fr['faces']), default=(0., None))
            hit = iou >= min_iou and label == r['label']
            faces += 1; same += hit; unmatched += iou < min_iou; ok &= hit
        frames_same += ok
    cap.release()
    n = len(tracked['frames'])
    return dict(detect_every=tracked['detect_every'], frames=n, frames_same_labels=round(frames_same / n, 4),
                faces=faces, faces_same_label=round(same / max(faces, 1), 4), faces_unmatched=unmatched,
                min_iou=min_iou)

def folder_rate(files:list, m, runs:int=3)->dict:
    "Photos per second of `predict_photos` (the next batch decoded in a thread), median of `runs` passes."
    rates = []
    for _ in range(runs):
        t0 = time.perf_counter(); res, failed = predict_photos(files, model=m)
        rates.append(len(files) / (time.perf_counter() - t0))
    return dict(photos=len(files), failed=len(failed), faces=sum(len(f) for _, f in res),
                photos_per_s=round(float(np.median(rates)), 1), runs=[round(r, 1) for r in rates])

def speedup(ours:dict, theirs:dict|None)->float|None:
    "How many times faster ours ran: their milliseconds over ours, or our rate over theirs."
    if not theirs or 'error' in theirs: return None
    if 'median_ms' in ours: return round(theirs['median_ms'] / ours['median_ms'], 2)
    k = 'frames_per_s' if 'frames_per_s' in ours else 'photos_per_s'
    return round(ours[k] / theirs[k], 2)

def ours_end_to_end(m, d:Path)->tuple:
    "Our whole path on the photos, clip and folder (made in `d`); and the fer flags that time fer on the same files."
    load, t0 = load_average(), time.perf_counter()
    photos = dict(photo_1face=np.asarray(Image.open(one_face_jpeg(d/'photo.jpg')).convert('RGB')),
                  photo_3faces=three_faces())
    clip, files = make_clip(d/'clip.mp4'), make_folder(d/'photos', photos['photo_1face'])
    out = {}
    for name, img in photos.items():
        np.save(d/f'{name}.npy', img)
        out[name] = dict(fer_nbdev=photo_ms(img, m))
        print(f"predict on {name}: {out[name]['fer_nbdev']['median_ms']} ms, {out[name]['fer_nbdev']['faces']} face(s)")
    v5, tracked = video_fps(clip, m, 5)
    out['video'] = dict(fer_nbdev=v5, fer_nbdev_detect_every_1=video_fps(clip, m, 1)[0],
                        label_agreement=label_agreement(clip, m, tracked))
    print(f"predict_video: {v5['frames_per_s']} frames/s (detect_every=5), "
          f"{out['video']['fer_nbdev_detect_every_1']['frames_per_s']} (detect_every=1); tracked labels as "
          f"frame-by-frame predict on {out['video']['label_agreement']['frames_same_labels']:.1%} of frames")
    out['folder'] = dict(fer_nbdev=folder_rate(files, m))
    print(f"predict_photos: {out['folder']['fer_nbdev']['photos_per_s']} photos/s over {len(files)} photos")
    out['inputs'] = dict(
        photo_1face="640×480 JPEG (quality 95), one face: scikit-image's astronaut padded (bench_startup.photo)",
        photo_3faces="1280×720 RGB, three faces: the astronaut's head (260×220) at 0.7, 1.1 and 1.6× on grey",
        video=f"640×480 mp4v clip, {v5['frames']} frames at 30 fps, two faces moving: the head panned left to right "
              "growing 0.7→0.9×, and at 0.5× drifting right to left below it",
        folder=f"folder of {len(files)} JPEGs (quality 95): photo_1face shifted by up to 8 px each way")
    out |= dict(runtime=type(m.model).__name__, load_average_before=load, wall_s=round(time.perf_counter() - t0, 1))
    flags = ['--photos', *(f"{k}={d/k}.npy" for k in photos), '--video', str(clip), '--folder', str(d/'photos')]
    return out, flags

def with_fer(ours:dict, fer:dict)->dict:
    "Our end-to-end figures beside fer's (from bench_fer_pkg.py's `end_to_end`), with the speed-ups."
    for name in ('photo_1face', 'photo_3faces'):
        f = fer.get(name, {}); r = ours[name]
        r |= dict(fer=f.get(FER_DEFAULT), fer_mtcnn=f.get(FER_MTCNN))
        r |= dict(speedup=speedup(r['fer_nbdev'], r['fer']), speedup_vs_mtcnn=speedup(r['fer_nbdev'], r['fer_mtcnn']))
    for name in ('video', 'folder'):
        r = ours[name]; r['fer'] = fer.get(name); r['speedup'] = speedup(r['fer_nbdev'], r['fer'])
    ours['fer_missing'] = None if fer else 'fer was not measured (see fer_package)'
    return ours

def previous_accuracy(out:str, sha:str)->dict:
    "The accuracies of the file at `out`, if it measured the model with sha256 `sha` (for --skip-accuracy)."
    try: prev = json.loads(Path(out).read_text())
    except (OSError, ValueError): return {}
    res = prev['results']
    if res.get('model', {}).get('sha256') != sha: return {}
    fp = {k: v for k, v in (res.get('fer_package') or {}).items() if k.startswith('accuracy')}
    return dict(accuracy=res.get('accuracy', {}), fer=fp, privatetest_faces=res.get('privatetest_faces', 0),
                from_run=f"{prev['run_card']['date']} (commit {prev['run_card']['commit'][:10]})")

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default=None, help='model file (default: the shipped fer_nbdev/models/model.pt)')
    p.add_argument('--data', default=None, help='FER2013 .zip, folder or csv (default: find_fer2013())')
    p.add_argument('--threads', type=int, default=len(os.sched_getaffinity(0)),
                   help='CPU threads for both tools (default: all cores)')
    p.add_argument('--fer-python', default=FER_PYTHON,
                   help="Python of an environment with the `fer` package (default: $FER_PYTHON; without either, fer "
                        "is skipped)")
    p.add_argument('--skip-accuracy', action='store_true',
                   help="time only: keep the previous file's PrivateTest accuracies if it measured the same model")
    p.add_argument('--out', default=str(ROOT/'results/bench/infer_cpu.json'))
    args = p.parse_args()
    t_start = time.perf_counter()
    torch.set_num_threads(args.threads); cv2.setNumThreads(args.threads)
    cc = run_card(device='cpu', onnxruntime=version('onnxruntime'), onnx=version('onnx'),  # its load: the start's
                  opencv=version('opencv-python-headless'))
    os.environ['OMP_NUM_THREADS'] = str(args.threads)  # BlazeFace's onnxruntime threads (detector_threads), fer's too
    m = load_model(args.model, runtime='torch')
    user = user_model(args.model, args.threads)  # what predict runs by default
    try: fer = load_fer2013(args.data, progress=False)
    except FileNotFoundError as e: fer = None; print(f"{e}\nAccuracy skipped; speed measured on generated faces.")
    faces = fer.faces[fer.split == 'PrivateTest'] if fer is not None else synthetic_fer(16).faces
    labels = fer.labels[fer.split == 'PrivateTest'] if fer is not None and not args.skip_accuracy else None
    if args.skip_accuracy: faces = faces[:256]  # enough to time the classifiers
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
                print(f"{name:14s} batch {bs:3d}: {r['faces_per_s']:8.1f} faces/s ({r['ms_per_batch']} ms per batch)",
                      flush=True)
        accuracy = {}
        if labels is not None:
            probs = {name: face_probs(net, faces, m.aug) for name, net in nets.items()}
            for name, pr in probs.items():
                accuracy[name] = test_metrics(pr, labels)
                print(f"{name:14s} PrivateTest accuracy {accuracy[name]['accuracy']:.4f}, "
                      f"macro F1 {accuracy[name]['macro_f1']:.4f}")
            if m.view != 'none':  # the view predict() uses by default (chosen on PublicTest, model.json)
                accuracy['default_view'] = dict(view=m.view, **test_metrics(face_probs(m.model, faces, m.aug, m.view),
                                                                            labels))
                print(f"default view {m.view!r}: PrivateTest accuracy {accuracy['default_view']['accuracy']:.4f}")
            pt, po = probs['pytorch eager'], probs['onnxruntime']
            accuracy['runtimes_agree'] = dict(max_abs_prob_diff=float(np.abs(pt - po).max()),
                                              same_argmax=float((pt.argmax(1) == po.argmax(1)).mean()))
            ran = m.info.get('metrics', {}).get('PrivateTest')
            if ran:
                accuracy['training_run_fp32'] = ran
                print(f"training run (fp32 weights) PrivateTest accuracy {ran['accuracy']:.4f}")
        e2e, flags = ours_end_to_end(user, Path(d))
        if args.fer_python:
            fer_pkg = fer_package(args.fer_python, faces, labels, args.threads, Path(d), skdata.astronaut(), flags)
        else: fer_pkg = dict(skipped="no --fer-python and no $FER_PYTHON: the fer package was not measured")
        if 'speed' not in fer_pkg: print(f"fer package not measured: {fer_pkg.get('error') or fer_pkg['skipped']}")
    e2e = with_fer(e2e, fer_pkg.pop('end_to_end', {}))
    for name, r in e2e.items():
        if isinstance(r, dict) and 'speedup' in r: print(f"end to end, {name}: {r['speedup']}× fer's speed")
    photo, latency = skdata.astronaut(), {}
    for det in DETECTORS:  # end to end on a photo: detection, cropping and classification
        latency[det] = dict(image='skimage astronaut 512x512', **photo_ms(photo, user, 10, detector=det))
        print(f"predict(detector={det!r}) on a 512×512 photo: {latency[det]['median_ms']} ms (median of 10)")
    n_faces = int(len(faces)) if labels is not None else 0
    if args.skip_accuracy and (prev := previous_accuracy(args.out, m.info.get('sha256'))):
        accuracy = dict(prev['accuracy'], carried_from=prev['from_run']); fer_pkg |= prev['fer']
        n_faces = prev['privatetest_faces']
    card = {k: m.info.get(k) for k in ('file', 'sha256', 'bytes', 'dtype', 'source')}
    res = dict(model=card, arch=m.model.__class__.__name__, input_size=m.aug.size, threads=args.threads,
               privatetest_faces=n_faces, speed=speed, accuracy=accuracy, photo_latency=latency, end_to_end=e2e,
               fer_package=fer_pkg,
               cores=len(os.sched_getaffinity(0)))  # a load average above `cores` means other jobs slowed every speed
    cc = finish_card(cc, t_start, data_sha256=fer.digest if fer is not None else '')
    save_json(dict(results=res, run_card=cc), args.out)
    print(f"wrote {os.path.relpath(args.out)}")

if __name__ == '__main__': main()
