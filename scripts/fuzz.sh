#!/usr/bin/env bash
# libFuzzer targets of the parsers that build without the system libraries (issue 17): the TOML
# reader, the expression parser/simplifier/derivative/compiler, and the .npy/.npz readers. Each is
# compiled with its module's sources into one binary (-sanitize=fuzzer,address) and run for SECONDS
# on a corpus seeded from the catalogue and from arrays the command writes; crashes are kept in
# .build-fuzz/<target>/ as crash-* files. Usage: scripts/fuzz.sh [SECONDS] [TARGETS...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}; shift || true
targets=${*:-toml expression npy}
out=.build-fuzz
mkdir -p "$out"
build() {  # build NAME SOURCES...
    local name=$1; shift
    swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name "Fuzz$name" "$@" -o "$out/$name.fuzz" 2>&1 \
        | grep -v "Cannot export local symbol" || true
}
seed() {  # the seed corpora
    mkdir -p "$out/toml/corpus" "$out/expression/corpus" "$out/npy/corpus"
    cp problems/*.toml "$out/toml/corpus/"
    grep -ho '"[^"]*"' problems/*.toml | tr -d '"' | sort -u | awk -v d="$out/expression/corpus" '{ print > (d "/e" NR) }'
    python3 - "$out/npy/corpus" <<'PY'
import struct, sys, zipfile, io
d = sys.argv[1]
def npy(descr, shape, payload):
    h = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    h += " " * ((64 - (10 + len(h) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode() + payload
a = npy("<f8", "(2, 3)", struct.pack("<6d", 1, 2, 3, 4.5, -0.0, 1e-300))
b = npy("<i8", "(3,)", struct.pack("<3q", 1, -2, 3))
open(d + "/a", "wb").write(b"\x00" + a)
open(d + "/b", "wb").write(b"\x00" + b)
z = io.BytesIO()
with zipfile.ZipFile(z, "w") as f:
    f.writestr("a.npy", a); f.writestr("b.npy", b)
open(d + "/z", "wb").write(b"\x01" + z.getvalue())
PY
}
seed
for t in $targets; do
    case $t in
        toml) build toml Sources/Problems/TOML/*.swift Fuzz/TOMLTarget.swift ;;
        expression) build expression Sources/Problems/Expression/*.swift Fuzz/ExpressionTarget.swift ;;
        npy) build npy Sources/Writers/*.swift Fuzz/NPYTarget.swift ;;
        *) echo "unknown target $t (toml, expression, npy)"; exit 64 ;;
    esac
    echo "== $t: $seconds s"
    (cd "$out/$t" && ASAN_OPTIONS=detect_leaks=0 "../$t.fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
        -print_final_stats=1 corpus 2>&1 | grep -E "^(stat::number_of_executed_units|stat::peak_rss|==[0-9]+==ERROR|SUMMARY|artifact_prefix|Done)" ) || {
        echo "FUZZ $t: a crash (see $out/$t/crash-*)"; exit 1; }
done
