#!/usr/bin/env python
"""Build the documentation website into `_docs/` without Quarto, and write README.md from `nbs/index.ipynb`.

    python scripts/render_docs.py                 # the whole site (every notebook of nbs/sidebar.yml)
    python scripts/render_docs.py --readme        # only README.md (executes nbs/index.ipynb)
    python scripts/render_docs.py -j 2 --force    # two notebooks at a time, ignoring executed notebooks kept in .cache/
    python scripts/render_docs.py --generated     # only the files generated from results/ (scripts/results_md.py)
    python scripts/render_docs.py --check-generated  # fail if a committed generated file differs from a fresh render

A build that writes README.md first writes the files generated from `results/` (`results_md.GENERATED`: the shipped
model's card `fer_nbdev/models/MODEL_CARD.md`, `results/README.md`, `results/bench/README.md`), which pages show.

Each notebook goes through nbdev's own processors (`nbdev.processors.FilterDefaults`: front matter, `#| hide`,
`#| echo: false`, a `show_doc` cell after every exported function and class, links to documented symbols), and is
executed as `nbdev_test` executes it (notebook folder as working directory, `#| eval: false` and the `tst_flags`
cells skipped). The processed, executed notebooks become Markdown pages (figures and tables included, no input
prompts; exported source folded under its `show_doc`) that MkDocs with the Material theme turns into the site:
navigation in the order of `nbs/sidebar.yml`, a table of contents per page, search. Pages are named as nbdev names
them (`00_data.ipynb` -> `data.html`), so links to documented symbols resolve as on a Quarto-built site.
`nbdev_docs` still builds the Quarto site from the same notebooks where Quarto is installed.

Exits non-zero if a cell raised (the page shows a short failure note, never a traceback) or MkDocs failed.
Figures of FER2013 faces appear only in the built pages: `_docs/` and `.cache/` are not committed.
`python scripts/check_site.py` opens every page in headless Chromium and checks it.
"""
import argparse, base64, hashlib, html, json, os, re, shutil, subprocess, sys, time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
NBS, DOCS, CACHE = ROOT/'nbs', ROOT/'_docs', ROOT/'.cache'/'site'
EXPORT_SUMMARY = 'Exported source'
PROC_VERSION = '2'  # bump when processing or execution changes, so notebooks kept in .cache/ are executed again

# ---------------------------------------------------------------- the notebooks, in the sidebar's order

def _flatten(items, section=None):
    "Entries of a Quarto sidebar `contents` list as (section, notebook path relative to nbs/)."
    for it in items or []:
        if isinstance(it, str): yield section, it
        elif isinstance(it, dict) and 'contents' in it: yield from _flatten(it['contents'], it.get('section', it.get('text')))
        elif isinstance(it, dict) and 'href' in it: yield section, it['href']

def sidebar_notebooks(nbs:Path=NBS)->list:
    "(section, path) of every notebook in `nbs/sidebar.yml`, in its order; every notebook of `nbs/` if it has none."
    sb = nbs/'sidebar.yml'
    if sb.exists():
        cfg = yaml.safe_load(sb.read_text()) or {}
        items = (cfg.get('website', {}).get('sidebar', {}) or {}).get('contents', [])
        res = [(s, nbs/p) for s, p in _flatten(items) if p.endswith('.ipynb')]
        if res: return res
    return [(None, p) for p in sorted(nbs.glob('*.ipynb')) if not p.name.startswith('_')]

def page_name(fn:Path, nbs:Path=NBS)->str:
    "The page nbdev gives a notebook (`00_data.ipynb` -> `data.html`), as a Markdown source name."
    from nbdev.doclinks import _nbpath2html
    return _nbpath2html(fn.relative_to(nbs)).with_suffix('.md').as_posix()

# ---------------------------------------------------------------- show_doc as nbdev shows it, with a parameter table

