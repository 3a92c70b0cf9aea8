#!/usr/bin/env bash
# The epsilon_N tables and pictures of docs/nplayer.md: N-player validation of the mean-field
# equilibrium and of a non-equilibrium policy, on crowd-aversion-1d (continuous) and crowd_modelling
# (finite). Usage: scripts/nplayer-tables.sh PATH/TO/solve-mfg (writes docs/img/nplayer-*.png).
set -euo pipefail
bin=${1:?usage: nplayer-tables.sh PATH/TO/solve-mfg}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p docs/img
table() {  # table TITLE DIR
    echo
    echo "**$1**"
    echo
    echo "| N | epsilon_N | 95% interval | runs | bandwidth | seconds |"
    echo "|---|---|---|---|---|---|"
    tail -n +2 "$2/epsilon.csv" | while IFS=, read -r n eps lo hi pv bv runs bw secs; do
        if [ -n "$bw" ]; then bw=$(printf "%.4g" "$bw"); else bw="-"; fi
        printf "| %s | %.4e | [%.4e, %.4e] | %s | %s | %.2f |\n" "$n" "$eps" "$lo" "$hi" "$runs" "$bw" "$secs"
    done
    python3 -c "import json,sys; d=json.load(open('$2/summary.json')); r=d.get('fitted_rate'); print(f'\nFitted: epsilon_N ~ {d[\"fitted_constant\"]:.3g} N^(-{r:.2f}).' if r is not None else '')"
}
"$bin" solve crowd-aversion-1d --quiet --no-pictures --out "$work/ca" > /dev/null || true
python3 - "$work" <<'PY'
import sys, numpy as np
w = sys.argv[1]
a, t, x = (np.load(f"{w}/ca/{k}.npy") for k in ("alpha", "t", "x"))
np.savez(f"{w}/half.npz", alpha=0.5 * a, t=t, x=x)
PY
"$bin" nplayer crowd-aversion-1d --control "$work/ca/alpha.npy" --runs 40 --out "$work/ca-eq" > /dev/null
"$bin" nplayer crowd-aversion-1d --control "$work/half.npz" --runs 40 --out "$work/ca-half" > /dev/null
exploit=$("$bin" evaluate crowd-aversion-1d --control "$work/half.npz" --quiet --out "$work/ev" | awk '/exploitability/ {print $3}')
"$bin" rl run --game crowd_modelling --algorithm mirror-descent --learning-rate 1 --iterations 300 --out "$work/cm" > /dev/null 2>&1
python3 -c "import numpy as np; p=np.load('$work/cm/policy.npy'); np.save('$work/uniform.npy', np.ones_like(p)/p.shape[2])"
"$bin" nplayer --game crowd_modelling --policy "$work/cm/policy.npy" --runs 200 --out "$work/cm-eq" > /dev/null
"$bin" nplayer --game crowd_modelling --policy "$work/uniform.npy" --runs 200 --out "$work/cm-uni" > /dev/null
uniform=$("$bin" rl evaluate --game crowd_modelling --policy "$work/uniform.npy" | sed -E 's/.*exploitability ([0-9.e+-]+).*/\1/')
cp "$work/ca-eq/epsilon.png" docs/img/nplayer-crowd-aversion-1d.png
cp "$work/cm-eq/epsilon.png" docs/img/nplayer-crowd-modelling.png
table "crowd-aversion-1d, the equilibrium feedback of the 200 x 100 solve" "$work/ca-eq"
table "crowd-aversion-1d, half the equilibrium feedback (its PDE exploitability, \`evaluate\`: $exploit)" "$work/ca-half"
table "crowd_modelling, mirror descent's policy after 300 iterations (exploitability 2.4e-4)" "$work/cm-eq"
table "crowd_modelling, the uniform policy (its exact exploitability: $uniform)" "$work/cm-uni"
