"""Copy finished ablation runs into results/ without weights, then rewrite the table and figure.

    python scripts/collect_ablations.py runs/ablations results/ablations
    python scripts/collect_ablations.py runs/ablations_size results/ablations_size --title "Image size, reduced budget"

Each run directory keeps config, history, metrics and run card; `predictions.npz` is cut to the rows the table
reads (PrivateTest, no TTA) to keep the repository small. Unfinished runs (no metrics.json or run_card.json) are skipped.
"""
import argparse, shutil
from pathlib import Path
import matplotlib; matplotlib.use('Agg')
from fer_nbdev.rundir import read_predictions, save_predictions
from fer_nbdev.ablate import ablation_table, plot_ablation, format_table, ablation_findings

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('src'); p.add_argument('dst')
p.add_argument('--title', default='Ablations on PrivateTest (reduced CPU budget), mean ± std over seeds')
a = p.parse_args()
src, dst, n = Path(a.src), Path(a.dst), 0
for m in sorted(src.glob('*/seed*/metrics.json')):
    run = m.parent
    if not (run/'run_card.json').exists(): continue
    out = dst/run.relative_to(src); out.mkdir(parents=True, exist_ok=True)
    for f in run.iterdir():
        if f.suffix == '.pt' or f.is_dir(): continue
        if f.name in ('predictions.npz', 'predictions.csv'):
            d = read_predictions(f)
            save_predictions(d[(d.set == 'test_folder') & (d.split == 'PrivateTest') & (~d.tta.astype(bool))].reset_index(drop=True), out/'predictions.npz')
        else: shutil.copy2(f, out/f.name)
    n += 1
t = ablation_table(dst); t.to_csv(dst/'ablation_table.csv')
plot_ablation(t, a.title).savefig(dst/'ablation.png', dpi=110, bbox_inches='tight')
print(n, 'runs copied to', dst); print(format_table(t).to_string()); print('\n'.join(ablation_findings(t)))