def _params_table(sym)->str:
    "fastcore's docments table of `sym` (`DocmentTbl`), with `|` in types and defaults escaped for Markdown."
    from fastcore.docments import DocmentTbl, _maybe_nm, _bold
    try: t = DocmentTbl(sym)
    except Exception: return ''
    if not t.has_docment: return ''
    rows = [t._hdr_list, ['---']*len(t._hdr_list)] + list(t._row_list)
    if t.has_return: rows.append(['**Returns**'] + [_bold(_maybe_nm(t.dm['return'][c])) for c in t._columns])
    cell = lambda o: str(_maybe_nm(o)).replace('__main__.', '').replace('|', '\\|').replace('\n', ' ')
    return '\n'.join('| ' + ' | '.join(cell(o) for o in r) + ' |' for r in rows)

def _exported(sym):
    "The package's own object for `sym` defined in the notebook's `__main__`: its source, hence its docments, can be read."
    if getattr(sym, '__module__', None) != '__main__': return sym
    import importlib
    from nbdev.config import get_config
    try: syms = importlib.import_module(f"{get_config().lib_name}._modidx").d['syms']
    except Exception: return sym
    name = getattr(sym, '__qualname__', getattr(sym, '__name__', ''))
    for mod, d in syms.items():
        if f"{mod}.{name}" in d:
            try: obj = importlib.import_module(mod)
            except Exception: return sym
            for part in name.split('.'): obj = getattr(obj, part, None)
            return obj or sym
    return sym

@contextmanager
def _lenient_annotations():
    "Signatures whose annotations name a package the module imports lazily (`torch.device`) are shown as written."
    import fastcore.docments as D
    strict = D.signature
    def signature(f, *args, eval_str=False, **kwargs):
        try: return strict(f, *args, eval_str=eval_str, **kwargs)
        except NameError: return strict(f, *args, eval_str=False, **kwargs)
    D.signature = signature
    try: yield
    finally: D.signature = strict

def _site_renderer():
    from fastcore.docments import _show_param
    from nbdev.showdoc import BasicMarkdownRenderer
    import inspect

    class SiteRenderer(BasicMarkdownRenderer):
        "show_doc: heading, signature, docstring, the docments table of documented parameters (no source link)."
        def __init__(self, sym, *args, **kwargs):
            with _lenient_annotations(): super().__init__(_exported(sym), *args, **kwargs)
        def _repr_markdown_(self):
            anchor = self.nm.lower()
            kind = 'class' if inspect.isclass(self.sym) else 'def'
            sig = ''
            if self.sig is not None:
                ps = [_show_param(p) for p in self.sig.parameters.values()]
                ret = self.sig.return_annotation
                ret = '' if ret is inspect._empty or kind == 'class' else ' -> ' + inspect.formatannotation(ret).strip("'")
                ps, ret = [p.replace('__main__.', '') for p in ps], ret.replace('__main__.', '')
                one = f"{kind} {self.nm}({', '.join(ps)}){ret}"
                sig = one if len(one) <= 88 or not ps else f"{kind} {self.nm}(\n" + ''.join(f"    {p},\n" for p in ps) + f"){ret}"
            h = '#'*self.title_level
            doc = f'{h} {self.nm.replace("_", chr(92)+"_")} {{ id="{anchor}" .doc-heading }}\n\n'
            if sig: doc += f'```python\n{sig}\n```\n\n'
            if self.docs: doc += f'<p class="doc-summary" markdown="1">{self.docs.strip()}</p>\n\n'
            tbl = _params_table(self.sym)
            if tbl: doc += tbl + '\n'
            return f'<div class="doc-entry" markdown="1">\n\n{doc}\n</div>\n'
    return SiteRenderer

# ---------------------------------------------------------------- processing and execution

def _proc_lists():
    """nbdev's processors for docs, split after `add_show_docs`: the notebook is executed there, every cell instead of
    only what `exec_show_docs` runs; `rm_export` becomes `fold_export`."""
    from nbdev import processors as P
    procs = list(P.FilterDefaults().procs())
    names = [getattr(p, '__name__', '') for p in procs]
    i = names.index('add_show_docs') + 1
    drop = ('insert_warning', 'exec_show_docs')
    before = [p for p in procs[:i] if getattr(p, '__name__', '') not in drop]
    after = [fold_export if p is P.rm_export else p for p in procs[i:] if getattr(p, '__name__', '') not in drop]
    return before, after

