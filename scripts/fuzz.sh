#!/usr/bin/env bash
# libFuzzer targets of every parser (issue 17, docs/fuzzing.md):
#   toml        the TOML reader;
#   expression  the expression parser, simplifier, derivative and compiler;
#   npy         the .npy/.npz readers;
#   problem     problem-file building (parse, compile, the game and its social form, the data check);
#   dataset     the offline-dataset readers (.npz datasets, Minari metadata.json);
#   suite       benchmark suite files (parse, check, expand into cells) and --shard texts.
# The first three are compiled with their module's sources into one binary; the others link the
# objects of an instrumented `swift build -c release --target M` (in .build-fuzz/spm) and the system
# libraries. Everything is built with -sanitize=fuzzer,address and run for SECONDS each on a corpus
# seeded from the catalogue, the suites and files the targets write; crashes are kept in
# .build-fuzz/<target>/ as crash-* files. Usage: scripts/fuzz.sh [SECONDS] [TARGETS...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}; shift || true
targets="$*"
[ -n "${targets// /}" ] || targets="toml expression npy problem dataset suite"   # none given (or only empty words): all
out=.build-fuzz
mkdir -p "$out"
build() {  # build NAME SOURCES...
    local name=$1; shift
    swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name "Fuzz$name" "$@" -o "$out/$name.fuzz" 2>&1 \
        | grep -v "Cannot export local symbol" || true
}
spm=$out/spm/release
build_linked() {  # build_linked NAME TARGET MODULES... : the target's instrumented objects and its libraries
    local name=$1 target=$2; shift 2
    swift build -c release --target "$target" --build-path "$out/spm" -Xswiftc -sanitize=fuzzer,address 2>&1 | grep -E "error|warning: unre" || true
    local objects=()
    for m in "$@"; do objects+=("$spm/$m.build"/*.o); done
    swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name "Fuzz$name" "Fuzz/${name^}Target.swift" \
        -I "$spm/Modules" -I Sources/CFFTW -I Sources/CLapacke -I Sources/CHDF5 -I Sources/CCairo $(pkg-config --cflags-only-I hdf5 cairo | sed 's/-I/-Xcc -I/g') \
        "${objects[@]}" $(pkg-config --libs-only-L hdf5) -lfftw3 -llapacke -lopenblas -lhdf5 -lcairo -o "$out/$name.fuzz" 2>&1 \
        | grep -v "Cannot export local symbol" || true
}
seed() {  # the seed corpora
    mkdir -p "$out/toml/corpus" "$out/expression/corpus" "$out/npy/corpus" "$out/problem/corpus" "$out/dataset/corpus" "$out/suite/corpus"
    cp problems/*.toml "$out/toml/corpus/"
    cp problems/*.toml "$out/problem/corpus/"
    cp benchmarks/*.toml "$out/suite/corpus/"
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
        problem) build_linked problemFile Problems PDE Problems; mv "$out/problemFile.fuzz" "$out/problem.fuzz" ;;
        dataset) build_linked dataset Datasets PDE Neural RLBridge Writers Datasets ;;
        suite) build_linked suite Benchmark PDE Problems Neural RLBridge Approximators Writers Plots Benchmark ;;
        *) echo "unknown target $t (toml, expression, npy, problem, dataset, suite)"; exit 64 ;;
    esac
    echo "== $t: $seconds s"
    (cd "$out/$t" && ASAN_OPTIONS=detect_leaks=0 "../$t.fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
        -print_final_stats=1 corpus 2>&1 | grep -E "^(stat::number_of_executed_units|stat::peak_rss|==[0-9]+==ERROR|SUMMARY|artifact_prefix|Done)" ) || {
        echo "FUZZ $t: a crash (see $out/$t/crash-*)"; failed=1; }
done
exit ${failed:-0}
