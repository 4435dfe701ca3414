#!/usr/bin/env bash
# The performance benchmark of docs/PERFORMANCE.md, in one run on one database:
#
#   scripts/bench.sh [CONVERSATIONS_PER_MONTH ...]     (default 1000000; e.g. 100000 1000000)
#
# For each size and each of three data sets it times the floor and the report:
#   seed         `aikpi seed` (COPY FREEZE: every page all-visible), schema aikpi_bench_<size>;
#   independent  scripts/bench/independent.sql (data aikpi did not make: uniformly random
#                users, 200 issue keys, 3 LLM calls per AI conversation, ordinary INSERTs),
#                after VACUUM ANALYZE, schema aikpi_indep_<size>;
#   updated      the same schema right after the last month's conversations were updated
#                (UPDATE ... SET closed_at = closed_at: new row versions, those pages no
#                longer all-visible, as on the 1st of a month); VACUUM ANALYZE afterwards
#                restores the vacuumed state for the next run.
# A schema is reused when it already holds exactly that data (its comment records how it
# was made; the script says "reusing").
#
# Floors, each on the server's own settings (parallel query as configured), with psql:
#   fair    the plain range passes over every large relation the report reads:
#           SELECT count(*), count(*) FILTER (WHERE ai_participated), sum(negative_sentiment)
#             FROM conversations WHERE started_at in the window
#           + SELECT count(*), sum(cost) FROM llm_usage WHERE occurred_at in the window
#           (timed one after the other; the fair floor is their sum);
#   narrow  the old floor: one grouped scan of the window's conversations only.
# The report: `aikpi rollup --month 2026-10` once (as on the morning of 1 November: it
# stores May to September, the months closed for 24 h), then `aikpi report --month
# 2026-10` (release build, default 6-month trend, every format), which reads the stored
# months and only October from the tables; its peak RSS (/usr/bin/time -v) and per-stage
# timings (AIKPI_TIMINGS=1). The same report with --no-rollup (every month from the
# tables) is timed in the same runs.
# Then `aikpi report --sample` (no database), in English and in Chinese: charts and
# rendering alone, and report.pdf's typesetting on its own (target 500 ms).
# After one untimed warm-up, floors and report alternate RUNS times (default 5); medians.
#
# Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/aikpi_bench; the
# database must exist: `createdb aikpi_bench`), RUNS, DATASETS (default
# "seed independent updated"), CARGO_TARGET_DIR. Disk: about 7 GB per million
# conversations a month for seed, 5 GB for independent; drop one with
# `psql "$DATABASE_URL" -c 'DROP SCHEMA aikpi_indep_1000000 CASCADE'`.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000000)
RUNS=${RUNS:-5}
read -r -a DATASETS <<<"${DATASETS:-seed independent updated}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/aikpi_bench}"
END_MONTH=2026-10
# The rollup's clock: 12 hours after the report month ended.
ROLLUP_NOW=2026-11-01T12:00:00Z
SEED_MONTHS=7
WINDOW_START="2026-05-01 00:00:00+00"
WINDOW_END="2026-11-01 00:00:00+00"
LAST_MONTH_START="2026-10-01 00:00:00+00"
GENERATOR=scripts/bench/independent.sql

for tool in psql cargo /usr/bin/time awk sort sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench.sh: $tool is required" >&2; exit 2; }
done
for size in "${SIZES[@]}"; do
  [[ "$size" =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: '$size' is not a number of conversations per month" >&2; exit 2; }
done
for set in "${DATASETS[@]}"; do
  case "$set" in seed|independent|updated) ;; *) echo "bench.sh: unknown data set '$set' (seed, independent, updated)" >&2; exit 2 ;; esac
done
if ! psql "$DATABASE_URL" -X -q -c 'SELECT 1' >/dev/null 2>&1; then
  echo "bench.sh: cannot connect to $DATABASE_URL (create the database first: createdb aikpi_bench)" >&2
  exit 2
fi