def _directives(src:str):
    "Quarto/nbdev `#|` lines at the top of a cell (as processors add them) as a dict, and the source without them."
    d, lines = {}, src.splitlines()
    while lines and re.match(r'^\s*#\|', lines[0]):
        k, _, v = lines.pop(0).strip()[2:].strip().partition(':')
        d[k.strip()] = v.strip().strip('"\'')
    return d, '\n'.join(lines)

def fold_export(cell):
    "Like nbdev's `rm_export`, except that `#| export` cells stay, folded as 'Exported source' under their show_doc."
    d = cell.directives_ or {}
    if d.keys() & {'exporti', 'hide', 'default_exp'}: del cell['source']; return
    if 'export' in d and cell.cell_type == 'code':
        cell.source = f'#| code-fold: true\n#| code-summary: "{EXPORT_SUMMARY}"\n{cell.source}'

def _order_show_docs(nb):
    "`add_show_docs` inserts a cell's show_docs in reverse; put them in source order, after the export they document."
    cells, i = nb.cells, 0
    while i < len(cells):
        j = i
        while j < len(cells) and getattr(cells[j], 'has_sd', False): j += 1
        if j > i + 1: cells[i:j] = cells[i:j][::-1]
        i = max(j, i+1)
    for k, c in enumerate(cells): c.idx_ = k

def _move_exports(nb):
    "Put every export cell after the show_doc cells that follow it, so the documentation comes first."
    cells, i = nb.cells, 0
    while i < len(cells):
        c = cells[i]
        if c.cell_type == 'code' and 'export' in (c.directives_ or {}):
            j = i + 1
            while j < len(cells) and getattr(cells[j], 'has_sd', False): j += 1
            if j > i + 1: cells[i:j] = cells[i+1:j] + [c]; i = j; continue
        i += 1
    for k, c in enumerate(cells): c.idx_ = k

def _skip_flags():
    from nbdev.config import get_config
    return set(get_config().get('tst_flags', '').split())

def execute(fn:Path)->dict:
    "Process `fn` with nbdev's processors and execute it as nbdev_test does; a JSON-able notebook for `to_markdown`."
    from execnb.shell import CaptureShell
    from fastcore.xtras import working_directory
    from nbdev.process import NBProcessor, _mk_procs
    import nbdev.showdoc
    nbdev.showdoc.BasicMarkdownRenderer = _site_renderer()  # what show_doc renders with by default
    os.environ['IN_TEST'] = '1'
    before, after = _proc_lists()
    p = NBProcessor(fn, procs=before, process=True)
    nb, flags = p.nb, _skip_flags()
    _order_show_docs(nb)
    fm = getattr(nb, 'frontmatter_', {}) or {}

    def _skip(cell):
        if cell.cell_type != 'code' or 'nbdev_export' + '(' in cell.source: return True
        d = getattr(cell, 'directives_', {}) or {}
        if d.get('eval:', [''])[0].lower() == 'false': return True
        return bool(flags & d.keys())
    t = time.perf_counter()
    if not str(fm.get('skip_exec', '')).lower() in ('true', '1', 'yes'):
        k = CaptureShell(fn)
        k.run_cell('from nbdev.showdoc import show_doc')
        with working_directory(fn.parent): k.run_all(nb, exc_stop=False, preproc=_skip)
    secs = time.perf_counter() - t
    _move_exports(nb)
    p.procs = _mk_procs(after, nb=nb); p.process()
    cells = []
    for c in nb.cells:
        d = {k: (v[0] if v else True) for k, v in (c.directives_ or {}).items()}
        d = {k.rstrip(':'): v for k, v in d.items()}
        extra, src = _directives(c.source) if c.cell_type == 'code' else ({}, c.source)
        d.update(extra)
        outs = []
        for o in c.get('outputs', []):
            o = dict(o)
            if 'data' in o: o['data'] = {k: (''.join(v) if isinstance(v, list) else v) for k, v in o['data'].items()}
            if isinstance(o.get('text'), list): o['text'] = ''.join(o['text'])
            outs.append(o)
        cells.append(dict(cell_type=c.cell_type, source=src, directives={k: str(v) for k, v in d.items()},
                          outputs=outs, show_doc=bool(getattr(c, 'has_sd', False))))
    return dict(frontmatter={k: str(v) for k, v in fm.items()}, cells=cells, exec_s=round(secs, 1))

