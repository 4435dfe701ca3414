#!/usr/bin/env bash
# The performance benchmark of docs/PERFORMANCE.md, in one run on one database:
#
#   scripts/bench.sh [CONVERSATIONS_PER_MONTH ...]     (default 1000000; e.g. 100000 1000000)
#
# For each size it
#   1. seeds 7 months (2026-04 .. 2026-10) into the schema aikpi_bench_<size>, or reuses
#      that schema when it already holds exactly that seed (it says which);
#   2. times the floor: one grouped sequential scan of the report window's conversations
#      (2026-05 .. 2026-10) with psql;
#   3. times `aikpi report --month 2026-10` (release build, default 6-month trend, every
#      format), with its peak RSS (/usr/bin/time -v) and its per-stage timings
#      (AIKPI_TIMINGS=1), of which the time outside the database;
#   4. times `aikpi report --sample` (no database: review, charts and every format);
# after one untimed warm-up of the floor and the report (same warm cache for both), each
# measurement RUNS times (default 5), and prints the medians and the ratio report / floor.
# The PostgreSQL settings are the server's own; they are printed first.
#
# Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/aikpi_bench; the
# database must exist: `createdb aikpi_bench`), RUNS, CARGO_TARGET_DIR (where the release
# build goes). Disk: about 7 GB per million conversations per month; drop a size with
# `psql "$DATABASE_URL" -c 'DROP SCHEMA aikpi_bench_1000000 CASCADE'`.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000000)
RUNS=${RUNS:-5}
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/aikpi_bench}"
END_MONTH=2026-10
SEED_MONTHS=7
WINDOW_START="2026-05-01 00:00:00+00"
WINDOW_END="2026-11-01 00:00:00+00"