echo "== building aikpi (release)"
cargo build --release --quiet
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# A copy of the binary: a `cargo build` while the benchmark runs must not change what it
# measures halfway.
cp "${CARGO_TARGET_DIR:-target}/release/aikpi" "$WORK/aikpi"
BIN="$WORK/aikpi"
VERSION=$("$BIN" --version)

sql() { psql "$DATABASE_URL" -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }
now_ms() { date +%s%3N; }
median() { sort -n | awk '{v[NR]=$1} END {if (NR==0) {print "n/a"} else if (NR%2) {print v[(NR+1)/2]} else {printf "%.1f\n", (v[NR/2]+v[NR/2+1])/2}}'; }
# The value of `aikpi timing: <stage> <ms> ms` lines in a stderr file (summed over lines).
stage_ms() { awk -v s="$2" 'index($0, "aikpi timing: " s " ") == 1 {t += $(NF-1)} END {printf "%.1f\n", t}' "$1"; }
# The summed time of the stages whose names match an extended regex ($2) in a stderr file.
stages_ms() { awk -v re="^aikpi timing: ($2)" '$0 ~ re {t += $(NF-1)} END {printf "%.1f\n", t}' "$1"; }
# Everything the report does outside the database: review, charts, rendering, publishing.
outside_ms() { stages_ms "$1" 'review|charts|render |publish'; }
# What the --sample target counts: the charts and the rendering of every format but the
# PDF, which has its own target (pdf_ms).
drawing_ms() { stages_ms "$1" 'charts|render (json|charts|docx|html|md|notion-zip) '; }
# Typesetting report.pdf (Typst: layout and PDF export).
pdf_ms() { stage_ms "$1" 'render pdf'; }
# Milliseconds of one psql statement.
timed_ms() { local t0 t1; t0=$(now_ms); sql "$1" >/dev/null; t1=$(now_ms); echo $((t1 - t0)); }
marker_of() { sql "SELECT coalesce(obj_description(to_regnamespace('$1'), 'pg_namespace'), '')"; }
# Share of conversations' pages marked all-visible (after ANALYZE/VACUUM updated the count).
all_visible() { sql "SELECT round(100.0 * relallvisible / greatest(relpages, 1)) || ' %' FROM pg_class WHERE oid = '$1.conversations'::regclass"; }

echo "== PostgreSQL ($(sql 'SHOW server_version')), server settings as configured (nothing is changed)"
for s in max_parallel_workers_per_gather max_parallel_workers max_worker_processes work_mem \
         shared_buffers effective_cache_size jit random_page_cost autovacuum; do
  printf '   %-32s %s\n' "$s" "$(sql "SHOW $s")"
done
printf '   %-32s %s\n' "CPU cores (this machine)" "$(nproc)"
echo "   the report's own sessions (default config):"
"$BIN" config init | grep -E '^(work_mem|read_connections) ' | sed 's/^/     /'

# Makes (or reuses) the schema of a data set; prints how long making it took.
prepare_seed() {
  local size=$1 schema=$2 seed_cmd marker t0 t1
  seed_cmd="aikpi seed --end-month $END_MONTH --months $SEED_MONTHS --conversations-per-month $size --seed 42 --tz UTC"
  marker="$seed_cmd ($VERSION)"
  if [ "$(marker_of "$schema")" = "$marker" ]; then
    echo "   reusing the already-seeded schema $schema ($marker)" >&2
    "$BIN" migrate --schema "$schema" >/dev/null 2>&1
    echo reused; return
  fi
  if [ -n "$(sql "SELECT to_regnamespace('$schema')")" ]; then
    echo "   dropping $schema (it holds other data)" >&2
    sql "DROP SCHEMA $schema CASCADE" >/dev/null
  fi
  "$BIN" migrate --schema "$schema" >/dev/null 2>&1
  echo "   seeding $schema: $seed_cmd" >&2
  t0=$(now_ms)
  "$BIN" seed --schema "$schema" --end-month "$END_MONTH" --months "$SEED_MONTHS" \
    --conversations-per-month "$size" --seed 42 --tz UTC 2>"$WORK/seed.err" \
    || { cat "$WORK/seed.err" >&2; exit 1; }
  t1=$(now_ms)
  sql "COMMENT ON SCHEMA $schema IS '$marker'" >/dev/null
  awk -v ms=$((t1 - t0)) 'BEGIN {printf "%.0f s\n", ms / 1000}'
}

