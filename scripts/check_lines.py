#!/usr/bin/env python
"""Package lines of at most 120 characters and one statement per line (ruff E501, E702, E703), the lines of `__all__`
that nbdev generates aside. Exit status 1, with each offending line, when any is found."""
import json, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
cmd = ['ruff', 'check', '--select', 'E501,E702,E703', '--line-length', '120', '--output-format', 'json',
       '--exclude', 'fer_nbdev/_modidx.py', 'fer_nbdev']
found = json.loads(subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True).stdout or '[]')


def generated(d:dict)->bool:
    "nbdev writes `__all__` itself, wrapped at its own width."
    line = Path(d['filename']).read_text().splitlines()[d['location']['row'] - 1]
    return line.startswith('__all__ = ')


bad = [d for d in found if not generated(d)]
for d in bad: print(f"{Path(d['filename']).relative_to(ROOT)}:{d['location']['row']}: {d['code']} {d['message']}")
if bad: print(f"{len(bad)} lines to fix in the notebooks (then nbdev_export)")
sys.exit(1 if bad else 0)
