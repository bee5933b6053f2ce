#!/usr/bin/env bash
# The test suite: notebooks and package in sync, then every notebook's inline tests (nbdev_test).
# Prints a last line "N passed, N failed" and exits non-zero on any failure.
cd "$(dirname "$0")/.." || exit 1
# One torch thread: the tests' tiny models gain nothing from more, and on a shared machine extra threads spin
# against other jobs (measured here: 03_train 45 s with 1 thread beside a training run, 6 min with 2).
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
passed=0; failed=0
check() { if "$@"; then passed=$((passed+1)); else failed=$((failed+1)); echo "FAILED: $*"; fi; }

sync_check() {  # nbdev_export and nbdev_clean must not change what is committed
  nbdev_export && nbdev_clean || return 1
  if [ -n "$(git status --porcelain -- fer_nbdev nbs 2>/dev/null)" ]; then
    git status --porcelain -- fer_nbdev nbs; echo "notebooks and fer_nbdev/ are out of sync or uncleaned: run nbdev_export and nbdev_clean, then commit"; return 1
  fi
}
check sync_check

lint() {  # pyflakes rules, line lengths, then each module imported alone in a fresh interpreter
  ruff check --select F --output-format concise fer_nbdev scripts || { echo "ruff: fix the notebooks above, then nbdev_export"; return 1; }
  python scripts/check_lines.py || return 1  # package lines ≤ 120 characters, one statement per line (ruff E501, E702)
  for m in $(ls fer_nbdev/*.py | xargs -n1 basename | sed 's/\.py$//' | grep -v '^_'); do
    python -c "import fer_nbdev.$m" || { echo "import fer_nbdev.$m failed in a fresh interpreter"; return 1; }
  done
}
check lint

generated_check() {  # the model card and the results READMEs are generated from results/ (scripts/results_md.py)
  python scripts/render_docs.py --check-generated
}
check generated_check

site_check() {  # the site builder on one small notebook, then that site in headless Chromium (skipped without it)
  local tmp rc; tmp=$(mktemp -d) || return 1
  if ! python scripts/render_docs.py --smoke --out "$tmp/site"; then rm -rf "$tmp"; return 1; fi
  python scripts/check_site.py --site "$tmp/site" --no-screenshots
  rc=$?; rm -rf "$tmp"
  if [ "$rc" -eq 2 ]; then echo "SKIP site check in a browser: no Chromium (apt-get install chromium)"; return 0; fi
  return "$rc"
}
start=$SECONDS
if site_check; then passed=$((passed+1)); echo "ok   documentation site ($((SECONDS-start)) s)"
else failed=$((failed+1)); echo "FAIL documentation site ($((SECONDS-start)) s)"; fi

serve_check() {  # fer_serve's page in headless Chromium: a photo, then the fake camera (skipped without Chromium)
  local rc; python scripts/check_serve.py --no-screenshots; rc=$?
  if [ "$rc" -eq 2 ]; then echo "SKIP fer_serve's page in a browser: no Chromium (apt-get install chromium)"; return 0; fi
  return "$rc"
}
start=$SECONDS
if serve_check; then passed=$((passed+1)); echo "ok   fer_serve page ($((SECONDS-start)) s)"
else failed=$((failed+1)); echo "FAIL fer_serve page ($((SECONDS-start)) s)"; fi
for nb in nbs/*.ipynb; do
  start=$SECONDS
  if nbdev_test --path "$nb" --n_workers 0; then passed=$((passed+1)); echo "ok   $nb ($((SECONDS-start)) s)"
  else failed=$((failed+1)); echo "FAIL $nb ($((SECONDS-start)) s)"; fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
