#!/usr/bin/env bash
# Runs a command with the write IOPS of the disk that holds DIR capped, the way a cloud volume caps them
# (3,000 write IOPS is a common default), then prints how many writes the command issued to that disk and
# at what average rate, so a run shows the cap held. Needs root.
#
#   ./benchmarks/iops-cap.sh [--iops N] DIR -- COMMAND [ARGS...]      (N defaults to 3000)
#
# cgroup v1 (this machine kind): a blkio group with blkio.throttle.write_iops_device "MAJ:MIN N".
# cgroup v2 only: a child of the root cgroup with io.max "MAJ:MIN wiops=N".
# The command runs in the group; the group is removed when it ends, also on failure or Ctrl-C.
#
# The throttle takes a whole disk: for a file system on a partition it is set on the disk holding the
# partition; on device-mapper (LVM, dm-crypt) it is set on the dm device the file system is on, where the
# command's writes enter the block layer (untested here: this machine's root is a whole virtio disk).
# Only I/O the command submits itself is capped, which includes every write an fsync/fdatasync issues; with
# cgroup v1, dirty pages that the kernel's flusher threads write back later are not.
set -euo pipefail

IOPS=3000
if [ "${1:-}" = --iops ]; then
  IOPS="$2"
  shift 2
fi
if [ $# -lt 3 ] || [ "$2" != -- ]; then
  echo "usage: $0 [--iops N] DIR -- COMMAND [ARGS...]" >&2
  exit 2
fi
DIR="$1"
shift 2
if [ "$(id -u)" != 0 ]; then
  echo "$0: needs root (it creates a cgroup)" >&2
  exit 2
fi

# The block device under DIR: findmnt gives the file system's device number; a file system without one of
# its own in /sys/dev/block (btrfs, for one) is looked up by its source device.
MAJMIN="$(findmnt -n -o MAJ:MIN -T "$DIR" | head -1 | tr -d ' ')"
if [ ! -e "/sys/dev/block/$MAJMIN" ]; then
  SOURCE="$(findmnt -n -o SOURCE -T "$DIR" | head -1)"
  MAJMIN="$(lsblk -ndo MAJ:MIN "$SOURCE" 2>/dev/null | tr -d ' ' || true)"
fi
if [ -z "$MAJMIN" ] || [ ! -e "/sys/dev/block/$MAJMIN" ]; then
  echo "$0: $DIR is not on a block device ($(findmnt -n -o SOURCE,FSTYPE -T "$DIR" | head -1)); nothing to cap" >&2
  exit 2
fi
SYSFS="$(readlink -f "/sys/dev/block/$MAJMIN")"
if [ -e "$SYSFS/partition" ]; then
  SYSFS="$(dirname "$SYSFS")"
  MAJMIN="$(cat "$SYSFS/dev")"
fi
DEVICE="$(basename "$SYSFS")"

GROUP=
PER_SECOND=
SAMPLER=
remove_group() {
  [ -z "$SAMPLER" ] || kill "$SAMPLER" 2>/dev/null || true
  [ -z "$PER_SECOND" ] || rm -f "$PER_SECOND"
  [ -n "$GROUP" ] && [ -d "$GROUP" ] || return 0
  # anything the command left running goes back to the root group, or the group cannot be removed
  if [ -f "$GROUP/cgroup.procs" ]; then
    while read -r pid; do
      echo "$pid" > "$ROOT_PROCS" 2>/dev/null || true
    done < "$GROUP/cgroup.procs"
  fi
  rmdir "$GROUP" 2>/dev/null || echo "$0: could not remove $GROUP" >&2
}
trap remove_group EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

NAME="nanowal-iops-cap-$$"
if [ -d /sys/fs/cgroup/blkio ]; then
  GROUP="/sys/fs/cgroup/blkio/$NAME"
  ROOT_PROCS=/sys/fs/cgroup/blkio/cgroup.procs
  mkdir "$GROUP"
  echo "$MAJMIN $IOPS" > "$GROUP/blkio.throttle.write_iops_device"
  LIMIT="$(cat "$GROUP/blkio.throttle.write_iops_device")"
  writes() { awk -v dev="$MAJMIN" '$1 == dev && $2 == "Write" {print $3}' "$GROUP/blkio.throttle.io_serviced"; }
elif grep -qw io /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
  GROUP="/sys/fs/cgroup/$NAME"
  ROOT_PROCS=/sys/fs/cgroup/cgroup.procs
  grep -qw io /sys/fs/cgroup/cgroup.subtree_control || echo +io > /sys/fs/cgroup/cgroup.subtree_control
  mkdir "$GROUP"
  echo "$MAJMIN wiops=$IOPS" > "$GROUP/io.max"
  LIMIT="$(cat "$GROUP/io.max")"
  writes() { awk -v dev="$MAJMIN" '$1 == dev {for (i = 2; i <= NF; i++) if ($i ~ /^wios=/) print substr($i, 6)}' "$GROUP/io.stat"; }
else
  echo "$0: neither cgroup v1 blkio (/sys/fs/cgroup/blkio) nor the cgroup v2 io controller is available" >&2
  exit 2
fi

# The group's writes in each second of the run, from its own counters: the proof that the cap held (the
# median second with writes at about N or below when the workload could do more; the throttle lets a short
# burst through after an idle spell, so a single second may exceed N).
PER_SECOND="$(mktemp)"
sample_per_second() {
  local last=0 now
  while sleep 1; do
    now="$(writes)"
    now="${now:-0}"
    echo $((now - last)) >> "$PER_SECOND"
    last="$now"
  done
}

echo "iops-cap: $DIR is on $DEVICE ($MAJMIN); write IOPS capped at $IOPS in $GROUP ($LIMIT)"
sample_per_second &
SAMPLER=$!
START="$(date +%s%N)"
STATUS=0
# The subshell moves itself into the group, then becomes the command: everything it runs and writes is capped.
( echo "$BASHPID" > "$GROUP/cgroup.procs"; exec "$@" ) || STATUS=$?
MILLIS=$(( ($(date +%s%N) - START) / 1000000 ))
WRITES="$(writes)"
WRITES="${WRITES:-0}"
kill "$SAMPLER" 2>/dev/null || true
SECONDS_WITH_WRITES="$(awk '$1 > 0' "$PER_SECOND" | sort -n | awk '{v[NR] = $1} END {
  if (NR == 0) print "none"; else printf "%d, median %d, max %d writes", NR, v[int((NR + 1) / 2)], v[NR]}')"
echo "iops-cap: the command issued $WRITES writes to $DEVICE in $((MILLIS / 1000)) s" \
  "($((WRITES * 1000 / (MILLIS + 1))) writes/s on average); seconds with writes: $SECONDS_WITH_WRITES (cap $IOPS)"
exit "$STATUS"
