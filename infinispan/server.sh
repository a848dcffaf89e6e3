#!/usr/bin/env bash
# Runs Infinispan server nodes on this machine (127.0.0.1) for the gateway's shared session store.
#
#   infinispan/server.sh start NAME PORT_OFFSET [-Dprop=value ...]
#       starts node NAME in the background: Hot Rod (and REST) on 11222 + PORT_OFFSET, JGroups on
#       7800 + PORT_OFFSET; joins the nodes already running from the same work folder. Waits until
#       Hot Rod answers. The first start fetches the server jars from Maven Central (about 65 MB).
#   infinispan/server.sh stop NAME        stops node NAME (TERM, then KILL after 20 s)
#   infinispan/server.sh status           lists the nodes of the work folder
#   infinispan/server.sh fetch            only fetches the server jars
#
# Environment (all optional):
#   ISPN_WORK            folder of node roots, pid and log files (default infinispan/target)
#   ISPN_LIB             folder of the server jars (default infinispan/target/lib)
#   ISPN_USER, ISPN_PASSWORD   the gateway's user (default mcp-gateway / mcp-gateway-dev)
#   ISPN_CLUSTER         cluster name (default mcp-gateway)
#   ISPN_JGROUPS_PORT    JGroups port of the node being started (default 7800 + PORT_OFFSET)
#   ISPN_FD_PORT         its failure-detection port (default JGroups port + 50000)
#   ISPN_INITIAL_HOSTS   TCPPING hosts, e.g. 127.0.0.1[7800],127.0.0.1[7900] (default: this node
#                        and the running nodes of ISPN_WORK)
#   ISPN_JAVA_OPTS       JVM options (default -Xms64m -Xmx512m -XX:+UseSerialGC)
#   ISPN_START_TIMEOUT   seconds to wait for Hot Rod (default 90)
#   JAVA_HOME            a JDK >= 21 (otherwise bin/java-home.sh finds one)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
work="${ISPN_WORK:-$here/target}"
lib="${ISPN_LIB:-$here/target/lib}"
user="${ISPN_USER:-mcp-gateway}"
password="${ISPN_PASSWORD:-mcp-gateway-dev}"
cluster="${ISPN_CLUSTER:-mcp-gateway}"
java_opts="${ISPN_JAVA_OPTS:--Xms64m -Xmx512m -XX:+UseSerialGC}"
start_timeout="${ISPN_START_TIMEOUT:-90}"

