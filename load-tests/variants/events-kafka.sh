# The gateway's event stream on, sink kafka, to a single-node KRaft broker on 127.0.0.1 started by
# deploy/kafka.sh (its jars come from Maven Central on the first start). The broker's CPU is reported apart.
# KAFKA_SCRIPT: another copy of that script; KAFKA_LIB (the script's own setting): another folder of its jars.
KAFKA_SCRIPT="${KAFKA_SCRIPT:-$ROOT/deploy/kafka.sh}"
VARIANT_DESCRIPTION="the event stream on: sink kafka, to a local broker (deploy/kafka.sh)"

variant_setup() {
    local script="$KAFKA_SCRIPT"
    [[ -x "$script" ]] || die "variant $V needs $script (the Kafka broker script)"
    "$script" fetch # the broker's jars, once (Maven, from Maven Central)
    free_port
    KAFKA_PORT="$PORT"
    free_port
    KAFKA_WORK="$VDIR/kafka" KAFKA_CONTROLLER_PORT="$PORT" "$script" start bench "$KAFKA_PORT"
    local pid
    pid="$(cat "$VDIR/kafka/bench.pid")"
    PIDS+=("$pid") # stopped at exit even if the tear-down fails
    VARIANT_PROCS+=("kafka=$pid")
    VARIANT_ENV+=("MCP_GATEWAY_EVENTS_SINK=kafka"
        "MCP_GATEWAY_EVENTS_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA_PORT"
        "KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA_PORT")
}

variant_check() { # $1 the replica's base URL: the broker acknowledged events, and holds them on disk
    local found published
    curl -s -m 5 "$1/q/metrics" | grep '^mcp_gateway_eventstream_' || true
    published="$(curl -s -m 5 "$1/q/metrics" | awk '/^mcp_gateway_eventstream_published_total/ {s += $NF} END {print s + 0}')"
    found="$(find "$VDIR/kafka/bench/data" -mindepth 2 -name '*.log' -size +0 2>/dev/null | grep -v '/__' || true)"
    echo "topic data on the broker: ${found:-(none)}"
    [[ -n "$found" ]] && awk "BEGIN {exit !($published > 0)}"
}

variant_teardown() {
    [[ -d "$VDIR/kafka" ]] || return 0
    cp "$VDIR/kafka/bench.log" "$RAW/kafka.log" 2>/dev/null || true
    KAFKA_WORK="$VDIR/kafka" "$KAFKA_SCRIPT" clean bench
}