for tool in psql cargo /usr/bin/time awk sort; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench.sh: $tool is required" >&2; exit 2; }
done
for size in "${SIZES[@]}"; do
  [[ "$size" =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: '$size' is not a number of conversations per month" >&2; exit 2; }
done
if ! psql "$DATABASE_URL" -X -q -c 'SELECT 1' >/dev/null 2>&1; then
  echo "bench.sh: cannot connect to $DATABASE_URL (create the database first: createdb aikpi_bench)" >&2
  exit 2
fi

echo "== building aikpi (release)"
cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-target}/release/aikpi"
VERSION=$("$BIN" --version)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

sql() { psql "$DATABASE_URL" -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }
now_ms() { date +%s%3N; }
median() { sort -n | awk '{v[NR]=$1} END {if (NR==0) {print "n/a"} else if (NR%2) {print v[(NR+1)/2]} else {printf "%.1f\n", (v[NR/2]+v[NR/2+1])/2}}'; }
# The value of `aikpi timing: <stage> <ms> ms` lines in a stderr file (summed over lines).
stage_ms() { awk -v s="$2" 'index($0, "aikpi timing: " s " ") == 1 {t += $(NF-1)} END {printf "%.1f\n", t}' "$1"; }
# Everything the report does outside the database: review, charts, rendering, publishing.
outside_ms() { awk '/^aikpi timing: (review|charts|render |publish)/ {t += $(NF-1)} END {printf "%.1f\n", t}' "$1"; }

echo "== PostgreSQL ($(sql 'SHOW server_version')), server settings as configured (nothing is changed)"
for s in max_parallel_workers_per_gather max_parallel_workers max_worker_processes work_mem \
         shared_buffers effective_cache_size jit random_page_cost; do
  printf '   %-32s %s\n' "$s" "$(sql "SHOW $s")"
done
printf '   %-32s %s\n' "CPU cores (this machine)" "$(nproc)"
echo "   the report's own sessions (default config):"
"$BIN" config init | grep -E '^(work_mem|read_connections) ' | sed 's/^/     /'

SUMMARY=()
for size in "${SIZES[@]}"; do
  schema="aikpi_bench_${size}"
  seed_cmd="aikpi seed --end-month $END_MONTH --months $SEED_MONTHS --conversations-per-month $size --seed 42 --tz UTC"
  marker="$seed_cmd ($VERSION)"
  echo
  echo "== $size conversations per month: schema $schema"
  existing=$(sql "SELECT coalesce(obj_description(to_regnamespace('$schema'), 'pg_namespace'), '')")
  if [ "$existing" = "$marker" ]; then
    echo "   reusing the already-seeded schema ($marker)"
    "$BIN" migrate --schema "$schema" 2>/dev/null
    seed_s="reused"
  else
    if [ -n "$(sql "SELECT to_regnamespace('$schema')")" ]; then
      echo "   dropping $schema (it holds other data: '${existing:-no marker}')"
      sql "DROP SCHEMA $schema CASCADE" >/dev/null
    fi
    "$BIN" migrate --schema "$schema" 2>/dev/null
    echo "   seeding: $seed_cmd"
    t0=$(now_ms)
    "$BIN" seed --schema "$schema" --end-month "$END_MONTH" --months "$SEED_MONTHS" \
      --conversations-per-month "$size" --seed 42 --tz UTC 2>"$WORK/seed.err" \
      || { cat "$WORK/seed.err" >&2; exit 1; }
    t1=$(now_ms)
    seed_s=$(awk -v ms=$((t1 - t0)) 'BEGIN {printf "%.0f s", ms / 1000}')
    sql "COMMENT ON SCHEMA $schema IS '$marker'" >/dev/null
    echo "   seeded in $seed_s"
  fi
  rows=$(sql "SELECT count(*) FROM $schema.conversations WHERE started_at >= '$WINDOW_START' AND started_at < '$WINDOW_END'")
  llm_rows=$(sql "SELECT count(*) FROM $schema.llm_usage WHERE occurred_at >= '$WINDOW_START' AND occurred_at < '$WINDOW_END'")
  echo "   report window: $rows conversations, $llm_rows llm_usage rows"

  floor_sql="SELECT date_trunc('month', started_at AT TIME ZONE 'UTC'), count(*), avg(negative_sentiment)
             FROM $schema.conversations
             WHERE started_at >= '$WINDOW_START' AND started_at < '$WINDOW_END' GROUP BY 1"
  report() {
    /usr/bin/time -v -o "$WORK/time.txt" env AIKPI_TIMINGS=1 "$BIN" report --schema "$schema" \
      --month "$END_MONTH" --out "$WORK/out" 2>"$WORK/report.err" \
      || { cat "$WORK/report.err" >&2; exit 1; }
  }

  # Warm-up (untimed): both read the same pages into the same caches.
  sql "$floor_sql" >/dev/null
  report

  : >"$WORK/floor.ms"; : >"$WORK/report.ms"; : >"$WORK/db.ms"; : >"$WORK/outside.ms"; : >"$WORK/rss.kb"
  for run in $(seq 1 "$RUNS"); do
    t0=$(now_ms); sql "$floor_sql" >/dev/null; t1=$(now_ms)
    echo $((t1 - t0)) >>"$WORK/floor.ms"
    t0=$(now_ms); report; t1=$(now_ms)
    echo $((t1 - t0)) >>"$WORK/report.ms"
    stage_ms "$WORK/report.err" database >>"$WORK/db.ms"
    outside_ms "$WORK/report.err" >>"$WORK/outside.ms"
    awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt" >>"$WORK/rss.kb"
    printf '   run %d: floor %s ms, report %s ms (database %s ms), peak RSS %s kB\n' "$run" \
      "$(tail -1 "$WORK/floor.ms")" "$(tail -1 "$WORK/report.ms")" "$(tail -1 "$WORK/db.ms")" \
      "$(tail -1 "$WORK/rss.kb")"
  done
  echo "   per query, last run:"
  grep -E '^aikpi timing: (query|snapshot|connect|contract)' "$WORK/report.err" | sed 's/^aikpi timing: /     /'
  floor=$(median <"$WORK/floor.ms")
  rep=$(median <"$WORK/report.ms")
  db=$(median <"$WORK/db.ms")
  outside=$(median <"$WORK/outside.ms")
  rss=$(median <"$WORK/rss.kb")
  rss_max=$(sort -n "$WORK/rss.kb" | tail -1)
  ratio=$(awk -v r="$rep" -v f="$floor" 'BEGIN {printf "%.2f", r / f}')
  SUMMARY+=("$(printf '| %s | %s | %s | %s ms | %s ms | **%s** | %s ms | %s ms | %.1f MB (max %.1f) |' \
    "$size" "$rows" "$seed_s" "$floor" "$rep" "$ratio" "$db" "$outside" \
    "$(awk -v k="$rss" 'BEGIN {print k / 1024}')" "$(awk -v k="$rss_max" 'BEGIN {print k / 1024}')")")
done

echo
echo "== aikpi report --sample (no database: review, charts, every format), $RUNS runs"
: >"$WORK/sample.ms"
for run in $(seq 1 "$RUNS"); do
  AIKPI_TIMINGS=1 "$BIN" report --sample --out "$WORK/sample" 2>"$WORK/sample.err"
  outside_ms "$WORK/sample.err" >>"$WORK/sample.ms"
done
grep -E '^aikpi timing: ' "$WORK/sample.err" | sed 's/^aikpi timing: /   /'
sample=$(median <"$WORK/sample.ms")
echo "   charts + rendering + publishing (median): $sample ms"

echo
echo "== summary ($VERSION, medians of $RUNS runs; ratio = report / floor)"
echo "| conversations/month | window rows | seed | floor | report | ratio | report in database | report outside database | report peak RSS |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${SUMMARY[@]}"
echo "aikpi report --sample: charts + rendering of every format $sample ms (median)"