def errors(nb:dict)->list:
    "'cell N: ExcName: message' for every cell whose output holds an exception."
    return [f"cell {i}: {o.get('ename')}: {o.get('evalue')}" for i, c in enumerate(nb['cells'])
            for o in c.get('outputs', []) if o.get('output_type') == 'error']

def _cache_key(fn:Path)->str:
    "Executed notebooks are kept while the notebook, the package, the committed results and this step are unchanged."
    h = hashlib.sha256((PROC_VERSION + fn.name).encode())
    h.update(fn.read_bytes())
    for p in sorted((ROOT/'fer_nbdev').rglob('*.py')): h.update(p.read_bytes())
    for p in sorted((ROOT/'results').rglob('*')):
        if p.is_file(): h.update(f"{p.relative_to(ROOT)}:{p.stat().st_size}:{p.stat().st_mtime_ns}".encode())
    for f in ('settings.ini', 'scripts/results_md.py'): h.update((ROOT/f).read_bytes())
    for f in ('model.json', 'MODEL_CARD.md'):  # the shipped model's description and card, which pages show
        if (ROOT/'fer_nbdev'/'models'/f).exists(): h.update((ROOT/'fer_nbdev'/'models'/f).read_bytes())
    return h.hexdigest()[:16]

def execute_cached(fn:Path, force:bool=False):
    "`execute`, or the copy kept in .cache/site/nb from an identical earlier build; (notebook, seconds, was cached)."
    out = CACHE/'nb'/f"{fn.stem}.{_cache_key(fn)}.json"
    if out.exists() and not force: return json.loads(out.read_text()), 0.0, True
    t = time.perf_counter()
    nb = execute(fn)
    out.parent.mkdir(parents=True, exist_ok=True)
    for old in out.parent.glob(f"{fn.stem}.*.json"): old.unlink()
    if not errors(nb): out.write_text(json.dumps(nb))
    return nb, time.perf_counter() - t, False

# ---------------------------------------------------------------- Markdown pages

_re_fence = re.compile(r'^\s*(```|~~~)')
_re_block = re.compile(r'^\s*([-*+]\s|\d+[.)]\s|\|)')

def _blank_before_blocks(md:str)->str:
    "Python-Markdown needs a blank line before a list or a table that follows a paragraph (Jupyter does not)."
    out, fence, prev = [], False, ''
    for l in md.splitlines():
        if _re_fence.match(l): fence = not fence
        elif not fence and _re_block.match(l) and prev.strip() and not _re_block.match(prev) and not prev.startswith((' ', '\t')):
            out.append('')
        out.append(l); prev = l if not fence else ''
    return '\n'.join(out)

def _math(md:str)->str:
    "`$$...$$` and `$...$` as MathML, which browsers render without a script or a network."
    from latex2mathml.converter import convert
    md = re.sub(r'\$\$(.+?)\$\$', lambda m: '\n' + convert(m.group(1).strip(), display='block') + '\n', md, flags=re.S)
    return re.sub(r'(?<![\\$\w])\$(?=\S)([^$\n]+?)(?<=\S)\$(?![\d$])', lambda m: convert(m.group(1)), md)

