#!/usr/bin/env bash
# The approximators' study for the docs: runs `approx study` (defaults: 5 problems, 8 approximators,
# N = 256 ... 16384 and 65536 in 1D, 5 seeds), copies its report and pictures to docs/approximators/,
# and puts its three summary tables into docs/approximators.md between the table markers.
# Usage: scripts/approximators-table.sh PATH/TO/solve-mfg [more approx study flags]
set -euo pipefail
bin=${1:?usage: approximators-table.sh PATH/TO/solve-mfg [flags]}
shift
out=out/approx-study
"$bin" approx study --out "$out" "$@"
rm -rf docs/approximators
mkdir -p docs/approximators
cp "$out"/report.md docs/approximators/table.md
cp "$out"/*.png "$out"/results.csv "$out"/summary.json docs/approximators/
python3 - "$out/table.md" docs/approximators.md <<'PY'
import sys
table, doc = open(sys.argv[1]).read(), open(sys.argv[2]).read()
begin, end = "<!-- approximators table: begin -->", "<!-- approximators table: end -->"
if begin not in doc or end not in doc:
    sys.exit(f"{sys.argv[2]}: no table markers")
head, rest = doc.split(begin, 1)
_, tail = rest.split(end, 1)
open(sys.argv[2], "w").write(head + begin + "\n\n" + table.strip() + "\n\n" + end + tail)
PY
echo "docs/approximators/ and the tables of docs/approximators.md written from $out"
