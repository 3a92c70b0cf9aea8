#!/usr/bin/env bash
# The Python package's tests (python/), in a virtual environment kept out of git.
# Usage: scripts/python-tests.sh VENV PATH/TO/solve-mfg [--peers] [--fresh]
#   Installs ./python with its test extra, tries OpenSpiel 2.0.2 from PyPI (its tests skip with a message
#   if it cannot be installed), with --peers also MFGLib (which pulls torch and its CUDA libraries, about
#   5.7 GB; without --peers its tests skip), then runs the tests against the given binary.
#   --fresh removes the environment first.
set -euo pipefail
venv=${1:?usage: python-tests.sh VENV PATH/TO/solve-mfg [--peers] [--fresh]}
bin=${2:?usage: python-tests.sh VENV PATH/TO/solve-mfg [--peers] [--fresh]}
shift 2
peers=0 fresh=0
for flag in "$@"; do
    case $flag in
        --peers) peers=1 ;;
        --fresh) fresh=1 ;;
        *) echo "python-tests.sh: unknown flag $flag" >&2; exit 64 ;;
    esac
done
cd "$(dirname "$0")/.."
[ -x "$bin" ] || { echo "python-tests.sh: no solve-mfg binary at $bin (build it first)" >&2; exit 1; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
python=${PYTHON:-python3}
start=$SECONDS
[ "$fresh" -eq 1 ] && rm -rf "$venv"
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q "./python[test]"
echo "python-tests: ./python[test] installed in $venv ($((SECONDS - start)) s)"
peer() {  # peer IMPORT LABEL PIP-REQUIREMENT...
    local module=$1 label=$2
    shift 2
    if "$venv/bin/python" -c "import $module" 2>/dev/null; then return; fi
    local t=$SECONDS
    if "$venv/bin/python" -m pip install -q "$@"; then
        echo "python-tests: $label installed ($((SECONDS - t)) s)"
    else
        echo "python-tests: $label could not be installed; its tests will be skipped"
    fi
}
peer pyspiel "OpenSpiel 2.0.2" "open_spiel==2.0.2"
if [ "$peers" -eq 1 ]; then
    peer mfglib.alg "MFGLib (with torch)" mfglib
fi
echo "python-tests: environment ready after $((SECONDS - start)) s; running the tests against $bin"
SOLVE_MFG="$bin" SOLVE_MFG_REQUIRE_BINARY=1 "$venv/bin/python" -m pytest python/tests -rs -q -p no:cacheprovider
