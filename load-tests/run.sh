#!/usr/bin/env bash
# MCP tools/call benchmark: echo upstream direct vs through the gateway, in one run, with a Markdown report.
#
#   load-tests/run.sh
#
# Settings (environment variables, all optional):
#   CONNECTIONS="16"        concurrent connections = MCP sessions; a list ("1 16") runs each count
#   WARMUP=10s DURATION=20s warm-up and measured time of every single measurement
#   ROUNDS=2                measurements per target; order alternates direct,gateway / gateway,direct
#   SESSIONS=1000           MCP sessions opened for the memory measurement (0 = skip)
#   GATEWAY_TOOL=echo__echo tool name the gateway exposes for the upstream's "echo"
#   GATEWAY_JAR=../target/quarkus-app/quarkus-run.jar
#   GATEWAY_PORT=           fixed gateway port (default: a free one)
#   GATEWAY_JAVA_OPTS=      extra JVM options for the gateway (default: none, as shipped)
#   HARNESS_JAVA_OPTS="-Xms256m -Xmx256m -XX:+UseParallelGC"   JVM options of echo upstream + load generator
#   ECHO_THREADS=nproc GEN_THREADS=nproc   event loops of the echo upstream / load generator
#   ECHO_SSE=0              1 = echo upstream answers with text/event-stream instead of JSON
#   SKIP_GATEWAY=0          1 = measure only the echo upstream (the harness's own ceiling)
#   SKIP_BUILD=0            1 = do not rebuild load-tests if its jar exists
#   RESULTS_DIR=load-tests/results   REPORT=$RESULTS_DIR/YYYY-MM-DD-tools-call.md
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
ROOT="$(cd "$HERE/.." && pwd)"

CONNECTIONS="${CONNECTIONS:-16}"
WARMUP="${WARMUP:-10s}"
DURATION="${DURATION:-20s}"
ROUNDS="${ROUNDS:-2}"
SESSIONS="${SESSIONS:-1000}"
GATEWAY_TOOL="${GATEWAY_TOOL:-echo__echo}"
GATEWAY_JAR="${GATEWAY_JAR:-$ROOT/target/quarkus-app/quarkus-run.jar}"
GATEWAY_PORT="${GATEWAY_PORT:-}"
GATEWAY_JAVA_OPTS="${GATEWAY_JAVA_OPTS:-}"
HARNESS_JAVA_OPTS="${HARNESS_JAVA_OPTS:--Xms256m -Xmx256m -XX:+UseParallelGC}"
ECHO_THREADS="${ECHO_THREADS:-$(nproc)}"
GEN_THREADS="${GEN_THREADS:-$(nproc)}"
ECHO_SSE="${ECHO_SSE:-0}"
SKIP_GATEWAY="${SKIP_GATEWAY:-0}"
SKIP_BUILD="${SKIP_BUILD:-0}"
RESULTS_DIR="${RESULTS_DIR:-$HERE/results}"
REPORT="${REPORT:-$RESULTS_DIR/$(date +%F)-tools-call.md}"
RAW="$RESULTS_DIR/raw"          # JSON of every measurement + process logs (git-ignored)