class Links:
    "Rewrites links for the site: nbdev's absolute doc links and `.ipynb` links to pages, repository files to git."
    def __init__(self, pages:dict, built:set|None=None):
        from nbdev.config import get_config
        cfg = get_config()
        self.pages = pages  # notebook name -> page md name
        self.built = set(pages.values()) if built is None else built  # a partial build links other pages on the web site
        self.base = (cfg.get('doc_host', '') + cfg.get('doc_baseurl', '')).rstrip('/') + '/'
        self.git = f"{cfg.get('git_url', '').rstrip('/')}/blob/{cfg.get('branch', 'main')}/"
        self.mds = set(pages.values())

    def _one(self, url:str)->str:
        if self.base != '/' and url.startswith(self.base): url = url[len(self.base):]
        if re.match(r'^[a-z]+:|^#|^/', url): return url
        path, _, frag = url.partition('#')
        frag = '#' + frag if frag else ''
        name = Path(path).name
        if name in self.pages: md = self.pages[name]
        elif name.endswith('.html') and Path(path).with_suffix('.md').as_posix() in self.mds: md = Path(path).with_suffix('.md').as_posix()
        else: md = None
        if md: return (md if md in self.built else self.base + Path(md).with_suffix('.html').as_posix()) + frag
        for base in (NBS, ROOT):  # a file of the repository, linked from a notebook or the README
            f = (base/path).resolve()
            if path and f.exists() and ROOT in f.parents: return self.git + f.relative_to(ROOT).as_posix() + frag
        return url

    def __call__(self, md:str)->str:
        # a notebook named in code (`00_data`) links to its page
        md = re.sub(r'(?<![\[`])`(\w+?)(?:\.ipynb)?`(?![\]`])', lambda m: f"[`{m.group(1)}`]({self._one(m.group(1) + '.ipynb')})"
                    if m.group(1) + '.ipynb' in self.pages else m.group(0), md)
        md = re.sub(r'(\]\()([^)\s]+)(\))', lambda m: m.group(1) + self._one(m.group(2)) + m.group(3), md)
        return re.sub(r'(href=")([^"]+)(")', lambda m: m.group(1) + self._one(m.group(2)) + m.group(3), md)

def _fence(text:str, lang:str='')->str:
    n = max([3] + [len(m) + 1 for m in re.findall(r'`{3,}', text)])
    return f"{'`'*n}{lang}\n{text.rstrip()}\n{'`'*n}"

def _out_fence(text:str)->str: return _fence(text, '{.text .nb-output}')

def _indent(s:str, n:int=4)->str: return '\n'.join((' '*n + l) if l.strip() else '' for l in s.splitlines())

def _ansi(s:str)->str: return re.sub(r'\x1B(?:[@-Z\\-_]|\[[0-?]*[ -/]*[@-~])', '', s)

def _output_md(o:dict, fig, links)->str:
    "One output as Markdown: figures to files, HTML and Markdown as they are, text in a plain block."
    t = o.get('output_type')
    if t == 'stream':  # as a terminal shows it: a progress bar's carriage returns keep only its last state
        txt = '\n'.join(l.rstrip('\r').rsplit('\r', 1)[-1] for l in _ansi(o.get('text', '')).split('\n'))
        return _out_fence(txt) if txt.strip() else ''
    if t == 'error':
        return f'!!! failure "This cell raised {html.escape(str(o.get("ename")))}"\n    The build reports the error; the page omits the traceback.'
    data = o.get('data', {})
    if 'image/png' in data: return f'![]({fig(base64.b64decode(data["image/png"]), "png")}){{ .nb-figure }}'
    if 'image/jpeg' in data: return f'![]({fig(base64.b64decode(data["image/jpeg"]), "jpg")}){{ .nb-figure }}'
    if 'image/svg+xml' in data: return f'![]({fig(data["image/svg+xml"].encode(), "svg")}){{ .nb-figure }}'
    if 'text/markdown' in data: return links(_blank_before_blocks(data['text/markdown']))
    if 'text/html' in data: return f'<div class="nb-html" markdown="0">\n{data["text/html"].strip()}\n</div>'
    if 'text/latex' in data: return _math(data['text/latex'])
    if 'text/plain' in data:
        txt = _ansi(data['text/plain'])
        return _out_fence(txt) if txt.strip() else ''
    return ''

def _true(v): return str(v).lower() in ('true', '1', 'yes')
def _false(v): return str(v).lower() in ('false', '0', 'no')