prepare_independent() {
  local size=$1 schema=$2 marker t0 t1
  marker="$GENERATOR per_month=$size sha256=$(sha256sum "$GENERATOR" | cut -c1-16)"
  if [ "$(marker_of "$schema")" = "$marker" ]; then
    echo "   reusing the already-generated schema $schema ($marker)" >&2
    "$BIN" migrate --schema "$schema" >/dev/null 2>&1
    echo reused; return
  fi
  if [ -n "$(sql "SELECT to_regnamespace('$schema')")" ]; then
    echo "   dropping $schema (it holds other data)" >&2
    sql "DROP SCHEMA $schema CASCADE" >/dev/null
  fi
  "$BIN" migrate --schema "$schema" >/dev/null 2>&1
  echo "   generating $schema: $GENERATOR with per_month=$size, then VACUUM ANALYZE" >&2
  t0=$(now_ms)
  PGOPTIONS="-c search_path=$schema" psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 \
    -v per_month="$size" -f "$GENERATOR" >/dev/null
  for table in conversations llm_usage kb_evals reply_edits cost_ledger; do
    sql "VACUUM (ANALYZE) $schema.$table" >/dev/null
  done
  t1=$(now_ms)
  sql "COMMENT ON SCHEMA $schema IS '$marker'" >/dev/null
  awk -v ms=$((t1 - t0)) 'BEGIN {printf "%.0f s\n", ms / 1000}'
}

