#!/usr/bin/env bash
# MCP gateway cluster benchmark, in one run: tools/call direct vs one replica (in-memory store) vs the cluster
# (HAProxy round-robin -> 3 replicas -> 2 Infinispan nodes), Infinispan operations per tools/call counted on the
# servers, resumption of a stream after its replica is killed, and memory per open session. Markdown report.
#
#   load-tests/cluster.sh
#
# Settings (environment variables, all optional):
#   CONNECTIONS="1 16"      concurrent connections = MCP sessions, the same for all three targets
#   WARMUP=5s DURATION=12s  warm-up and measured time of every single measurement
#   ROUNDS=2                measurements per target and connection count; the order alternates
#                           (direct, single, cluster / cluster, single, direct)
#   PREWARM=20s             unrecorded load on the single replica and the cluster before the first round (0 = none)
#   SESSIONS=1000           sessions held open for the memory measurement (0 = skip it and the open/close counts)
#   RESUME_TRIALS=5         kill-and-resume trials (0 = skip)
#   TICKER_INTERVAL_MS=20   the echo upstream's notification interval during the trials
#   STREAM_EVENTS=200       events streamed (10 ms apart) to count store operations per event (0 = skip)
#   REPLICAS=3              gateway replicas behind the load balancer
#   UPSTREAMS=1             backends per session (echo, echo2, ...: all the same echo upstream); more makes the
#                           stored session bigger (4 is about 1.5 KB with server-everything upstreams)
#   GOAL_ADDED_P50_MS=1.0   the goal: cluster p50 minus direct p50
#   GATEWAY_APP=../target/quarkus-app   the gateway (copied to a temporary folder before use)
#   GATEWAY_JAVA_OPTS=      JVM options of every gateway process (default: none, as shipped)
#   ISPN_JAVA_OPTS          JVM options of the Infinispan nodes (default: infinispan/server.sh's)
#   ISPN_LIB                Infinispan server jars (default: infinispan/target/lib if complete, else
#                           load-tests/target/infinispan-lib, fetched with Maven from infinispan/pom.xml)
#   LB_CHECK="check"        HAProxy health-check options of each server (as deploy/local-cluster.sh)
#   LB_OPTIONS="option http-no-delay"   extra HAProxy backend lines ("" = exactly deploy/local-cluster.sh's
#                           settings; without http-no-delay HAProxy holds back small SSE writes up to ~200 ms)
#   HARNESS_JAVA_OPTS="-Xms256m -Xmx256m -XX:+UseParallelGC"   JVM options of echo upstream, generator, probes
#   ECHO_THREADS=nproc GEN_THREADS=nproc
#   SKIP_BUILD=0            1 = do not rebuild load-tests if its jar exists
#   RESULTS_DIR=load-tests/results   REPORT=$RESULTS_DIR/YYYY-MM-DD-cluster.md   (raw data: $RESULTS_DIR/raw-cluster)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
ROOT="$(cd "$HERE/.." && pwd)"

CONNECTIONS="${CONNECTIONS:-1 16}"
WARMUP="${WARMUP:-5s}"
DURATION="${DURATION:-12s}"
ROUNDS="${ROUNDS:-2}"
PREWARM="${PREWARM:-20s}"
SESSIONS="${SESSIONS:-1000}"
RESUME_TRIALS="${RESUME_TRIALS:-5}"
TICKER_INTERVAL_MS="${TICKER_INTERVAL_MS:-20}"
STREAM_EVENTS="${STREAM_EVENTS:-200}"
REPLICAS="${REPLICAS:-3}"
UPSTREAMS="${UPSTREAMS:-1}"
GOAL_ADDED_P50_MS="${GOAL_ADDED_P50_MS:-1.0}"
GATEWAY_APP="${GATEWAY_APP:-$ROOT/target/quarkus-app}"
GATEWAY_JAVA_OPTS="${GATEWAY_JAVA_OPTS:-}"
LB_CHECK="${LB_CHECK:-check}"
LB_OPTIONS="${LB_OPTIONS-option http-no-delay}"
HARNESS_JAVA_OPTS="${HARNESS_JAVA_OPTS:--Xms256m -Xmx256m -XX:+UseParallelGC}"
ECHO_THREADS="${ECHO_THREADS:-$(nproc)}"
GEN_THREADS="${GEN_THREADS:-$(nproc)}"
SKIP_BUILD="${SKIP_BUILD:-0}"
RESULTS_DIR="${RESULTS_DIR:-$HERE/results}"
REPORT="${REPORT:-$RESULTS_DIR/$(date +%F)-cluster.md}"
RAW="$RESULTS_DIR/raw-cluster"   # JSON of every measurement, Infinispan snapshots, heap histograms, logs
ISPN_USER="${ISPN_USER:-mcp-gateway}"
ISPN_PASSWORD="${ISPN_PASSWORD:-mcp-gateway-dev}"
export ISPN_USER ISPN_PASSWORD


