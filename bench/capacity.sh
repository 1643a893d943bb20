#!/usr/bin/env bash
# Capacity found alone: for each simulated console profile, the best fixed level (--parallel N --fixed-parallel:
# exactly N at once; the console's capacity is total bytes / the time it needs at its best level) against
# protect-dl's defaults, which are told nothing. The work is a backfill of half a day of 3 cameras (36 hourly
# exports); the defaults are run 3 times and their median taken (runs on a shared machine move by 10-30%).
# Prints one row per profile: best N and its time, the default's time, the share of capacity, overload answers
# and failed files. Usage: bash bench/capacity.sh [--quick]   (--quick: three profiles, smaller files)
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
[ "${1:-}" = "--quick" ] && quick=1
cams=3
hours=12
hour_mib=96
repeats=3
[ $quick = 1 ] && hours=2 && hour_mib=16 && repeats=1

source bench/lib.sh
bench_init

# The profile's console: the same cameras and hours, its performance model from the options given.
start_profile() {
    start_sim --cameras $cams --history-hours $((hours + 3)) --bitrate $(( hour_mib * 1048576 * 8 / 3600 )) --fps 15 \
        --no-burned-in-text --event-rate 0 --performance "$@"
}
# One run over the same hours; prints "<seconds> <overloads> <failed>".
run() {
    local end=$(( ($(date +%s) / 3600 - 1) * 3600 ))
    local start=$(( end - hours * 3600 ))
    rm -rf "$work/dl" && mkdir -p "$work/dl"
    local t0=$(now_ms)
    PROTECT_DL_PASSWORD=protect "$bin/protect-dl" --address 127.0.0.1 --port "$port" --username admin \
        --start "$(utc $start)" --end "$(utc $end)" --dest "$work/dl" --quiet --json --ignore-failed-downloads \
        "$@" >"$work/run.json" 2>/dev/null || true
    local seconds=$(awk "BEGIN { printf \"%.2f\", ($(now_ms) - $t0) / 1000 }")
    local summary=$(grep '"event":"summary"' "$work/run.json" | tail -1)
    local overloads=$(echo "$summary" | sed 's/.*"overloads":\([0-9]*\).*/\1/')
    local failed=$(echo "$summary" | sed 's/.*"failed":\([0-9]*\).*/\1/')
    echo "$seconds ${overloads:-?} ${failed:-?}"
}

# name | protect-sim options | fixed levels to try for the capacity (the best of levels 1-8 in the model of the
# same profiles in ConcurrencyClimbTests and its neighbour; a level above the console's limit only adds refusals)
profiles=(
    "one export at a time|--max-exports 1 --stream-rate 40000000 --total-rate 40000000 --first-byte-per-hour 1|1"
    "CloudKey Gen2+ (guess): 2 at once, 25+40 MB/s|--max-exports 2 --stream-rate 25000000 --total-rate 40000000 --first-byte-base 0.5 --first-byte-per-hour 1|2"
    "3 at once, 40 MB/s each, 80 MB/s total|--max-exports 3 --stream-rate 40000000 --total-rate 80000000 --first-byte-base 0.2 --first-byte-per-hour 0.8|2 3"
    "UNVR (guess): 5 at once, 37 MB/s each, busy TTFB|--max-exports 5 --stream-rate 37000000 --total-rate 120000000 --first-byte-base 0.3 --first-byte-per-hour 0.8 --first-byte-per-busy-export 0.3|4 5"
    "slower past 3 (6 allowed), 30 MB/s each|--max-exports 6 --best-concurrency 3 --slowdown-per-export 0.2 --stream-rate 30000000 --total-rate 90000000|3 4"
    "per-export cap only: 6 at once, 15 MB/s each|--max-exports 6 --stream-rate 15000000 --total-rate 0|5 6"
)
[ $quick = 1 ] && profiles=("${profiles[0]}" "${profiles[2]}" "${profiles[4]}")

echo
echo "protect-dl capacity benchmark ($(date -u '+%Y-%m-%d'), $(nproc) cores): $cams cameras x $hours h of $hour_mib MiB"
printf '%-52s %-16s %-26s %-7s %s\n' "console profile" "best fixed" "defaults (median; runs)" "share" "overloads, failed"
all_ok=1
for profile in "${profiles[@]}"; do
    IFS='|' read -r name options levels <<<"$profile"
    # shellcheck disable=SC2086
    start_profile $options
    best_s=""
    best_n=""
    for n in $levels; do
        read -r s _ f <<<"$(run --parallel "$n" --fixed-parallel)"
        [ "$f" = "0" ] || continue
        if [ -z "$best_s" ] || awk "BEGIN { exit !($s < $best_s) }"; then best_s=$s; best_n=$n; fi
    done
    # The defaults: the median run of $repeats (by time), its overloads and failures; failures of any run count.
    : >"$work/defaults"
    # A console that refuses past its limit leaves nothing to chance: one run.
    n_runs=$repeats
    [ "$levels" = "1" ] || [ "$levels" = "2" ] && n_runs=1
    for _ in $(seq 1 $n_runs); do run >>"$work/defaults"; done
    read -r d_s d_over d_failed <<<"$(sort -n "$work/defaults" | awk -v n=$n_runs 'NR == int((n + 1) / 2)')"
    d_failed=$(awk '{ f += $3 } END { print f }' "$work/defaults")
    d_all=$(awk '{ printf "%s%s", sep, $1; sep = "/" }' "$work/defaults")
    share=$(awk "BEGIN { printf \"%.0f\", 100 * $best_s / $d_s }")
    [ "$share" -ge 90 ] && [ "$d_failed" = "0" ] || all_ok=0
    printf '%-52s %-16s %-26s %-7s %s\n' "$name" "N=$best_n ${best_s} s" "${d_s} s ($d_all)" "${share}%" "$d_over, $d_failed"
done
echo
[ $all_ok = 1 ] && echo "every profile at >= 90% of capacity with no failed file" \
    || echo "NOT MET: a profile below 90% of capacity or with failed files"
