#!/usr/bin/env bash
# Prints the home of a JDK >= 21: $JAVA_HOME if it qualifies, else the newest under the
# system's JDK folders. Exits 1 with what to install when there is none.
set -euo pipefail

java_major() {
  local v
  v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1)
  echo "${v%%.*}"
}

candidates=()
[ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
for dir in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
  [ -d "$dir" ] && candidates+=("$dir")
done
if command -v java >/dev/null 2>&1; then
  candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
fi

best="" best_major=0
for home in "${candidates[@]}"; do
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || continue
  major=$(java_major "$home" 2>/dev/null || echo 0)
  [ -n "$major" ] || continue
  if [ "$home" = "${JAVA_HOME:-}" ] && [ "$major" -ge 21 ]; then best=$home; break; fi
  if [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then best=$home best_major=$major; fi
done

if [ -z "$best" ]; then
  echo "mcp-gateway needs a JDK 21 or newer (found none in JAVA_HOME or /usr/lib/jvm)." >&2
  echo "Install one, e.g. 'apt-get install openjdk-21-jdk' or Temurin 21+, or set JAVA_HOME." >&2
  exit 1
fi
echo "$best"
