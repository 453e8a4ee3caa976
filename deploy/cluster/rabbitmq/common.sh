# Sourced by start-cluster.sh, start-node.sh, kill-node.sh, stop-cluster.sh, ctl.sh.
# Everything lives under $BASE; nothing in /etc/rabbitmq or /var/lib/rabbitmq is read or written,
# so the Debian service (rabbit@localhost, 5672/25672) is untouched.
#
# Tunables (env):
#   BASE            data/log/config root                (default /tmp/chat-rabbit)
#   AUTH_URL        base URL of the HTTP auth endpoints  (default http://127.0.0.1:4999/mqtt/auth)
#                   -> user_path=$AUTH_URL/user vhost_path=$AUTH_URL/vhost
#                      resource_path=$AUTH_URL/resource topic_path=$AUTH_URL/topic
#   AUTH_URL_1..3   the base URL for node N alone (each node may ask its own server instance)
#   AUTH_USER_URL, AUTH_VHOST_URL, AUTH_RESOURCE_URL, AUTH_TOPIC_URL   override one path each
#   AUTH_HTTP_METHOD  post|get                           (default post)
#   MQTT_VHOST      vhost for MQTT and the admin user    (default /)
#   ADMIN_USER / ADMIN_PASS  internal administrator      (default admin / admin)
#   QUEUE_TYPE      mqtt.durable_queue_type classic|quorum (default quorum)
#   NODE_PREFIX     node names ${NODE_PREFIX}N@localhost (default chat)
#   JOIN_MODE       ctl: boot 3 blank nodes in parallel, then stop_app/join_cluster/start_app on 2 and 3
#                   discovery: boot node 1, then 2 and 3 in parallel with classic_config peer discovery
#                   (they join node 1 while booting: no second boot)   (default ctl)
#   STATS_INTERVAL  collect_statistics_interval in ms    (default 1000; RabbitMQ's own default is 5000)
#   Ports for node N (1..3): AMQP 569N, dist 2569N, MQTT 189N, management 1569N, web-mqtt 1568N
#   (override bases: AMQP_BASE=5690 DIST_BASE=25690 MQTT_BASE=1890 MGMT_BASE=15690 WSMQTT_BASE=15680)

BASE="${BASE:-/tmp/chat-rabbit}"
AUTH_URL="${AUTH_URL:-http://127.0.0.1:4999/mqtt/auth}"
AUTH_HTTP_METHOD="${AUTH_HTTP_METHOD:-post}"
MQTT_VHOST="${MQTT_VHOST:-/}"
ADMIN_USER="${ADMIN_USER:-admin}"
ADMIN_PASS="${ADMIN_PASS:-admin}"
QUEUE_TYPE="${QUEUE_TYPE:-quorum}"
NODE_PREFIX="${NODE_PREFIX:-chat}"
STATS_INTERVAL="${STATS_INTERVAL:-1000}"
JOIN_MODE="${JOIN_MODE:-ctl}"
AMQP_BASE="${AMQP_BASE:-5690}"
DIST_BASE="${DIST_BASE:-25690}"
MQTT_BASE="${MQTT_BASE:-1890}"
MGMT_BASE="${MGMT_BASE:-15690}"
WSMQTT_BASE="${WSMQTT_BASE:-15680}"
RMQ_BIN=/usr/lib/rabbitmq/bin   # call the real scripts, not the /usr/sbin wrapper (which su's to rabbitmq)

node_name() { echo "${NODE_PREFIX}$1@localhost"; }
node_dir()  { echo "$BASE/${NODE_PREFIX}$1"; }

# Export the environment that makes the rabbitmq scripts (server and CLI) talk about node N.
node_env() {
  local n=$1 d; d=$(node_dir "$n")
  export HOME="$BASE"                                   # $BASE/.erlang.cookie = shared cookie (server + CLI)
  export RABBITMQ_CONF_ENV_FILE="$BASE/rabbitmq-env.conf"  # instead of /etc/rabbitmq/rabbitmq-env.conf (NODENAME=rabbit@localhost)
  export RABBITMQ_NODENAME; RABBITMQ_NODENAME=$(node_name "$n")
  export RABBITMQ_USE_LONGNAME=false
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT=$((AMQP_BASE + n))
  export RABBITMQ_DIST_PORT=$((DIST_BASE + n))
  export RABBITMQ_CONFIG_FILE="$d/rabbitmq.conf"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$d/advanced.config"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$d/enabled_plugins"
  export RABBITMQ_MNESIA_BASE="$d/mnesia"
  export RABBITMQ_LOG_BASE="$d/log"
  export RABBITMQ_PID_FILE="$d/beam.pid"
  export ERL_EPMD_ADDRESS=127.0.0.1
  export ERL_FLAGS="-kernel inet_dist_use_interface {127,0,0,1}"
}

# rabbitmqctl against node N (runs in a subshell so the env does not leak)
ctl() { local n=$1; shift; ( node_env "$n"; "$RMQ_BIN/rabbitmqctl" -n "$(node_name "$n")" "$@" ); }