def to_markdown(nb:dict, name:str, out:Path, links)->str:
    "The page of one processed, executed notebook; its figures are written next to it under figures/."
    stem, n = Path(name).stem, 0
    def fig(b:bytes, ext:str)->str:
        nonlocal n
        n += 1
        p = out/'figures'/f"{stem}-{n}.{ext}"
        p.parent.mkdir(parents=True, exist_ok=True); p.write_bytes(b)
        return f"figures/{p.name}"
    fm, parts = nb['frontmatter'], []
    title = fm.get('title') or stem
    parts.append(f"---\ntitle: {json.dumps(title)}\n" + (f"description: {json.dumps(fm['description'])}\n" if fm.get('description') else '') + '---')
    parts.append(f"# {title}")
    if fm.get('description'): parts.append(f'<p class="page-description" markdown="1">{links(fm["description"])}</p>')
    for c in nb['cells']:
        d, src = c['directives'], c['source'].strip()
        if c['cell_type'] == 'raw': continue
        if c['cell_type'] == 'markdown':
            if src: parts.append(links(_math(_blank_before_blocks(src))))
            continue
        if _false(d.get('include', True)): continue
        show_src = bool(src) and not _false(d.get('echo', True)) and not c['show_doc']
        outs = [] if _false(d.get('output', True)) else [x for x in (_output_md(o, fig, links) for o in c['outputs']) if x]
        if show_src and _true(d.get('code-fold', False)) or show_src and d.get('code-fold') == 'show':
            summary = d.get('code-summary', 'Code')
            opener = '???+' if d.get('code-fold') == 'show' else '???'
            parts.append(f'{opener} source "{summary}"\n\n' + _indent(_fence(src, 'python')))
        elif show_src: parts.append(_fence(src, 'python'))
        parts.extend(outs)
    return '\n\n'.join(parts) + '\n'

# ---------------------------------------------------------------- README

def readme_from(nb:dict)->str:
    "README.md: the index notebook as Markdown (title, summary, prose, the outputs of its `echo: false` cells)."
    fm, parts = nb['frontmatter'], []
    if fm.get('title'): parts.append(f"# {fm['title']}\n\n> {fm.get('description', '')}")
    for c in nb['cells']:
        d, src = c['directives'], c['source'].strip()
        if c['cell_type'] == 'raw': continue
        if c['cell_type'] == 'markdown':
            if src: parts.append(src)
            continue
        if not _false(d.get('echo', True)) and src: parts.append(_fence(src, 'python'))
        for o in c['outputs']:
            data = o.get('data', {})
            if 'text/markdown' in data: parts.append(data['text/markdown'].strip())
            elif o.get('output_type') == 'stream': parts.append(_fence(o.get('text', '')))
            elif 'text/plain' in data: parts.append(_fence(data['text/plain']))
    from nbdev.config import get_config
    cfg = get_config()
    base = re.escape((cfg.get('doc_host', '') + cfg.get('doc_baseurl', '')).rstrip('/') + '/')
    # README is read on the repository's page, where nbdev's links to documented symbols would lead off-site
    return re.sub(fr'\[(`[^`\]]+`)\]\({base}[^)\s]*\)', r'\1', '\n\n'.join(parts)) + '\n'

# ---------------------------------------------------------------- the site

CSS = """
.md-grid { max-width: 76rem; }
.md-typeset table:not([class]) code { word-break: normal; white-space: nowrap; }
.md-typeset .doc-entry { border-top: 1px solid var(--md-default-fg-color--lightest); margin-top: 2.2em; padding-top: .4em; }
.md-typeset .doc-entry h3, .md-typeset .doc-entry h4 { font-family: var(--md-code-font-family); font-weight: 600; margin-top: .6em; }
.md-typeset .doc-summary { font-style: italic; }
.md-typeset .doc-entry table { font-size: .75rem; }
.md-typeset .nb-output pre > code { background: transparent; font-size: .75em; }
.md-typeset .nb-output pre { border-left: 3px solid var(--md-primary-fg-color--light); margin-top: -.4em; }
.md-typeset details.source > summary::before { -webkit-mask-image: var(--md-admonition-icon--abstract); mask-image: var(--md-admonition-icon--abstract); }
.md-typeset details.source { border-color: var(--md-default-fg-color--lightest); box-shadow: none; font-size: .7rem; margin-top: .3em; }
.md-typeset details.source > summary { background: var(--md-code-bg-color); }
.md-typeset details.source > summary::before { background-color: var(--md-default-fg-color--light); }
.md-typeset .nb-figure { display: block; max-width: 100%; }
.md-typeset .nb-html { overflow-x: auto; margin: 1em 0; }
.md-typeset .nb-html table { font-size: .7rem; border: 0; border-collapse: collapse; margin: 0; }
.md-typeset .nb-html th, .md-typeset .nb-html td { border: 0; border-bottom: 1px solid var(--md-default-fg-color--lightest); padding: .25em .7em; text-align: right; }
.md-typeset .nb-html thead th { border-bottom: 1px solid var(--md-default-fg-color--light); }
.md-typeset .doc-entry table:not([class]) th, .md-typeset .doc-entry table:not([class]) td { padding: .45em .9em; }
.md-typeset .page-description { font-size: 1.05em; color: var(--md-default-fg-color--light); }
.md-typeset math[display="block"] { margin: 1em 0; overflow-x: auto; }
"""

