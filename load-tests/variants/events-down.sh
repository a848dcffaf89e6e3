# The gateway's event stream on, sink kafka, with the bootstrap server on a port where nothing listens (the broker
# is down for the whole run): what the data path pays while the sink cannot deliver.
VARIANT_DESCRIPTION="the event stream on: sink kafka, broker down (bootstrap on a closed port)"

variant_setup() {
    free_port
    echo "bootstrap 127.0.0.1:$PORT (nothing listens there)"
    VARIANT_ENV+=("MCP_GATEWAY_EVENTS_SINK=kafka"
        "MCP_GATEWAY_EVENTS_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$PORT"
        "KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$PORT")
}

variant_check() { # $1 the replica's base URL: the sink was kafka and delivered nothing (events dropped or waiting)
    local health
    curl -s -m 5 "$1/q/metrics" | grep '^mcp_gateway_eventstream_' || true
    health="$(curl -s -m 5 "$1/q/health/ready" | tr -d ' \n')"
    echo "readiness: $health"
    [[ "$health" == *'"sink":"kafka"'* && "$health" =~ \"state\":\"(waiting|full|failing|not-connected)\" ]]
}
