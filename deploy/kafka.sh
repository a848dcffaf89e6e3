#!/usr/bin/env bash
# Runs a single-node Kafka broker (KRaft mode: broker and controller in one process) on 127.0.0.1,
# for the gateway's event stream (sink=kafka): tests, the benchmark, local runs.
#
#   deploy/kafka.sh start NAME PORT [key=value ...]
#       starts broker NAME in the background: clients on 127.0.0.1:PORT, its controller on
#       PORT + 1 (or KAFKA_CONTROLLER_PORT); extra broker properties may follow. Waits until the
#       broker answers. The first start formats its log folder; a later start of the same NAME
#       keeps its topics. The first start ever fetches the jars from Maven Central (about 45 MB).
#   deploy/kafka.sh stop NAME       stops broker NAME (TERM, then KILL after 20 s); keeps its data
#   deploy/kafka.sh clean NAME      stops broker NAME and deletes its data
#   deploy/kafka.sh status          lists the brokers of the work folder
#   deploy/kafka.sh fetch           only fetches the jars
#
# Environment (all optional):
#   KAFKA_WORK            folder of broker data, pid and log files (default deploy/kafka/target)
#   KAFKA_LIB             folder of the jars (default deploy/kafka/target/lib)
#   KAFKA_JAVA_OPTS       JVM options (default -Xms64m -Xmx512m -XX:+UseSerialGC)
#   KAFKA_START_TIMEOUT   seconds to wait for the broker (default 60)
#   JAVA_HOME             a JDK >= 17 (otherwise bin/java-home.sh finds one)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
work="${KAFKA_WORK:-$here/kafka/target}"
lib="${KAFKA_LIB:-$here/kafka/target/lib}"
java_opts="${KAFKA_JAVA_OPTS:--Xms64m -Xmx512m -XX:+UseSerialGC}"
start_timeout="${KAFKA_START_TIMEOUT:-60}"

usage() {
  sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

java_home() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    echo "$JAVA_HOME"
  else
    "$repo/bin/java-home.sh"
  fi
}

fetch() {
  mkdir -p "$(dirname "$lib")"
  # One fetch at a time, also when several brokers start together.
  exec 9>"$(dirname "$lib")/.fetch.lock"
  flock 9
  if [ ! -f "$lib/.complete" ]; then
    echo "Fetching Kafka jars into $lib ..." >&2
    rm -rf "$lib"
    local out
    out="$(dirname "$lib")/fetch.log"
    if ! JAVA_HOME="$(java_home)" "$repo/mvnw" -B -f "$here/kafka/pom.xml" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$lib" >"$out" 2>&1; then
      grep -E 'ERROR|BUILD' "$out" >&2 || tail -n 20 "$out" >&2
      echo "Fetching the Kafka jars failed; see $out" >&2
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

check_name() {
  [[ "$1" =~ ^[A-Za-z0-9._-]+$ ]] || { echo "Bad broker name: $1" >&2; exit 2; }
}

start() {
  local name="$1" port="$2"
  shift 2
  check_name "$name"
  [[ "$port" =~ ^[0-9]+$ ]] || { echo "Bad port: $port" >&2; exit 2; }
  local controller="${KAFKA_CONTROLLER_PORT:-$((port + 1))}"
  if alive "$name"; then
    echo "Broker $name is already running (pid $(cat "$work/$name.pid"))" >&2
    exit 1
  fi
  for p in "$port" "$controller"; do
    if port_open "$p"; then
      echo "Port $p is taken: choose another PORT (or KAFKA_CONTROLLER_PORT)" >&2
      exit 1
    fi
  done

  fetch
  local root="$work/$name"
  mkdir -p "$root/data"
  local java
  java="$(java_home)/bin/java"
  # shellcheck disable=SC2086
  local run=("$java" $java_opts -Dorg.slf4j.simpleLogger.defaultLogLevel=info
    -Dorg.slf4j.simpleLogger.showDateTime=true -cp "$lib/*")

  cat >"$root/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$root/data
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
  for kv in "$@"; do
    printf '%s\n' "$kv" >>"$root/server.properties"
  done

  if [ ! -f "$root/data/meta.properties" ]; then
    local id
    id="$("${run[@]}" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
    "${run[@]}" kafka.tools.StorageTool format -t "$id" -c "$root/server.properties" >"$work/$name.format.log" 2>&1 || {
      echo "Formatting $root/data failed; see $work/$name.format.log" >&2
      exit 1
    }
  fi

  touch "$work/$name.log"
  local from
  from=$(wc -l <"$work/$name.log")
  nohup "${run[@]}" kafka.Kafka "$root/server.properties" >>"$work/$name.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$work/$name.pid"
  printf 'port=%s\ncontroller=%s\n' "$port" "$controller" >"$work/$name.broker"

  local waited=0
  until port_open "$port" && tail -n +"$((from + 1))" "$work/$name.log" | grep -q 'Kafka Server started'; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "Broker $name exited while starting; last lines of $work/$name.log:" >&2
      tail -n 30 "$work/$name.log" >&2
      rm -f "$work/$name.pid"
      exit 1
    fi
    if [ "$waited" -ge $((start_timeout * 5)) ]; then
      echo "Broker $name did not start within ${start_timeout}s; last lines of $work/$name.log:" >&2
      tail -n 40 "$work/$name.log" >&2
      kill "$pid" 2>/dev/null || true
      exit 1
    fi
    sleep 0.2
    waited=$((waited + 1))
  done
  echo "Broker $name started: pid $pid, bootstrap 127.0.0.1:$port, log $work/$name.log"
}

stop() {
  local name="$1" pidfile="$work/$1.pid"
  check_name "$name"
  if ! alive "$name"; then
    echo "Broker $name is not running" >&2
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
  echo "Broker $name stopped"
}

clean() {
  stop "$1"
  rm -rf "${work:?}/$1" "$work/$1.broker" "$work/$1.log" "$work/$1.format.log"
}

status() {
  local any=0
  for f in "$work"/*.broker; do
    [ -f "$f" ] || continue
    any=1
    local name state
    name="$(basename "$f" .broker)"
    if alive "$name"; then state="running (pid $(cat "$work/$name.pid"))"; else state="stopped"; fi
    echo "$name: $state, bootstrap 127.0.0.1:$(sed -n 's/^port=//p' "$f")"
  done
  [ "$any" = 1 ] || echo "No brokers in $work"
}

case "${1:-}" in
  start) [ $# -ge 3 ] || usage; shift; start "$@" ;;
  stop) [ $# -eq 2 ] || usage; stop "$2" ;;
  clean) [ $# -eq 2 ] || usage; clean "$2" ;;
  status) status ;;
  fetch) fetch ;;
  *) usage ;;
esac
