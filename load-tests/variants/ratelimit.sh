# One rate-limit rule on the measured tool, far above any load this harness makes: what deciding costs.
# (match.tools names the tool as the backend lists it: echo, not json__echo.)
VARIANT_DESCRIPTION="one rate-limit rule on echo: 1,000,000,000 calls per minute per principal (never reached)"
variant_config() {
    config_merge "$1" --top '{"rateLimits": [{"name": "bench", "match": {"tools": ["echo"]},
        "limit": {"requests": 1000000000, "period": "1m"}, "key": "principal"}]}'
}

variant_check() { # $1 the replica's base URL: the rule counted calls (its meter at /q/metrics)
    local lines
    lines="$(curl -s -m 5 "$1/q/metrics" | grep -i 'rate_limit' | grep 'rule="bench"' || true)"
    echo "rate-limit meters of rule bench:"
    echo "${lines:-(none)}"
    [[ -n "$lines" ]]
}
