#!/usr/bin/env bash
# The cold-start gate's false-alarm and detection rates, measured end to end in the embedded
# emulator with the `faulty` example, whose init work is set by INIT_WORK_MS.
#
# 1. PAIRS x 2 cold-start runs of the same build (INIT_WORK_MS=BASE_MS), paired
#    (run 2i = baseline, run 2i+1 = current): the false-alarm rate is the share of pairs on which
#    `powertune gate` exits 1.
# 2. PAIRS runs with init made 20% slower (INIT_WORK_MS raised by 20% of the median Init
#    Duration of a pilot run) and PAIRS runs 30 ms slower (BASE_MS + 30), each gated against
#    baseline run 2i: the detection rate is the share that exits 1.
# The runs of each pair are interleaved, so drifting load affects all scenarios alike.
#
# Usage: bench/gate-rates.sh            (PAIRS=20 SAMPLES=10 MEMORY=1024 BASE_MS=100)
#        PAIRS=30 SAMPLES=20 GATE_ARGS="--statistic p90" bench/gate-rates.sh
# Prints a Markdown table on stdout; progress on stderr. Takes about 10 minutes with the defaults
# on 2 cores (about 18 with SAMPLES=20). Init Duration depends on the machine's load: run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."

PAIRS=${PAIRS:-20}
SAMPLES=${SAMPLES:-10}
MEMORY=${MEMORY:-1024}
BASE_MS=${BASE_MS:-100}
GATE_ARGS=${GATE_ARGS:-}
PROFILE=${PROFILE:-dev}

cargo build --quiet --profile "$PROFILE" -p powertune -p example-functions --bin powertune --bin faulty
target_dir=$(cargo metadata --format-version 1 --no-deps | jq -r .target_directory)
case "$PROFILE" in dev) bin="$target_dir/debug" ;; *) bin="$target_dir/$PROFILE" ;; esac
powertune="$bin/powertune"
faulty="$bin/faulty"

work=$(mktemp -d "${TMPDIR:-/tmp}/powertune-gate-rates.XXXXXX")
trap 'rm -rf "$work"' EXIT

# run NAME INIT_WORK_MS: one cold-start run, written to $work/NAME.json
run() {
  "$powertune" --quiet coldstart --local "$faulty" --env "INIT_WORK_MS=$2" \
    --memory "$MEMORY" -n "$SAMPLES" --out "$work/out-$1" --save-baseline "$work/$1.json" \
    --json > /dev/null
  rm -rf "$work/out-$1"
}

# gate BASELINE CURRENT: prints 1 when the gate flags a regression, 0 when not
gate() {
  local code=0
  # shellcheck disable=SC2086
  "$powertune" --quiet gate --baseline "$work/$1.json" --current "$work/$2.json" $GATE_ARGS \
    > /dev/null || code=$?
  case "$code" in
    0) echo 0 ;;
    1) echo 1 ;;
    *) echo "gate failed with exit $code on $1 / $2" >&2; exit 2 ;;
  esac
}

median_init() {
  jq -s '[.[].configurations[].samples[].init_duration_ms] | sort | .[length / 2 | floor]' "$@"
}

started=$(date +%s)
# A pilot run gives the median Init Duration that "20% slower" is relative to.
echo "pilot run" >&2
run pilot "$BASE_MS"
median=$(median_init "$work/pilot.json")
slower20_ms=$(jq -n --argjson b "$BASE_MS" --argjson m "$median" '$b + ($m * 0.2 | round)')
slower30_ms=$((BASE_MS + 30))
# The four runs of a pair are interleaved, so that drifting machine load hits every scenario
# alike.
for i in $(seq 0 $((PAIRS - 1))); do
  echo "pair $((i + 1))/$PAIRS" >&2
  run "same-$((2 * i))" "$BASE_MS"
  run "same-$((2 * i + 1))" "$BASE_MS"
  run "slow20-$i" "$slower20_ms"
  run "slow30-$i" "$slower30_ms"
done
baseline_files=()
for i in $(seq 0 $((PAIRS - 1))); do baseline_files+=("$work/same-$((2 * i)).json"); done
median=$(median_init "${baseline_files[@]}")

false_alarms=0
detected20=0
detected30=0
for i in $(seq 0 $((PAIRS - 1))); do
  false_alarms=$((false_alarms + $(gate "same-$((2 * i))" "same-$((2 * i + 1))")))
  detected20=$((detected20 + $(gate "same-$((2 * i))" "slow20-$i")))
  detected30=$((detected30 + $(gate "same-$((2 * i))" "slow30-$i")))
done
elapsed=$(($(date +%s) - started))

rate() { jq -n --argjson k "$1" --argjson n "$2" '$k / $n * 100 | . * 10 | round / 10'; }
slow20_median=$(median_init "$work"/slow20-*.json)
slow30_median=$(median_init "$work"/slow30-*.json)
cat <<EOF
Gate: \`powertune gate${GATE_ARGS:+ $GATE_ARGS}\` (defaults: median Init Duration, Mann-Whitney at 95%, threshold max(5%, 5 ms)).
$PAIRS pairs, $SAMPLES cold starts per run, $MEMORY MB, \`faulty\` with INIT_WORK_MS=$BASE_MS; ${elapsed} s on $(nproc) CPU(s).

| scenario | INIT_WORK_MS | median Init Duration (ms) | gate exit 1 | rate |
|---|---:|---:|---:|---:|
| same build (false alarms) | $BASE_MS | $median | $false_alarms / $PAIRS | $(rate "$false_alarms" "$PAIRS") % |
| init 20% slower (detection) | $slower20_ms | $slow20_median | $detected20 / $PAIRS | $(rate "$detected20" "$PAIRS") % |
| init 30 ms slower (detection) | $slower30_ms | $slow30_median | $detected30 / $PAIRS | $(rate "$detected30" "$PAIRS") % |
EOF
