#!/usr/bin/env bash
# Checks the command line end to end: outputs, exit codes and error messages.
# Usage: scripts/cli-checks.sh PATH/TO/solve-mfg
set -uo pipefail
bin=${1:?usage: cli-checks.sh PATH/TO/solve-mfg}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

check() {  # check NAME EXPECTED_RC PATTERN -- command...
    local name=$1 expected=$2 pattern=$3
    shift 4
    local out rc
    out=$("$@" 2>&1)
    rc=$?
    if [ "$rc" -eq "$expected" ] && { [ -z "$pattern" ] || grep -qE -- "$pattern" <<<"$out"; }; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL $name: exit $rc (expected $expected), output:"
        echo "$out" | sed 's/^/    /' | head -20
    fi
}

check "solve lq-1d" 0 "errors against \[exact\]: density_l1" -- "$bin" solve lq-1d --nx 100 --nt 20 --quiet --out "$work/lq"
for f in x t m u alpha; do
    check "lq-1d $f.npy written" 0 "" -- test -s "$work/lq/$f.npy"
done
check "lq-1d pictures" 0 "" -- test -s "$work/lq/density.png"
check "lq-1d summary" 0 '"exact_errors"' -- cat "$work/lq/summary.json"
check "not converged exits 3" 3 "did NOT converge" -- "$bin" solve congestion-lst-1d --nx 50 --nt 50 --max-iterations 2 --quiet --no-pictures --out "$work/nc"
check "not converged still writes the summary" 0 '"converged" : false' -- cat "$work/nc/summary.json"
check "round-off floor: said, with the tolerance to ask" 3 "as accurate as double precision allows.*--tolerance [0-9]e-10 or above" -- "$bin" solve ergodic-power-1d --nx 800 --quiet --no-pictures --out "$work/floor"
check "round-off floor in the summary" 0 '"round_off_floor"' -- cat "$work/floor/summary.json"
check "unknown problem" 65 "did you mean 'lq-1d'" -- "$bin" solve lq-1e --quiet
check "unknown parameter in --set" 65 "no parameter 'mu'.*did you mean 'nu'" -- "$bin" solve lq-1d --set mu=1 --quiet
check "malformed --set" 65 "expects NAME=NUMBER" -- "$bin" solve lq-1d --set nu --quiet
check "negative viscosity through --set" 65 "viscosity.*must be >= 0" -- "$bin" solve lq-1d --set nu=-1 --quiet
check "invalid grid" 65 "nx.*at least 4" -- "$bin" solve lq-1d --nx 2 --quiet
sed 's/viscosity = "nu"/viscocity = "nu"/' problems/lq-1d.toml > "$work/typo.toml"
check "unknown key names file, line and the closest key" 65 "typo.toml:[0-9]+: \[dynamics\] viscocity: unknown key \(did you mean 'viscosity'\?\)" -- "$bin" check "$work/typo.toml"
sed 's/running = "0.5\*q\*(x - s\*mean)^2"/running = "0.5*q*(x - s*mean"/' problems/lq-1d.toml > "$work/paren.toml"
check "bad expression names line and column" 65 "paren.toml:[0-9]+: \[costs\] running: .*column [0-9]+: expected '\)'" -- "$bin" check "$work/paren.toml"
sed 's/density = "exp(-(x - mean0)^2\/(2\*var0))"/density = "0*x"/' problems/lq-1d.toml > "$work/zero.toml"
check "zero initial density names the field" 65 "zero.toml:[0-9]+: \[initial\] density: m0 cannot be normalised: it is zero at every grid point" -- "$bin" check "$work/zero.toml"
sed 's/running = "m"/running = "sqrt(1 - m)"/' problems/congestion-lst-1d.toml > "$work/nan.toml"
check "NaN during a solve exits 4" 4 "non-finite value" -- "$bin" solve "$work/nan.toml" --nx 50 --nt 50 --quiet --out "$work/nan"
check "NaN diagnostics written" 0 '"failure"' -- cat "$work/nan/summary.json"
deep="$(printf '%.0s(' {1..5000})x$(printf '%.0s)' {1..5000})"
sed "s/running = \"0.5\*q\*(x - s\*mean)^2\"/running = \"$deep\"/" problems/lq-1d.toml > "$work/deep.toml"
check "deep nesting is an error, not a crash" 65 "nested more than 200 levels" -- "$bin" check "$work/deep.toml"
check "check a valid file" 0 "valid" -- "$bin" check problems/evacuation-1d.toml
check "verify prints orders" 0 "order" -- "$bin" verify hopf-cole-1d --levels 2 --nx 50 --nt 25
check "verify without [exact]" 65 "no \[exact\]" -- "$bin" verify congestion-lst-1d
check "list" 0 "evacuation-1d" -- "$bin" list
check "bench refuses a missing --baseline" 64 "--baseline: no executable" -- "$bin" bench --baseline "$work/no-such-binary"
check "ergodic solve reports lambda" 0 "lambda = -0\.6" -- "$bin" solve ergodic-periodic-1d --quiet --out "$work/erg"
check "ergodic summary has lambda" 0 '"lambda"' -- cat "$work/erg/summary.json"
check "ergodic verify" 0 "lambda_error" -- "$bin" verify ergodic-periodic-1d --levels 2
check "error estimate: lambda with its bound and extrapolation" 0 "lambda +=.*-0\.74.* \+- .*extrapolated -0\.82.*observed order 0\.9" -- "$bin" solve ergodic-periodic-1d --nx 400 --error-estimate --quiet --no-pictures --out "$work/ee"
check "error estimate in the summary" 0 '"extrapolated_error_bound"' -- cat "$work/ee/summary.json"
check "error estimate arrays" 0 "" -- test -s "$work/ee/m_error.npy"
check "error bars picture" 0 "error_bars.png" -- "$bin" solve lq-1d --nx 100 --nt 20 --error-estimate --quiet --out "$work/eb"
check "functionals in every summary" 0 '"social_cost"' -- cat "$work/erg/summary.json"
check "error estimate refuses grids that cannot be halved twice" 65 "multiples of 4" -- "$bin" solve lq-1d --nx 202 --error-estimate --quiet
check "verify the estimate against [exact]" 0 "every bound covers its true error" -- "$bin" verify hopf-cole-1d --error-estimate --nx 100 --nt 48
check "--markdown needs --error-estimate" 64 "--markdown is for --error-estimate" -- "$bin" verify hopf-cole-1d --markdown
check "social optimum and price of anarchy" 0 "price of anarchy 1\.05" -- "$bin" solve lq-1d --compare-social --quiet --no-pictures --out "$work/poa"
check "price of anarchy in the summary" 0 '"price_of_anarchy"' -- cat "$work/poa/summary.json"
check "social optimum alone" 0 "converged" -- "$bin" solve lq-1d --objective social --quiet --no-pictures --out "$work/so"
check "social objective in the summary" 0 '"objective" : "social"' -- cat "$work/so/summary.json"
check "unknown objective" 64 "objective" -- "$bin" solve lq-1d --objective selfish --quiet
check "social objective refused for congestion, naming the field" 65 "\[dynamics\].*congestion" -- "$bin" solve congestion-lst-1d --objective social --quiet
printf '\n[game]\nobjective = "selfish"\n' >> "$work/typo-objective.toml"
cat problems/lq-1d.toml "$work/typo-objective.toml" > "$work/objective.toml"
check "bad [game] objective names file, line and field" 65 "objective.toml:[0-9]+: \[game\] objective: unknown objective 'selfish'" -- "$bin" check "$work/objective.toml"
check "evaluate the equilibrium's own control: exploitability 0" 0 "exploitability += [-0-9.]+e-1[0-9]" -- "$bin" evaluate lq-1d --nx 100 --nt 20 --control "$work/lq/alpha.npy" --quiet --out "$work/evq"
check "evaluate writes its summary" 0 '"exploitability"' -- cat "$work/evq/summary.json"
check "evaluate: missing control file" 65 "cannot read" -- "$bin" evaluate lq-1d --control "$work/nothing.npy" --quiet --out "$work/evn"
check "evaluate: control of the wrong dimension" 65 "alpha_x.npy" -- "$bin" evaluate crowd-aversion-2d --control "$work/lq/alpha.npy" --quiet --out "$work/evd"
check "nplayer, continuous: epsilon per N and the fitted rate" 0 "fitted: epsilon_N" -- "$bin" nplayer lq-1d --control "$work/lq/alpha.npy" --nx 100 --nt 20 --players 10,100 --runs 4 --out "$work/np"
check "nplayer writes epsilon.csv" 0 "players,epsilon,low,high" -- cat "$work/np/epsilon.csv"
check "nplayer needs a control or a policy" 64 "needs --control" -- "$bin" nplayer lq-1d
check "nplayer refuses bad --players" 64 "--players takes numbers" -- "$bin" nplayer lq-1d --control "$work/lq/alpha.npy" --players 10,x
check "nplayer refuses a 2D problem" 65 "1D time-dependent" -- "$bin" nplayer crowd-aversion-2d --control "$work/lq/alpha.npy"
timeout -s INT 6 "$bin" benchmark run benchmarks/quick.toml --out "$work/bench" > /dev/null 2>&1 || true  # interrupted half-way (Ctrl-C)
check "benchmark: a killed run resumes without recomputing finished cells" 0 "\([0-9]+ failed\), [1-9][0-9]* already done" -- "$bin" benchmark run benchmarks/quick.toml --out "$work/bench"
check "benchmark report" 0 "report.html" -- "$bin" benchmark report "$work/bench"
check "benchmark report is self-contained" 0 "data:image/png;base64" -- cat "$work/bench/report.html"
check "benchmark results.csv" 0 "^id,problem,level,method" -- cat "$work/bench/results.csv"
check "benchmark shard" 0 "cells computed" -- "$bin" benchmark run benchmarks/quick.toml --shard 5/5 --out "$work/bench-s5"
check "benchmark refuses a directory of another shard" 65 "holds results of shard 5/5" -- "$bin" benchmark run benchmarks/quick.toml --shard 4/5 --out "$work/bench-s5"
check "benchmark refuses a bad shard" 64 "shard is i/n" -- "$bin" benchmark run benchmarks/quick.toml --shard 6/5
check "benchmark merge refuses to write into a shard it reads" 65 "is the shard directory .*bench-s5; give a new directory" -- "$bin" benchmark merge "$work/bench-s5" --out "$work/bench-s5"
check "benchmark merge refuses to write inside a shard it reads" 65 "is inside the shard directory" -- "$bin" benchmark merge "$work/bench-s5" --out "$work/bench-s5/merged"
printf 'name = "bad"\n[methods.m]\nalgorithm = "gradient-descent"\n' > "$work/bad-suite.toml"
check "bad suite names file, line and field" 65 "bad-suite.toml:3: \[methods.m\] algorithm: unknown algorithm" -- "$bin" benchmark run "$work/bad-suite.toml"
check "benchmark slurm writes the job array" 0 "submit.sh" -- "$bin" benchmark slurm benchmarks/quick.toml --shards 3 --out "$work/slurm"
check "slurm array script" 0 "#SBATCH --array=1-3" -- cat "$work/slurm/array.sbatch"
check "slurm logs directory made with the scripts" 0 "" -- test -d "$work/slurm/logs"
real_bin=$(readlink -f "$bin")
check "benchmark slurm called through PATH" 0 "submit.sh" -- env PATH="$(dirname "$real_bin"):$PATH" "$(basename "$real_bin")" benchmark slurm benchmarks/quick.toml --shards 2 --out "$work/slurm-path"
check "benchmark slurm refuses an empty --memory" 64 "--memory takes a Slurm size" -- "$bin" benchmark slurm benchmarks/quick.toml --out "$work/slurm-empty-memory" --memory ""
check "slurm jobs run the binary by its absolute path" 0 "^exec '$real_bin' benchmark run" -- cat "$work/slurm-path/array.sbatch"
XDG_CACHE_HOME="$work/cache" "$bin" dataset generate --game crowd_modelling --behavior expert --episodes 50 --out "$work/cached-1.npz" > /dev/null 2>&1
check "the expert of a game is cached" 0 "" -- bash -c "ls '$work'/cache/solve-mfg/experts/*.npy"
XDG_CACHE_HOME="$work/cache" "$bin" dataset generate --game crowd_modelling --behavior expert --episodes 50 --out "$work/cached-2.npz" > /dev/null 2>&1
check "a cached expert gives the same dataset" 0 "" -- cmp "$work/cached-1.npz" "$work/cached-2.npz"
check "evaluate: an empty --control" 65 "--control: an empty path" -- "$bin" evaluate lq-1d --control "" --quiet
check "evaluate: a directory as --control" 65 "is a directory; --control takes" -- "$bin" evaluate lq-1d --control "$work" --quiet
check "nplayer refuses a negative bandwidth" 64 "--bandwidth must be a positive number" -- "$bin" nplayer lq-1d --control "$work/lq/alpha.npy" --bandwidth=-1
check "nplayer refuses a NaN bandwidth" 64 "--bandwidth must be a positive number" -- "$bin" nplayer lq-1d --control "$work/lq/alpha.npy" --bandwidth nan
check "nplayer refuses a huge number of players" 64 "--players takes numbers between 2 and 10,000,000" -- "$bin" nplayer lq-1d --control "$work/lq/alpha.npy" --players 100000000000
check "price of anarchy with its error bar" 0 "price of anarchy 1\.0[0-9]* \+- 0\.[0-9]+" -- "$bin" solve lq-1d --compare-social --error-estimate --quiet --no-pictures --out "$work/poa-e"
check "nonlocal problem solves" 0 "converged" -- "$bin" solve nonlocal-aversion-1d --nx 50 --nt 25 --quiet --no-pictures --out "$work/nl"
sed 's/boundary = "periodic"/boundary = "reflecting"/' problems/nonlocal-aversion-1d.toml > "$work/nlr.toml"
check "1D evacuation solves, mass + outflow" 0 "outflow through the exits" -- "$bin" solve evacuation-1d --nx 50 --nt 50 --quiet --no-pictures --out "$work/ev1"
check "1D outflow in the summary" 0 '"outflow"' -- cat "$work/ev1/summary.json"
check "2D evacuation solves, mass + outflow" 0 "outflow through the exits" -- "$bin" solve evacuation-2d --nx 20 --ny 20 --nt 20 --quiet --out "$work/ev2"
check "2D arrays written" 0 "" -- test -s "$work/ev2/alpha_y.npy"
check "2D pictures written" 0 "" -- test -s "$work/ev2/density.png"
sed 's/boundary = "reflecting"/boundary = "periodic"/' problems/evacuation-2d.toml > "$work/ev2p.toml"
check "2D exits on a torus are refused" 65 "exits need boundary" -- "$bin" check "$work/ev2p.toml"
sed 's/^obstacle = .*/obstacle = "1"/' problems/evacuation-2d.toml > "$work/ev2o.toml"
check "an obstacle covering the room is refused" 65 "covers every cell" -- "$bin" check "$work/ev2o.toml"
check "2D ergodic verify prints orders" 0 "lambda_error" -- "$bin" verify ergodic-periodic-2d --levels 2 --nx 16
check "rl run" 0 "exploitability 2.786682416298e\+00 ->" -- "$bin" rl run --game crowd_modelling --algorithm fictitious-play --iterations 5 --quiet --out "$work/rl"
check "rl evaluate the policy it wrote" 0 "exploitability" -- "$bin" rl evaluate --policy "$work/rl/policy.npy" --game crowd_modelling
check "rl evaluate --out writes its summary" 0 "results: .*summary.json" -- "$bin" rl evaluate --policy "$work/rl/policy.npy" --game crowd_modelling --out "$work/rle"
check "rl evaluate summary has value and exploitability" 0 '"exploitability" : [0-9].*' -- sh -c "tr -d '\n' < '$work/rle/summary.json'"
check "rl evaluate --out arrays" 0 "" -- sh -c "cmp '$work/rle/distribution.npy' '$work/rl/distribution.npy' && test -s '$work/rle/policy_value.npy' && test -s '$work/rle/best_response_value.npy'"
check "rl evaluate refuses a wrong shape" 65 "needs \[H, S, A\]" -- "$bin" rl evaluate --policy "$work/rl/policy.npy" --game crowd_modelling --set size=11
check "rl run linear_quadratic with mean reversion" 0 "exploitability 2.7547744568" -- "$bin" rl run --game linear_quadratic --set mean_revert=0.7 --algorithm mirror-descent --learning-rate 1 --iterations 3 --quiet --out "$work/lqmr"
check "rl evaluate --distribution-out writes mu" 0 "" -- sh -c "'$bin' rl evaluate --policy '$work/lqmr/policy.npy' --game linear_quadratic --set mean_revert=0.7 --distribution-out '$work/lqmr/mu.npy' > /dev/null && cmp '$work/lqmr/mu.npy' '$work/lqmr/distribution.npy'"
check "datasets refuse population-dependent moves" 65 "moves depend on the population" -- "$bin" dataset generate --game linear_quadratic --set mean_revert=0.5 --behavior random --episodes 10 --out "$work/lqmr.npz"
check "rl unknown game" 65 "did you mean 'crowd_modelling'" -- "$bin" rl run --game crowd_modeling --quiet
check "rl unknown parameter" 65 "unknown parameter 'sizes'" -- "$bin" rl run --game crowd_modelling --set sizes=3 --quiet
check "rl run wardrop --objective social" 0 "road_A 0\.66666666666.*price of anarchy: 1\.0908" -- sh -c "'$bin' rl run --game wardrop --objective social --quiet --out '$work/wardrop' | tr '\n' ' '"
check "wardrop summary has the price of anarchy" 0 '"price_of_anarchy" : 1\.0908' -- cat "$work/wardrop/summary.json"
check "wardrop equilibrium written" 0 "" -- test -s "$work/wardrop/equilibrium_policy.npy"
check "rl run bad --objective" 64 "invalid for '--objective.*'nash' and 'social'" -- "$bin" rl run --game wardrop --objective socal --quiet
check "--objective social without the reward's derivative" 65 "available for the games: wardrop" -- "$bin" rl run --game linear_quadratic --objective social --quiet
check "wardrop refuses a negative slope" 65 "slopes must be >= 0" -- "$bin" rl run --game wardrop --set slope_b=-1 --quiet
check "rl refine prints the refinement table" 0 "exploitability\(PDE policy\)" -- "$bin" rl refine crowd-aversion-1d --levels 10,20 --fine 40 --iterations 20
check "rl refine on walls (lq-1d)" 0 "exploitability\(PDE policy\)" -- "$bin" rl refine lq-1d --levels 10,20 --fine 40 --iterations 10
check "rl refine in 2D" 0 "exploitability\(PDE policy\)" -- "$bin" rl refine crowd-aversion-2d --levels 5,10 --fine 20 --iterations 10
check "rl run --problem in 2D" 0 '"l1_distance_to_pde"' -- sh -c "'$bin' rl run --problem crowd-aversion-2d --nx 5 --reference 20 --iterations 5 --quiet --out '$work/rl2d' > /dev/null && cat '$work/rl2d/summary.json'"
check "rl refine refuses nonlocal couplings" 65 "without nonlocal couplings" -- "$bin" rl refine nonlocal-aversion-1d --levels 10,20 --fine 40
check "rl refine refuses ergodic 2D problems" 65 "time-dependent problems" -- "$bin" rl refine ergodic-periodic-2d --levels 10,20 --fine 40
check "rl run --problem with an exit" 0 "l1_distance_to_pde" -- sh -c "'$bin' rl run --problem evacuation-1d --nx 10 --reference 40 --iterations 5 --quiet --out '$work/rlev' > /dev/null && cat '$work/rlev/summary.json'"
check "rl run --problem reports distances to the PDE" 0 '"w1_distance_to_pde"' -- sh -c "'$bin' rl run --problem crowd-aversion-1d --nx 10 --reference 40 --iterations 5 --quiet --out '$work/rlp' > /dev/null && cat '$work/rlp/summary.json'"
check "rl run --problem --nx 1 is refused before the reference" 65 "at least 4 cells per axis.*give --nx 4" -- "$bin" rl run --problem crowd-aversion-1d --nx 1 --quiet
check "a --reference that --nx does not divide is refused" 65 "give --reference 325" -- "$bin" rl run --problem crowd-aversion-1d --nx 25 --reference 320 --quiet
check "rl run --problem picks a reference --nx divides" 0 "crowd-aversion-1d, mirror-descent" -- "$bin" rl run --problem crowd-aversion-1d --nx 25 --iterations 2 --quiet --out "$work/rl25"
check "rl run --problem --nx 8 has 3 actions" 0 '"actions" : 3' -- sh -c "'$bin' rl run --problem crowd-aversion-1d --nx 8 --reference 40 --iterations 2 --quiet --out '$work/rl8' > /dev/null && cat '$work/rl8/summary.json'"
check "rl --game and --problem together are refused" 64 "either --game or --problem" -- "$bin" rl run --game crowd_modelling --problem crowd-aversion-1d --quiet
check "nonlocal on walls is refused" 65 "nonlocal couplings need boundary" -- "$bin" check "$work/nlr.toml"
# Offline learning: datasets (npz and Minari), info, learners, bad input.
check "dataset generate (npz)" 0 "quality" -- "$bin" dataset generate --game crowd_modelling --set size=8 --set horizon=5 --behavior expert=0.5,random=0.5 --episodes 200 --expert-iterations 100 --expert-learning-rate 0.3 --out "$work/cm.npz"
check "dataset generate (Minari)" 0 "written to" -- "$bin" dataset generate --game four_rooms --behavior intermediate --episodes 50 --expert-iterations 50 --out "$work/fr" --quiet
check "Minari layout" 0 "" -- test -s "$work/fr/data/main_data.hdf5" -a -s "$work/fr/data/metadata.json"
check "dataset info" 0 "state-action coverage" -- "$bin" dataset info "$work/fr"
check "rl offline off-mmd" 0 "off-mmd: exploitability" -- "$bin" rl offline --dataset "$work/cm.npz" --iterations 2 --updates-per-iteration 20 --batch-size 32 --hidden 16,16 --tau 0.5 --quiet --out "$work/off"
check "rl offline writes exploitability.csv" 0 "iteration,exploitability,seconds,mean_field_error" -- cat "$work/off/exploitability.csv"
check "rl offline --threads 1 learns what the default learns" 0 "" -- sh -c "'$bin' rl offline --dataset '$work/cm.npz' --iterations 2 --updates-per-iteration 20 --batch-size 32 --hidden 16,16 --tau 0.5 --threads 1 --quiet --out '$work/off1' > /dev/null && cmp '$work/off/policy.npy' '$work/off1/policy.npy'"
check "rl offline --matmul-precision float32 learns in float32" 0 '"matmul_precision" : "float32"' -- sh -c "'$bin' rl offline --dataset '$work/cm.npz' --iterations 2 --updates-per-iteration 20 --batch-size 32 --hidden 16,16 --tau 0.5 --matmul-precision float32 --quiet --out '$work/off32' > /dev/null && ! cmp -s '$work/off/policy.npy' '$work/off32/policy.npy' && cat '$work/off32/summary.json'"
check "the default products are bfloat16" 0 '"matmul_precision" : "bfloat16"' -- cat "$work/off/summary.json"
check "--matmul-precision fp16 is refused" 64 "Please provide one of 'float32' and 'bfloat16'" -- "$bin" rl offline --dataset "$work/cm.npz" --matmul-precision fp16 --quiet --out "$work/t"
check "--threads 0 is refused" 64 "--threads must lie in 1 ... 4" -- "$bin" rl offline --dataset "$work/cm.npz" --threads 0 --quiet --out "$work/t"
check "rl offline tabular" 0 "tabular-off-mmd: exploitability" -- "$bin" rl offline --dataset "$work/fr" --algorithm tabular-off-mmd --iterations 3 --quiet --out "$work/offt"
check "rl run d-momd" 0 "d-momd: exploitability" -- "$bin" rl run --game crowd_modelling --set size=8 --set horizon=5 --algorithm d-momd --iterations 2 --updates-per-iteration 20 --batch-size 32 --hidden 16 --episodes-per-iteration 50 --quiet --out "$work/dm"
check "unknown behaviour" 64 "unknown behaviour 'expret'" -- "$bin" dataset generate --game crowd_modelling --behavior expret --out "$work/x.npz"
check "missing dataset" 65 "x-missing.npz" -- "$bin" rl offline --dataset "$work/x-missing.npz" --quiet
head -c 3000 "$work/cm.npz" > "$work/cut.npz"
check "truncated dataset" 65 "cut.npz" -- "$bin" rl offline --dataset "$work/cut.npz" --quiet
check "bad --hidden" 64 "positive widths" -- "$bin" rl offline --dataset "$work/cm.npz" --hidden 0,4 --quiet
check "four_rooms task by name" 65 "'explore' is not one of exploration, navigation" -- "$bin" rl run --game four_rooms --set task=explore --quiet
# OpenSpiel's parameter syntax (issue 16): lists, game strings, errors listing the valid parameters.
acceptance=(--set size=9 --set horizon=5 --set only_distribution_reward=true --set "initial_distribution=[2|2;6|5]" --set "initial_distribution_value=[0.4;0.6]" --set "forbidden_states=[4|1;4|2;4|3]")
check "rl run with OpenSpiel's list parameters" 0 "exploitability 2\.927329931870e\+00 -> 1\.426864240804e\+00 after 5 iterations" -- "$bin" rl run --game crowd_modelling_2d "${acceptance[@]}" --iterations 5 --quiet --out "$work/cm2d"
check "rl run with an OpenSpiel game string" 0 "exploitability 2\.927329931870e\+00 -> 1\.426864240804e\+00 after 5 iterations" -- "$bin" rl run --game "mfg_crowd_modelling_2d(forbidden_states=[4|1;4|2;4|3],horizon=5,initial_distribution=[2|2;6|5],initial_distribution_value=[0.4;0.6],only_distribution_reward=True,size=9)" --iterations 5 --quiet --out "$work/cm2ds"
check "malformed list refused with the parameters" 65 "forbidden_states: '\[4\|1' is not a list in brackets.*parameters of crowd_modelling_2d: size=10 \(integer\)" -- "$bin" rl run --game crowd_modelling_2d --set "forbidden_states=[4|1" --quiet
check "start cell on a wall refused" 65 "entry 1\|4 starts at cell 4\|1 \(OpenSpiel reads a\|b as \(b, a\)\)" -- "$bin" rl run --game crowd_modelling_2d --set "forbidden_states=[4|1]" --set "initial_distribution=[1|4]" --set "initial_distribution_value=[1.0]" --quiet
check "rl run --help lists the games' parameters" 0 "crowd_modelling_2d: size=10 horizon=10 only_distribution_reward=false" -- "$bin" rl run --help
check "dataset keeps list parameters" 0 "written to" -- "$bin" dataset generate --game crowd_modelling_2d "${acceptance[@]}" --behavior random --episodes 20 --out "$work/cm2d.npz"
check "rl offline rebuilds that game" 0 "tabular-off-mmd: exploitability" -- "$bin" rl offline --dataset "$work/cm2d.npz" --algorithm tabular-off-mmd --iterations 2 --quiet --out "$work/cm2doff"
# Issue 17: no input traps, hangs or misleads; limits say what a size implies; one table of exit codes.
check "an empty behaviour is refused, not a trap" 64 "unknown behaviour ''" -- "$bin" dataset generate --game four_rooms --behavior = --out "$work/x.npz"
check "--hidden of 2^63 is refused with the largest accepted" 64 "parameters.*largest accepted is 5e\+07" -- "$bin" rl run --game crowd_modelling --algorithm d-momd --hidden 9223372036854775807 --quiet --out "$work/t"
check "--hidden 65536,65536 says what it implies" 64 "85.9 GB" -- "$bin" rl run --game crowd_modelling --algorithm d-momd --hidden 65536,65536 --quiet --out "$work/t"
check "--batch-size of 2^63 is refused" 64 "largest accepted batch here is [0-9]+" -- "$bin" rl run --game crowd_modelling --algorithm d-momd --batch-size 9223372036854775807 --quiet --out "$work/t"
check "Adam's learning rate is checked before the Float conversion" 64 "must lie in \(0, 1\]" -- "$bin" rl run --game crowd_modelling --algorithm d-momd --learning-rate 1e308 --quiet --out "$work/t"
check "linear_quadratic dt=1e-20: steps refused, not converted" 65 "policy entries.*largest accepted is 1e\+08" -- "$bin" rl run --game linear_quadratic --set dt=1e-20 --quiet --out "$work/t"
check "linear_quadratic dt=1e308 refused" 65 "at most 1e15" -- "$bin" rl run --game linear_quadratic --set dt=1e308 --quiet --out "$work/t"
check "linear_quadratic volatility=1e19 refused" 65 "at most 1e15" -- "$bin" rl run --game linear_quadratic --set volatility=1e19 --quiet --out "$work/t"
check "periodic_aversion dt=5e-324: rewards not finite, refused" 65 "rewards are not finite" -- "$bin" rl run --game periodic_aversion --set dt=5e-324 --quiet --out "$work/t"
check "crowd_modelling of 1e12 entries refused before allocation" 65 "TB per array" -- "$bin" rl run --game crowd_modelling --set size=1000000 --set horizon=1000000 --quiet --out "$work/t"
check "--problem T=1e308: steps refused before conversion" 65 "steps x .* states.*lower T or nu" -- "$bin" rl run --problem congestion-lst-1d --set T=1e308 --nx 20 --quiet --out "$work/t"
check "--problem nu=65536 says the memory it would take" 65 "TB per array.*largest accepted" -- "$bin" rl run --problem evacuation-1d --set nu=65536 --quiet --out "$work/t"
check "--episodes 5e7 refused with the memory it implies" 64 "5e\+08 transitions, about 30 GB.*give --episodes 5000000 or fewer" -- "$bin" dataset generate --game crowd_modelling --episodes 50000000 --out "$work/x.npz"
check "--iterations of 2^63 refused" 64 "largest accepted, 1e\+06" -- "$bin" rl run --game crowd_modelling --iterations 9223372036854775807 --quiet --out "$work/t"
check "--expert-iterations of 2^63 refused" 64 "--expert-iterations .*largest accepted" -- "$bin" dataset generate --game crowd_modelling --expert-iterations 9223372036854775807 --out "$work/x.npz"
check "rl refine --fine 0 names --fine" 65 "--fine 0" -- "$bin" rl refine lq-1d --fine 0
check "a refused grid names its flag and the file's line" 65 "nx 1000000 from --nx, nt 40 from .*lq-1d.toml:[0-9]+ \[discretisation\] nt" -- "$bin" solve lq-1d --nx 1000000 --quiet
check "a refused PDE reference names --reference" 65 "--reference 320 \(the default\)" -- "$bin" rl run --problem congestion-lst-2d --nx 8 --quiet --out "$work/t"
check "NaN in rl run exits 4 (learning rate 1e308)" 4 "non-finite value.*--learning-rate" -- "$bin" rl run --game periodic_aversion --learning-rate 1e308 --quiet --out "$work/nanrl"
check "NaN in rl run: diagnostics, no NaN arrays" 0 '"failure"' -- sh -c "test ! -e '$work/nanrl/policy.npy' && cat '$work/nanrl/summary.json'"
check "NaN in rl run exits 4 (linear_quadratic, learning rate 1e308)" 4 "non-finite value" -- "$bin" rl run --game linear_quadratic --learning-rate 1e308 --quiet --out "$work/t"
check "NaN in rl run exits 4 (temperature 1e-320)" 4 "non-finite value" -- "$bin" rl run --game crowd_modelling --algorithm boltzmann-policy-iteration --temperature 1e-320 --quiet --out "$work/t"
check "NaN in the expert exits 4" 4 "expert's policy.*--expert-learning-rate" -- "$bin" dataset generate --game crowd_modelling --expert-learning-rate 1e308 --episodes 10 --out "$work/x.npz"
check "exploitability.csv writes iterations as integers" 0 "^1,[0-9.e+-]+,[0-9.e+-]+$" -- cat "$work/rl/exploitability.csv"
"$bin" rl run --game crowd_modelling --iterations 2 --quiet --out "$work/stale" > /dev/null 2>&1
check "a failed rl run removes the previous run's arrays" 4 "" -- "$bin" rl run --game periodic_aversion --learning-rate 1e308 --quiet --out "$work/stale"
check "no stale policy.npy beside the failure summary" 1 "" -- test -e "$work/stale/policy.npy"
cp -r "$work/lq" "$work/lqstale"
check "a failed solve into an old directory exits 4" 4 "" -- "$bin" solve "$work/nan.toml" --nx 50 --nt 50 --quiet --out "$work/lqstale"
# Issue 17's remaining listed cases, each a regression check.
check "NaN in rl run --problem exits 4 (the PDE reference)" 4 "non-finite value" -- "$bin" rl run --problem "$work/nan.toml" --nx 10 --reference 40 --quiet --out "$work/t"
sed 's|^terminal = .*|terminal = "-2*nu*log(a*cos(2*pi*x))"|' problems/hopf-cole-1d.toml > "$work/nan-verify.toml"
check "NaN in verify exits 4" 4 "non-finite value" -- "$bin" verify "$work/nan-verify.toml" --levels 2 --nx 20 --nt 10
awk 'NR==58{print "density = \"sqrt(x)\""; next} {print}' problems/lq-1d.toml > "$work/exact-nan.toml"
check "an [exact] density that is NaN on the grid is refused, not an error of 0" 65 "exact-nan.toml:58: \[exact\] density: is -?nan at t = 0.0, x = " -- "$bin" solve "$work/exact-nan.toml" --nx 40 --nt 10 --quiet --no-pictures --out "$work/t"
check "... and in verify" 65 "\[exact\] density: is -?nan" -- "$bin" verify "$work/exact-nan.toml" --levels 2 --nx 20 --nt 10
check "linear_quadratic horizon=1e20 refused, naming it" 65 "horizon: '1e20' is not an integer" -- "$bin" rl run --game linear_quadratic --set horizon=1e20 --quiet --out "$work/t"
check "rl run --problem --nx 0: refused, not a division by zero" 65 "at least 4 cells per axis \(--nx 0\)" -- "$bin" rl run --problem congestion-lst-1d --nx 0 --quiet --out "$work/t"
check "dataset generate --problem (2D) --nx 0: refused" 65 "at least 4 cells per axis \(--nx 0\)" -- "$bin" dataset generate --problem evacuation-2d --nx 0 --out "$work/t.npz"
check "2D --set T=1e308: refused before any conversion" 65 "crowd-aversion-2d: .*policy entries would take" -- "$bin" rl run --problem crowd-aversion-2d --set T=1e308 --nx 4 --quiet --out "$work/t"
sed 's/^horizon = "T"/horizon = 1e308/' problems/lq-1d.toml > "$work/horizon-1e308.toml"
check "horizon = 1e308 in a file: refused before any conversion" 65 "lq-1d: .* steps x 11 states" -- "$bin" rl run --problem "$work/horizon-1e308.toml" --nx 10 --quiet --out "$work/t"
check "no stale m.npy beside the failure summary" 0 '"failure"' -- sh -c "test ! -e '$work/lqstale/m.npy' -a ! -e '$work/lqstale/density.png' && cat '$work/lqstale/summary.json'"
check "--out '' is refused" 64 "--out: an empty path" -- "$bin" rl run --game crowd_modelling --iterations 2 --quiet --out ''
check "--out DIR/ is a directory" 0 "" -- sh -c "'$bin' rl run --game crowd_modelling --iterations 2 --quiet --out '$work/slash/' > /dev/null && test -s '$work/slash/policy.npy'"
check "a .npz --out ending in / is refused" 64 "ends with '/'" -- "$bin" dataset generate --game crowd_modelling --episodes 10 --out "$work/y.npz/"
mkfifo "$work/fifo"
check "--distribution-out on a pipe is refused, not replaced" 1 "is a pipe, which is never replaced" -- "$bin" rl evaluate --policy "$work/rl/policy.npy" --game crowd_modelling --distribution-out "$work/fifo"
check "the pipe is still a pipe" 0 "" -- test -p "$work/fifo"
echo keep > "$work/target.txt"; ln -s "$work/target.txt" "$work/link.npy"
check "--distribution-out on a symlink is refused" 1 "is a symbolic link" -- "$bin" rl evaluate --policy "$work/rl/policy.npy" --game crowd_modelling --distribution-out "$work/link.npy"
check "the symlink and its target are untouched" 0 "^keep$" -- sh -c "test -L '$work/link.npy' && cat '$work/target.txt'"
check "--distribution-out equal to --policy is refused" 1 "is the input" -- "$bin" rl evaluate --policy "$work/rl/policy.npy" --game crowd_modelling --distribution-out "$work/rl/policy.npy"
ln -s "$work/rl" "$work/rl-link"
check "an output directory that is a symlink is refused" 1 "is a symbolic link, not a directory" -- "$bin" rl run --game crowd_modelling --iterations 2 --quiet --out "$work/rl-link"
check "a refused run leaves the old outputs as they were" 0 "" -- test -s "$work/rl/policy.npy"
if [ "$(id -u)" = 0 ] && mkdir -p "$work/full" && mount -t tmpfs -o size=100k tmpfs "$work/full" 2>/dev/null; then
    check "Minari on a full disk: an error (exit 1), not a crash" 1 "No space left on device" -- "$bin" dataset generate --game four_rooms --behavior random --episodes 300 --out "$work/full/fr" --quiet
    check "Minari on a full disk: .npz the same" 1 "No space left on device" -- "$bin" dataset generate --game four_rooms --behavior random --episodes 300 --out "$work/full/fr.npz" --quiet
    umount "$work/full"
