# Shell helpers shared by bench.sh, cluster.sh and run.sh (sourced; not run on its own).

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
cpu_busy_pct() { # share of all CPUs busy during a 2 s sample (whoever uses them)
    local _ a b c d e f g h t1 i1 t2 i2
    read -r _ a b c d e f g h _ </proc/stat
    t1=$((a + b + c + d + e + f + g + h)); i1=$((d + e))
    sleep 2
    read -r _ a b c d e f g h _ </proc/stat
    t2=$((a + b + c + d + e + f + g + h)); i2=$((d + e))
    (( t2 > t1 )) && echo $((100 * ((t2 - t1) - (i2 - i1)) / (t2 - t1))) || echo 0
}
java_major() { # $1 = java executable -> major version (8 for 1.8)
    local v
    v="$("$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}')"
    v="${v#1.}"
    echo "${v%%.*}"
}
find_jdk() {
    local best="" best_major=0 d m
    if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" && -x "$JAVA_HOME/bin/javac" ]]; then
        m="$(java_major "$JAVA_HOME/bin/java")"
        if [[ "$m" =~ ^[0-9]+$ ]] && (( m >= 21 )); then
            echo "$JAVA_HOME"
            return 0
        fi
    fi
    for d in /usr/lib/jvm/*/; do
        d="${d%/}"
        [[ -x "$d/bin/java" && -x "$d/bin/javac" ]] || continue
        m="$(java_major "$d/bin/java")"
        [[ "$m" =~ ^[0-9]+$ ]] || continue
        if (( m >= 21 && m > best_major )); then
            best="$d"
            best_major="$m"
        fi
    done
    [[ -n "$best" ]] && echo "$best"
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
TAKEN=" "
free_port() { # sets PORT: nothing listens on it, in 20000-31999 (below the ephemeral range), not handed out before
    local p
    for _ in $(seq 1 200); do
        p=$((20000 + RANDOM % 12000))
        [[ "$TAKEN" == *" $p "* ]] && continue
        port_open "$p" && continue
        TAKEN="$TAKEN$p "
        PORT="$p"
        return 0
    done
    die "no free port found"
}
free_ispn_offset() { # sets OFFSET: Hot Rod 11222+o, JGroups 7800+o and failure detection 57800+o are all free
    local o
    for _ in $(seq 1 200); do
        o=$((1000 + (RANDOM % 670) * 10))
        [[ "$TAKEN" == *" o$o "* ]] && continue
        port_open $((11222 + o)) || port_open $((7800 + o)) || port_open $((57800 + o)) && continue
        TAKEN="${TAKEN}o$o "
        OFFSET="$o"
        return 0
    done
    die "no free Infinispan port offset found"
}
lb_up() { # number of replicas HAProxy has UP
    curl -s -m 2 "http://127.0.0.1:$STATS_PORT/stats;csv" 2>/dev/null \
        | awk -F, '$1=="gateways" && $2 ~ /^r[0-9]+$/ && $18 ~ /^UP/ {n++} END {print n+0}'
}
json_field() { sed -n "s/.*\"$2\" : \"\{0,1\}\([^\",]*\)\"\{0,1\}.*/\1/p" "$1" | head -1; }
histo() { # $1 pid $2 file: live objects by class (GC.class_histogram runs a full GC first)
    "$JCMD" "$1" GC.class_histogram >"$2" 2>&1 || log "warning: jcmd $1 GC.class_histogram failed"
}
