#!/usr/bin/env python
"""Open every page of the built site (`_docs/`) in headless Chromium and check it as a reader would meet it.

    python scripts/check_site.py                  # after python scripts/render_docs.py
    python scripts/check_site.py --site DIR       # another build folder

The site is served over HTTP on 127.0.0.1 (search needs it) and driven through the DevTools protocol. Each page must
load without console errors, exceptions or failed requests, show the site's navigation, hold no Python traceback and
no input prompt (`In [ ]:`); every link inside the site, anchors included, must resolve; searching from the home
page for the first function of the first API page must find it. Screenshots of the index and
of one API page (the first `show_doc` entry in view) go to `<site>/screenshots/`. Exits 1 on any failure, 2 when no
Chromium is installed (Debian: `apt-get install chromium`).
"""
import argparse, base64, functools, json, os, re, shutil, subprocess, sys, tempfile, threading, time
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urlparse, unquote

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run', '--disable-default-apps', '--hide-scrollbars', '--mute-audio']

def find_chromium():
    for n in (os.environ.get('CHROMIUM', ''), 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'):
        if n and shutil.which(n): return shutil.which(n)

def site_prefix(site:Path)->str:
    "The path the site is published under (`/fer_nbdev`), read from the index's canonical link; '' if none."
    page = site/'index.html' if (site/'index.html').exists() else next(p for p in site.glob('*.html') if p.name != '404.html')
    m = re.search(r'<link rel="canonical" href="([^"]+)"', page.read_text())
    return urlparse(m.group(1)).path.rsplit('/', 1)[0] if m else ''

class _Handler(SimpleHTTPRequestHandler):
    prefix = ''
    def log_message(self, *a): pass
    def translate_path(self, path):
        if self.prefix and path.startswith(self.prefix + '/'): path = path[len(self.prefix):]
        return super().translate_path(path)

def serve(site:Path, prefix:str=''):
    "Serve `site` on 127.0.0.1 under `prefix`, as it is published (the 404 page links absolutely)."
    h = type('Handler', (_Handler,), {'prefix': prefix})
    srv = ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(h, directory=str(site)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}{prefix}"

class Browser:
    "Headless Chromium with one page, driven over the DevTools protocol."
    def __init__(self, exe:str):
        import websocket
        self.tmp = tempfile.mkdtemp(prefix='chromium-')
        self.proc = subprocess.Popen([exe, *FLAGS, f'--user-data-dir={self.tmp}', '--remote-debugging-port=0',
                                      '--window-size=1280,900', 'about:blank'],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file, t = Path(self.tmp)/'DevToolsActivePort', time.time()
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.time() - t > 60 or self.proc.poll() is not None: raise RuntimeError('Chromium did not start')
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        req = urllib.request.Request(f'http://127.0.0.1:{port}/json/new?about:blank', method='PUT')
        target = json.loads(urllib.request.urlopen(req, timeout=30).read())
        self.ws = websocket.create_connection(target['webSocketDebuggerUrl'], timeout=60, suppress_origin=True)
        self.n, self.events = 0, []
        for m in ('Page.enable', 'Runtime.enable', 'Log.enable', 'Network.enable'): self.call(m)
        self.call('Emulation.setDeviceMetricsOverride', width=1280, height=900, deviceScaleFactor=1, mobile=False)

    def call(self, method, **params):
        self.n += 1; i = self.n
        self.ws.send(json.dumps(dict(id=i, method=method, params=params)))
        while True:
            m = json.loads(self.ws.recv())
            if m.get('id') == i:
                if 'error' in m: raise RuntimeError(f"{method}: {m['error']}")
                return m.get('result', {})
            self.events.append(m)

    def wait_for(self, method, timeout=60):
        t = time.time()
        while time.time() - t < timeout:
            for e in self.events:
                if e.get('method') == method: return e
            self.ws.settimeout(max(0.1, timeout - (time.time() - t)))
            try: self.events.append(json.loads(self.ws.recv()))
            except Exception: break
        raise TimeoutError(method)

    def drain(self, secs):
        "Collect events for `secs` seconds (scripts that run after load, the search worker)."
        end = time.time() + secs
        while time.time() < end:
            self.ws.settimeout(max(0.05, end - time.time()))
            try: self.events.append(json.loads(self.ws.recv()))
            except Exception: pass
        self.ws.settimeout(60)

    def eval(self, js):
        r = self.call('Runtime.evaluate', expression=js, returnByValue=True, awaitPromise=True)
        return r.get('result', {}).get('value')

    def open(self, url):
        self.events = []
        self.call('Page.navigate', url=url)
        self.wait_for('Page.loadEventFired')
        self.drain(0.7)

    def problems(self):
        "Console errors, uncaught exceptions, failed or erroneous requests seen since the last `open`."
        res = []
        for e in self.events:
            m, p = e.get('method'), e.get('params', {})
            if m == 'Runtime.exceptionThrown': res.append('exception: ' + p['exceptionDetails'].get('exception', {}).get('description', p['exceptionDetails'].get('text', '')))
            elif m == 'Runtime.consoleAPICalled' and p.get('type') in ('error', 'assert'):
                res.append('console.error: ' + ' '.join(str(a.get('value', a.get('description', ''))) for a in p.get('args', [])))
            elif m == 'Log.entryAdded' and p['entry'].get('level') == 'error': res.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")
            elif m == 'Network.loadingFailed' and not p.get('canceled'): res.append(f"request failed: {p.get('errorText')} ({p.get('type')})")
            elif m == 'Network.responseReceived' and p['response'].get('status', 200) >= 400: res.append(f"HTTP {p['response']['status']}: {p['response']['url']}")
        return res

    def screenshot(self, path:Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(self.call('Page.captureScreenshot', format='png')['data']))

    def close(self):
        try: self.ws.close()
        except Exception: pass
        self.proc.terminate()
        try: self.proc.wait(10)
        except subprocess.TimeoutExpired: self.proc.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

PAGE_JS = r"""(() => {
  const body = document.body ? document.body.innerText : '';
  return {
    nav: document.querySelectorAll('nav.md-nav--primary a.md-nav__link[href]').length,
    order: [...document.querySelectorAll('nav.md-nav--primary > ul > li > a.md-nav__link[href], nav.md-nav--primary > ul > li > nav a.md-nav__link[href]')].map(a => a.href.split('#')[0]),
    toc: !!document.querySelector('nav.md-nav--secondary'),
    search: !!document.querySelector('input.md-search__input'),
    links: [...document.querySelectorAll('a[href], img[src], link[href], script[src]')].map(a => a.href || a.src),
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
    traceback: /Traceback \(most recent call last\)|^\s*\w+Error: .*\n.*File "/m.test(body),
    prompts: (body.match(/^\s*(In|Out)\s*\[\s*\d*\s*\]:/m) || [null])[0],
    docs: document.querySelectorAll('.doc-entry').length,
    title: document.title,
  };
})()"""

def check(site:Path, exe:str, shots:bool=True, extra:tuple=())->int:
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob('*.html') if 'screenshots' not in p.parts)
    srv, base = serve(site, site_prefix(site))
    b, info, failures, t0 = Browser(exe), {}, [], time.time()
    try:
        for pg in pages:
            b.open(f"{base}/{pg}")
            r = info[pg] = b.eval(PAGE_JS)
            bad = b.problems()
            if r['nav'] < 2 and pg != '404.html': bad.append('no site navigation')
            if r['traceback']: bad.append('holds a Python traceback')
            if r['prompts']: bad.append(f"holds an input prompt {r['prompts']!r}")
            failures += [f"{pg}: {x}" for x in bad]
            print(f"{'ok  ' if not bad else 'FAIL'} {pg}: {r['nav']} nav links, {len(r['links'])} links, {r['docs']} API entries"
                  + (f" -- {'; '.join(bad)}" if bad else ''), flush=True)
        n_links = 0
        for pg, r in info.items():
            for href in r['links']:
                if not href.startswith(base): continue
                n_links += 1
                url, frag = urldefrag(href)
                path = unquote(urlparse(url).path)[len(urlparse(base).path):].lstrip('/') or 'index.html'
                if path.endswith('/'): path += 'index.html'
                if not (site/path).is_file(): failures.append(f"{pg}: broken link {href[len(base):]}"); continue
                if frag and path in info and unquote(frag) not in info[path]['ids']:
                    failures.append(f"{pg}: link to a missing anchor {href[len(base):]}")
        idx = site/'search'/'search_index.json'
        if idx.exists():
            locs = {d['location'].split('#')[0] for d in json.loads(idx.read_text())['docs']}
            missing = [p for p in pages if p != '404.html' and p not in locs and not (p == 'index.html' and '' in locs)]
            if missing: failures.append(f"search index lacks {missing}")
        else: failures.append('no search index (search/search_index.json)')
        home = info.get('index.html') or next(iter(info.values()))
        order = [u[len(base):].lstrip('/') for u in home['order'] if u.startswith(base)]
        api = next((p for p in order + pages if p in info and info[p]['docs']), None)  # the first in the navigation
        if api:  # search, as a reader uses it: from the home page, for the first function of the API page
            b.open(f"{base}/{api}")
            q = b.eval("document.querySelector('.doc-entry h3, .doc-entry h4').id")
            b.open(f"{base}/{'index.html' if 'index.html' in info else api}")
            b.eval("(() => { const i = document.querySelector('input.md-search__input'); i.focus(); i.value = %s;"
                   " i.dispatchEvent(new Event('input', {bubbles: true})); i.dispatchEvent(new KeyboardEvent('keyup', {key: 'a', bubbles: true})); })()" % json.dumps(q))
            b.drain(2)
            hits = b.eval("[...document.querySelectorAll('.md-search-result__item a')].map(a => a.href)") or []
            ok = any(urlparse(h).path.endswith('/' + api) for h in hits)
            print(f"{'ok  ' if ok else 'FAIL'} search for {q!r}: {len(hits)} results" + ('' if ok else f", none on {api}"))
            if not ok: failures.append(f"search for {q!r} does not find {api}")
        if shots and 'index.html' in info:
            b.open(f"{base}/index.html"); b.screenshot(site/'screenshots'/'index.png')
            if api:
                b.open(f"{base}/{api}")
                b.eval("(() => { const e = document.querySelector('.doc-entry'); e.scrollIntoView(); window.scrollBy(0, -70); })()")
                b.drain(0.3); b.screenshot(site/'screenshots'/f"api-{Path(api).stem}.png")
                print(f"screenshots: {site/'screenshots'/'index.png'}, {site/'screenshots'/('api-' + Path(api).stem + '.png')}")
        for pg in extra if shots else ():  # pages asked for by name (--shot results.html), the top of each
            if pg not in info: failures.append(f"--shot {pg}: no such page"); continue
            b.open(f"{base}/{pg}"); b.screenshot(site/'screenshots'/f"{Path(pg).stem}.png")
            print(f"screenshot: {site/'screenshots'/(Path(pg).stem + '.png')}")
    finally:
        b.close(); srv.shutdown()
    for f in failures: print('FAIL', f)
    print(f"{len(pages)} pages, {n_links} internal links checked, {len(failures)} problems ({time.time()-t0:.0f} s)")
    return 1 if failures else 0

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--site', type=Path, default=ROOT/'_docs', help='built site (default _docs)')
    p.add_argument('--no-screenshots', dest='shots', action='store_false')
    p.add_argument('--shot', action='append', default=[], metavar='PAGE',
                   help='also screenshot this page (e.g. results.html); repeatable')
    a = p.parse_args()
    exe = find_chromium()
    if not exe: print('SKIP: no Chromium found (Debian: apt-get install chromium; or set CHROMIUM)'); sys.exit(2)
    if not any(p.name != '404.html' for p in a.site.glob('*.html')): sys.exit(f"no site in {a.site}: run python scripts/render_docs.py first")
    sys.exit(check(a.site.resolve(), exe, a.shots, tuple(a.shot)))

if __name__ == '__main__': main()
