# The gateway's event stream on, sink log.
VARIANT_DESCRIPTION="the event stream on: sink log"
VARIANT_ENV=("MCP_GATEWAY_EVENTS_SINK=log")

variant_check() { # $1 the replica's base URL: the log sink took events
    local published
    published="$(curl -s -m 5 "$1/q/metrics" | awk '/^mcp_gateway_eventstream_published_total/ {s += $NF} END {print s + 0}')"
    echo "events published: $published"
    awk "BEGIN {exit !($published > 0)}"
}
