#!/usr/bin/env bash
# Runs the emulator's cgroup tests and a local cold-start measurement inside the cgroup-v2 VM,
# as root and as the delegated non-root user ci: what the emulator's cgroup v2 code does on a
# systemd host, before and after a change to emulator/src/cgroup.rs.
#
# Usage: scripts/vm/emulator-cgroups.sh [--as root|ci|both] [--memory MB,...] [--no-tests]
#                                       [--no-build] [-- TEST ARGS...]
#   --as          who runs them (default both: one VM boot each)
#   --memory      memory sizes of the cold-start run (default 128,512)
#   --no-tests    only the cold-start run
#   --no-build    use the binaries staged by the previous run
#   TEST ARGS     arguments for the emulator's integration-test binary (default: the tests
#                 that need no Python or Node peer and touch cgroups: cleanup:: freezing::
#                 rust_runtime:: --skip boto3)
# Builds with cargo (CARGO_TARGET_DIR is honoured) `cargo test -p emulator --no-run` and
# `cargo build -p cli --bin powertune -p example-functions --bins`, stages the test binary,
# powertune and the example functions in $POWERTUNE_VM_DIR/emulator-share (shared at /share),
# and prints everything the guest prints. Exit status: 0 when every run passed.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
VM_DIR=${POWERTUNE_VM_DIR:-$HOME/.cache/powertune-vm}
SHARE=$VM_DIR/emulator-share

WHO=both
BUILD=yes
MEMORY=128,512
TESTS=yes
while (($#)); do
    case $1 in
    --as) WHO=${2:?--as needs root, ci or both}; shift 2 ;;
    --no-build) BUILD=no; shift ;;
    --memory) MEMORY=${2:?--memory needs MB,...}; shift 2 ;;
    --no-tests) TESTS=no; shift ;;
    --) shift; break ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
    esac
done
TEST_ARGS=("$@")
((${#TEST_ARGS[@]})) || TEST_ARGS=(cleanup:: freezing:: rust_runtime:: --skip boto3)
case $WHO in root) USERS=(root) ;; ci) USERS=(ci) ;; both) USERS=(root ci) ;;
*) echo "--as takes root, ci or both" >&2; exit 2 ;; esac

# Prints the executables cargo reports for its JSON messages on stdin, one per line, as
# "<target name> <path>".
executables() {
    python3 -c '
import json, sys
for line in sys.stdin:
    try: m = json.loads(line)
    except ValueError: continue
    if m.get("reason") == "compiler-artifact" and m.get("executable"):
        print(m["target"]["name"], m["executable"])'
}

stage() { # stage SOURCE DEST: a hard link when on the same filesystem, else a copy
    mkdir -p "$(dirname "$2")"
    ln -f "$1" "$2" 2>/dev/null || cp -f "$1" "$2"
}

if [[ $BUILD == yes ]]; then
    cd "$ROOT"
    echo "[vm] building the emulator's test binary, powertune and the example functions" >&2
    built=$(
        cargo test -p emulator --no-run --locked --message-format=json-render-diagnostics | executables
        cargo build -p cli --bin powertune -p example-functions --bins --locked \
            --message-format=json-render-diagnostics | executables
    )
    rm -rf "$SHARE"
    while read -r name path; do
        case $name in
        it) stage "$path" "$SHARE/debug/deps/emulator-it" ;;
        powertune | cpu-bound | io-bound | faulty) stage "$path" "$SHARE/debug/$name" ;;
        esac
    done <<<"$built"
fi
for f in debug/deps/emulator-it debug/powertune debug/cpu-bound; do
    [[ -x $SHARE/$f ]] || { echo "[vm] $SHARE/$f is missing: run without --no-build" >&2; exit 2; }
done
# The test binary finds the example functions beside its folder (test-support's
# example_bin: <dir>/deps/<test> -> <dir>/<example>).

cat >"$SHARE/in-guest.sh" <<'GUEST'
#!/bin/bash
# Runs in the guest (scripts/vm/emulator-cgroups.sh): the tests, then a cold-start run.
S=/share
echo "### $(id -un) in cgroup $(sed -n 's/^0:://p' /proc/self/cgroup)"
tests=0
if [[ $RUN_TESTS == yes ]]; then
    echo "### emulator-it $*"
    "$S/debug/deps/emulator-it" "$@" 2>&1
    tests=$?
    echo "### emulator tests exit status: $tests"
fi
echo "### powertune coldstart --local cpu-bound --memory $MEMORY -n 3 --json"
"$S/debug/powertune" coldstart --local "$S/debug/cpu-bound" --memory "$MEMORY" -n 3 --json
coldstart=$?
echo "### coldstart exit status: $coldstart"
echo "### the emulator's cgroup folders now: $(find /sys/fs/cgroup -type d \( -name powertune -o -path '*/powertune/*' \) | tr '\n' ' ')"
((tests == 0 && coldstart == 0))
GUEST
chmod 0755 "$SHARE/in-guest.sh"

status=0
for user in "${USERS[@]}"; do
    echo "[vm] === as $user" >&2
    "$HERE/run.sh" --as "$user" --share "$SHARE" --env "MEMORY=$MEMORY" --env "RUN_TESTS=$TESTS" \
        -- /share/in-guest.sh "${TEST_ARGS[@]}" || status=$?
done
exit "$status"