write_node_config() {
  local n=$1 d; d=$(node_dir "$n")
  mkdir -p "$d/mnesia" "$d/log"
  local own="AUTH_URL_$n" auth; auth="${!own:-$AUTH_URL}"
  local u="${AUTH_USER_URL:-$auth/user}" v="${AUTH_VHOST_URL:-$auth/vhost}"
  local r="${AUTH_RESOURCE_URL:-$auth/resource}" t="${AUTH_TOPIC_URL:-$auth/topic}"
  cat >"$d/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$((AMQP_BASE + n))
loopback_users = none
default_vhost = $MQTT_VHOST
default_user = $ADMIN_USER
default_pass = $ADMIN_PASS
default_user_tags.administrator = true
default_permissions.configure = .*
default_permissions.read = .*
default_permissions.write = .*

# internal users (admin for the server / management) first, everyone else goes to HTTP.
# A user is authorised (vhost/resource/topic) by the backend that authenticated it.
auth_backends.1 = internal
auth_backends.2 = http
auth_http.http_method = $AUTH_HTTP_METHOD
auth_http.user_path = $u
auth_http.vhost_path = $v
auth_http.resource_path = $r
auth_http.topic_path = $t

mqtt.listeners.tcp.default = 127.0.0.1:$((MQTT_BASE + n))
mqtt.allow_anonymous = false
mqtt.vhost = $MQTT_VHOST
mqtt.exchange = amq.topic
mqtt.durable_queue_type = $QUEUE_TYPE

web_mqtt.tcp.ip = 127.0.0.1
web_mqtt.tcp.port = $((WSMQTT_BASE + n))

management.tcp.ip = 127.0.0.1
management.tcp.port = $((MGMT_BASE + n))
# how often connections/queues stats reach the management API (RabbitMQ default 5000 ms);
# GET /api/connections only lists a new connection after its first stats emission
collect_statistics_interval = $STATS_INTERVAL

$(if [ "$JOIN_MODE" = discovery ]; then
  echo "cluster_formation.peer_discovery_backend = classic_config"
  # only node 1 as the seed: node 1 then starts blank at once (no 10 x 500 ms retries for absent peers)
  echo "cluster_formation.classic_config.nodes.1 = $(node_name 1)"
fi)
log.console = false
log.file.level = info
EOF
  # The chat server's MQTT user names are `session:{id}`: without this, RabbitMQ reads the part before a colon as
  # a virtual host (3.10 has no rabbitmq.conf key for it).
  echo '[{rabbitmq_mqtt, [{ignore_colons_in_username, true}]}].' >"$d/advanced.config"
  echo '[rabbitmq_mqtt,rabbitmq_web_mqtt,rabbitmq_management,rabbitmq_auth_backend_http].' >"$d/enabled_plugins"
}

write_common_files() {
  mkdir -p "$BASE"
  if [ ! -f "$BASE/.erlang.cookie" ]; then
    head -c 30 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F >"$BASE/.erlang.cookie"
    chmod 400 "$BASE/.erlang.cookie"
  fi
  # Read by the rabbitmq scripts instead of /etc/rabbitmq/rabbitmq-env.conf; our env vars win anyway.
  echo '# chat test cluster: intentionally (almost) empty' >"$BASE/rabbitmq-env.conf"
}

node_pid() { local f; f="$(node_dir "$1")/beam.pid"; [ -s "$f" ] && cat "$f"; }
node_alive() { local p; p=$(node_pid "$1") && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

# Launch node N in the background (returns immediately).
launch_node() {
  local n=$1 d; d=$(node_dir "$n")
  rm -f "$d/beam.pid"
  ( node_env "$n"; cd "$d" && exec setsid nohup "$RMQ_BIN/rabbitmq-server" >>"$d/log/stdout.log" 2>&1 </dev/null ) &
}

# Wait until node N has booted (rabbit app running), up to $2 seconds (default 120).
await_node() {
  local n=$1 t=${2:-120} end
  end=$(( $(date +%s) + t ))
  while [ "$(date +%s)" -lt "$end" ]; do
    # fails at once while the node is not yet registered with epmd; then blocks until booted
    ctl "$n" await_startup --timeout 10 >/dev/null 2>&1 && return 0
    sleep 0.3
  done
  echo "timeout: node $n not booted after ${t}s" >&2
  return 1
}

# Number of running nodes in node N's `rabbitmqctl cluster_status` (empty if unreachable).
running_count() {
  ctl "$1" cluster_status --formatter json 2>/dev/null |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).running_nodes.length)}catch(e){}})'
}

# Wait until node N's cluster_status lists $2 running nodes (default 3), up to $3 s.
await_running() {
  local n=$1 want=${2:-3} t=${3:-120} end got
  end=$(( $(date +%s) + t ))
  while [ "$(date +%s)" -lt "$end" ]; do
    got=$(running_count "$n")
    [ "$got" = "$want" ] && return 0
    sleep 0.5
  done
  echo "timeout: node $n sees ${got:-?} running nodes, want $want" >&2
  return 1
}

# SIGKILL a node named like node N that an earlier, interrupted run left running under another $BASE: it still holds
# its name in epmd and its ports, and a new node of that name would not start ("dist_port_already_used").
kill_stale_node() {
  local n=$1 name p env
  name=$(node_name "$n")
  for p in $(pgrep -x beam.smp); do
    env=$(tr '\0' '\n' 2>/dev/null <"/proc/$p/environ") || continue
    grep -qxF "RABBITMQ_NODENAME=$name" <<<"$env" || continue
    grep -qF "RABBITMQ_MNESIA_BASE=$(node_dir "$n")/" <<<"$env" && continue
    echo "killing node $name left by an earlier run (pid $p)"
    kill -KILL "$p" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  done
}

now_ms() { date +%s%3N; }
