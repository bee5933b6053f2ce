#!/usr/bin/env python
"""Check `fer_serve`'s page in headless Chromium as a person meets it: photos and the camera.

    python scripts/check_serve.py                  # screenshots to results/serve/
    python scripts/check_serve.py --no-screenshots # as scripts/test.sh runs it

Starts `fer_serve` as installed (a subprocess on a free port of 127.0.0.1) and Chromium driven through the DevTools
protocol, the way scripts/check_site.py drives it (its `Browser`). The page must load without console errors,
exceptions or failed requests and name the model; picking scikit-image's astronaut (640×480) in the file input must
draw her photo with one box and a chart of seven bars; the camera mode, on Chromium's fake camera playing a clip of the
same photo (`--use-fake-device-for-media-stream --use-file-for-fake-video-capture`), must draw a box over the video
within a few frames, with never more than one request in flight. Screenshots show only the astronaut (no FER2013 face).
Exits 1 on any failure, 2 when no Chromium is installed (Debian: `apt-get install chromium`).
"""
import argparse, re, subprocess, sys, tempfile, time
from pathlib import Path

import cv2
from skimage import data as skdata

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_site  # noqa: E402
from check_site import Browser, find_chromium  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BOX_RGB = (0x43, 0xa0, 0x47)  # the first face's colour in fer_nbdev/web/app.js

def astronaut_640x480():
    "The astronaut at 640×480, RGB (resized to 480×480, edges repeated to the sides)."
    a = cv2.resize(skdata.astronaut(), (480, 480), interpolation=cv2.INTER_AREA)
    return cv2.copyMakeBorder(a, 0, 0, 80, 80, cv2.BORDER_REPLICATE)

def write_y4m(rgb, path:Path, frames:int=30):
    "A still clip of `rgb` in the YUV4MPEG2 format Chromium's fake camera plays (in a loop)."
    h, w = rgb.shape[:2]; yuv = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).tobytes()
    with open(path, 'wb') as f:
        f.write(f'YUV4MPEG2 W{w} H{h} F30:1 Ip A1:1 C420jpeg\n'.encode())
        for _ in range(frames): f.write(b'FRAME\n' + yuv)

def start_server(log:Path)->tuple:
    "(process, url) of `fer_serve` on a free port, once it answers."
    p = subprocess.Popen(['fer_serve', '--port', '0'], stdout=subprocess.PIPE, stderr=open(log, 'w'), text=True)
    line = p.stdout.readline()
    m = re.search(r'http://\S+/', line)
    if not m: p.kill(); raise RuntimeError(f"fer_serve did not start: {line!r} {log.read_text()[-2000:]}")
    return p, m.group(0)

def wait_js(b:Browser, js:str, timeout:float=90):
    "Poll `js` in the page until it is truthy; its value."
    t = time.time()
    while time.time() - t < timeout:
        v = b.eval(js)
        if v: return v
        time.sleep(0.25)
    raise TimeoutError(js)

COUNT_BOX_PIXELS = """(sel => { const c = document.querySelector(sel); if (!c || !c.width) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] === %d && d[i+1] === %d && d[i+2] === %d && d[i+3] === 255) n++;
  return n; })('%s')"""

# every fetch of the page counted, to see that the camera never has two frames in flight
COUNT_IN_FLIGHT = """(() => { const f = window.fetch; window.inFlight = 0; window.maxInFlight = 0;
  window.fetch = async (...a) => {
    window.inFlight++; window.maxInFlight = Math.max(window.maxInFlight, window.inFlight);
    try { return await f(...a); } finally { window.inFlight--; } }; return true; })()"""

def check(exe:str, shots:Path|None)->list:
    tmp = Path(tempfile.mkdtemp(prefix='check_serve-')); fails = []
    photo = astronaut_640x480()
    cv2.imwrite(str(tmp/'astronaut.jpg'), photo[..., ::-1]); write_y4m(photo, tmp/'astronaut.y4m')
    server, url = start_server(tmp/'server.log')
    check_site.FLAGS = [*check_site.FLAGS, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
                        f'--use-file-for-fake-video-capture={tmp/"astronaut.y4m"}']  # read by Browser when it starts
    b = Browser(exe)
    try:
        b.open(url)
        name = wait_js(b, "(t => t !== '…' && t)(document.getElementById('model-name').textContent)", 30)
        print(f"page: model {name}")
        fails += [f"page load: {p}" for p in b.problems()]

        doc = b.call('DOM.getDocument')['root']['nodeId']
        node = b.call('DOM.querySelector', nodeId=doc, selector='#files')['nodeId']
        b.call('DOM.setFileInputFiles', files=[str(tmp/'astronaut.jpg')], nodeId=node)
        st = wait_js(b, "(s => s.photos + s.errors > 0 && s)(window.ferServe)")
        bars = b.eval("document.querySelectorAll('.result .bar').length")
        size = b.eval("(c => c && [c.width, c.height])(document.querySelector('.result canvas'))")
        boxed = b.eval(COUNT_BOX_PIXELS % (*BOX_RGB, '.result canvas'))
        print(f"photo: {st['faces']} face(s), canvas {size}, {bars} bars, {boxed} box pixels, errors {st['errors']}")
        if (st['errors'], st['faces'], bars, size) != (0, 1, 7, [640, 480]) or boxed < 500:
            fails.append(f"photo: expected one face boxed, 7 bars, a 640×480 canvas; got {st} {bars} {size} {boxed}")
        if shots: b.screenshot(shots/'photo.png')

        b.eval(COUNT_IN_FLIGHT)
        b.eval("document.getElementById('tab-camera').click(); document.getElementById('cam-start').click(); true")
        st = wait_js(b, "(s => s.frames >= 5 && s)(window.ferServe)")
        boxed = b.eval(COUNT_BOX_PIXELS % (*BOX_RGB, '#overlay'))
        most = b.eval('window.maxInFlight'); status = b.eval("document.getElementById('cam-status').textContent")
        print(f"camera: {st['frames']} frames, {st['cameraFaces']} faces, {boxed} box pixels, "
              f"at most {most} request in flight; status '{status}'")
        if st['cameraFaces'] < st['frames'] or boxed < 200 or most != 1 or st['errors']:
            fails.append(f"camera: expected a face boxed in each frame, one request in flight; got {st} {boxed} {most}")
        if shots: b.screenshot(shots/'camera.png')
        b.eval("document.getElementById('cam-stop').click(); true"); b.drain(0.5)
        fails += [f"after the photo and the camera: {p}" for p in b.problems()]
    finally:
        b.close(); server.terminate(); server.wait(30)
    if server.returncode != 0: fails.append(f"fer_serve exited with {server.returncode}")
    log = (tmp/'server.log').read_text()
    if 'Traceback' in log: fails.append(f"server log: {log[-2000:]}")
    return fails

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--screenshots', default=str(ROOT/'results/serve'), help='folder for photo.png and camera.png')
    p.add_argument('--no-screenshots', action='store_true')
    args = p.parse_args()
    exe = find_chromium()
    if not exe: print("check_serve: no Chromium found (apt-get install chromium)", file=sys.stderr); sys.exit(2)
    fails = check(exe, None if args.no_screenshots else Path(args.screenshots))
    for f in fails: print(f"FAIL {f}")
    print("check_serve: " + (f"{len(fails)} problem(s)" if fails else "the page works: photos and camera"))
    sys.exit(1 if fails else 0)

if __name__ == '__main__':
    main()