usage() {
  sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

java_home() {
  "$repo/bin/java-home.sh"
}

fetch() {
  mkdir -p "$(dirname "$lib")"
  # One fetch at a time, also when several nodes start together.
  exec 9>"$(dirname "$lib")/.fetch.lock"
  flock 9
  if [ ! -f "$lib/.complete" ]; then
    echo "Fetching Infinispan server jars into $lib ..." >&2
    rm -rf "$lib"
    local out
    out="$(dirname "$lib")/fetch.log"
    if ! JAVA_HOME="$(java_home)" "$repo/mvnw" -B -f "$here/pom.xml" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$lib" >"$out" 2>&1; then
      grep -E 'ERROR|BUILD' "$out" >&2 || tail -n 20 "$out" >&2
      echo "Fetching the Infinispan server jars failed; see $out" >&2
      exit 1
    fi
    touch "$lib/.complete"
  fi
  flock -u 9
}

alive() {
  local pidfile="$work/$1.pid"
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
  local name="$1" offset="$2"
  shift 2
  [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || { echo "Bad node name: $name" >&2; exit 2; }
  [[ "$offset" =~ ^[0-9]+$ ]] || { echo "Bad port offset: $offset" >&2; exit 2; }
  if alive "$name"; then
    echo "Node $name is already running (pid $(cat "$work/$name.pid"))" >&2
    exit 1
  fi
  local hotrod=$((11222 + offset))
  local jgroups="${ISPN_JGROUPS_PORT:-$((7800 + offset))}"
  local fd="${ISPN_FD_PORT:-$((jgroups + 50000))}"
  if [ "$fd" -gt 65535 ]; then
    echo "Failure-detection port $fd is out of range: set ISPN_FD_PORT" >&2
    exit 1
  fi
  if port_open "$hotrod"; then
    echo "Port $hotrod is taken: choose another PORT_OFFSET" >&2
    exit 1
  fi

  fetch
  mkdir -p "$work"

  local hosts="${ISPN_INITIAL_HOSTS:-}"
  if [ -z "$hosts" ]; then
    hosts="127.0.0.1[$jgroups]"
    for f in "$work"/*.node; do
      [ -f "$f" ] || continue
      local other
      other="$(basename "$f" .node)"
      if [ "$other" != "$name" ] && alive "$other"; then
        hosts="$hosts,127.0.0.1[$(sed -n 's/^jgroups=//p' "$f")]"
      fi
    done
  fi

  # A fresh server root: conf/ from this folder plus the users, an empty lib/.
  local root="$work/$name"
  rm -rf "$root"
  mkdir -p "$root/conf" "$root/lib" "$root/data" "$root/log"
  cp "$here/conf/"* "$root/conf/"
  printf '%s=%s\n' "$user" "$password" >"$root/conf/users.properties"
  printf '%s=deployer\n' "$user" >"$root/conf/groups.properties"
  chmod 600 "$root/conf/users.properties"

  local java
  java="$(java_home)/bin/java"
  # shellcheck disable=SC2086
  nohup "$java" $java_opts -cp "$lib/*" org.infinispan.server.Bootstrap \
    -s "$root" -c infinispan.xml -n "$name" -k 127.0.0.1 -o "$offset" \
    -Dinfinispan.cluster.name="$cluster" \
    -Djgroups.bind.address=127.0.0.1 -Djgroups.bind.port="$jgroups" -Dmcp.jgroups.fd.offset=$((fd - jgroups)) \
    -Djgroups.tcpping.initial_hosts="$hosts" \
    "$@" >"$work/$name.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$work/$name.pid"
  printf 'hotrod=%s\njgroups=%s\n' "$hotrod" "$jgroups" >"$work/$name.node"

  # Hot Rod answers a few seconds before the caches and the cluster are up: wait for both.
  local waited=0
  until port_open "$hotrod" && grep -q ISPN080001 "$work/$name.log"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "Node $name exited while starting; last lines of $work/$name.log:" >&2
      tail -n 30 "$work/$name.log" >&2
      rm -f "$work/$name.pid"
      exit 1
    fi
    if [ "$waited" -ge $((start_timeout * 5)) ]; then
      echo "Node $name did not start within ${start_timeout}s; last lines of $work/$name.log:" >&2
      tail -n 40 "$work/$name.log" >&2
      kill "$pid" 2>/dev/null || true
      exit 1
    fi
    sleep 0.2
    waited=$((waited + 1))
  done
  echo "Node $name started: pid $pid, Hot Rod 127.0.0.1:$hotrod, JGroups $jgroups, log $work/$name.log"
}

stop() {
  local name="$1" pidfile="$work/$1.pid"
  if ! alive "$name"; then
    echo "Node $name is not running" >&2
    rm -f "$pidfile"
    return 0
  fi
  local pid
  pid="$(cat "$pidfile")"
  kill "$pid"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  echo "Node $name stopped"
}

status() {
  local any=0
  for f in "$work"/*.node; do
    [ -f "$f" ] || continue
    any=1
    local name state
    name="$(basename "$f" .node)"
    if alive "$name"; then state="running (pid $(cat "$work/$name.pid"))"; else state="stopped"; fi
    echo "$name: $state, Hot Rod 127.0.0.1:$(sed -n 's/^hotrod=//p' "$f"), JGroups $(sed -n 's/^jgroups=//p' "$f")"
  done
  [ "$any" = 1 ] || echo "No nodes in $work"
}

case "${1:-}" in
  start) [ $# -ge 3 ] || usage; shift; start "$@" ;;
  stop) [ $# -eq 2 ] || usage; stop "$2" ;;
  status) status ;;
  fetch) fetch ;;
  *) usage ;;
esac
