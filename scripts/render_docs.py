#!/usr/bin/env python
"""Render the documentation without Quarto: execute every notebook as `nbdev_test` does (cells marked
`#| eval: false` are skipped), write one HTML page per notebook into `_docs/`, and write README.md from
`nbs/index.ipynb`. With Quarto installed, `nbdev_docs` builds the full website from the same notebooks.

    python scripts/render_docs.py              # every notebook
    python scripts/render_docs.py 00_data      # only the named ones

Exits non-zero if any cell raised, naming the notebook and cell. Figures of FER2013 faces appear in these
pages only: notebooks are committed without outputs (settings.ini: clear_all), so no face is stored in git.
"""
import argparse, sys, time
from pathlib import Path

import nbformat
from execnb.shell import CaptureShell
from fastcore.xtras import working_directory
from nbconvert import HTMLExporter, MarkdownExporter
from nbformat.v4.rwbase import rejoin_lines
from nbdev.frontmatter import FrontmatterProc
from nbdev.process import NBProcessor

ROOT = Path(__file__).resolve().parents[1]
NBS, DOCS = ROOT/'nbs', ROOT/'_docs'

def _skip(cell):
    "Cells that are not executed: markdown, the export cell, `#| eval: false`."
    if cell.cell_type != 'code': return True
    if 'nbdev_export' + '(' in cell.source: return True
    return (getattr(cell, 'directives_', {}) or {}).get('eval:', [''])[0].lower() == 'false'

def execute(fn:Path):
    "Run a notebook in its folder; returns the processed notebook with outputs."
    nb = NBProcessor(fn, procs=FrontmatterProc, process=True).nb
    shell = CaptureShell(fn)
    with working_directory(fn.parent): shell.run_all(nb, exc_stop=False, preproc=_skip)
    return nb

def to_nbformat(nb)->nbformat.NotebookNode:
    "Drop hidden cells and directive lines; put the title and summary back on top."
    cells = []
    fm = getattr(nb, 'frontmatter_', {}) or {}
    if fm.get('title'): cells.append(nbformat.v4.new_markdown_cell(f"# {fm['title']}\n\n> {fm.get('description', '')}"))
    for c in nb.cells:
        d = getattr(c, 'directives_', {}) or {}
        if c.cell_type == 'raw' or 'hide' in d or (c.cell_type == 'code' and 'nbdev_export' + '(' in c.source): continue
        src = '\n'.join(l for l in c.source.splitlines() if not l.startswith('#|')).strip()
        if c.cell_type == 'markdown':
            if src: cells.append(nbformat.v4.new_markdown_cell(src))
            continue
        cell = nbformat.v4.new_code_cell(src)
        cell.outputs = [nbformat.from_dict(o) for o in c.get('outputs', [])]
        if d.get('echo:', [''])[0].lower() == 'false': cell.metadata['jupyter'] = {'source_hidden': True}; cell.metadata['transient'] = {'remove_source': True}
        if src or cell.outputs: cells.append(cell)
    out = nbformat.v4.new_notebook(cells=cells, metadata={'kernelspec': {'name': 'python3', 'display_name': 'python3', 'language': 'python'}})
    return rejoin_lines(out)

def errors(nb:nbformat.NotebookNode)->list:
    "Source heads of cells whose outputs hold a traceback."
    return [c.source.splitlines()[0] if c.source else '<empty>' for c in nb.cells if c.cell_type == 'code'
            and any(o.get('output_type') == 'error' for o in c.outputs)]

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('names', nargs='*', help='notebook names (default: all in nbs/)')
    args = p.parse_args()
    fns = sorted(NBS.glob('*.ipynb')) if not args.names else [NBS/(n if n.endswith('.ipynb') else n + '.ipynb') for n in args.names]
    DOCS.mkdir(exist_ok=True); failed = []
    html = HTMLExporter(template_name='lab')
    for fn in fns:
        t = time.perf_counter()
        nb = to_nbformat(execute(fn))
        bad = errors(nb)
        (DOCS/f"{fn.stem}.html").write_text(html.from_notebook_node(nb)[0])
        if fn.stem == 'index':
            md, res = MarkdownExporter().from_notebook_node(nb)
            (ROOT/'README.md').write_text(md)
        print(f"{fn.name}: {len(nb.cells)} cells, {time.perf_counter()-t:.0f} s" + (f", ERRORS in: {bad}" if bad else ''), flush=True)
        if bad: failed.append(fn.name)
    if failed: sys.exit(f"cells raised in {', '.join(failed)}")
    print(f"pages in {DOCS}")

if __name__ == '__main__': main()