def mkdocs_config(nav:list, src:Path, out:Path=DOCS)->dict:
    from nbdev.config import get_config
    cfg = get_config()
    return {
        'site_name': cfg.get('title', cfg.get('lib_name', 'docs')), 'site_description': cfg.get('description', ''),
        'site_url': (cfg.get('doc_host', '') + cfg.get('doc_baseurl', '')).rstrip('/') + '/',
        'docs_dir': str(src), 'site_dir': str(out), 'use_directory_urls': False, 'nav': nav,
        'theme': {'name': 'material', 'font': False, 'language': 'en',
                  'features': ['navigation.footer', 'navigation.top', 'toc.follow', 'search.highlight', 'search.suggest',
                               'content.code.copy'],
                  'palette': [{'scheme': 'default', 'primary': 'indigo', 'toggle': {'icon': 'material/weather-night', 'name': 'Dark mode'}},
                              {'scheme': 'slate', 'primary': 'indigo', 'toggle': {'icon': 'material/weather-sunny', 'name': 'Light mode'}}]},
        'extra': {'social': [{'icon': 'fontawesome/brands/github', 'link': cfg.get('git_url', '')}]} if cfg.get('git_url') else {},
        'extra_css': ['site.css'], 'plugins': ['search'],
        'markdown_extensions': ['admonition', 'attr_list', 'md_in_html', 'tables', 'def_list', 'footnotes',
                                {'toc': {'permalink': True, 'toc_depth': 3}}, 'pymdownx.details', 'pymdownx.superfences',
                                {'pymdownx.highlight': {'use_pygments': True}}, 'pymdownx.inlinehilite'],
        'validation': {'links': {'not_found': 'warn', 'anchors': 'warn', 'absolute_links': 'info', 'unrecognized_links': 'info'}},
    }

def _work(a):
    fn, force = a
    return execute_cached(fn, force)

def generated(check:bool=False)->list:
    "Write the files `results_md` generates from results/, or with `check` list those whose committed text differs."
    sys.path.insert(0, str(ROOT/'scripts'))
    from results_md import GENERATED
    stale = []
    for path, render in GENERATED.items():
        text = render()
        if check:
            if not path.exists() or path.read_text() != text: stale.append(path.relative_to(ROOT).as_posix())
        elif not path.exists() or path.read_text() != text:
            path.write_text(text); print(f"wrote {path.relative_to(ROOT)}")
    return stale

