#!/usr/bin/env bash
# (Re)start node N (1..3) of the cluster; it rejoins the cluster from its own data dir.
# If its data dir was never clustered (or was wiped) it is joined to another running node.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/common.sh"
n=${1:?usage: start-node.sh N}
if node_alive "$n"; then echo "node $n already running (pid $(node_pid "$n"))"; exit 0; fi
t0=$(now_ms)
write_node_config "$n"
launch_node "$n"
await_node "$n" 180
# a fresh data dir boots standalone: join it to a running peer
if [ "$(running_count "$n")" = 1 ]; then
  for p in 1 2 3; do
    [ "$p" = "$n" ] && continue
    if node_alive "$p"; then
      ctl "$n" stop_app >/dev/null; ctl "$n" join_cluster "$(node_name "$p")" >/dev/null; ctl "$n" start_app >/dev/null
      break
    fi
  done
fi
want=0; for p in 1 2 3; do node_alive "$p" && want=$((want + 1)); done
await_running "$n" "$want" 120
echo "node $n ($(node_name "$n")) up and seeing $want running nodes in $(( $(now_ms) - t0 )) ms (pid $(node_pid "$n"))"
