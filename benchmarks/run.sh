#!/usr/bin/env bash
# Runs the nano-wal benchmarks side by side with raw FileChannel, Chronicle Queue and Square Tape.
#
#   ./benchmarks/run.sh quick            # scaled-down workloads, 3 repetitions (a few minutes)
#   ./benchmarks/run.sh full             # the issue's workloads, 5 repetitions; writes benchmarks/RESULTS.md
#   ./benchmarks/run.sh quick --only W1,W3   # a subset
#   ./benchmarks/run.sh phases [appends] [keys] [rounds] [batch]   # W1 (W5 with keys > 1, W1B with batch > 1) split into append and sync
#                                                          # phases, nano-wal with and without the clock and rotation
#   ./benchmarks/run.sh w6                   # W6 alone at full size, 16 threads, the disk as it is
#   ./benchmarks/run.sh w6-capped            # W6 alone at full size, 64 threads, write IOPS capped at BENCH_IOPS
#                                            # (default 3000) by benchmarks/iops-cap.sh: needs root
#   ./benchmarks/run.sh w1batch              # W1B alone at full size (appendBatch of 64 x 100 B vs raw)
#   ./benchmarks/run.sh tail [samples] [idle-seconds]   # T1: tail wake-up latency and idle tailer CPU vs a
#                                                       # blocking-queue hand-off (defaults 20000 3)
#   ./benchmarks/run.sh tail-cross [entries]             # T2: a read-only view's tail of a child JVM's durable
#                                                       # appends vs the in-process tail (default 1000)
#   ./benchmarks/run.sh stalls [appends] [rounds]       # buffered appends to one key across rotations, each timed:
#                                                       # how many took over 1 and 10 ms, each subject under
#                                                       # G1 and under Epsilon (defaults 3000000 3)
#   (w6, w6-capped and w1batch take --threads 16,64 and the other options of quick and full, and print only)
#
# Environment: BENCH_DIR (where the data goes; default a new temporary directory under /tmp, removed afterwards),
# BENCH_JAVA_OPTS (extra JVM flags, e.g. -XX:StartFlightRecording=filename=/tmp/w.jfr), BENCH_IOPS (w6-capped).
set -euo pipefail

MODE="${1:-quick}"
shift || true
case "$MODE" in
  quick|full|smoke|phases|w6|w6-capped|w1batch|tail|tail-cross|stalls) ;;
  *) echo "usage: $0 quick|full|w6|w6-capped|w1batch [--only W1,W2,...] [--threads 16,64]" \
    "| phases [appends] [keys] [rounds] | tail [samples] [idle-seconds] | tail-cross [entries]" \
    "| stalls [appends] [rounds]" >&2; exit 2 ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Build the core and the harness (no tests); offline first, online if something is missing.
BUILD=(mvn -B -q -pl nano-wal-benchmarks -am -DskipTests package)
"${BUILD[@]}" -o || "${BUILD[@]}"

# Run from a private copy of the built classes and jars, so that a rebuild (or mvn clean) in the tree during a
# long run does not pull them from under the JVM.
RUN="$(mktemp -d "${TMPDIR:-/tmp}/nanowal-bench-run.XXXXXX")"
DATA="${BENCH_DIR:-$RUN/data}"
trap 'rm -rf "$RUN"' EXIT
mkdir -p "$RUN/lib" "$DATA"
cp -r nano-wal-benchmarks/target/classes "$RUN/classes"
CP="$RUN/classes"
IFS=: read -r -a JARS < nano-wal-benchmarks/target/bench.classpath || true  # (the file has no final newline)
for jar in "${JARS[@]}"; do
  cp "$jar" "$RUN/lib/"
  CP="$CP:$RUN/lib/$(basename "$jar")"
done

# Chronicle Queue needs these on JDK 17.
OPENS=(--add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED
  --add-exports=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED)

MAIN=dev.nanowal.bench.Bench
PROPS=(-Dchronicle.analytics.disable=true -Dchronicle.announcer.disable=true)
COMMAND="./benchmarks/run.sh $MODE${*:+ $*}"
CAP=()
case "$MODE" in
  full) ARGS=(full --dir "$DATA" --command "$COMMAND" --results benchmarks/RESULTS.md) ;;
  phases) MAIN=dev.nanowal.bench.AppendPhases; PROPS+=(-Djava.io.tmpdir="$DATA"); ARGS=() ;;
  tail) MAIN=dev.nanowal.bench.TailWakeup; PROPS+=(-Djava.io.tmpdir="$DATA"); ARGS=() ;;
  tail-cross) MAIN=dev.nanowal.bench.CrossProcessTail; PROPS+=(-Djava.io.tmpdir="$DATA"); ARGS=() ;;
  stalls) MAIN=dev.nanowal.bench.AppendStalls; PROPS+=(-Djava.io.tmpdir="$DATA"); ARGS=() ;;
  w6) ARGS=(full --only W6 --threads 16 --dir "$DATA" --command "$COMMAND") ;;
  w6-capped)
    ARGS=(full --only W6 --threads 64 --dir "$DATA" --command "$COMMAND")
    CAP=("$ROOT/benchmarks/iops-cap.sh" --iops "${BENCH_IOPS:-3000}" "$DATA" --) ;;
  w1batch) ARGS=(full --only W1B --dir "$DATA" --command "$COMMAND") ;;
  *) ARGS=("$MODE" --dir "$DATA" --command "$COMMAND") ;;
esac

echo "nano-wal benchmarks, mode $MODE: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "$(free -g | awk '/Mem:/ {print $2}') GiB RAM; data in $DATA ($(df -T "$DATA" | awk 'NR==2 {print $2}'))"
java -version 2>&1 | head -1
echo "load: $(uptime)"

# shellcheck disable=SC2086
STATUS=0
"${CAP[@]}" java -Xms1g -Xmx2g -XX:+UseG1GC "${OPENS[@]}" "${PROPS[@]}" ${BENCH_JAVA_OPTS:-} \
  -cp "$CP" "$MAIN" "${ARGS[@]}" "$@" || STATUS=$?
echo "load: $(uptime)"
exit "$STATUS"
