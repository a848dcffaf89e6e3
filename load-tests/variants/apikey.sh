# The route takes API keys; each generator connection sends its own (principal apikey:cI).
# The baseline of variants that need an authenticated caller (useroauth).
VARIANT_DESCRIPTION="the route takes API keys (auth.apiKeys, header X-API-Key); each connection sends its own key"
VARIANT_API_KEYS=1

variant_check() { # $1 the replica's base URL: a request without a key is refused
    local code
    code="$(curl -s -o /dev/null -w '%{http_code}' -m 5 -X POST -H 'Content-Type: application/json' \
        -H 'Accept: application/json, text/event-stream' -d "$INIT" "$1/mcp")"
    echo "initialize without a key: HTTP $code (expected 401)"
    [[ "$code" == 401 ]]
}
