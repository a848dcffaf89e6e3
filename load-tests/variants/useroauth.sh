# Every measured backend calls its upstream with the caller's own grant (auth type user_oauth), from an
# authorization server of the harness that approves every request at once (OAuthServer). Each connection is its
# own principal (API keys, as the baseline apikey) and consents once before the measurements. The upstreams
# ignore the Authorization header: what is measured is the gateway's grant lookup and header per call.
VARIANT_DESCRIPTION="the backends are user_oauth toward an auto-approving authorization server; every principal has consented (the grant lookup and injection per call)"
VARIANT_BASELINE=gateway-apikey
VARIANT_API_KEYS=1
VARIANT_CONSENT=1
USEROAUTH_EXPIRES_IN="${USEROAUTH_EXPIRES_IN:-3600}" # seconds; shorter makes the gateway refresh during the run

variant_setup() {
    "$JAVA" "${HJ[@]}" -jar "$JAR" oauth-server --port 0 --expires-in "$USEROAUTH_EXPIRES_IN" \
        --client-id mcp-gateway-bench --client-secret bench-client-secret >"$RAW/oauth-server.log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    VARIANT_PROCS+=("oauth-as=$pid")
    wait_line "$pid" "$RAW/oauth-server.log" 's/^READY port=\([0-9]*\).*/\1/p' "oauth-server"
    AS_URL="http://127.0.0.1:$PORT"
    echo "authorization server on $AS_URL (pid $pid)"
    # The consent links and the OAuth callback are built on the replica's own URL (its port is chosen here).
    free_port
    GW_PORT[gateway-$V]="$PORT"
    VARIANT_ENV+=("MCP_GATEWAY_USER_OAUTH_PUBLIC_URL=http://127.0.0.1:$PORT"
        "MCP_GATEWAY_USER_OAUTH_ENCRYPTION_KEY=bench-grant-key-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')")
}

variant_config() {
    config_merge "$1" --backend "{\"auth\": {\"type\": \"user_oauth\", \"issuer\": \"$AS_URL\",
        \"clientId\": \"mcp-gateway-bench\", \"clientSecret\": \"bench-client-secret\", \"scopes\": [\"read\"]}}"
}

variant_check() { # the gateway took codes and tokens from the authorization server (one grant per principal and backend)
    local stats
    stats="$(curl -s -m 5 "$AS_URL/stats")"
    echo "authorization server: $stats"
    [[ "$stats" == *'"tokens:authorization_code"'* ]]
}