# ---- processes we start, stopped on exit (by PID only) ---------------------------------------------------
PIDS=()
WORK="$(mktemp -d "${TMPDIR:-/tmp}/mcp-load-tests.XXXXXX")"
cleanup() {
    local rc=$?
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- a JDK >= 21 ---------------------------------------------------------------------------------------
JDK="$(find_jdk || true)"
[[ -n "$JDK" ]] || die "no JDK >= 21 found (JAVA_HOME=${JAVA_HOME:-unset}, /usr/lib/jvm/*).
Install one, e.g. 'apt-get install -y openjdk-21-jdk-headless' (or Temurin 21/25), or point JAVA_HOME at it."
export JAVA_HOME="$JDK"
export PATH="$JAVA_HOME/bin:$PATH"
JAVA="$JAVA_HOME/bin/java"
JMAJOR="$(java_major "$JAVA")"
if (( JMAJOR >= 23 )); then
    # Netty uses sun.misc.Unsafe; JDK 24+ warns about it on every start. Silence it (no effect on behaviour).
    HARNESS_JAVA_OPTS="--sun-misc-unsafe-memory-access=allow $HARNESS_JAVA_OPTS"
    export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
fi
log "JDK $JMAJOR: $JAVA_HOME"

mkdir -p "$RESULTS_DIR"
# Two benchmarks at once on one machine would disturb each other: one run at a time (machine-wide lock).
LOCK="${TMPDIR:-/tmp}/mcp-gateway-load-tests.lock"
if command -v flock >/dev/null; then
    exec 9>"$LOCK"
    if ! flock -n 9; then
        log "another load-tests/run.sh is running; waiting for it (lock $LOCK, at most ${LOCK_WAIT:-1800} s)"
        flock -w "${LOCK_WAIT:-1800}" 9 || die "gave up waiting for $LOCK"
    fi
fi

# ---- build ---------------------------------------------------------------------------------------------
JAR="$HERE/target/load-tests.jar"
if [[ "$SKIP_BUILD" != 1 || ! -f "$JAR" ]]; then
    log "building load-tests"
    (cd "$HERE" && mvn -q -B package)
fi
[[ -f "$JAR" ]] || die "$JAR was not built"

if [[ "$SKIP_GATEWAY" != 1 && ! -f "$GATEWAY_JAR" ]]; then
    log "gateway jar missing ($GATEWAY_JAR): building the gateway (mvn package -DskipTests)"
    (cd "$ROOT" && mvn -q -B package -DskipTests)
    [[ -f "$GATEWAY_JAR" ]] || die "gateway build did not produce $GATEWAY_JAR"
fi

busy="$(pgrep -f 'plexus-classworlds|org.codehaus.plexus.classworlds' 2>/dev/null | tr '\n' ' ' || true)"
[[ -n "$busy" ]] && log "warning: Maven is running (pid $busy); results will be noisy"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
BUSY_START="$(cpu_busy_pct 2>/dev/null || echo -1)"
(( BUSY_START > 20 )) && log "warning: the CPUs are already ${BUSY_START}% busy before the benchmark starts"

mkdir -p "$RAW"
rm -f "$RAW"/*.json "$RAW"/*.log
# shellcheck disable=SC2206
HJ=($HARNESS_JAVA_OPTS)
# shellcheck disable=SC2206
GJ=($GATEWAY_JAVA_OPTS)

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo -1; }

# ---- echo upstream -------------------------------------------------------------------------------------
ECHO_ARGS=(--port 0 --threads "$ECHO_THREADS")
[[ "$ECHO_SSE" == 1 ]] && ECHO_ARGS+=(--sse)
"$JAVA" "${HJ[@]}" -cp "$JAR" dev.mcpgateway.loadtest.EchoUpstream "${ECHO_ARGS[@]}" >"$RAW/echo.log" 2>&1 &
ECHO_PID=$!
PIDS+=("$ECHO_PID")
ECHO_PORT=""
for _ in $(seq 1 300); do
    ECHO_PORT="$(sed -n 's/^READY port=\([0-9]*\).*/\1/p' "$RAW/echo.log" | head -1)"
    [[ -n "$ECHO_PORT" ]] && break
    kill -0 "$ECHO_PID" 2>/dev/null || { cat "$RAW/echo.log" >&2; die "echo upstream exited"; }
    sleep 0.1
done
[[ -n "$ECHO_PORT" ]] || die "echo upstream did not become ready (see $RAW/echo.log)"
DIRECT_URL="http://127.0.0.1:$ECHO_PORT/mcp"
log "echo upstream (pid $ECHO_PID) on $DIRECT_URL"

# ---- gateway -------------------------------------------------------------------------------------------
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"run.sh","version":"0"}}}'
MCP_HDRS=(-H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream')

gateway_ready() { # $1 url -> 0 when initialize answers 200
    if command -v curl >/dev/null; then
        [[ "$(curl -s -o /dev/null -w '%{http_code}' -m 2 -X POST "${MCP_HDRS[@]}" -d "$INIT" "$1" || true)" == 200 ]]
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$GATEWAY_PORT") 2>/dev/null
    fi
}

gateway_has_tool() { # $1 url -> 0 when tools/list lists $GATEWAY_TOOL
    command -v curl >/dev/null || return 0
    local h sid body
    h="$WORK/init.headers"
    curl -s -o /dev/null -D "$h" -m 5 -X POST "${MCP_HDRS[@]}" -d "$INIT" "$1" || return 1
    sid="$(awk 'tolower($1)=="mcp-session-id:" {print $2}' "$h" | tr -d '\r')"
    local s=()
    [[ -n "$sid" ]] && s=(-H "Mcp-Session-Id: $sid")
    curl -s -o /dev/null -m 5 -X POST "${MCP_HDRS[@]}" "${s[@]}" -H 'MCP-Protocol-Version: 2025-11-25' \
        -d '{"jsonrpc":"2.0","method":"notifications/initialized"}' "$1" || true
    body="$(curl -s -m 5 -X POST "${MCP_HDRS[@]}" "${s[@]}" -H 'MCP-Protocol-Version: 2025-11-25' \
        -d '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' "$1" || true)"
    [[ -n "$sid" ]] && curl -s -o /dev/null -m 5 -X DELETE "${s[@]}" "$1" || true
    grep -q "\"$GATEWAY_TOOL\"" <<<"$body"
}

GW_PID=""
RSS_IDLE=-1
RSS_AFTER_LOAD=-1
if [[ "$SKIP_GATEWAY" != 1 ]]; then
    [[ -n "$GATEWAY_PORT" ]] || GATEWAY_PORT="$("$JAVA" "${HJ[@]}" -jar "$JAR" free-port 127.0.0.1)"
    GATEWAY_URL="http://127.0.0.1:$GATEWAY_PORT/mcp"
    CFG="$WORK/mcp-servers.json"
    printf '{"mcpServers":{"echo":{"type":"http","url":"%s"}}}\n' "$DIRECT_URL" >"$CFG"
    "$JAVA" "${GJ[@]}" -jar "$GATEWAY_JAR" run --mcp-config "$CFG" --port "$GATEWAY_PORT" --host 127.0.0.1 \
        >"$RAW/gateway.log" 2>&1 &
    GW_PID=$!
    PIDS+=("$GW_PID")
    log "gateway (pid $GW_PID) starting on $GATEWAY_URL"
    ready=0
    for _ in $(seq 1 600); do
        kill -0 "$GW_PID" 2>/dev/null || { tail -n 40 "$RAW/gateway.log" >&2; die "gateway exited during start-up"; }
        if gateway_ready "$GATEWAY_URL"; then ready=1; break; fi
        sleep 0.1
    done
    (( ready )) || { tail -n 40 "$RAW/gateway.log" >&2; die "gateway not ready after 60 s (see $RAW/gateway.log)"; }
    for _ in $(seq 1 100); do
        gateway_has_tool "$GATEWAY_URL" && break
        sleep 0.3
    done
    gateway_has_tool "$GATEWAY_URL" || log "warning: gateway tools/list does not show '$GATEWAY_TOOL' (set GATEWAY_TOOL)"
    sleep 3
    RSS_IDLE="$(rss_kb "$GW_PID")"
    log "gateway ready; idle RSS ${RSS_IDLE} kB"

    if (( SESSIONS > 0 )); then
        log "opening $SESSIONS MCP sessions through the gateway"
        "$JAVA" "${HJ[@]}" -jar "$JAR" load --url "$GATEWAY_URL" --sessions "$SESSIONS" --pid "$GW_PID" \
            --connections 16 --settle 3s --label sessions --out "$RAW/sessions.json" --threads "$GEN_THREADS" \
            || log "warning: sessions measurement failed"
    fi
fi

# ---- measurements --------------------------------------------------------------------------------------
FAILED=0
measure() { # $1 target(direct|gateway) $2 connections $3 round
    local url tool
    if [[ "$1" == direct ]]; then url="$DIRECT_URL"; tool=echo; else url="$GATEWAY_URL"; tool="$GATEWAY_TOOL"; fi
    log "round $3: $1, $2 connections, warm-up $WARMUP + $DURATION"
    "$JAVA" "${HJ[@]}" -jar "$JAR" load --url "$url" --tool "$tool" --connections "$2" --warmup "$WARMUP" \
        --duration "$DURATION" --threads "$GEN_THREADS" --label "$1" \
        --out "$RAW/c$(printf %04d "$2")-r$3-$1.json" 2> >(tee -a "$RAW/generator.log" >&2) \
        || { log "warning: $1 measurement failed"; FAILED=1; }
}

for c in $CONNECTIONS; do
    for r in $(seq 1 "$ROUNDS"); do
        if [[ "$SKIP_GATEWAY" == 1 ]]; then
            measure direct "$c" "$r"
        elif (( r % 2 == 1 )); then
            measure direct "$c" "$r"
            measure gateway "$c" "$r"
        else
            measure gateway "$c" "$r"
            measure direct "$c" "$r"
        fi
    done
done
[[ -n "$GW_PID" ]] && RSS_AFTER_LOAD="$(rss_kb "$GW_PID")"
# Our own processes are idle now: what is busy now is someone else (or a gateway that does not calm down).
BUSY_END="$(cpu_busy_pct 2>/dev/null || echo -1)"

# ---- report --------------------------------------------------------------------------------------------
cpu="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)"
mem="$(awk '/^MemTotal:/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo 2>/dev/null || true)"
jdk="$("$JAVA" -version 2>&1 | head -2 | tail -1)"
commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null | grep -v '^?? load-tests/' || true)" ]] && commit="$commit (dirty)"
gw_note=""; [[ "$SKIP_GATEWAY" == 1 ]] && gw_note=" (not run: SKIP_GATEWAY=1)"
echo_note=""; [[ "$ECHO_SSE" == 1 ]] && echo_note=", SSE responses"
META=(
    --meta "Date=$(date '+%F %T %Z')"
    --meta "CPU=${cpu:-unknown}"
    --meta "Cores (nproc)=$(nproc)"
    --meta "Memory=${mem:-unknown}"
    --meta "Kernel=$(uname -sr)"
    --meta "Load average (1/5/15 min) at start / end=$LOAD_START / $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
    --meta "CPU busy with other work before / after (2 s samples)=${BUSY_START}% / ${BUSY_END}%"
    --meta "JDK=$jdk ($JAVA_HOME)"
    --meta "Gateway=${GATEWAY_JAR#"$ROOT"/} at commit $commit$gw_note"
    --meta "Gateway JVM options=${GATEWAY_JAVA_OPTS:-(none)}"
    --meta "Harness JVM options=$HARNESS_JAVA_OPTS"
    --meta "Connections=$CONNECTIONS"
    --meta "Warm-up / measured per run=$WARMUP / $DURATION"
    --meta "Rounds per target=$ROUNDS (alternating order)"
    --meta "Echo upstream event loops=$ECHO_THREADS$echo_note"
    --meta "Load generator event loops=$GEN_THREADS"
    --meta "Gateway tool=$GATEWAY_TOOL"
)
SESS_ARGS=()
[[ -f "$RAW/sessions.json" ]] && SESS_ARGS=(--sessions "$RAW/sessions.json")
"$JAVA" "${HJ[@]}" -jar "$JAR" report --runs "$RAW" --out "$REPORT" "${SESS_ARGS[@]}" \
    --busy-before "$BUSY_START" --busy-after "$BUSY_END" --rss-idle "$RSS_IDLE" --rss-after-load "$RSS_AFTER_LOAD" "${META[@]}"
log "report: $REPORT"
sed -n '/^## Goals/,/^## Results/p' "$REPORT" | sed '$d' >&2 || true
exit "$FAILED"
