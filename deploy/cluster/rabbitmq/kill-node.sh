#!/usr/bin/env bash
# SIGKILL node N's beam.smp (pid from its RABBITMQ_PID_FILE), i.e. a crash without a clean shutdown.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/common.sh"
n=${1:?usage: kill-node.sh N}
pid=$(node_pid "$n") || { echo "node $n: no pid file" >&2; exit 1; }
if ! kill -0 "$pid" 2>/dev/null; then echo "node $n (pid $pid) not running"; exit 0; fi
grep -q beam "/proc/$pid/cmdline" 2>/dev/null || { echo "pid $pid is not a beam process" >&2; exit 1; }
kill -KILL "$pid"
for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
echo "killed node $n ($(node_name "$n"), pid $pid)"
