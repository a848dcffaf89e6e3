# The result cache on for the echo tool of every backend: repeated calls are answered by the gateway.
VARIANT_DESCRIPTION="result cache on for echo (scope principal, ttl 1h): calls answered from the cache"
variant_config() {
    config_merge "$1" --backend '{"cache": {"ttl": "1h", "scope": "principal", "tools": ["echo"]}}'
}
