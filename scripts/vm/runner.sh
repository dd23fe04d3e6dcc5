#!/bin/bash
# Runs inside the guest (scripts/vm/run.sh copies it to /vmctl/runner, and the image's
# powertune-vm-run.service starts it at boot): runs the command run.sh left in /vmctl, with its
# stdout and stderr on the virtio ports the host streams, writes its exit status to /vmctl/rc
# and powers off.
#
# /vmctl/command  the command as a bash script (run.sh quotes it)
# /vmctl/as       root | ci
# /vmctl/scope    yes: root's command also runs in a delegated scope (ci's always does)
set -u
CTL=/vmctl
OUT=/dev/virtio-ports/powertune.stdout
ERR=/dev/virtio-ports/powertune.stderr

finish() {
    printf '%s\n' "$1" >"$CTL/rc.tmp" && mv "$CTL/rc.tmp" "$CTL/rc"
    sync
    # The root disk is a snapshot the host discards: no need for an orderly shutdown.
    systemctl poweroff --force --force
}

uptime_s() { cut -d' ' -f1 /proc/uptime; }

for _ in $(seq 100); do
    [[ -e $OUT && -e $ERR ]] && break
    sleep 0.1
done
if [[ ! -e $OUT || ! -e $ERR ]]; then
    echo "powertune-vm-run: no output ports $OUT $ERR" >&2
    finish 125
fi

as=$(cat "$CTL/as")
scope=$(cat "$CTL/scope" 2>/dev/null || echo no)
case $as in
root)
    root_env=(env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM=dumb
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
    if [[ $scope == yes ]]; then
        run=("${root_env[@]}" systemd-run --scope -p Delegate=yes --quiet -- /bin/bash "$CTL/command")
    else
        run=("${root_env[@]}" /bin/bash "$CTL/command")
    fi
    ;;
ci)
    uid=$(id -u ci)
    # Lingering starts user@<uid>.service at boot; wait until its manager answers.
    for _ in $(seq 300); do
        systemctl is-active --quiet "user@$uid.service" && [[ -S /run/user/$uid/bus ]] && break
        sleep 0.1
    done
    run=(runuser -u ci -- env -i HOME=/home/ci USER=ci LOGNAME=ci SHELL=/bin/bash
        PATH=/usr/local/bin:/usr/bin:/bin TERM=dumb
        XDG_RUNTIME_DIR="/run/user/$uid" DBUS_SESSION_BUS_ADDRESS="unix:path=/run/user/$uid/bus"
        systemd-run --user --scope -p Delegate=yes --quiet -- /bin/bash "$CTL/command")
    ;;
*)
    echo "powertune-vm-run: unknown user '$as'" >"$ERR"
    finish 125
    ;;
esac

uptime_s >"$CTL/started-at"
"${run[@]}" </dev/null >"$OUT" 2>"$ERR"
rc=$?
uptime_s >"$CTL/ended-at"
finish "$rc"