# Times floors and report on one schema; appends a summary row; sets LAST_REPORT_MS.
measure() {
  local label=$1 size=$2 schema=$3 made=$4 run rows llm_rows visible
  rows=$(sql "SELECT count(*) FROM $schema.conversations WHERE started_at >= '$WINDOW_START' AND started_at < '$WINDOW_END'")
  llm_rows=$(sql "SELECT count(*) FROM $schema.llm_usage WHERE occurred_at >= '$WINDOW_START' AND occurred_at < '$WINDOW_END'")
  visible=$(all_visible "$schema")
  echo "   $label: $rows conversations, $llm_rows llm_usage rows in the window; conversations pages all-visible: $visible"
  local conv_floor="SELECT count(*), count(*) FILTER (WHERE ai_participated), sum(negative_sentiment)
                    FROM $schema.conversations WHERE started_at >= '$WINDOW_START' AND started_at < '$WINDOW_END'"
  local llm_floor="SELECT count(*), sum(cost) FROM $schema.llm_usage
                   WHERE occurred_at >= '$WINDOW_START' AND occurred_at < '$WINDOW_END'"
  local narrow_floor="SELECT date_trunc('month', started_at AT TIME ZONE 'UTC'), count(*), avg(negative_sentiment)
                      FROM $schema.conversations
                      WHERE started_at >= '$WINDOW_START' AND started_at < '$WINDOW_END' GROUP BY 1"
  report() {
    /usr/bin/time -v -o "$WORK/time.txt" env AIKPI_TIMINGS=1 "$BIN" report --schema "$schema" \
      --month "$END_MONTH" --out "$WORK/out" "$@" 2>"$WORK/report.err" \
      || { cat "$WORK/report.err" >&2; exit 1; }
  }
  # Warm-up (untimed): the floors and the report read the same pages into the same caches.
  sql "$conv_floor" >/dev/null; sql "$llm_floor" >/dev/null; sql "$narrow_floor" >/dev/null
  report --no-rollup
  local t0 t1 rollup_ms
  t0=$(now_ms)
  "$BIN" rollup --schema "$schema" --month "$END_MONTH" --now "$ROLLUP_NOW" --quiet 2>"$WORK/rollup.err" \
    || { cat "$WORK/rollup.err" >&2; exit 1; }
  t1=$(now_ms)
  rollup_ms=$((t1 - t0))
  echo "   aikpi rollup: $rollup_ms ms ($(grep -o 'stored [^;]*' "$WORK/rollup.err"))"
  local f
  for f in conv llm fair narrow report full db outside rss; do : >"$WORK/$f.v"; done
  for run in $(seq 1 "$RUNS"); do
    local c l n
    c=$(timed_ms "$conv_floor"); l=$(timed_ms "$llm_floor"); n=$(timed_ms "$narrow_floor")
    echo "$c" >>"$WORK/conv.v"; echo "$l" >>"$WORK/llm.v"; echo $((c + l)) >>"$WORK/fair.v"
    echo "$n" >>"$WORK/narrow.v"
    t0=$(now_ms); report --no-rollup; t1=$(now_ms)
    echo $((t1 - t0)) >>"$WORK/full.v"
    t0=$(now_ms); report; t1=$(now_ms)
    grep -q 'read from the rollup' "$WORK/report.err" \
      || { echo "bench.sh: the report did not use the rollup:" >&2; cat "$WORK/report.err" >&2; exit 1; }
    echo $((t1 - t0)) >>"$WORK/report.v"
    stage_ms "$WORK/report.err" database >>"$WORK/db.v"
    outside_ms "$WORK/report.err" >>"$WORK/outside.v"
    awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt" >>"$WORK/rss.v"
    printf '   run %d: fair floor %s ms (conversations %s + llm_usage %s), narrow floor %s ms, report %s ms (database %s ms), --no-rollup %s ms, peak RSS %s kB\n' \
      "$run" $((c + l)) "$c" "$l" "$n" "$(tail -1 "$WORK/report.v")" "$(tail -1 "$WORK/db.v")" "$(tail -1 "$WORK/full.v")" "$(tail -1 "$WORK/rss.v")"
  done
  echo "   per query, last run:"
  grep -E '^aikpi timing: (query|snapshot|connect|contract|index)' "$WORK/report.err" | sed 's/^aikpi timing: /     /'
  local conv llm fair narrow rep full db outside rss rss_max
  conv=$(median <"$WORK/conv.v"); llm=$(median <"$WORK/llm.v"); fair=$(median <"$WORK/fair.v")
  narrow=$(median <"$WORK/narrow.v"); rep=$(median <"$WORK/report.v"); db=$(median <"$WORK/db.v")
  full=$(median <"$WORK/full.v")
  outside=$(median <"$WORK/outside.v"); rss=$(median <"$WORK/rss.v"); rss_max=$(sort -n "$WORK/rss.v" | tail -1)
  LAST_REPORT_MS=$rep
  SUMMARY+=("$(printf '| %s | %s | %s / %s | %s | %s | %s ms (%s + %s) | %s ms | %s ms | **%s** | %s | %s ms | %s ms | %.1f MB (max %.1f) | %s ms (%s) | %s ms |' \
    "$size" "$label" "$rows" "$llm_rows" "$visible" "$made" "$fair" "$conv" "$llm" "$narrow" "$rep" \
    "$(awk -v r="$rep" -v f="$fair" 'BEGIN {printf "%.2f", r / f}')" \
    "$(awk -v r="$rep" -v f="$narrow" 'BEGIN {printf "%.2f", r / f}')" "$db" "$outside" \
    "$(awk -v k="$rss" 'BEGIN {print k / 1024}')" "$(awk -v k="$rss_max" 'BEGIN {print k / 1024}')" \
    "$full" "$(awk -v r="$full" -v f="$fair" 'BEGIN {printf "%.2f", r / f}')" "$rollup_ms")")
}

