#!/usr/bin/env python
"""Load benchmark (not a test): how many photos per second `fer_serve` answers, and how long a client waits.

    python scripts/bench_serve.py [--clients 1 4 16] [--seconds 30] [--workers 2] [--out results/serve/bench.json]

Starts `fer_serve` as installed (a subprocess on a free port of 127.0.0.1), then for each N runs N clients at once,
each posting scikit-image's astronaut at 640×480 (a JPEG, raw body) to `POST /predict` over one kept-alive connection,
the next request as soon as the answer came, for `--seconds`. Per N: requests answered, requests per second, median
and 99th-percentile latency (send to full answer), and failed requests (an error, a status other than 200, or an answer
that differs from the first one). Writes the JSON with the server's `--workers` and `OMP_NUM_THREADS` and a run card,
which holds the load average at the start and at the end (`load`, `load_end`): the clients run on the same machine as
the server, and the machine may be shared with other jobs.
"""
import argparse, http.client, json, os, re, subprocess, sys, threading, time
from pathlib import Path

import cv2
import numpy as np
from skimage import data as skdata

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from fer_nbdev.runcard import run_card, finish_card, save_json  # noqa: E402

def photo_640x480()->bytes:
    "The astronaut at 640×480 (resized to 480×480, edges repeated to the sides), as a JPEG."
    a = cv2.resize(skdata.astronaut(), (480, 480), interpolation=cv2.INTER_AREA)
    return cv2.imencode('.jpg', cv2.copyMakeBorder(a, 0, 0, 80, 80, cv2.BORDER_REPLICATE)[..., ::-1])[1].tobytes()

def start_server(workers:int)->tuple:
    "(process, port) of `fer_serve` on a free port, once it answers."
    p = subprocess.Popen(['fer_serve', '--port', '0', '--workers', str(workers)], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    m = re.search(r'http://127\.0\.0\.1:(\d+)/', line)
    if not m: p.kill(); raise SystemExit(f"fer_serve did not start: {line!r}")
    return p, int(m.group(1))

def post(conn:http.client.HTTPConnection, body:bytes)->tuple:
    "(status, answer) of one POST /predict."
    conn.request('POST', '/predict', body, {'Content-Type': 'image/jpeg'})
    r = conn.getresponse()
    return r.status, r.read()

def load(port:int, body:bytes, clients:int, seconds:float, expect:bytes)->dict:
    "`clients` clients posting `body` for `seconds`: requests, failures, requests/s and latency percentiles."
    lat, failed, lock = [], [0], threading.Lock()
    start = time.perf_counter(); end = start + seconds
    def client():
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=120)
        while time.perf_counter() < end:
            t = time.perf_counter()
            try: ok = post(conn, body) == (200, expect)
            except (OSError, http.client.HTTPException):
                ok = False; conn.close(); conn = http.client.HTTPConnection('127.0.0.1', port, timeout=120)
            with lock:
                if ok: lat.append(time.perf_counter() - t)
                else: failed[0] += 1
        conn.close()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for th in threads: th.start()
    for th in threads: th.join()
    wall = time.perf_counter() - start
    ms = np.array(lat) * 1000
    return dict(clients=clients, requests=len(lat), failed=failed[0], requests_per_s=round(len(lat) / wall, 2),
                p50_ms=round(float(np.percentile(ms, 50)), 1) if len(ms) else None,
                p99_ms=round(float(np.percentile(ms, 99)), 1) if len(ms) else None, wall_s=round(wall, 1))

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--clients', type=int, nargs='+', default=[1, 4, 16], help='numbers of concurrent clients')
    p.add_argument('--seconds', type=float, default=30, help='how long each number of clients posts')
    p.add_argument('--workers', type=int, default=2, help="fer_serve's --workers")
    p.add_argument('--out', default=str(ROOT/'results/serve/bench.json'))
    args = p.parse_args()
    t0, card = time.perf_counter(), run_card(device='cpu')
    body = photo_640x480()
    server, port = start_server(args.workers)
    try:
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=120)
        status, expect = post(conn, body); conn.close()   # the answer every request must get again
        if status != 200 or len(json.loads(expect)['faces']) != 1:
            raise SystemExit(f"unexpected answer: {expect[:300]}")
        rows = []
        for n in args.clients:
            rows.append(load(port, body, n, args.seconds, expect)); print(rows[-1], flush=True)
        alive = server.poll() is None
    finally:
        server.terminate(); server.wait(30)
    out = dict(photo=dict(width=640, height=480, jpeg_bytes=len(body), faces=1), workers=args.workers,
               seconds=args.seconds, omp_num_threads=os.environ.get('OMP_NUM_THREADS'), server_alive_after=alive,
               rows=rows, run_card=finish_card(card, t0))
    save_json(out, Path(args.out)); print(f"wrote {args.out}")

if __name__ == '__main__':
    main()
