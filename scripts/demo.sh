#!/usr/bin/env bash
# Set everything up and run the main job on the bundled demo data (gemeente Bronckhorst).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
AS_OF=${AS_OF:-2026-11-01}
mkdir -p out/demo
.venv/bin/buitengebied validate data/demo
.venv/bin/buitengebied rank data/demo --as-of "$AS_OF" --out out/demo/ranked.csv
.venv/bin/buitengebied surface data/demo --as-of "$AS_OF" --cell-size 100 --out out/demo/risk.tif
echo
echo "Top 10 addresses (out/demo/ranked.csv):"
head -n 11 out/demo/ranked.csv | column -s, -t