fi
chain() {  # chain N FORMULA: lq-1d with definitions d_0 = x, d_k = FORMULA(k-1)
    { sed -n '1,/^\[definitions\]/p' problems/lq-1d.toml; echo 'd_0 = "x"'
      for ((k = 1; k <= $1; k++)); do j=$((k - 1)); echo "d_$k = \"${2//P/d_$j}\""; done
      sed -n '/^\[definitions\]/,$p' problems/lq-1d.toml | tail -n +2; } > "$3"
}
chain 16 "P*P + P" "$work/chain-exp.toml"
check "exponentially chained definitions: refused at once, naming the definition" 65 "chain-exp.toml:[0-9]+: \[definitions\] d_9: .*more than 20000 operations" -- timeout 10 "$bin" check "$work/chain-exp.toml"
chain 2000 "P + 1" "$work/chain-deep.toml"
check "deeply chained definitions: refused, not a hang" 65 "\[definitions\] d_500: .*nested more than 500 deep" -- timeout 10 "$bin" solve "$work/chain-deep.toml" --quiet --out "$work/t"
check "rl offline --help lists only the offline algorithms" 1 "" -- sh -c "'$bin' rl offline --help | grep -- 'in-sample, d-momd'"
check "--help documents the exit codes" 0 "64 bad command line.*65 invalid problem" -- sh -c "'$bin' --help | tr '\n' ' '"
check "every command's help names the exit codes" 0 "Exit codes: 0 success" -- sh -c "'$bin' rl evaluate --help | tr '\n' ' '"
{ head -3 problems/lq-1d.toml; printf 'description = "caf\xe9"\n'; tail -n +4 problems/lq-1d.toml; } > "$work/latin1.toml"
check "a file that is not UTF-8 says so, with the line" 65 "latin1.toml:4: the file is not UTF-8 text" -- "$bin" check "$work/latin1.toml"
check "an unreadable policy names the file and the reason" 65 "missing.npy: cannot read it: No such file or directory" -- "$bin" rl evaluate --policy "$work/missing.npy" --game crowd_modelling
check "rl run --problem --nx 2^63 is refused, not a trap" 65 "--nx 9223372036854775807" -- "$bin" rl run --problem crowd-aversion-1d --nx 9223372036854775807 --reference 40 --quiet --out "$work/t"
check "verify checks its finest grid before the first solve" 65 "finest grid of --levels 2.*largest accepted is 2e7" -- timeout 10 "$bin" verify hopf-cole-1d --levels 2 --nx 1000001 --nt 10
check "verify --nx 2^62 does not overflow" 65 "finest grid" -- "$bin" verify hopf-cole-1d --levels 8 --nx 4611686018427387904
check "a bad --temperature names the flag (64)" 64 "--temperature must be finite and > 0" -- "$bin" rl run --game crowd_modelling --temperature inf --quiet --out "$work/t"
check "verify prints no nan order when the errors are zero" 1 "" -- sh -c "'$bin' verify hopf-cole-1d --levels 2 --nx 20 --nt 10 --set nu=1e-320 --tolerance 1e-320 | grep -i nan"
# The approximators: fit, score what fit wrote, refusals, a tiny study and a tiny in-the-loop run.
check "approx fit gmm on lq-1d scores it with the floor" 0 "^w1 .* [0-9.e+-]+ +[0-9.e+-]+ +[0-9.]+" -- "$bin" approx fit lq-1d --approximator gmm --samples 512 --slices 6 --out "$work/apfit"
for f in density t x; do check "approx fit writes $f.npy" 0 "" -- test -s "$work/apfit/$f.npy"; done
check "approx fit picture" 0 "" -- test -s "$work/apfit/density.png"
check "approx fit summary has the ratios" 0 '"ratios"' -- cat "$work/apfit/summary.json"
check "approx score reads approx fit's density.npy" 0 "^kl " -- "$bin" approx score lq-1d --density "$work/apfit/density.npy" --floor-samples 512 --out "$work/apscore"
check "approx score refuses a density of the wrong shape, naming it" 65 "m has shape \[6, 200\]; on this grid with 6 times it must be \[6, 100\]" -- "$bin" approx score lq-1d --nx 100 --density "$work/apfit/density.npy" --out "$work/t"
check "approx score needs one input" 64 "either --density or --samples" -- "$bin" approx score lq-1d
check "approx fit: unknown approximator lists them" 64 "unknown approximator nope; the approximators are histogram" -- "$bin" approx fit lq-1d --approximator nope
check "approx fit: unknown setting names the flag and the ones it takes" 64 "--setting: gmm has no setting width; it takes components, iterations" -- "$bin" approx fit lq-1d --setting width=3
check "approx fit: out-of-range setting, named as --setting" 64 "--setting: density-network steps = 0: give a whole number in 1" -- "$bin" approx fit lq-1d --approximator density-network --setting steps=0
check "approx fit: ergodic problem refused" 65 "is ergodic" -- "$bin" approx fit ergodic-gaussian-1d
check "approx fit: --samples too large is refused" 64 "--samples must lie in 2...16777216" -- "$bin" approx fit lq-1d --samples 99999999999
check "approx fit: one sample is refused, naming --samples (the oracle floor needs two)" 64 "--samples must lie in 2...16777216" -- "$bin" approx fit lq-1d --samples 1 --slices 3
check "approx score: one floor sample is refused, naming the flag" 64 "--floor-samples must lie in 2" -- "$bin" approx score lq-1d --density "$work/apfit/density.npy" --floor-samples 1 --out "$work/t"
"$bin" dataset generate --problem crowd-aversion-1d --nx 8 --reference 40 --behavior random --episodes 300 --out "$work/ca8.npz" >/dev/null 2>&1
check "approx fit --dataset: a dataset's states as samples" 0 "the states of 300 episodes" -- "$bin" approx fit crowd-aversion-1d --nx 40 --nt 40 --dataset "$work/ca8.npz" --approximator histogram --out "$work/apds"
check "approx fit --dataset of another problem is refused" 65 "a dataset of crowd-aversion-1d, not of lq-1d" -- "$bin" approx fit lq-1d --dataset "$work/ca8.npz" --out "$work/t"
check "approx study (tiny) writes the table" 0 "results:" -- "$bin" approx study --problems lq-1d --approximators histogram,gmm --samples 256 --samples-1d 256,512 --seeds 2 --slices 6 --out "$work/apstudy"
check "approx study report has the floor row" 0 "\| \*floor\* \|" -- cat "$work/apstudy/report.md"
check "approx study --from-results rewrites the report from results.json" 0 "results:" -- "$bin" approx study --problems lq-1d --approximators histogram,gmm --samples 256 --samples-1d 256,512 --seeds 2 --slices 6 --from-results "$work/apstudy/results.json" --out "$work/apstudy2"
check "approx study --from-results: the same rows" 0 "" -- cmp "$work/apstudy/results.json" "$work/apstudy2/results.json"
check "approx study --from-results of a missing file names it" 65 "--from-results $work/none.json: not the results.json of a study" -- "$bin" approx study --problems lq-1d --approximators histogram --seeds 1 --from-results "$work/none.json" --out "$work/t"
check "approx study: an empty --problems is refused, not an empty report" 64 "--problems is empty" -- "$bin" approx study --problems "" --out "$work/t"
check "approx study: an empty --approximators is refused" 64 "--approximators is empty" -- "$bin" approx study --approximators "" --out "$work/t"
check "approx study pictures" 0 "" -- test -s "$work/apstudy/lq-1d-w1.png"
check "approx loop (tiny): exact and histogram mean fields" 0 "fictitious-play with histogram" -- "$bin" approx loop crowd-aversion-1d --approximators histogram --algorithms fictitious-play --agents 200 --iterations 2 --nx 8 --reference 40 --out "$work/aploop"
if python3 -c "import numpy" 2>/dev/null; then
    check "numpy reads the outputs" 0 "^ok" -- python3 bench/check_outputs.py "$work/lq" "$work/erg" "$work/ev1" "$work/ev2"
    python3 -c "import numpy as np; p = np.full((10, 10, 3), 0.5); np.save('$work/bad.npy', p)"
    check "rl evaluate refuses rows that are not distributions" 65 "not a probability distribution" -- "$bin" rl evaluate --policy "$work/bad.npy" --game crowd_modelling
fi

echo "cli-checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