SUMMARY=()
UPDATED=()
for size in "${SIZES[@]}"; do
  echo
  echo "== $size conversations per month"
  vacuumed_ms=""
  for set in "${DATASETS[@]}"; do
    case "$set" in
      seed)
        made=$(prepare_seed "$size" "aikpi_bench_${size}")
        measure "seed" "$size" "aikpi_bench_${size}" "$made"
        ;;
      independent)
        made=$(prepare_independent "$size" "aikpi_indep_${size}")
        measure "independent, vacuumed" "$size" "aikpi_indep_${size}" "$made"
        vacuumed_ms=$LAST_REPORT_MS
        ;;
      updated)
        schema="aikpi_indep_${size}"
        prepare_independent "$size" "$schema" >/dev/null
        echo "   updating the last month's conversations of $schema (not vacuumed afterwards)"
        t0=$(now_ms)
        sql "UPDATE $schema.conversations SET closed_at = closed_at
             WHERE started_at >= '$LAST_MONTH_START' AND started_at < '$WINDOW_END'" >/dev/null
        sql "ANALYZE $schema.conversations" >/dev/null
        t1=$(now_ms)
        measure "independent, last month updated" "$size" "$schema" "updated in $(( (t1 - t0) / 1000 )) s"
        [ -z "$vacuumed_ms" ] || UPDATED+=("$size: updated / vacuumed = $(awk -v u="$LAST_REPORT_MS" -v v="$vacuumed_ms" 'BEGIN {printf "%.2f", u / v}')")
        echo "   VACUUM ANALYZE $schema.conversations (back to the vacuumed state)"
        sql "VACUUM (ANALYZE) $schema.conversations" >/dev/null
        ;;
    esac
  done
done

echo
echo "== aikpi report --sample (no database: review, charts, every format), $RUNS runs a language"
SAMPLES=()
for lang in en zh-CN; do
  : >"$WORK/sample-$lang.ms"; : >"$WORK/sample-$lang.draw"; : >"$WORK/sample-$lang.publish"
  : >"$WORK/sample-$lang.pdf"
  for run in $(seq 1 "$RUNS"); do
    AIKPI_TIMINGS=1 "$BIN" report --sample --lang "$lang" --out "$WORK/sample-$lang" 2>"$WORK/sample.err"
    outside_ms "$WORK/sample.err" >>"$WORK/sample-$lang.ms"
    drawing_ms "$WORK/sample.err" >>"$WORK/sample-$lang.draw"
    stage_ms "$WORK/sample.err" publish >>"$WORK/sample-$lang.publish"
    pdf_ms "$WORK/sample.err" >>"$WORK/sample-$lang.pdf"
  done
  echo "   $lang, last run:"
  grep -E '^aikpi timing: ' "$WORK/sample.err" | sed 's/^aikpi timing: /     /'
  sample=$(median <"$WORK/sample-$lang.ms")
  drawing=$(median <"$WORK/sample-$lang.draw")
  publish=$(median <"$WORK/sample-$lang.publish")
  pdf=$(median <"$WORK/sample-$lang.pdf")
  echo "   $lang (medians): charts + rendering $drawing ms; report.pdf $pdf ms; writing the files $publish ms; review + charts + rendering (PDF included) + writing $sample ms"
  SAMPLES+=("$lang $drawing ms, report.pdf $pdf ms (with writing the files: $sample ms)")
done

echo
echo "== summary ($VERSION, medians of $RUNS runs; ratio = report / floor)"
echo "| conversations/month | data set | window rows (conversations / llm_usage) | all-visible | made | fair floor (conversations + llm_usage) | narrow floor | report | ratio to fair floor | ratio to narrow floor | report in database | report outside database | report peak RSS | report --no-rollup (ratio to fair floor) | aikpi rollup (once) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${SUMMARY[@]}"
[ ${#UPDATED[@]} -eq 0 ] || printf 'last month updated vs vacuumed, report time: %s\n' "${UPDATED[@]}"
echo "aikpi report --sample: charts + rendering of every format but the PDF, and report.pdf (median): ${SAMPLES[*]}"
