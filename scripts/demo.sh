#!/usr/bin/env bash
# Set everything up, rank the bundled demo data (gemeente Bronckhorst), then start the app
# on it: offline, on http://127.0.0.1:${PORT:-8501}, with one demo account per role.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
AS_OF=${AS_OF:-2026-11-01}
PORT=${PORT:-8501}
mkdir -p out/demo out/app
.venv/bin/buitengebied validate data/demo
.venv/bin/buitengebied rank data/demo --as-of "$AS_OF" --out out/demo/ranked.csv
.venv/bin/buitengebied surface data/demo --as-of "$AS_OF" --cell-size 100 --out out/demo/risk.tif
echo
echo "Top 10 addresses (out/demo/ranked.csv):"
head -n 11 out/demo/ranked.csv | column -s, -t
echo
echo "The app: http://127.0.0.1:$PORT  (Ctrl-C stops it)"
echo "Demo accounts (password buitengebied-demo): politie, gemeente, waterschap, boswachter, beheerder"
exec .venv/bin/buitengebied app data/demo --store out/app/store.sqlite --port "$PORT" \
  --as-of "$AS_OF" --demo-accounts --teams data/demo-teams.toml
