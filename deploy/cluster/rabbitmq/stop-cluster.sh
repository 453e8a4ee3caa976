#!/usr/bin/env bash
# Stop all three nodes (graceful, then SIGKILL if needed) and delete $BASE.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/common.sh"
for n in 3 2 1; do
  if node_alive "$n"; then
    pid=$(node_pid "$n")
    ctl "$n" shutdown --timeout 60 >/dev/null 2>&1 || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null && grep -q beam "/proc/$pid/cmdline" 2>/dev/null; then kill -KILL "$pid"; fi
    echo "stopped node $n"
  fi
done
case "$BASE" in /|"") echo "refusing to delete BASE=$BASE" >&2; exit 1 ;; esac
rm -rf -- "$BASE"
echo "removed $BASE"