# ---- processes we start, stopped on exit (by PID only) ---------------------------------------------------
PIDS=()
ISPN_NODES=()
WORK="$(mktemp -d "${TMPDIR:-/tmp}/mcp-cluster-bench.XXXXXX")"
export ISPN_WORK="$WORK/infinispan"
cleanup() {
    local rc=$?
    local pid n
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
    if [[ -d "$ISPN_WORK" ]]; then
        cp "$ISPN_WORK"/*.log "$RAW"/ 2>/dev/null || true
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- a JDK >= 21 ---------------------------------------------------------------------------------------
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
log "JDK $JMAJOR: $JAVA_HOME"
command -v haproxy >/dev/null || die "HAProxy is needed (apt-get install haproxy)"
command -v curl >/dev/null || die "curl is needed"

mkdir -p "$RESULTS_DIR"
# One benchmark at a time on this machine (the same lock as run.sh).
LOCK="${TMPDIR:-/tmp}/mcp-gateway-load-tests.lock"
if command -v flock >/dev/null; then
    exec 9>"$LOCK"
    if ! flock -n 9; then
        log "another benchmark is running; waiting for it (lock $LOCK, at most ${LOCK_WAIT:-1800} s)"
        flock -w "${LOCK_WAIT:-1800}" 9 || die "gave up waiting for $LOCK"
    fi
fi

# ---- build the harness; take a copy of the gateway -----------------------------------------------------
JAR="$HERE/target/load-tests.jar"
if [[ "$SKIP_BUILD" != 1 || ! -f "$JAR" ]]; then
    log "building load-tests"
    (cd "$HERE" && mvn -q -B package)
fi
[[ -f "$JAR" ]] || die "$JAR was not built"
# Run from a copy: a rebuild of load-tests during the run must not pull the jar from under the echo upstream.
cp "$JAR" "$WORK/load-tests.jar"
JAR="$WORK/load-tests.jar"

maven_on_root() { # a Maven build of the gateway that (re)writes target/quarkus-app
    pgrep -af 'plexus-classworlds|org.codehaus.plexus.classworlds' 2>/dev/null \
        | grep -F -- "-Dmaven.multiModuleProjectDirectory=$ROOT " | grep -E ' (package|verify|install|quarkus:build)( |$)' || true
}
for i in $(seq 1 120); do
    [[ "$GATEWAY_APP" != "$ROOT"/* || -z "$(maven_on_root)" ]] && break
    (( i == 1 )) && log "a Maven build of $ROOT is running; waiting (at most 10 min) for it to finish before copying the gateway"
    sleep 5
done
if [[ ! -f "$GATEWAY_APP/quarkus-run.jar" ]]; then
    log "gateway missing ($GATEWAY_APP): building it (mvn package -DskipTests)"
    (cd "$ROOT" && mvn -q -B package -DskipTests)
fi
[[ -f "$GATEWAY_APP/quarkus-run.jar" ]] || die "no gateway at $GATEWAY_APP/quarkus-run.jar"
cp -r "$GATEWAY_APP" "$WORK/gateway"
GATEWAY_JAR="$WORK/gateway/quarkus-run.jar"
"$JAVA_HOME/bin/jar" tf "$WORK"/gateway/app/*.jar >"$WORK/gateway-classes.txt" 2>/dev/null \
    || die "the gateway copy is unreadable (being rebuilt?); try again"
grep -q 'InfinispanSessionStore' "$WORK/gateway-classes.txt" \
    || die "this gateway build has no Infinispan store (mcp-gateway.store=infinispan): rebuild it"

# ---- Infinispan server jars ------------------------------------------------------------------------------
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
    (cd "$WORK/ispn-pom" && { mvn -q -B -o dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$ISPN_LIB" \
        || mvn -q -B dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$ISPN_LIB"; }) \
        || die "could not fetch the Infinispan server jars"
    touch "$ISPN_LIB/.complete"
fi
ISPN_VERSION="$(find "$ISPN_LIB" -maxdepth 1 -name 'infinispan-server-runtime-*.jar' -printf '%f\n' | sed -n 's/^infinispan-server-runtime-\(.*\)\.jar$/\1/p' | head -1)"

busy="$(pgrep -f 'plexus-classworlds|org.codehaus.plexus.classworlds' 2>/dev/null | tr '\n' ' ' || true)"
[[ -n "$busy" ]] && log "warning: Maven is running (pid $busy); results will be noisy"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
BUSY_START="$(cpu_busy_pct 2>/dev/null || echo -1)"
(( BUSY_START > 20 )) && log "warning: the CPUs are already ${BUSY_START}% busy before the benchmark starts"

rm -rf "$RAW"
mkdir -p "$RAW"
# shellcheck disable=SC2206
HJ=($HARNESS_JAVA_OPTS)
# shellcheck disable=SC2206
GJ=($GATEWAY_JAVA_OPTS)
T0="$(now)"

# ---- ports -------------------------------------------------------------------------------------------------

# ---- echo upstream (with --streams: GET streams and the ticker tool) ------------------------------------
"$JAVA" "${HJ[@]}" -cp "$JAR" dev.mcpgateway.loadtest.EchoUpstream --port 0 --threads "$ECHO_THREADS" --streams \
    >"$RAW/echo.log" 2>&1 &
ECHO_PID=$!
PIDS+=("$ECHO_PID")

# ---- Infinispan: 2 nodes, started together --------------------------------------------------------------
free_ispn_offset; OFF1="$OFFSET"
free_ispn_offset; OFF2="$OFFSET"
ISPN_HOTROD=($((11222 + OFF1)) $((11222 + OFF2)))
ISPN_INITIAL_HOSTS="127.0.0.1[$((7800 + OFF1))],127.0.0.1[$((7800 + OFF2))]"
mkdir -p "$ISPN_WORK"
log "starting Infinispan $ISPN_VERSION: ispn1 (Hot Rod ${ISPN_HOTROD[0]}) and ispn2 (Hot Rod ${ISPN_HOTROD[1]}) in $ISPN_WORK"
ISPN_NODES=(ispn1 ispn2)
ISPN_INITIAL_HOSTS="$ISPN_INITIAL_HOSTS" "$ROOT/infinispan/server.sh" start ispn1 "$OFF1" >"$RAW/ispn1.start.log" 2>&1 &
S1=$!
ISPN_INITIAL_HOSTS="$ISPN_INITIAL_HOSTS" "$ROOT/infinispan/server.sh" start ispn2 "$OFF2" >"$RAW/ispn2.start.log" 2>&1 &
S2=$!

ECHO_PORT=""
for _ in $(seq 1 300); do
    ECHO_PORT="$(sed -n 's/^READY port=\([0-9]*\).*/\1/p' "$RAW/echo.log" | head -1)"
    [[ -n "$ECHO_PORT" ]] && break
    kill -0 "$ECHO_PID" 2>/dev/null || { cat "$RAW/echo.log" >&2; die "echo upstream exited"; }
    sleep 0.1
done
[[ -n "$ECHO_PORT" ]] || die "echo upstream did not become ready (see $RAW/echo.log)"
TAKEN="$TAKEN$ECHO_PORT "
DIRECT_URL="http://127.0.0.1:$ECHO_PORT/mcp"
log "echo upstream (pid $ECHO_PID) on $DIRECT_URL"
CFG="$WORK/mcp-servers.json"
{
    printf '{"mcpServers":{"echo":{"type":"http","url":"%s"}' "$DIRECT_URL"
    for n in $(seq 2 "$UPSTREAMS"); do printf ',"echo%s":{"type":"http","url":"%s"}' "$n" "$DIRECT_URL"; done
    printf '}}\n'
} >"$CFG"

INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"cluster.sh","version":"0"}}}'
MCP_HDRS=(-H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream')
gateway_ready() { # $1 url -> 0 when initialize answers 200 and tools/list shows echo__echo
    local h sid body
    h="$WORK/init.$$.headers"
    [[ "$(curl -s -o /dev/null -D "$h" -w '%{http_code}' -m 3 -X POST "${MCP_HDRS[@]}" -d "$INIT" "$1" || true)" == 200 ]] || return 1
    sid="$(awk 'tolower($1)=="mcp-session-id:" {print $2}' "$h" | tr -d '\r')"
    [[ -n "$sid" ]] || return 1
    body="$(curl -s -m 5 -X POST "${MCP_HDRS[@]}" -H "Mcp-Session-Id: $sid" -H 'MCP-Protocol-Version: 2025-11-25' \
        -d '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' "$1" || true)"
    curl -s -o /dev/null -m 5 -X DELETE -H "Mcp-Session-Id: $sid" "$1" || true
    grep -q '"echo__echo"' <<<"$body"
}
wait_ready() { # $1 pid $2 url $3 log $4 what
    for _ in $(seq 1 900); do
        kill -0 "$1" 2>/dev/null || { tail -n 40 "$3" >&2; die "$4 exited during start-up (see $3)"; }
        gateway_ready "$2" && return 0
        sleep 0.1
    done
    tail -n 40 "$3" >&2
    die "$4 not ready after 90 s (see $3)"
}

# ---- single replica, in-memory store ----------------------------------------------------------------------
free_port; SINGLE_PORT="$PORT"
SINGLE_URL="http://127.0.0.1:$SINGLE_PORT/mcp"
MCP_GATEWAY_STORE=memory MCP_GATEWAY_REPLICA_NAME=single \
    "$JAVA" "${GJ[@]}" -jar "$GATEWAY_JAR" run --mcp-config "$CFG" --port "$SINGLE_PORT" --host 127.0.0.1 \
    >"$RAW/single.log" 2>&1 &
SINGLE_PID=$!
PIDS+=("$SINGLE_PID")
log "single gateway (pid $SINGLE_PID, in-memory store) starting on $SINGLE_URL"

wait "$S1" || { cat "$RAW/ispn1.start.log" >&2; die "Infinispan node ispn1 did not start"; }
wait "$S2" || { cat "$RAW/ispn2.start.log" >&2; die "Infinispan node ispn2 did not start"; }
ISPN_PIDS=("$(cat "$ISPN_WORK/ispn1.pid")" "$(cat "$ISPN_WORK/ispn2.pid")")
log "Infinispan nodes up (pids ${ISPN_PIDS[*]})"
ISPN_HOSTS="127.0.0.1:${ISPN_HOTROD[0]};127.0.0.1:${ISPN_HOTROD[1]}"

# ---- cluster: replicas and HAProxy --------------------------------------------------------------------------
SIGNING_KEY="$(head -c 32 /dev/urandom | base64)"
declare -A REPLICA_PID REPLICA_PORT
start_replica() { # $1 = rN
    MCP_GATEWAY_STORE=infinispan QUARKUS_INFINISPAN_CLIENT_HOSTS="$ISPN_HOSTS" \
        QUARKUS_INFINISPAN_CLIENT_USERNAME="$ISPN_USER" QUARKUS_INFINISPAN_CLIENT_PASSWORD="$ISPN_PASSWORD" \
        MCP_GATEWAY_SIGNING_KEY="$SIGNING_KEY" MCP_GATEWAY_REPLICA_NAME="$1" \
        "$JAVA" "${GJ[@]}" -jar "$GATEWAY_JAR" run --mcp-config "$CFG" --port "${REPLICA_PORT[$1]}" --host 127.0.0.1 \
        >>"$RAW/$1.log" 2>&1 &
    REPLICA_PID[$1]=$!
    PIDS+=("$!")
}
NAMES=()
for n in $(seq 1 "$REPLICAS"); do
    NAMES+=("r$n")
    free_port; REPLICA_PORT[r$n]="$PORT"
    start_replica "r$n"
done
log "replicas ${NAMES[*]} (pids ${REPLICA_PID[*]}) starting on ports ${REPLICA_PORT[*]}"

wait_ready "$SINGLE_PID" "$SINGLE_URL" "$RAW/single.log" "single gateway"
for r in "${NAMES[@]}"; do
    wait_ready "${REPLICA_PID[$r]}" "http://127.0.0.1:${REPLICA_PORT[$r]}/mcp" "$RAW/$r.log" "replica $r"
done

free_port; LB_PORT="$PORT"
free_port; STATS_PORT="$PORT"
LB_URL="http://127.0.0.1:$LB_PORT/mcp"
# As deploy/local-cluster.sh (round-robin per request, no stickiness, same timeouts, retries, redispatch and
# health check), with maxconn that fits a 20,000 file-descriptor limit, the server name in a response header
# (so the resume probe knows which replica holds a stream even without Mcp-Gateway-Replica) and a stats page.
{
    cat <<CFG
global
    maxconn 4000
defaults
    mode http
    timeout connect 2s
    timeout client 1h
    timeout server 1h
    timeout tunnel 1h
    option redispatch
    retries 2
frontend mcp
    bind 127.0.0.1:$LB_PORT
    default_backend gateways
backend gateways
    balance roundrobin
    option httpchk GET /q/health/live
    http-response set-header X-Mcp-Lb-Server %[srv_name]
CFG
    [[ -n "$LB_OPTIONS" ]] && printf '    %s\n' "$LB_OPTIONS"
    for r in "${NAMES[@]}"; do
        echo "    server $r 127.0.0.1:${REPLICA_PORT[$r]} $LB_CHECK"
    done
    cat <<CFG
listen stats
    bind 127.0.0.1:$STATS_PORT
    stats enable
    stats uri /stats
CFG
} >"$WORK/haproxy.cfg"
cp "$WORK/haproxy.cfg" "$RAW/haproxy.cfg"
haproxy -db -f "$WORK/haproxy.cfg" >"$RAW/haproxy.log" 2>&1 &
LB_PID=$!
PIDS+=("$LB_PID")
wait_lb() {
    for _ in $(seq 1 300); do
        kill -0 "$LB_PID" 2>/dev/null || { cat "$RAW/haproxy.log" >&2; die "HAProxy exited"; }
        (( $(lb_up) == REPLICAS )) && return 0
        sleep 0.2
    done
    die "HAProxy does not see all $REPLICAS replicas up (stats: http://127.0.0.1:$STATS_PORT/stats)"
}
wait_lb
gateway_ready "$LB_URL" || die "the cluster does not answer through HAProxy at $LB_URL"
log "HAProxy (pid $LB_PID) on $LB_URL: all $REPLICAS replicas up; ready after $(awk "BEGIN {printf \"%.0f\", $(now) - $T0}") s"

# ---- Infinispan snapshots -----------------------------------------------------------------------------------
WINDOWS="$RAW/windows.tsv"
: >"$WINDOWS"
snap() { # $1 name: each node's /metrics (per-cache statistics, transport bytes)
    local i
    for i in 0 1; do
        curl -s -m 10 --digest -u "$ISPN_USER:$ISPN_PASSWORD" "http://127.0.0.1:${ISPN_HOTROD[$i]}/metrics" \
            -o "$RAW/snap-$1-ispn$((i + 1)).prom" || log "warning: no metrics from ispn$((i + 1))"
    done
}

# ---- measurements ---------------------------------------------------------------------------------------------
FAILED=0
url_of() { case "$1" in direct) echo "$DIRECT_URL" ;; single) echo "$SINGLE_URL" ;; cluster) echo "$LB_URL" ;; esac; }
tool_of() { [[ "$1" == direct ]] && echo echo || echo echo__echo; }
load() { # $1 label $2 connections $3 warmup $4 duration $5 out
    "$JAVA" "${HJ[@]}" -jar "$JAR" load --url "$(url_of "$1")" --tool "$(tool_of "$1")" --connections "$2" \
        --warmup "$3" --duration "$4" --threads "$GEN_THREADS" --label "$1" --out "$5" \
        2> >(tee -a "$RAW/generator.log" >&2)
}
CLK_TCK="$(getconf CLK_TCK 2>/dev/null || echo 100)"
ticks() { # CPU time (user + system, clock ticks) of the given PIDs together
    local t=0 p v
    for p in "$@"; do
        v="$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)"
        t=$((t + ${v:-0}))
    done
    echo "$t"
}
cpu_sample() { # one line per component: name ticks
    local r rp=()
    for r in "${NAMES[@]}"; do rp+=("${REPLICA_PID[$r]}"); done
    echo "echo $(ticks "$ECHO_PID")"
    echo "single $(ticks "$SINGLE_PID")"
    echo "haproxy $(ticks "$LB_PID")"
    echo "replicas $(ticks "${rp[@]}")"
    echo "infinispan $(ticks "${ISPN_PIDS[@]}")"
}
CPU="$RAW/cpu.tsv"
printf 'target\tconnections\tround\tcomponent\tcpuSeconds\tcalls\twallSeconds\n' >"$CPU"
IDLE_DONE=0
measure() { # $1 target $2 connections $3 round
    local name out
    name="c$(printf %04d "$2")-r$3"
    out="$RAW/$name-$1.json"
    if [[ "$1" == cluster ]]; then
        if (( ! IDLE_DONE )); then
            snap idle-b
            printf 'idle\tidle\tidle-a\tidle-b\t%s\t0\n' "$(awk "BEGIN {print $(now) - $IDLE_A}")" >>"$WINDOWS"
            IDLE_DONE=1
        fi
        snap "$name-a"
    fi
    log "round $3: $1, $2 connections, warm-up $WARMUP + $DURATION"
    local before after t0 calls
    before="$(cpu_sample)"
    t0="$(now)"
    load "$1" "$2" "$WARMUP" "$DURATION" "$out" || { log "warning: $1 measurement failed"; FAILED=1; }
    after="$(cpu_sample)"
    calls="$(json_field "$out" callsSent)"
    join <(sort <<<"$before") <(sort <<<"$after") | while read -r comp b a; do
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$comp" "$(awk "BEGIN {print ($a - $b) / $CLK_TCK}")" \
            "${calls:-0}" "$(awk "BEGIN {print $(now) - $t0}")"
    done >>"$CPU"
    if [[ "$1" == cluster ]]; then
        snap "$name-b"
        [[ -n "$calls" ]] && printf 'calls\t%s\t%s-a\t%s-b\t%s\t%s\n' "$name" "$name" "$name" "$calls" "$2" >>"$WINDOWS"
    fi
}

