#!/usr/bin/env python
r"""Measure test-time augmentation and ensembles on FER2013 PrivateTest (a benchmark, not a test).

`results/tta_ensemble/members.json` names every model and ensemble, in the order of the table: each name maps to its
members, run directories under `--runs`, each evaluated from its `best.pt` (one member: a single model; several: their
ensemble, mean probabilities). For each name and each view, `fer_evaluate` runs on PrivateTest into
`results/tta_ensemble/<name>/` (metrics_*.json with run cards, confusion matrices), which `06_ablations` and the
Results page render. A new row is a new line in members.json.

    python scripts/tta_ensemble.py                          # every model and ensemble of members.json
    python scripts/tta_ensemble.py cpu_seed1 cpu_2seeds     # only the named ones
    python scripts/tta_ensemble.py --runs /data/runs --views none flip --dry_run   # print the commands, run nothing

The run directories it reads, made by these commands (`[--seed 1] ... [_seed1]`: once without, once with seed 1):

    fer_train --preset cpu [--seed 1] --out runs/cpu[_seed1]
    fer_train --preset cpu --no_crop [--seed 1] --out runs/cpu_nocrop[_seed1]
    fer_train --preset cpu --no_crop --size 112 [--seed 1] --out runs/cpu112_nocrop[_seed1]
    fer_train --preset cpu --no_crop --size 112 [--seed 1] --out runs/ship112[_seed1]   # that recipe's seeds again
    fer_train --preset cpu_long [--seed 1] --out runs/cpu_long[_seed1]
    fer_train --preset cpu --no_crop --size 112 --teacher results/teachers/ship112.npz [--seed 1] \
        --out runs/distill112[_seed1]
    fer_train --preset distill160 [--seed 1] --out runs/distill160[_seed1]
    fer_train --preset cpu --no_crop --size 112 --teacher results/teachers/distill112_cpu_long.npz [--seed 1] \
        --out runs/distill112_pair[_seed1]
    fer_train --preset quad160 [--seed 1] --out runs/quad160[_seed1]
    fer_train --preset quad160 --size 192 --prog_size 160 --prog_epochs 9 [--seed 1] --out runs/prog192[_seed1]
    fer_ablate                                               # runs/ablations/base/seed0 and seed1, among others

Only the runs of the named rows are needed: the script lists the checkpoints it cannot find before it evaluates any.
"""
import argparse, json, os, shlex, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = 'results/tta_ensemble'  # relative to the repository root, where the commands run
MEMBERS = ROOT/OUT/'members.json'
VIEWS = ('none', 'flip', 'center', 'tencrop')  # fer_evaluate --view, each a column of the table


def read_members(path:Path=MEMBERS)->dict:
    "name -> its members' run directories (relative to the runs folder), in table order."
    members = json.loads(Path(path).read_text())
    bad = [n for n, m in members.items() if not (isinstance(m, list) and m and all(isinstance(d, str) for d in m))]
    if bad: raise SystemExit(f"{path}: each name needs a list of run directories, not so for {', '.join(bad)}")
    return members


def commands(members:dict, names:list, runs:str='runs', views=VIEWS)->list:
    "The `fer_evaluate` command lines (argument lists), name by name, view by view."
    return [['fer_evaluate', '--checkpoint', *(os.path.join(runs, d, 'best.pt') for d in members[n]),
             '--split', 'PrivateTest', '--view', v, '--out', f'{OUT}/{n}'] for n in names for v in views]


def checkpoints(cmd:list)->list: return cmd[cmd.index('--checkpoint') + 1:cmd.index('--split')]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('names', nargs='*', help='only these models and ensembles (default: every one, in table order)')
    p.add_argument('--runs', default='runs', help='folder of the run directories, relative to the repository root or '
                   'absolute (default: runs)')
    p.add_argument('--views', nargs='+', choices=VIEWS, default=list(VIEWS), metavar='VIEW',
                   help=f"test-time views, each a fer_evaluate --view (default: {' '.join(VIEWS)})")
    p.add_argument('--members', type=Path, default=MEMBERS, help=f'the table (default: {OUT}/members.json)')
    p.add_argument('--dry_run', action='store_true', help='print the fer_evaluate commands, run nothing')
    a = p.parse_args(argv)
    members = read_members(a.members)
    unknown = [n for n in a.names if n not in members]
    if unknown: p.error(f"unknown model {', '.join(unknown)}; choose from: {' '.join(members)}")
    cmds = commands(members, a.names or list(members), a.runs, a.views)
    missing = sorted({c for cmd in cmds for c in checkpoints(cmd) if not (ROOT/c).is_file()})
    if a.dry_run:
        print(f"# in {ROOT}:")
        print('\n'.join(shlex.join(cmd) for cmd in cmds))
        if missing: print(f"# not found ({len(missing)}): {' '.join(missing)}", file=sys.stderr)
        return 0
    if missing: sys.exit(f"checkpoints not found, nothing evaluated: {' '.join(missing)}")
    for i, cmd in enumerate(cmds, 1):
        print(f"[{i}/{len(cmds)}] {shlex.join(cmd)}", flush=True)
        try: rc = subprocess.run(cmd, cwd=ROOT).returncode
        except FileNotFoundError: sys.exit("fer_evaluate not found: install the package first (pip install -e .)")
        if rc: sys.exit(rc)
    return 0


if __name__ == '__main__': sys.exit(main())
