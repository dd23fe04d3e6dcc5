#!/usr/bin/env bash
# Builds the Debian VM image that scripts/vm/run.sh boots: systemd on cgroup v2 only, a root
# login without password on the serial console, and a user `ci` whose systemd user manager
# runs from boot (lingering), with systemd's stock delegation of cpu, memory and pids to it.
#
# Usage: scripts/vm/build-image.sh        prints the image's folder on stdout, builds it first
#                                         when it is not in the cache yet
#
# Environment:
#   POWERTUNE_VM_DIR     cache folder (default ~/.cache/powertune-vm)
#   POWERTUNE_VM_SUITE   Debian release: bookworm, trixie, or auto (default): the oldest of the
#                        two whose glibc runs binaries built on this host
#   POWERTUNE_VM_MIRROR  Debian mirror (default http://deb.debian.org/debian)
#
# The image is cached under $POWERTUNE_VM_DIR/<suite>-<hash>/: a raw ext4 root filesystem
# (rootfs.img), the kernel (vmlinuz) and its initramfs (initrd.img). The hash covers what goes
# into the image (this script's second half and unit.service): changing them makes a new image;
# older ones can be deleted by hand.
# Needs root (debootstrap chroots): runs its root steps through sudo when not root.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

log() { printf '[vm] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

VM_DIR=${POWERTUNE_VM_DIR:-$HOME/.cache/powertune-vm}
MIRROR=${POWERTUNE_VM_MIRROR:-http://deb.debian.org/debian}
SUITE=${POWERTUNE_VM_SUITE:-auto}
DISK_SIZE=3G

SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"

# glibc of each release the image can be built from: binaries built on this host need a guest
# glibc at least as new as the host's.
declare -A GLIBC=([bookworm]=2.36 [trixie]=2.41)

version_le() { [[ $(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1) == "$1" ]]; }

host_glibc() { getconf GNU_LIBC_VERSION | sed -n 's/^glibc //p'; }

if [[ $SUITE == auto ]]; then
    glibc=$(host_glibc) || die "cannot read the host's glibc version (getconf GNU_LIBC_VERSION)"
    if version_le "$glibc" "${GLIBC[bookworm]}"; then
        SUITE=bookworm
    elif version_le "$glibc" "${GLIBC[trixie]}"; then
        SUITE=trixie
    else
        die "host glibc $glibc is newer than trixie's ${GLIBC[trixie]}: binaries built here will not run in the guest"
    fi
fi
[[ -n ${GLIBC[$SUITE]:-} ]] || die "POWERTUNE_VM_SUITE=$SUITE: only bookworm and trixie are supported"

# The cache key: what goes into the image (this script from its "What goes into the image"
# line on, and the unit, both without comment lines), so that other edits keep the cached image.
KEY=$({
    sed -n '/^# --- What goes into the image/,$p' "$HERE/build-image.sh"
    cat "$HERE/unit.service"
} | grep -v '^[[:space:]]*#' | sha256sum | cut -c1-12)
IMAGE="$VM_DIR/$SUITE-$KEY"
if [[ -f $IMAGE/ready ]]; then
    printf '%s\n' "$IMAGE"
    exit 0
fi

install_debian_packages() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        log "installing Debian packages: ${missing[*]}"
        $SUDO apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    fi
}
# e2fsprogs: mkfs.ext4 -d fills the image from a folder, with no loop device or mount.
install_debian_packages debootstrap qemu-system-x86 qemu-utils e2fsprogs

# --- What goes into the image -----------------------------------------------------------------
started=$SECONDS
mkdir -p "$VM_DIR"
WORK=$(mktemp -d "$VM_DIR/.build-$SUITE-XXXXXX")
ROOTFS="$WORK/rootfs"
cleanup() {
    # The chroot's /proc and /dev may still be mounted when debootstrap failed half-way.
    for m in proc sys dev/pts dev; do
        if mountpoint -q "$ROOTFS/$m" 2>/dev/null; then $SUDO umount -l "$ROOTFS/$m" || true; fi
    done
    $SUDO rm -rf "$WORK"
}
trap cleanup EXIT

# minbase has no udev, D-Bus or logind PAM module; systemd-run --user needs D-Bus and a user
# manager, and the harness's output ports need udev's /dev/virtio-ports/ links.
# ca-certificates: aws-sdk-rust's HTTP client (in powertune and the emulator's tests) panics at
# start without a root certificate, even for the emulator's plain-HTTP loopback endpoint.
PACKAGES=systemd-sysv,udev,dbus,dbus-user-session,libpam-systemd,kmod,procps,ca-certificates
PACKAGES+=,linux-image-amd64,initramfs-tools
log "debootstrap $SUITE into $ROOTFS (a few minutes)"
$SUDO debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOTFS" "$MIRROR" \
    >"$WORK/debootstrap.log" 2>&1 \
    || {
        tail -n 20 "$WORK/debootstrap.log" >&2
        $SUDO tail -n 30 "$ROOTFS/debootstrap/debootstrap.log" >&2 || true
        die "debootstrap failed (its logs above)"
    }

