#!/usr/bin/env bash
# The project's benchmark table: every figure below is measured by this script on this machine
# and written as Markdown to bench/RESULTS.md and stdout (progress on stderr).
#
#   REPORT-parse throughput   criterion, analyzer/benches/parse.rs (mean time per mixed log)
#   freeze + thaw             emulator/benches/freezer.rs (without / with the freezer anchor)
#   warm-invoke overhead      emulator/benches/warm_invoke.rs (p50 / p99, no-op handler)
#   peer warm-invoke round trip the same bench against `cargo lambda watch`, when installed
#   tuner cold start          `powertune coldstart --local` on the release `tuner` binary
#   local tuning run          wall time of `powertune tune --local` on the cpu-bound example
#   report rendering          criterion, reports/benches/render.rs
#
# Usage: bench/run.sh     (SAMPLES=1000 COLD=10 NUM=10; release build; about 10 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."

SAMPLES=${SAMPLES:-1000}
COLD=${COLD:-10}
NUM=${NUM:-10}
log() { echo "bench: $*" >&2; }

cargo build --quiet --release -p powertune -p tuner -p example-functions
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
bin="$target_dir/release"
work=$(mktemp -d "${TMPDIR:-/tmp}/powertune-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
rows=()
row() { rows+=("| $1 | $2 | $3 |"); }

# Criterion's mean estimate of BENCH (group/name), in nanoseconds.
criterion_mean_ns() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mean"]["point_estimate"])' \
    "$target_dir/criterion/$1/new/estimates.json"
}

