#!/usr/bin/env bash
# On the GPU machine (DEVELOPERS.md): gather the slices staged by scripts/gpu_stage.py, then unpack FER2013, install the
# wheels the device image lacks, and run the GPU reproduction of issue 4: the `paper` preset on the fast engine with
# Lite0 (B0's ImageNet weights cannot travel), logging test-folder accuracy per epoch for the time to 72%.
#
#   bash scripts/gpu_run.sh add stage/call1                   # every call but the last: keep this call's slice
#   bash scripts/gpu_run.sh run stage/call2 [fer_train args]  # the last call: unpack, install, train
#
# The run directory goes to /tmp/fer_gpu_run; its small files (config, history, metrics, predictions, run card) and the
# log are copied to $OUT/gpu (default runs/gpu when $OUT is unset), the weights stay behind.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?add or run}; dir=${2:?a stage/callK folder}; shift 2
S=${FER_STAGE:-/tmp/fer_stage}; mkdir -p "$S"
cp "$dir"/fer2013.tar.xz.* "$S"/
if [ "$mode" = add ]; then ls -l "$S"; exit 0; fi
[ "$mode" = run ] || { echo "unknown mode $mode: use add or run"; exit 2; }
python3 - "$S" "$dir/MANIFEST.json" <<'PY'
import hashlib, json, sys, tarfile
from pathlib import Path
s, m = Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text())
if (s/'fer2013'/'train').is_dir(): sys.exit(print('FER2013 already unpacked in', s/'fer2013'))
parts = sorted(s.glob('fer2013.tar.xz.[0-9]*'))
if len(parts) != m['calls']:
    sys.exit(f"{len(parts)} of {m['calls']} slices in {s}: an earlier call's slice is missing (a fresh machine starts bare); run the calls again in order.")
blob = b''.join(p.read_bytes() for p in parts)
if hashlib.sha256(blob).hexdigest() != m['sha256']: sys.exit(f"the archive rebuilt from {s} does not match MANIFEST.json: stage again.")
(s/'fer2013.tar.xz').write_bytes(blob)
with tarfile.open(s/'fer2013.tar.xz') as t: t.extractall(s/'fer2013', filter='data')
print('FER2013 unpacked to', s/'fer2013')
PY
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "$dir"/whl/*.whl
export PYTHONPATH="/tmp/site:$PWD" PYTHONUNBUFFERED=1
DEST=${OUT:-runs}/gpu; RUN=/tmp/fer_gpu_run; mkdir -p "$DEST"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$DEST/gpu.csv" 2>/dev/null || true
python3 -m fer_nbdev.train --preset paper --engine fast --watch_test --arch efficientnet_lite0 \
  --data "$S/fer2013" --out "$RUN" "$@" 2>&1 | tr '\r' '\n' | grep -v -E '(it/s|s/it)|^\s*$' | tee "$DEST/train.log"
for f in config.json history.csv metrics.json predictions.csv run_card.json; do cp "$RUN/$f" "$DEST/" 2>/dev/null || true; done
ls -l "$DEST"
