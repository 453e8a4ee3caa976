#!/usr/bin/env bash
# (Re)start node N (1..3) of the cluster. With its data dir intact it rejoins the cluster by itself.
# With a wiped/blank data dir it is first forgotten by a running peer (forget_cluster_node) and then
# joined again (by classic_config discovery at boot, or stop_app/join_cluster/start_app).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/common.sh"
n=${1:?usage: start-node.sh N}
if node_alive "$n"; then echo "node $n already running (pid $(node_pid "$n"))"; exit 0; fi
t0=$(now_ms)
peer=""; for p in 1 2 3; do [ "$p" != "$n" ] && node_alive "$p" && { peer=$p; break; }; done
if [ ! -d "$(node_dir "$n")/mnesia/$(node_name "$n")" ] && [ -n "$peer" ]; then
  echo "node $n has no data: making node $peer forget it first"
  ctl "$peer" forget_cluster_node "$(node_name "$n")" >/dev/null 2>&1 || true
fi
write_node_config "$n"
launch_node "$n"
await_node "$n" 180
if [ -n "$peer" ] && [ "$(running_count "$n")" = 1 ]; then   # booted standalone: join the running cluster
  ctl "$n" stop_app >/dev/null; ctl "$n" join_cluster "$(node_name "$peer")" >/dev/null; ctl "$n" start_app >/dev/null
fi
want=0; for p in 1 2 3; do node_alive "$p" && want=$((want + 1)); done
await_running "$n" "$want" 120
echo "node $n ($(node_name "$n")) up, cluster_status shows $want running nodes, after $(( $(now_ms) - t0 )) ms (pid $(node_pid "$n"))"