def build(names:list|None=None, n_workers:int=1, force:bool=False, readme:bool=True, site:bool=True, out:Path=DOCS)->int:
    "Execute the notebooks, write README.md and the site; the number of notebooks with failing cells."
    if readme: generated()  # before the notebooks that show them run
    nbs = sidebar_notebooks()
    if names: nbs = [(s, p) for s, p in nbs if p.stem in names or p.name in names]
    if not site: nbs = [(s, p) for s, p in nbs if p.stem == 'index']
    t0, failed, done = time.perf_counter(), [], {}
    jobs = [(p, force) for _, p in nbs]
    # one fresh process per notebook, as nbdev_test gives each its own kernel (IPython also takes over __main__)
    with ProcessPoolExecutor(max(1, n_workers), mp_context=get_context('spawn'), max_tasks_per_child=1) as ex:
        for (p, _), r in zip(jobs, ex.map(_work, jobs)): done[p] = r; _report(p, r, failed)
    index = next((done[p][0] for _, p in nbs if p.stem == 'index'), None)
    if readme and index is not None and not errors(index): (ROOT/'README.md').write_text(readme_from(index))
    if not site: return len(failed)
    src = CACHE/('md' if out == DOCS else f'md-{hashlib.sha256(str(out).encode()).hexdigest()[:8]}')
    shutil.rmtree(src, ignore_errors=True); src.mkdir(parents=True)
    pages = {p.name: page_name(p) for _, p in sidebar_notebooks()}
    links, nav, sections = Links(pages, {pages[p.name] for _, p in nbs}), [], {}
    for sec, p in nbs:
        nb, name = done[p][0], pages[p.name]
        (src/name).parent.mkdir(parents=True, exist_ok=True)
        (src/name).write_text(to_markdown(nb, name, src, links))
        title = 'Home' if p.stem == 'index' else (nb['frontmatter'].get('title') or p.stem)
        entry = {title: name}
        if sec is None: nav.append(entry)
        else:
            if sec not in sections: sections[sec] = []; nav.append({sec: sections[sec]})
            sections[sec].append(entry)
    if 'index.md' not in {pages[p.name] for _, p in nbs}:  # a partial build still needs the home page it links to
        (src/'index.md').write_text('# Partial build\n\nThis build holds only ' + ', '.join(f"[{Path(pages[p.name]).stem}]({pages[p.name]})" for _, p in nbs)
                                    + '; the full site is built by `python scripts/render_docs.py`.\n')
        nav.insert(0, {'Home': 'index.md'})
    (src/'site.css').write_text(CSS)
    conf = src.with_suffix('.yml')
    conf.write_text(yaml.safe_dump(mkdocs_config(nav, src, out), sort_keys=False, allow_unicode=True))
    r = subprocess.run([sys.executable, '-m', 'mkdocs', 'build', '--clean', '-q', '-f', str(conf)], cwd=ROOT,
                       env={**os.environ, 'NO_MKDOCS_2_WARNING': '1'})
    if out != DOCS: shutil.rmtree(src, ignore_errors=True); conf.unlink()
    print(f"{len(nbs)} pages in {out}/ ({time.perf_counter()-t0:.0f} s)"
          + (f"; cells raised in {', '.join(failed)}" if failed else ''), flush=True)
    return len(failed) + (r.returncode != 0)

def _report(p, r, failed):
    nb, secs, cached = r
    bad = errors(nb)
    print(f"{p.name}: {len(nb['cells'])} cells, " + ('cached' if cached else f"{secs:.0f} s") + (f", ERRORS: {bad}" if bad else ''), flush=True)
    if bad: failed.append(p.name)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('names', nargs='*', help='only these notebooks (default: every notebook of nbs/sidebar.yml)')
    p.add_argument('-j', '--n_workers', type=int, default=1, help='notebooks executed at a time (default 1)')
    p.add_argument('--force', action='store_true', help='execute every notebook, ignoring executions kept in .cache/site')
    p.add_argument('--readme', action='store_true', help='only write README.md from nbs/index.ipynb')
    p.add_argument('--no-readme', dest='write_readme', action='store_false', help='leave README.md as it is')
    p.add_argument('--out', type=Path, default=DOCS, help='site folder (default _docs); emptied first')
    p.add_argument('--generated', action='store_true',
                   help='only write the files generated from results/ (the model card, results READMEs)')
    p.add_argument('--check-generated', action='store_true',
                   help='exit 1 if a generated file differs from a fresh render (scripts/test.sh)')
    p.add_argument('--smoke', action='store_true', help="test of the builder: only the smallest notebook with exports, "
                   "executed afresh, no README (use with --out)")
    a = p.parse_args()
    os.chdir(ROOT)
    if a.generated: generated(); sys.exit(0)
    if a.check_generated:
        stale = generated(check=True)
        for f in stale: print(f"{f} differs from a fresh render: run python scripts/render_docs.py --generated")
        sys.exit(1 if stale else 0)
    if a.smoke:
        nbs = [p for _, p in sidebar_notebooks() if '#| export' in p.read_text()]
        a.names, a.force, a.write_readme = [min(nbs, key=lambda p: p.stat().st_size).stem], True, False
    sys.exit(1 if build(a.names or None, a.n_workers, a.force, readme=a.write_readme, site=not a.readme, out=a.out.resolve()) else 0)

if __name__ == '__main__': main()