log "configuring the guest"
in_root() { $SUDO chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
put() { # put MODE SOURCE DEST: copies a file into the guest
    $SUDO install -D -m "$1" "$2" "$ROOTFS$3"
}
put_text() { # put_text DEST: writes stdin into a guest file
    $SUDO install -D -m 0644 /dev/stdin "$ROOTFS$1"
}

echo powertune-vm | put_text /etc/hostname
printf '127.0.0.1 localhost\n127.0.1.1 powertune-vm\n' | put_text /etc/hosts
cat <<'FSTAB' | put_text /etc/fstab
/dev/vda  /        ext4  rw,noatime  0 1
# 9p shares from the host (scripts/vm/run.sh): the command to run, and the shared folder.
vmctl     /vmctl   9p    trans=virtio,version=9p2000.L,msize=262144,nofail  0 0
share     /share   9p    trans=virtio,version=9p2000.L,msize=262144,nofail  0 0
FSTAB
$SUDO mkdir -p "$ROOTFS/vmctl" "$ROOTFS/share"
printf '9p\n9pnet_virtio\nvirtio_console\n' | put_text /etc/modules-load.d/powertune-vm.conf

# A new machine id on every boot (the root disk is a throw-away snapshot anyway).
$SUDO truncate -s 0 "$ROOTFS/etc/machine-id"

# root logs in without a password; the serial console logs it in by itself (run.sh --console).
in_root passwd -d root >/dev/null
cat <<'GETTY' | put_text /etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf
[Service]
ExecStart=
ExecStart=-/sbin/agetty --autologin root --noclear --keep-baud 115200,57600,38400,9600 - $TERM
GETTY

# The CI user, as on a CI runner: not root, and a systemd user manager from boot (this is
# what `loginctl enable-linger ci` writes). Delegation is systemd's stock one: bookworm's (252)
# and trixie's (257) user@.service say `Delegate=pids memory cpu`, as on current CI runners.
# (A user@.service.d/delegate.conf with `Delegate=cpu cpuset io memory pids`, which systemd's
# docs suggest, would add cpuset and io; the emulator needs neither.)
in_root useradd --create-home --uid 1000 --shell /bin/bash ci
$SUDO mkdir -p "$ROOTFS/var/lib/systemd/linger"
$SUDO touch "$ROOTFS/var/lib/systemd/linger/ci"

# The unit that runs the host's command and powers off.
put 0644 "$HERE/unit.service" /etc/systemd/system/powertune-vm-run.service
in_root systemctl enable powertune-vm-run.service >/dev/null 2>&1
# Nothing periodic, networked or unused: a boot should only run the command (without KVM every
# unit costs a noticeable part of a second).
for unit in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service \
    fstrim.timer dpkg-db-backup.timer systemd-tmpfiles-clean.timer systemd-timesyncd.service \
    getty@tty1.service modprobe@drm.service modprobe@fuse.service modprobe@loop.service \
    modprobe@dm_mod.service modprobe@efi_pstore.service; do
    in_root systemctl mask "$unit" >/dev/null 2>&1 || true
done

# An initramfs with only what finds the root disk: Debian's default (MODULES=most) is 35 MB,
# which takes seconds to unpack without KVM.
printf 'virtio_pci\nvirtio_blk\next4\n' | put_text /etc/initramfs-tools/modules
$SUDO sed -i 's/^MODULES=.*/MODULES=list/' "$ROOTFS/etc/initramfs-tools/initramfs.conf"
in_root update-initramfs -u -k all >/dev/null 2>&1 || die "update-initramfs failed"

$SUDO rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*

log "making the root filesystem image"
mkdir -p "$WORK/out"
kernels=("$ROOTFS"/boot/vmlinuz-*)
((${#kernels[@]} == 1)) || die "expected one kernel in the guest, found: ${kernels[*]}"
$SUDO cp "${kernels[0]}" "$WORK/out/vmlinuz"
$SUDO cp "$ROOTFS/boot/initrd.img-${kernels[0]##*/vmlinuz-}" "$WORK/out/initrd.img"
truncate -s "$DISK_SIZE" "$WORK/out/rootfs.img"
$SUDO mkfs.ext4 -q -F -L powertune-root -d "$ROOTFS" "$WORK/out/rootfs.img"
$SUDO chown -R "$(id -u):$(id -g)" "$WORK/out"
# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
in_root dpkg-query -W -f='${Package} ${Version}\n' linux-image-amd64 systemd libc6 >"$WORK/out/versions.txt"
cp "$WORK/debootstrap.log" "$WORK/out/"
echo "$((SECONDS - started))" >"$WORK/out/build-seconds"

rm -rf "$IMAGE"
mv "$WORK/out" "$IMAGE"
touch "$IMAGE/ready"
log "image ready in $((SECONDS - started)) s: $IMAGE ($(tr '\n' ' ' <"$IMAGE/versions.txt"))"
printf '%s\n' "$IMAGE"