if [[ "$PREWARM" != 0 && "$PREWARM" != 0s ]]; then
    for t in single cluster; do
        log "pre-warming $t ($PREWARM, 16 connections, not recorded)"
        load "$t" 16 0s "$PREWARM" "$WORK/prewarm-$t.json" >/dev/null 2>&1 || log "warning: pre-warm of $t failed"
    done
fi

# From here until the first cluster measurement, nothing uses Infinispan (direct and single only): background.
snap idle-a
IDLE_A="$(now)"
for c in $CONNECTIONS; do
    for r in $(seq 1 "$ROUNDS"); do
        if (( r % 2 == 1 )); then order="direct single cluster"; else order="cluster single direct"; fi
        for t in $order; do measure "$t" "$c" "$r"; done
    done
done
if (( ! IDLE_DONE )); then
    snap idle-b
    printf 'idle\tidle\tidle-a\tidle-b\t%s\t0\n' "$(awk "BEGIN {print $(now) - $IDLE_A}")" >>"$WINDOWS"
fi

# ---- memory per session ---------------------------------------------------------------------------------------
HEAPS=()
hold_sessions() { # $1 url $2 label; runs $3... while the sessions are open
    local url="$1" label="$2"
    shift 2
    local hold="$WORK/hold-$label"
    rm -f "$hold"
    "$JAVA" "${HJ[@]}" -jar "$JAR" load --url "$url" --sessions "$SESSIONS" --connections 16 --settle 3s \
        --label "$label" --out "$RAW/sessions-$label.json" --threads "$GEN_THREADS" --hold-file "$hold" \
        2> >(tee -a "$RAW/generator.log" >&2) &
    local gen=$!
    for _ in $(seq 1 1800); do
        [[ -f "$hold" ]] && break
        kill -0 "$gen" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -f "$hold" ]]; then
        "$@"
        rm -f "$hold"
    else
        log "warning: the $label sessions were not opened"
    fi
    wait "$gen" || log "warning: sessions run $label failed"
}
if (( SESSIONS > 0 )); then
    log "memory: $SESSIONS sessions held open on the single gateway (in-memory store)"
    histo "$SINGLE_PID" "$RAW/heap-single-before.txt"
    hold_sessions "$SINGLE_URL" single histo "$SINGLE_PID" "$RAW/heap-single-after.txt"
    HEAPS+=(--heap "Gateway, in-memory store (one replica)|$RAW/heap-single-before.txt|$RAW/heap-single-after.txt|$SESSIONS")

    log "memory: $SESSIONS sessions held open on replica r1 (Infinispan store), and the Infinispan nodes"
    R1="${NAMES[0]}"
    histo "${REPLICA_PID[$R1]}" "$RAW/heap-r1-before.txt"
    histo "${ISPN_PIDS[0]}" "$RAW/heap-ispn1-before.txt"
    histo "${ISPN_PIDS[1]}" "$RAW/heap-ispn2-before.txt"
    snap open-a
    opened_on_r1() {
        snap open-b
        histo "${REPLICA_PID[$R1]}" "$RAW/heap-r1-after.txt"
        histo "${ISPN_PIDS[0]}" "$RAW/heap-ispn1-after.txt"
        histo "${ISPN_PIDS[1]}" "$RAW/heap-ispn2-after.txt"
        snap close-a
    }
    hold_sessions "http://127.0.0.1:${REPLICA_PORT[$R1]}/mcp" r1 opened_on_r1
    snap close-b
    n_open="$(json_field "$RAW/sessions-r1.json" sessionsOpened)"
    n_del="$(json_field "$RAW/sessions-r1.json" sessionsDeleted)"
    printf 'open\topen\topen-a\topen-b\t%s\t0\n' "${n_open:-$SESSIONS}" >>"$WINDOWS"
    printf 'close\tclose\tclose-a\tclose-b\t%s\t0\n' "${n_del:-$SESSIONS}" >>"$WINDOWS"
    HEAPS+=(--heap "Gateway replica r1, Infinispan store|$RAW/heap-r1-before.txt|$RAW/heap-r1-after.txt|$SESSIONS")
    HEAPS+=(--heap "Infinispan, both nodes (2 owners per entry)|$RAW/heap-ispn1-before.txt,$RAW/heap-ispn2-before.txt|$RAW/heap-ispn1-after.txt,$RAW/heap-ispn2-after.txt|$SESSIONS")
    HEAPS+=(--heap "Infinispan node ispn1|$RAW/heap-ispn1-before.txt|$RAW/heap-ispn1-after.txt|$SESSIONS")
    HEAPS+=(--heap "Infinispan node ispn2|$RAW/heap-ispn2-before.txt|$RAW/heap-ispn2-after.txt|$SESSIONS")
