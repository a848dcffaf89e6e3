#!/usr/bin/env bash
# A scaled-out gateway on this machine: 2 Infinispan nodes, 3 gateway replicas sharing them, and
# HAProxy in front (round-robin per request, no stickiness), everything on 127.0.0.1.
#
#   deploy/local-cluster.sh up       start it all; the load balancer serves http://127.0.0.1:1975/mcp
#   deploy/local-cluster.sh status   each replica and node with its port and PID
#   deploy/local-cluster.sh down     stop what `up` started
#
# Environment (all optional):
#   MCP_CONFIG=examples/mcp-servers.json   the upstream servers every replica serves
#   LB_PORT=1975  REPLICA_PORT=19761 (replicas use 19761..19763)  REPLICAS=3
#   ISPN_OFFSETS="0 100"                  Hot Rod ports 11222 + offset
#   CLUSTER_WORK=deploy/target/cluster    pid, log and config files
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${CLUSTER_WORK:-$root/deploy/target/cluster}
config=${MCP_CONFIG:-$root/examples/mcp-servers.json}
lb_port=${LB_PORT:-1975}
replica_port=${REPLICA_PORT:-19761}
replicas=${REPLICAS:-3}
offsets=${ISPN_OFFSETS:-0 100}
export ISPN_WORK="$work/infinispan"

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_port() {
  for _ in $(seq 1 120); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.5
  done
  echo "nothing answers on 127.0.0.1:$1 (see $work)" >&2
  return 1
}

up() {
  mkdir -p "$work"
  command -v haproxy >/dev/null || { echo "HAProxy is needed: apt-get install haproxy" >&2; exit 1; }
  JAVA_HOME=$("$root/bin/java-home.sh"); export JAVA_HOME
  [ -f "$root/target/quarkus-app/quarkus-run.jar" ] || "$root/bin/mcp-gateway" build

  local hosts="" i=0
  for off in $offsets; do
    i=$((i + 1))
    if alive "$ISPN_WORK/ispn$i.pid"; then
      echo "ispn$i already running (PID $(cat "$ISPN_WORK/ispn$i.pid"))"
    else
      "$root/infinispan/server.sh" start "ispn$i" "$off"
    fi
    hosts="$hosts${hosts:+;}127.0.0.1:$((11222 + off))"
  done

  # Every replica must sign server-to-client request ids with the same key.
  [ -f "$work/signing-key" ] || head -c 32 /dev/urandom | base64 > "$work/signing-key"
  local key; key=$(cat "$work/signing-key")

  local servers=""
  for n in $(seq 1 "$replicas"); do
    local port=$((replica_port + n - 1))
    if alive "$work/gateway$n.pid"; then
      echo "gateway$n already running (PID $(cat "$work/gateway$n.pid"))"
    else
      MCP_GATEWAY_STORE=infinispan QUARKUS_INFINISPAN_CLIENT_HOSTS="$hosts" MCP_GATEWAY_SIGNING_KEY="$key" \
        nohup "$JAVA_HOME/bin/java" ${JAVA_OPTS:-} -jar "$root/target/quarkus-app/quarkus-run.jar" \
        run --mcp-config "$config" --port "$port" --host 127.0.0.1 >"$work/gateway$n.log" 2>&1 &
      echo $! >"$work/gateway$n.pid"
    fi
    servers="$servers    server gateway$n 127.0.0.1:$port check
"
  done

  cat >"$work/haproxy.cfg" <<CFG
global
    maxconn 4000
    pidfile $work/haproxy.pid
defaults
    mode http
    timeout connect 2s
    timeout client 1h
    timeout server 1h
    timeout tunnel 1h
    option redispatch
    # Event streams: pass small writes on at once instead of waiting to fill a packet.
    option http-no-delay
    retries 2
frontend mcp
    bind 127.0.0.1:$lb_port
    default_backend gateways
backend gateways
    balance roundrobin
    option httpchk GET /q/health/live
$servers
CFG
  for n in $(seq 1 "$replicas"); do wait_port $((replica_port + n - 1)); done
  if alive "$work/haproxy.pid"; then
    kill -USR2 "$(cat "$work/haproxy.pid")" 2>/dev/null || true
  else
    haproxy -D -f "$work/haproxy.cfg"
  fi
  wait_port "$lb_port"
  status
  echo "MCP endpoint: http://127.0.0.1:$lb_port/mcp"
}

status() {
  printf '%-10s %-22s %s\n' WHAT ADDRESS PID
  for n in $(seq 1 "$replicas"); do
    local pid="-"; alive "$work/gateway$n.pid" && pid=$(cat "$work/gateway$n.pid")
    printf '%-10s %-22s %s\n' "gateway$n" "127.0.0.1:$((replica_port + n - 1))" "$pid"
  done
  local pid="-"; alive "$work/haproxy.pid" && pid=$(cat "$work/haproxy.pid")
  printf '%-10s %-22s %s\n' haproxy "127.0.0.1:$lb_port" "$pid"
  "$root/infinispan/server.sh" status || true
}

down() {
  if alive "$work/haproxy.pid"; then kill "$(cat "$work/haproxy.pid")"; fi
  rm -f "$work/haproxy.pid"
  for n in $(seq 1 "$replicas"); do
    if alive "$work/gateway$n.pid"; then kill "$(cat "$work/gateway$n.pid")"; fi
    rm -f "$work/gateway$n.pid"
  done
  local i=0
  for _ in $offsets; do
    i=$((i + 1))
    "$root/infinispan/server.sh" stop "ispn$i" || true
  done
}

case "${1:-}" in
  up) up ;;
  status) status ;;
  down) down ;;
  *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
