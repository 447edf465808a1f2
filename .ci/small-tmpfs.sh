#!/usr/bin/env bash
# Mounts the small tmpfs the disk-full tests fill (DiskFullTests, DiskFullApiTests) and prints its
# path. Idempotent: a tmpfs already mounted there is reused. Needs root; without it, prints a
# warning on stderr and exits 1 (under CI=true the tests then fail rather than skip).
set -euo pipefail

dir="${WARMTIER_TEST_TMPFS:-/tmp/warmtier-small-fs}"
size="${WARMTIER_TEST_TMPFS_SIZE:-16m}"
mkdir -p "$dir"
if [ "$(stat -f -c %T "$dir")" = "tmpfs" ] && mountpoint -q "$dir"; then
    echo "$dir"
    exit 0
fi
if mount -t tmpfs -o "size=$size" tmpfs "$dir" 2>/tmp/small-tmpfs.err; then
    echo "$dir"
else
    echo "cannot mount a $size tmpfs on $dir: $(cat /tmp/small-tmpfs.err) (needs root)" >&2
    exit 1
fi
