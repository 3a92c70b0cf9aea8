#!/usr/bin/env bash
# The benchmark's Slurm job array on a real single-node Slurm (issue 15): installs Debian's Slurm
# and MUNGE if missing, starts munged, slurmctld and slurmd on this machine (one node: this host,
# its CPUs and memory, everything under a temporary directory), submits what
# `solve-mfg benchmark slurm benchmarks/quick.toml --shards 3` writes, waits for the array and the
# merge job, and checks that the merged cells equal a local unsharded run of the same suite.
# Stops every daemon it started and removes its directory in all cases; prints PASS or FAIL with
# the timings and exits non-zero on failure.
#
#   bash scripts/slurm-test.sh [SOLVE_MFG_BINARY]     (default .build/release/solve-mfg; needs root)
#
# Environment: SLURM_TEST_SUITE (default benchmarks/quick.toml), SLURM_TEST_SHARDS (3),
# SLURM_TEST_TIMEOUT (seconds for the jobs, 1200), SLURM_TEST_PORT (slurmctld's port, 6817; slurmd
# takes the next), SLURM_TEST_KEEP=1 (keep the temporary directory).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-.build/release/solve-mfg}
suite=${SLURM_TEST_SUITE:-benchmarks/quick.toml}
shards=${SLURM_TEST_SHARDS:-3}
job_timeout=${SLURM_TEST_TIMEOUT:-1200}
ctld_port=${SLURM_TEST_PORT:-6817}
slurmd_port=$((ctld_port + 1))
packages=(slurm-wlm munge)

