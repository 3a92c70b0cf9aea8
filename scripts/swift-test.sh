#!/usr/bin/env bash
# `swift test` with a time limit: builds the tests, then runs them with line-buffered output. If the
# run takes longer than the limit it prints every thread's stack of the test process (gdb, if
# installed), then the tests that started and did not finish, and fails; so a test that hangs is
# named in the last lines of a CI log instead of the run being killed from outside with its last
# lines still in a buffer.
#
# usage: scripts/swift-test.sh [LIMIT_SECONDS] [-- swift test arguments]   (default limit: 900 s)
set -uo pipefail
cd "$(dirname "$0")/.."
limit=900
if [[ $# -gt 0 && $1 != -- ]]; then limit=$1; shift; fi
[[ $# -gt 0 && $1 == -- ]] && shift
[[ $limit =~ ^[0-9]{1,6}$ && $limit -gt 0 ]] \
    || { echo "swift-test.sh: the time limit (make's SWIFT_TEST_LIMIT) must be a whole number of seconds from 1 to 999999, not '$limit'" >&2; exit 64; }
swift=${SWIFT:-swift}

"$swift" build --build-tests || exit $?

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# setsid: the run and every process it starts form one group, killed together at the limit.
setsid stdbuf -oL -eL "$swift" test --skip-build "$@" > "$log" 2>&1 &
run=$!
tail -n +1 -f --pid="$run" "$log" &
show=$!
start=$SECONDS
while kill -0 "$run" 2> /dev/null; do
    if (( SECONDS - start >= limit )); then
        echo
        echo "swift-test.sh: the tests did not finish within $limit s"
        for pid in $(pgrep -s "$run" -f '\.xctest'); do
            if command -v gdb > /dev/null; then
                echo "--- threads of $(tr '\0' ' ' < /proc/$pid/cmdline) (pid $pid)"
                gdb -p "$pid" -batch -ex 'set pagination off' -ex 'thread apply all bt 12' 2>/dev/null \
                    | grep -E '^(Thread|#)' | { "$swift" demangle --simplified 2>/dev/null || cat; } | cut -c1-200
            fi
        done
        kill -KILL -- "-$run" 2> /dev/null
        wait "$run" 2> /dev/null
        wait "$show"
        echo "--- tests that started and did not finish:"
        # XCTest: "Test Case 'C.t' started" / "... passed|failed|skipped"; Swift Testing: "◇ Test t() started."
        # / "✔ Test t() passed", "✘ Test t() failed", "➜ Test t() skipped".
        python3 - "$log" <<'EOF'
import re, sys
started, ended = {}, set()
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"Test Case '([^']+)' (started|passed|failed|skipped)", line)
    if m:
        (started.setdefault(m[1], len(started)) if m[2] == "started" else ended.add(m[1]))
        continue
    m = re.match(r"\S+ Test (\S+?\)) (started|passed|failed|skipped|with)", line)
    if m:
        (started.setdefault(m[1], len(started)) if m[2] == "started" else ended.add(m[1]))
left = [t for t in sorted(started, key=started.get) if t not in ended]
print("\n".join(left) if left else "(none: the process did not exit after its last test)")
EOF
        exit 124
    fi
    sleep 2
done
wait "$run"
status=$?
wait "$show"
exit $status