log "REPORT-line parsing (criterion)"
cargo bench --quiet -p analyzer --bench parse -- --warm-up-time 1 --measurement-time 3 records/ >&2
for dir in "$target_dir"/criterion/records/mixed_log_*_lines; do
  name=$(basename "$dir")
  lines=${name#mixed_log_}; lines=${lines%_lines}
  ns=$(criterion_mean_ns "records/$name")
  rate=$(python3 -c "print(f'{$lines / ($ns / 1e9) / 1e6:.2f}')")
  row "REPORT-parse throughput ($lines-line mixed log)" "$rate M lines/s" \
    "criterion mean $(python3 -c "print(f'{$ns/1e3:.1f}')") us per log: \`cargo bench -p analyzer --bench parse -- records/\`"
done

# p50 and p99 of the bench line whose name starts with $1, from the text in $2.
quantiles() {
  local line
  line=$(grep -m1 -F "$1" <<<"$2" || true)
  [ -n "$line" ] || return 1
  printf 'p50 %s us, p99 %s us' \
    "$(sed -E 's/.*p50= *([0-9.]+).*/\1/' <<<"$line")" "$(sed -E 's/.*p99= *([0-9.]+).*/\1/' <<<"$line")"
}

log "freeze + thaw of a cgroup v1"
freezer=$(cargo bench --quiet -p emulator --bench freezer -- --pairs "$SAMPLES" 2>/dev/null || true)
for which in "no other cgroup frozen" "with the emulator's anchor"; do
  row "freeze + thaw of one environment, $which" "$(quantiles "freeze + thaw, $which" "$freezer" || echo "not measured")" \
    "$SAMPLES pairs of writes to a held \`freezer.state\`: \`cargo bench -p emulator --bench freezer -- --pairs $SAMPLES\`"
done

log "warm-invoke overhead"
warm=$(cargo bench --quiet -p emulator --bench warm_invoke -- --samples "$SAMPLES" 2>/dev/null || true)
row "warm-invoke overhead, powertune emulator" "$(quantiles "emulator: overhead" "$warm" || echo "not measured")" \
  "$SAMPLES Invoke round trips minus the REPORT Duration, no-op handler at 1,769 MB: \`cargo bench -p emulator --bench warm_invoke -- --samples $SAMPLES\`"
row "warm-invoke round trip, powertune emulator" "$(quantiles "emulator: round trip" "$warm" || echo "not measured")" \
  "the same run's whole round trips (freeze/thaw, \`LogType=Tail\`)"

if [ -x "$HOME/.cargo/bin/cargo-lambda" ]; then
  log "warm-invoke round trip of cargo lambda watch"
  port=9123
  (cd examples/rust && exec "$HOME/.cargo/bin/cargo-lambda" lambda watch --release --invoke-port "$port" >"$work/watch.log" 2>&1) &
  watch_pid=$!
  peer=""
  for _ in $(seq 1 600); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
      peer=$(cargo bench --quiet -p emulator --bench warm_invoke -- --samples "$SAMPLES" \
        --compare "127.0.0.1:$port" io-bound 2>/dev/null || true)
      break
    fi
    sleep 0.5
  done
  kill "$watch_pid" 2>/dev/null || true
  wait "$watch_pid" 2>/dev/null || true
  row "warm-invoke round trip, cargo lambda watch (peer)" \
    "$(quantiles "127.0.0.1:$port: round trip" "$peer" || echo "not measured")" \
    "same bench, \`--compare 127.0.0.1:$port io-bound\` against \`cargo lambda watch --release\` in examples/rust (no cgroup, no freezing, no tail; it prints no REPORT, so only the round trip compares)"
else
  row "warm-invoke round trip, cargo lambda watch (peer)" "not measured" "cargo-lambda is not installed"
fi

log "cold start of the tuner Lambda binary"
# The analyzer step's init is the binary's whole init; the empty event then fails validation,
# which --allowed-exceptions accepts (only Init Duration is wanted here).
if "$bin/powertune" --quiet coldstart --local "$bin/tuner" --env _HANDLER=analyzer \
    --allowed-exceptions PowerTune.InvalidInput --memory 1024 -n "$COLD" \
    --out "$work/cold" >/dev/null 2>"$work/cold.err"; then
  cold=$(python3 - "$work/cold/coldstart.json" <<'PY'
import json, statistics, sys
values = []
def walk(node, key=""):
    if isinstance(node, dict):
        for k, v in node.items():
            walk(v, k)
    elif isinstance(node, list):
        for v in node:
            walk(v, key)
    elif key == "init_duration_ms" and isinstance(node, (int, float)):
        values.append(float(node))
walk(json.load(open(sys.argv[1])))
values.sort()
print(f"median {statistics.median(values):.1f} ms, max {values[-1]:.1f} ms (n={len(values)})" if values else "")
PY
)
  row "cold start (Init Duration) of the \`tuner\` Lambda binary" "${cold:-not measured}" \
    "\`powertune coldstart --local target/release/tuner --env _HANDLER=analyzer --allowed-exceptions PowerTune.InvalidInput --memory 1024 -n $COLD\` (emulator, cgroup CPU share of 1,024 MB)"
else
  row "cold start (Init Duration) of the \`tuner\` Lambda binary" "not measured" "powertune coldstart failed: $(tail -n1 "$work/cold.err")"
fi

log "local tuning run"
start_ns=$(date +%s%N)
if "$bin/powertune" --quiet tune --local "$bin/cpu-bound" --memory 128,256,512,1024,1769 --num "$NUM" \
    --payload '{"iterations": 1000000}' --out "$work/tune" >/dev/null 2>"$work/tune.err"; then
  end_ns=$(date +%s%N)
  invocations=$(python3 - "$work/tune/result.json" <<'PY'
import json, sys
count = 0
def walk(node, key=""):
    global count
    if isinstance(node, dict):
        for k, v in node.items():
            walk(v, k)
    elif isinstance(node, list):
        if key == "samples":
            count += len(node)
        for v in node:
            walk(v, key)
walk(json.load(open(sys.argv[1])))
print(count)
PY
)
  row "local tuning run, cpu-bound example" \
    "$(python3 -c "print(f'{($end_ns - $start_ns) / 1e9:.1f}')") s wall, $invocations invocations" \
    "\`powertune tune --local target/release/cpu-bound --memory 128,256,512,1024,1769 --num $NUM --payload '{\"iterations\": 1000000}'\`; invocations = samples in result.json"
else
  row "local tuning run, cpu-bound example" "not measured" "powertune tune failed: $(tail -n1 "$work/tune.err")"
fi

log "report rendering (criterion)"
cargo bench --quiet -p reports --bench render -- --warm-up-time 1 --measurement-time 3 >&2
for dir in "$target_dir"/criterion/render/*/; do
  name=$(basename "$dir")
  [ -f "$dir/new/estimates.json" ] || continue
  ns=$(criterion_mean_ns "render/$name")
  row "report rendering ($name)" "$(python3 -c "print(f'{$ns/1e6:.1f}')") ms" \
    "criterion mean: \`cargo bench -p reports --bench render\`"
done

{
  echo "# Benchmark results"
  echo
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) CPUs ($(uname -m)) with \`bench/run.sh\` (release build)."
  echo
  echo "| figure | value | how it was measured |"
  echo "|---|---|---|"
  printf '%s\n' "${rows[@]}"
} | tee bench/RESULTS.md
