#!/usr/bin/env bash
# Boots the cgroup-v2 Debian VM (scripts/vm/build-image.sh builds it on first use), runs one
# command inside it as root or as the non-root user `ci` in a delegated systemd scope, streams
# the command's stdout and stderr, powers the VM off and exits with the command's status.
#
# Usage:
#   scripts/vm/run.sh [OPTIONS] -- COMMAND [ARG...]
#   scripts/vm/run.sh --console [--share DIR]      an interactive root shell on the serial
#                                                  console (`poweroff` or Ctrl-a x to leave)
# Options:
#   --as root|ci       who runs COMMAND (default root). ci runs it through
#                      `systemd-run --user --scope -p Delegate=yes`, as a CI step on a
#                      systemd host does; root runs it from a plain system service
#   --scope            as root too, run COMMAND in `systemd-run --scope -p Delegate=yes`
#   --share DIR        host folder mounted read-write at /share in the guest (default: the
#                      current folder). The guest sees the host's owners and modes: ci can
#                      read what is world-readable and write only where the modes let it
#   --workdir DIR      guest folder COMMAND starts in (default: the user's home, /root or
#                      /home/ci)
#   --env NAME=VALUE   set a variable for COMMAND (repeatable); the guest starts it with a
#                      clean environment (HOME, USER, PATH, and for ci XDG_RUNTIME_DIR)
#   --timeout SECONDS  power the VM off after this long (default 1800); exit status 124
#   --boot-timeout SECONDS
#                      give up when the command has not started after this long (default
#                      300); exit status 125
#   --quiet            no [vm] lines on stderr
# Exit status: COMMAND's; 124 on timeout; 125 when the VM did not run the command (the last
# lines of the guest's console are printed).
# Environment: POWERTUNE_VM_DIR, POWERTUNE_VM_SUITE (see build-image.sh), POWERTUNE_VM_IMAGE
# (an image folder build-image.sh printed, used as it is), POWERTUNE_VM_CPUS
# (default 2), POWERTUNE_VM_MEMORY_MB (default 2048), POWERTUNE_VM_ACCEL (kvm, tcg; default
# kvm when /dev/kvm is usable).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

AS=root
SCOPE=no
SHARE=$PWD
WORKDIR="~"
ENVS=()
TIMEOUT=1800
BOOT_TIMEOUT=300
QUIET=no
CONSOLE=no

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit "${1:-2}"; }
log() { [[ $QUIET == yes ]] || printf '[vm] %s\n' "$*" >&2; }
die() { printf '[vm] error: %s\n' "$*" >&2; exit 125; }

while (($#)); do
    case $1 in
    --as) AS=${2:?--as needs root or ci}; shift 2 ;;
    --scope) SCOPE=yes; shift ;;
    --share) SHARE=${2:?--share needs a folder}; shift 2 ;;
    --workdir) WORKDIR=${2:?--workdir needs a folder}; shift 2 ;;
    --env) ENVS+=("${2:?--env needs NAME=VALUE}"); shift 2 ;;
    --timeout) TIMEOUT=${2:?--timeout needs seconds}; shift 2 ;;
    --boot-timeout) BOOT_TIMEOUT=${2:?--boot-timeout needs seconds}; shift 2 ;;
    --quiet) QUIET=yes; shift ;;
    --console) CONSOLE=yes; shift ;;
    -h | --help) usage 0 ;;
    --) shift; break ;;
    *) printf '[vm] unknown option %s\n' "$1" >&2; usage ;;
    esac
