#!/usr/bin/env bash
# Start a 3-node RabbitMQ 3.10 cluster chat1..3@localhost under $BASE (see common.sh for env/ports).
# Idempotent-ish: refuses if $BASE already has running nodes.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/common.sh"

t0=$(now_ms)
for n in 1 2 3; do
  if node_alive "$n"; then echo "node $n already running (pid $(node_pid "$n")); run stop-cluster.sh first" >&2; exit 1; fi
done
for n in 1 2 3; do kill_stale_node "$n"; done
write_common_files
for n in 1 2 3; do write_node_config "$n"; done

if [ "$JOIN_MODE" = discovery ]; then
  # node 1 alone first (finds no peer, starts a new cluster), then 2 and 3 join it while booting
  launch_node 1
  await_node 1 120 || { echo "node 1 failed to boot; see $(node_dir 1)/log" >&2; exit 1; }
  t1=$(now_ms); echo "node 1 booted in $((t1 - t0)) ms"
  launch_node 2; launch_node 3
  for n in 2 3; do
    await_node "$n" 120 || { echo "node $n failed to boot; see $(node_dir "$n")/log" >&2; exit 1; }
  done
else
  # boot all three in parallel as independent nodes
  for n in 1 2 3; do launch_node "$n"; done
  for n in 1 2 3; do
    await_node "$n" 120 || { echo "node $n failed to boot; see $(node_dir "$n")/log" >&2; exit 1; }
  done
  t1=$(now_ms)
  echo "booted 3 standalone nodes in $((t1 - t0)) ms"
  # join 2 and 3 to 1 (stop_app in parallel, join one at a time, start_app in parallel).
  # NB: `wait` needs explicit pids: the launched nodes are children of this shell too.
  ctl 2 stop_app >/dev/null & p2=$!; ctl 3 stop_app >/dev/null & p3=$!
  wait $p2; wait $p3
  for n in 2 3; do ctl "$n" join_cluster "$(node_name 1)" >/dev/null; done
  ctl 2 start_app >/dev/null & p2=$!; ctl 3 start_app >/dev/null & p3=$!
  wait $p2; wait $p3
fi
await_running 1 3 120
for n in 1 2 3; do await_node "$n" 60; done
t2=$(now_ms)
echo "cluster of 3 running in $((t2 - t0)) ms total ($JOIN_MODE mode; after node boot/first phase: $((t2 - t1)) ms)"
ctl 1 cluster_status --formatter json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log("running_nodes:",j.running_nodes.join(" "))})'
for n in 1 2 3; do
  echo "$(node_name "$n"): amqp=$((AMQP_BASE + n)) mqtt=$((MQTT_BASE + n)) ws-mqtt=$((WSMQTT_BASE + n))/ws mgmt=http://127.0.0.1:$((MGMT_BASE + n)) pid=$(node_pid "$n")"
done
