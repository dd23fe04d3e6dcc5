#!/usr/bin/env bash
# Proves that the VM gives what the emulator's cgroup v2 code needs: the unified hierarchy only,
# and, for the non-root user ci in a delegated scope (as a CI step on a systemd host runs), a
# cgroup it owns where cpu, memory and pids are available and usable: it makes a child with
# cpu.max and memory.max set, as the emulator does for an execution environment.
#
# Usage: scripts/vm/smoke.sh [run.sh OPTIONS]      exit status 0 when every check passes
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# shellcheck disable=SC2016 # expanded in the guest
exec "$HERE/run.sh" --as ci "$@" -- bash -c '
fail() { echo "smoke: FAIL: $*"; exit 1; }
fs=$(stat -fc %T /sys/fs/cgroup)
echo "stat -fc %T /sys/fs/cgroup: $fs"
[[ $fs == cgroup2fs ]] || fail "/sys/fs/cgroup is $fs, not cgroup2fs"
echo "/sys/fs/cgroup/cgroup.controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
echo "v1 hierarchies mounted: $(grep -c " cgroup " /proc/mounts || true)"
echo "id: $(id)"
echo "/proc/self/cgroup: $(cat /proc/self/cgroup)"
scope=/sys/fs/cgroup$(sed -n "s/^0:://p" /proc/self/cgroup)
echo "scope: $scope (owner $(stat -c %U "$scope"))"
echo "scope cgroup.controllers: $(cat "$scope/cgroup.controllers")"
for c in cpu memory pids; do
    grep -qw "$c" "$scope/cgroup.controllers" || fail "$c is not delegated to the scope"
done
[[ -O $scope && -w $scope/cgroup.procs && -w $scope/cgroup.subtree_control ]] \
    || fail "ci does not own its scope"
# No internal processes: this shell moves into a leaf before the scope enables controllers
# for its children.
mkdir "$scope/leaf" "$scope/env" || fail "cannot make child cgroups"
echo $$ >"$scope/leaf/cgroup.procs" || fail "cannot move into a child cgroup"
echo "+cpu +memory +pids" >"$scope/cgroup.subtree_control" || fail "cannot enable controllers"
echo "scope cgroup.subtree_control: $(cat "$scope/cgroup.subtree_control")"
echo "7236 100000" >"$scope/env/cpu.max" || fail "cannot write cpu.max"
echo $((128 * 1024 * 1024)) >"$scope/env/memory.max" || fail "cannot write memory.max"
echo "child env: cpu.max $(cat "$scope/env/cpu.max"), memory.max $(cat "$scope/env/memory.max")"
rmdir "$scope/env"
echo "smoke: ok"
'