say() { echo "slurm-test: $*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
t_start=$(now)

# --- 1. Slurm and MUNGE ------------------------------------------------------------------------
[ -x "$bin" ] || { say "no solve-mfg binary at $bin (build it: swift build -c release --product solve-mfg)"; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
[ -f "$suite" ] || { say "no suite file $suite"; exit 2; }
command -v python3 >/dev/null || { say "python3 is needed to compare the results"; exit 2; }
if [ "$(id -u)" -ne 0 ]; then
    say "this test starts slurmctld, slurmd and munged as root (and may install packages): run it as root."
    say "Nothing was changed."
    exit 2
fi

have_slurm() { command -v slurmctld && command -v slurmd && command -v sbatch && command -v munged; } >/dev/null 2>&1
t_install=0.0
if ! have_slurm; then
    if ! command -v apt-get >/dev/null 2>&1; then
        say "Slurm and MUNGE are missing and this is not a Debian-like system (no apt-get):"
        say "install the equivalents of Debian's ${packages[*]} and run again. Nothing was changed."
        exit 2
    fi
    t0=$(now)
    say "installing Debian's ${packages[*]} (apt-get install --no-install-recommends; about 4 MB:"
    say "  slurmctld, slurmd, slurm-client, slurm-wlm-basic-plugins, munge, libmunge2, libhwloc15, liblua5.1-0)"
    # The packages' maintainer scripts would start the system's munged and slurm daemons: forbid it
    # for the time of the install (Docker images already carry such a policy).
    policy_added=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && policy_added=1
    fi
    status=0 apt_log=$(mktemp)
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"; } > "$apt_log" 2>&1 || status=$?
    [ "$policy_added" = 1 ] && rm -f /usr/sbin/policy-rc.d
    if [ "$status" != 0 ] || ! have_slurm; then
        cat "$apt_log"; rm -f "$apt_log"
        say "FAIL: could not install ${packages[*]}"; exit 1
    fi
    rm -f "$apt_log"
    t_install=$(since "$t0")
    say "installed in ${t_install} s"
fi
say "$(slurmctld -V), $(munged --version 2>&1 | head -1)"

# --- 2. A single-node cluster under a temporary directory --------------------------------------
for port in "$ctld_port" "$slurmd_port"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        say "port $port is in use (another Slurm?): set SLURM_TEST_PORT to a free pair of ports"; exit 2
    fi
done

T=$(mktemp -d /tmp/solve-mfg-slurm-test.XXXXXX)
# The results go under a name with a space, a quote, '#' (a comment to sbatch) and '%' (a pattern
# in --output): the generated scripts must quote them for bash and for sbatch.
WORK="$T/results #1, it's 100%"
D=$T/daemons
mkdir -p "$D"/{munge,state,spool,log,run} "$WORK"
pids=()          # munged slurmctld slurmd, in the order started

# Processes that the test's daemons started (job steps, slurmstepd): those with a file, or their
# working directory, under $T. They are ours, found by their id.
our_leftovers() {
    local p
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        [ "$p" = "$$" ] && continue
        if ls -l "/proc/$p/cwd" "/proc/$p/fd" 2>/dev/null | grep -q -- "$T"; then echo "$p"; fi
    done
}

stop() {   # pid: TERM, wait up to 10 s, then KILL
    local pid=$1 i
    kill "$pid" 2>/dev/null || return 0
    for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
}

cleanup() {
    local code=$? pid i
    trap - EXIT INT TERM
    set +e
    if [ "${#pids[@]}" -ge 2 ] && kill -0 "${pids[1]}" 2>/dev/null; then
        scancel --quiet --user=root 2>/dev/null
        for i in $(seq 50); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.2; done
    fi
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop "${pids[i]}"; done
    for pid in $(our_leftovers); do say "stopping leftover process $pid: $(tr '\0' ' ' < /proc/$pid/cmdline 2>/dev/null)"; stop "$pid"; done
    if [ "$code" != 0 ] && [ -d "$D/log" ]; then
        for f in "$D"/log/*.log; do echo "--- last lines of $f"; tail -n 15 "$f"; done
    fi
    if [ "${SLURM_TEST_KEEP:-0}" = 1 ]; then say "kept $T"; else rm -rf "$T"; fi
    exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
    say "FAIL: $*"
    say "timings: install ${t_install} s, total $(since "$t_start") s"
    echo "slurm-test: 0 passed, 1 failed"
    exit 1
}

t0=$(now)
node=$(hostname -s)
cpus=$(getconf _NPROCESSORS_ONLN)
memory=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)   # MiB, as slurmd counts it
export SLURM_CONF=$D/slurm.conf
cat > "$SLURM_CONF" <<EOF
# One node, this host; written by scripts/slurm-test.sh.
ClusterName=solve-mfg-test
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$D/munge/munge.socket
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/run/slurmctld.pid
SlurmdPidFile=$D/run/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
say "slurm.conf: node $node, $cpus CPUs, $memory MiB, ports $ctld_port/$slurmd_port, under $D"

if command -v mungekey >/dev/null; then
    mungekey --create --keyfile="$D/munge/munge.key" --force
else
    dd if=/dev/urandom of="$D/munge/munge.key" bs=1024 count=1 status=none
fi
chmod 400 "$D/munge/munge.key"
munged --foreground --force --key-file="$D/munge/munge.key" --socket="$D/munge/munge.socket" \
    --pid-file="$D/run/munged.pid" --log-file="$D/log/munged.log" --seed-file="$D/munge/seed" \
    > "$D/log/munged.out" 2>&1 &
pids+=($!)
for i in $(seq 100); do
    munge -n -S "$D/munge/munge.socket" 2>/dev/null | unmunge -S "$D/munge/munge.socket" >/dev/null 2>&1 && break
    kill -0 "${pids[0]}" 2>/dev/null || fail "munged stopped (the logs follow)"
    [ "$i" = 100 ] && fail "munged does not answer on $D/munge/munge.socket"
    sleep 0.1
done
slurmctld -D -i > "$D/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D > "$D/log/slurmd.out" 2>&1 &
pids+=($!)
say "started munged (pid ${pids[0]}), slurmctld (pid ${pids[1]}), slurmd (pid ${pids[2]})"
for i in $(seq 300); do
    state=$(sinfo -h -N -o '%T' 2>/dev/null | head -1 || true)
    [ "$state" = idle ] && break
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || fail "a daemon (pid $p) stopped (the logs follow)"; done
    [ "$i" = 300 ] && fail "the node is not idle after 60 s (sinfo says '${state:-nothing}')"
    sleep 0.2
done
t_daemons=$(since "$t0")
say "node $node idle after ${t_daemons} s:"
sinfo

# --- 3. The generated job array, then a local run ----------------------------------------------
t0=$(now)
"$bin" benchmark slurm "$suite" --shards "$shards" --out "$WORK/slurm"
"$WORK/slurm/submit.sh"
deadline=$(($(date +%s) + job_timeout))
while :; do
    if queue=$(squeue -h 2>/dev/null); then [ -z "$queue" ] && break; fi   # an error is not an empty queue
    [ "$(date +%s)" -lt "$deadline" ] || { squeue; fail "the jobs did not finish within $job_timeout s"; }
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || fail "a daemon (pid $p) stopped (the logs follow)"; done
    sleep 1
done
t_slurm=$(since "$t0")
say "the array and the merge job ended after ${t_slurm} s:"
scontrol show job -o | awk '{ line = ""; for (i = 1; i <= NF; i++) if ($i ~ /^(JobId|ArrayJobId|ArrayTaskId|JobName|JobState|ExitCode|RunTime)=/) line = line (line == "" ? "" : " ") $i; print line }'
echo "--- logs/merge.out: $(head -n 1 "$WORK/slurm/logs/merge.out" 2>/dev/null)"
for f in "$WORK"/slurm/logs/shard-*.out; do echo "--- logs/$(basename "$f"): $(tail -n 1 "$f")"; done
bad_jobs=$(scontrol show job -o | grep -v 'JobState=COMPLETED' || true)
if [ -n "$bad_jobs" ]; then
    for f in "$WORK"/slurm/logs/*.out; do echo "--- $f"; tail -n 40 "$f"; done
    fail "some jobs did not complete: $bad_jobs"
fi

t0=$(now)
local_status=0
"$bin" benchmark run "$suite" --out "$WORK/local" > "$WORK/local.log" 2>&1 || local_status=$?
t_local=$(since "$t0")
tail -n 1 "$WORK/local.log"
say "local unsharded run: ${t_local} s, exit code $local_status"

# --- 4. The comparison ---------------------------------------------------------------------------
[ -f "$WORK/slurm/merged/report.html" ] || fail "no $WORK/slurm/merged/report.html"
commit() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["commit"])' "$1/manifest.json"; }
[ "$(commit "$WORK/slurm/merged")" = "$(commit "$WORK/local")" ] \
    || fail "the jobs recorded commit $(commit "$WORK/slurm/merged"), the local run $(commit "$WORK/local")"
say "the jobs recorded the commit of the local run ($(commit "$WORK/local"))"
python3 - "$WORK/slurm/merged/cells" "$WORK/local/cells" <<'EOF' || fail "the merged result differs from the local run"
import json, math, os, sys
merged, local = sys.argv[1], sys.argv[2]
def cells(d):
    return {n[:-5]: json.load(open(os.path.join(d, n))) for n in os.listdir(d) if n.endswith(".json")}
m, l = cells(merged), cells(local)
problems = []
if set(m) != set(l):
    problems.append(f"cells only in the merged run: {sorted(set(m) - set(l))}; only in the local run: {sorted(set(l) - set(m))}")
def same(a, b):
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b): return True
    return type(a) == type(b) and a == b
compared = 0
for name in sorted(set(m) & set(l)):
    a, b = m[name], l[name]
    for key in ("status", "exploitability", "l1", "w1"):
        x, y = a.get(key), b.get(key)
        if isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            first = next((i for i in range(len(x)) if not same(x[i], y[i])), None)
            if first is not None:
                problems.append(f"{name}: {key}[{first}] differs: {x[first]!r} (Slurm) != {y[first]!r} (local)")
        elif not same(x, y):
            problems.append(f"{name}: {key} differs: {x!r} (Slurm) != {y!r} (local)")
    others = [k for k in sorted(set(a) | set(b)) if k not in ("status", "exploitability", "l1", "w1", "seconds") and not same(a.get(k), b.get(k))]
    if others:
        problems.append(f"{name}: also differs in {others}")
    npy = name + ".distribution.npy"
    pa, pb = os.path.join(merged, npy), os.path.join(local, npy)
    if os.path.exists(pa) != os.path.exists(pb) or (os.path.exists(pa) and open(pa, "rb").read() != open(pb, "rb").read()):
        problems.append(f"{npy} differs")
    compared += 1
ok = sum(1 for c in m.values() if c.get("status") == "ok")
points = sum(len(c.get("exploitability", [])) for c in m.values())
for p in problems[:20]: print("  " + p)
if problems:
    print(f"{len(problems)} differences"); sys.exit(1)
print(f"slurm-test: {compared} cells ({ok} ok), {points} exploitability values, every l1 and w1, every field but the wall time and every final distribution (.npy) equal bit for bit")
EOF
say "PASS: the merged Slurm result of $shards shards equals the local run (report.html written)"
say "timings: install ${t_install} s, daemons up ${t_daemons} s, Slurm array + merge ${t_slurm} s, local run ${t_local} s, total $(since "$t_start") s"
echo "slurm-test: 1 passed, 0 failed"