done
[[ $AS == root || $AS == ci ]] || die "--as takes root or ci, not '$AS'"
[[ -d $SHARE ]] || die "--share $SHARE is not a folder"
SHARE=$(cd "$SHARE" && pwd)
if [[ $CONSOLE == no && $# -eq 0 ]]; then
    printf '[vm] no command given\n' >&2
    usage
fi
for e in "${ENVS[@]}"; do
    [[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "--env takes NAME=VALUE, not '$e'"
done

IMAGE=${POWERTUNE_VM_IMAGE:-$("$HERE/build-image.sh")}

# --- Accelerator: KVM when /dev/kvm is usable, else TCG (slow, but works anywhere) ---------
QEMU=qemu-system-x86_64
accel=${POWERTUNE_VM_ACCEL:-}
if [[ -z $accel ]]; then
    if [[ -d /sys/module/kvm_pvm ]]; then
        # PVM (pagetable-based KVM for hosts without hardware virtualization, as on some
        # cloud VMs) runs only kernels built as PVM guests; Debian's hangs right after its
        # real-mode setup ("Probing EDD").
        log "/dev/kvm is PVM, which cannot boot Debian's kernel: using TCG (slower)"
        accel=tcg
    elif [[ -r /dev/kvm && -w /dev/kvm ]]; then
        accel=kvm
    else
        accel=tcg
    fi
fi
cpu_works() { # cpu_works MODEL: whether KVM starts a vCPU of that model
    printf 'quit\n' | "$QEMU" -accel kvm -cpu "$1" -machine q35 -m 64 -S -display none \
        -nodefaults -monitor stdio >/dev/null 2>&1
}
case $accel in
kvm)
    # Some nested hypervisors refuse the host's IA32_ARCH_CAPABILITIES MSR ("failed to set
    # MSR 0x10a"); the same CPU without that feature boots.
    # (A subshell: bash reports the probe's abort on its own stderr.)
    if (cpu_works host) 2>/dev/null; then
        cpu=host
    elif (cpu_works host,-arch-capabilities) 2>/dev/null; then
        cpu=host,-arch-capabilities
    else
        die "KVM cannot start a vCPU here; POWERTUNE_VM_ACCEL=tcg runs without it"
    fi
    accel_args=(-accel kvm -cpu "$cpu")
    ;;
tcg) accel_args=(-accel "tcg,thread=multi" -cpu max) ;;
*) die "POWERTUNE_VM_ACCEL=$accel: kvm or tcg" ;;
esac

# --- What the guest runs ---------------------------------------------------------------------
RUN=$(mktemp -d "${TMPDIR:-/tmp}/powertune-vm.XXXXXX")
CTL=$RUN/ctl # shared with the guest at /vmctl
mkdir -p "$CTL"
chmod 0755 "$RUN" "$CTL" # ci reads /vmctl/command in the guest
if [[ $CONSOLE == no ]]; then
    install -m 0644 "$HERE/runner.sh" "$CTL/runner"
    printf '%s\n' "$AS" >"$CTL/as"
    printf '%s\n' "$SCOPE" >"$CTL/scope"
    {
        if [[ $WORKDIR == "~" ]]; then echo 'cd || exit 125'; else printf 'cd -- %q || exit 125\n' "$WORKDIR"; fi
        for e in "${ENVS[@]}"; do printf 'export %q\n' "$e"; done
        printf 'exec'
        printf ' %q' "$@"
        printf '\n'
    } >"$CTL/command"
    chmod 0644 "$CTL/command"
fi
: >"$RUN/stdout"
: >"$RUN/stderr"

qemu_args=(
    -name powertune-vm -machine q35 "${accel_args[@]}"
    -smp "${POWERTUNE_VM_CPUS:-2}" -m "${POWERTUNE_VM_MEMORY_MB:-2048}"
    -nodefaults -no-user-config -display none -no-reboot
    -kernel "$IMAGE/vmlinuz" -initrd "$IMAGE/initrd.img"
    # quiet for the kernel, but systemd's status lines on the console show where a boot stops.
    -append "root=/dev/vda rw console=ttyS0 quiet systemd.show_status=1 panic=-1 systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all"
    # The root disk is a snapshot: every run starts from the same image and changes nothing.
    -drive "file=$IMAGE/rootfs.img,if=virtio,format=raw,snapshot=on"
    -virtfs "local,path=$CTL,mount_tag=vmctl,security_model=none,id=vmctl"
    -virtfs "local,path=$SHARE,mount_tag=share,security_model=none,id=share"
    -device virtio-serial-pci
    -chardev "file,id=out,path=$RUN/stdout" -device "virtserialport,chardev=out,name=powertune.stdout"
    -chardev "file,id=err,path=$RUN/stderr" -device "virtserialport,chardev=err,name=powertune.stderr"
)

if [[ $CONSOLE == yes ]]; then
    log "console: root is logged in on the serial console; 'poweroff' or Ctrl-a x leaves"
    "$QEMU" "${qemu_args[@]}" -serial mon:stdio
    rm -rf "$RUN"
    exit 0
fi

QEMU_PID=
TAIL_PIDS=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    [[ -z $QEMU_PID ]] || kill "$QEMU_PID" 2>/dev/null || true
    rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started=$EPOCHREALTIME
log "booting $(basename "$IMAGE") ($accel, cpu ${cpu:-max}) as $AS; share $SHARE -> /share"
"$QEMU" "${qemu_args[@]}" -serial "file:$RUN/console.log" &
QEMU_PID=$!
tail -s 0.1 -n +1 -f --pid="$QEMU_PID" "$RUN/stdout" &
TAIL_PIDS+=($!)
tail -s 0.1 -n +1 -f --pid="$QEMU_PID" "$RUN/stderr" >&2 &
TAIL_PIDS+=($!)

elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
command_at=
timed_out=no
while kill -0 "$QEMU_PID" 2>/dev/null; do
    [[ -n $command_at || ! -e $CTL/started-at ]] || command_at=$EPOCHREALTIME
    waited=$(elapsed "$started" "$EPOCHREALTIME" | cut -d. -f1)
    if ((waited >= TIMEOUT)) || { [[ -z $command_at ]] && ((waited >= BOOT_TIMEOUT)); }; then
        timed_out=yes
        [[ -n $command_at ]] || timed_out=boot
        log "timeout after $waited s: powering the VM off"
        kill "$QEMU_PID" 2>/dev/null || true
        break
    fi
    sleep 0.1
done
wait "$QEMU_PID" 2>/dev/null || true
QEMU_PID=
wait "${TAIL_PIDS[@]}" 2>/dev/null || true
ended=$EPOCHREALTIME

console_tail() {
    printf '[vm] %s; the guest console ended with:\n' "$1" >&2
    tail -n 40 "$RUN/console.log" >&2
}
if [[ $timed_out == yes ]]; then
    console_tail "timed out"
    exit 124
fi
if [[ $timed_out == boot ]]; then
    console_tail "error: the command had not started after $BOOT_TIMEOUT s"
    exit 125
fi
if [[ ! -f $CTL/rc ]]; then
    console_tail "error: the VM stopped without running the command"
    exit 125
fi
rc=$(cat "$CTL/rc")
if [[ -n $command_at ]]; then
    boot=$(elapsed "$started" "$command_at")
else
    boot="?"
fi
guest_boot=$(cat "$CTL/started-at")
command_s=$(elapsed "$guest_boot" "$(cat "$CTL/ended-at")")
log "exit status $rc; boot ${boot} s (guest uptime at start ${guest_boot} s), command ${command_s} s, total $(elapsed "$started" "$ended") s"
exit "$rc"
