#!/usr/bin/env python
"""Convert committed run directories from `predictions.csv` to the compact `predictions.npz` (`save_predictions`),
checking first that every metric the tables use comes out the same from the compact file: for each run, each
evaluation set (valid, PrivateTest, PublicTest, test_folder) and each of plain/flip, the accuracy, macro F1 and
per-class recall computed from the new file must equal those from the CSV. A run that would change is left as it is.

    python scripts/compact_results.py [results]      # converts, verifies, deletes each CSV it replaced
"""
import sys
from pathlib import Path

from sklearn.metrics import recall_score

from fer_nbdev.data import CLASSES
from fer_nbdev.evaluate import EVAL_SETS, select
from fer_nbdev.rundir import read_predictions, save_predictions, test_metrics

def numbers(preds)->dict:
    "Every metric a table or figure reads from a predictions table."
    out = {}
    for tta in sorted(set(preds.tta.astype(bool))):
        for s in EVAL_SETS:
            try: labels, probs = select(preds, s, tta)
            except ValueError: continue
            if not len(labels): continue
            m = test_metrics(probs, labels)
            rec = recall_score(labels, probs.argmax(1), labels=range(len(CLASSES)), average=None, zero_division=0)
            out[(s, tta)] = (m['n'], m['accuracy'], m['macro_f1'], m['weighted_f1'], *rec)
    return out

def main(root='results'):
    converted, kept = 0, []
    for csv in sorted(Path(root).rglob('predictions.csv')):
        old = read_predictions(csv); npz = csv.with_suffix('.npz')
        save_predictions(old, npz)
        a, b = numbers(old), numbers(read_predictions(npz))
        if a != b:
            npz.unlink(); kept.append(str(csv))
            print(f"{csv}: the compact file would change {sum(a[k] != b.get(k) for k in a)} metric rows; kept the CSV")
            continue
        print(f"{csv}: {csv.stat().st_size/1e6:.2f} MB -> {npz.stat().st_size/1e6:.2f} MB, {len(a)} metric rows identical")
        csv.unlink(); converted += 1
    print(f"converted {converted}, kept {len(kept)}")
    return 1 if kept else 0

if __name__ == '__main__': sys.exit(main(*sys.argv[1:]))