fi

# ---- store operations per streamed event ---------------------------------------------------------------------
replicas_arg() { local a="" r; for r in "${NAMES[@]}"; do a="$a${a:+,}$r=${REPLICA_PID[$r]}"; done; echo "$a"; }
if (( STREAM_EVENTS > 0 )); then
    log "streaming $STREAM_EVENTS events through the cluster (store operations per event)"
    snap stream-a
    "$JAVA" "${HJ[@]}" -jar "$JAR" resume --url "$LB_URL" --no-kill --events "$STREAM_EVENTS" --interval-ms 10 \
        --out "$RAW/stream.json" >/dev/null 2>>"$RAW/resume.log" || log "warning: the streaming run failed"
    sleep 1
    snap stream-b
    printf 'stream\tstream\tstream-a\tstream-b\t%s\t1\n' "$STREAM_EVENTS" >>"$WINDOWS"
fi

# ---- resumption after a replica is killed ----------------------------------------------------------------------
RESTARTS=()
for i in $(seq 1 "$RESUME_TRIALS"); do
    wait_lb
    log "resume trial $i/$RESUME_TRIALS: kill the replica holding a GET stream, reconnect through HAProxy"
    out="$RAW/resume-$i.json"
    "$JAVA" "${HJ[@]}" -jar "$JAR" resume --url "$LB_URL" --replicas "$(replicas_arg)" \
        --interval-ms "$TICKER_INTERVAL_MS" --out "$out" >/dev/null 2>>"$RAW/resume.log" \
        || log "warning: resume trial $i failed: $(json_field "$out" error)"
    [[ -f "$out" ]] && log "  killed $(json_field "$out" killed), reconnect accepted after $(json_field "$out" acceptMs) ms by $(json_field "$out" servedAfter), first new event after $(json_field "$out" firstNewMs) ms"
    for r in "${NAMES[@]}"; do
        if ! kill -0 "${REPLICA_PID[$r]}" 2>/dev/null; then
            wait "${REPLICA_PID[$r]}" 2>/dev/null || true
            t_restart="$(now)"
            start_replica "$r"
            wait_ready "${REPLICA_PID[$r]}" "http://127.0.0.1:${REPLICA_PORT[$r]}/mcp" "$RAW/$r.log" "replica $r"
            RESTARTS+=("$(awk "BEGIN {printf \"%.1f\", $(now) - $t_restart}")")
        fi
    done
done
(( RESUME_TRIALS > 0 )) && wait_lb

curl -s -m 2 "http://127.0.0.1:$STATS_PORT/stats;csv" -o "$RAW/haproxy-stats.csv" 2>/dev/null || true
# backend totals: connection errors, retries, redispatches (HAProxy CSV columns 14, 16, 17)
LB_ERRORS="$(awk -F, '$1=="gateways" && $2=="BACKEND" {printf "%s / %s / %s", $14+0, $16+0, $17+0}' "$RAW/haproxy-stats.csv" 2>/dev/null || true)"

# Our processes are idle now: what is busy now is someone else.
BUSY_END="$(cpu_busy_pct 2>/dev/null || echo -1)"

# ---- report ------------------------------------------------------------------------------------------------------
cpu="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)"
mem="$(awk '/^MemTotal:/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo 2>/dev/null || true)"
jdk="$("$JAVA" -version 2>&1 | head -2 | tail -1)"
commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null | grep -v '^?? load-tests/' | grep -v '^ M load-tests/' || true)" ]] && commit="$commit (dirty)"
built="$(date -r "$GATEWAY_APP/app" '+%F %T %Z' 2>/dev/null || echo unknown)"
restarts="${RESTARTS[*]:-}"
META=(
    --meta "Date=$(date '+%F %T %Z')"
    --meta "CPU=${cpu:-unknown}"
    --meta "Cores (nproc)=$(nproc)"
    --meta "Memory=${mem:-unknown}"
    --meta "Kernel=$(uname -sr)"
    --meta "Load average (1/5/15 min) at start / end=$LOAD_START / $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
    --meta "CPU busy with other work before / after (2 s samples)=${BUSY_START}% / ${BUSY_END}%"
    --meta "JDK=$jdk ($JAVA_HOME)"
    --meta "Gateway=${GATEWAY_APP#"$ROOT"/} built $built, at commit $commit"
    --meta "Gateway JVM options=${GATEWAY_JAVA_OPTS:-(none)}"
    --meta "Cluster=HAProxy $(haproxy -v 2>/dev/null | head -1 | awk '{print $3}') round-robin ($LB_CHECK${LB_OPTIONS:+; $LB_OPTIONS}) → $REPLICAS replicas (store=infinispan) → Infinispan $ISPN_VERSION, 2 nodes, caches distributed with 2 owners (infinispan/conf/infinispan.xml)"
    --meta "Infinispan JVM options=${ISPN_JAVA_OPTS:-$(sed -n 's/^java_opts="\${ISPN_JAVA_OPTS:-\(.*\)}"$/\1/p' "$ROOT/infinispan/server.sh")}"
    --meta "Harness JVM options=$HARNESS_JAVA_OPTS"
    --meta "Upstreams per session=$UPSTREAMS (all the echo upstream)"
    --meta "Connections=$CONNECTIONS"
    --meta "Warm-up / measured per run=$WARMUP / $DURATION (pre-warm $PREWARM)"
    --meta "Rounds per target=$ROUNDS (alternating order)"
    --meta "Sessions for memory=$SESSIONS"
    --meta "Ticker interval=$TICKER_INTERVAL_MS ms"
    --meta "Replica restart to ready (s)=${restarts:-none}"
    --meta "HAProxy connection errors / retries / redispatches (whole run)=${LB_ERRORS:-n/a}"
    --meta "Whole run=$(awk "BEGIN {printf \"%.0f\", $(now) - $T0}") s"
)
# The gateway logs one access line per request by default: keep big logs, compressed.
find "$RAW" -maxdepth 1 -name '*.log' -size +5M -exec gzip -f {} + 2>/dev/null || true
"$JAVA" "${HJ[@]}" -jar "$JAR" cluster-report --raw "$RAW" --out "$REPORT" --windows "$WINDOWS" \
    --goal-added-p50-ms "$GOAL_ADDED_P50_MS" --busy-before "$BUSY_START" --busy-after "$BUSY_END" \
    "${HEAPS[@]}" "${META[@]}"
log "report: $REPORT"
sed -n '/^## Goals/,/^## Throughput/p' "$REPORT" | sed '$d' >&2 || true
exit "$FAILED"
