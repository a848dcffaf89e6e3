# The result cache on for the echo tool of every backend: repeated calls are answered by the gateway.
VARIANT_DESCRIPTION="result cache on for echo (scope principal, ttl 1h): calls answered from the cache"
variant_config() {
    config_merge "$1" --backend '{"cache": {"ttl": "1h", "scope": "principal", "tools": ["echo"]}}'
}

variant_check() { # $1 the replica's base URL: calls were answered from the cache
    local lines
    lines="$(curl -s -m 5 "$1/q/metrics" | grep '^mcp_gateway_result_cache_hits' || true)"
    echo "${lines:-no result cache hits counted}"
    [[ -n "$lines" ]] && awk '{s += $NF} END {exit !(s > 0)}' <<<"$lines"
}
