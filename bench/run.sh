#!/usr/bin/env bash
# protect-dl benchmark: throughput against curl, peak memory on a 2 GiB segment, and the gain of parallel
# downloads on a console with a realistic performance model. Prints a table; exits 0.
# Usage: bash bench/run.sh [--quick]   (--quick: smaller sizes, for a smoke run)
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
[ "${1:-}" = "--quick" ] && quick=1

swift build -c release >/dev/null
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d)
sim_pid=""
cleanup() {
    [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }
seconds_since() { calc "($(now_ms) - $1) / 1000"; }

# Starts protect-sim with the given options on a free port; sets sim_pid, port, cameras.
start_sim() {
    [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null || true
    "$bin/protect-sim" --port 0 --log-level warning "$@" >"$work/sim.txt" &
    sim_pid=$!
    for _ in $(seq 1 100); do
        grep -q "fingerprint:" "$work/sim.txt" 2>/dev/null && break
        sleep 0.1
    done
    port=$(awk '/port:/ {print $2; exit}' "$work/sim.txt")
    cameras=$(awk '/cameras:/ {found=1; next} found {print $1}' "$work/sim.txt")
}

utc() { date -u -d "@$1" '+%Y-%m-%d %H:%M:%S+0000'; }

# protect-dl over the last $1 full hours (ending an hour ago) of all cameras into $2; extra options follow.
run_dl() {
    local hours=$1 dest=$2
    shift 2
    local end=$(( ($(date +%s) / 3600 - 1) * 3600 ))
    local start=$(( end - hours * 3600 ))
    mkdir -p "$dest"
    PROTECT_DL_PASSWORD=protect "$bin/protect-dl" --address 127.0.0.1 --port "$port" --username admin \
        --start "$(utc $start)" --end "$(utc $end)" --dest "$dest" --quiet "$@"
}

mib() { calc "$1 / 1048576"; }

segments=8
hours=2
cams=4
segment_mib=256
memory_mib=2048
real_hours=24
sync_hours=48
if [ $quick = 1 ]; then
    sync_hours=6
    segment_mib=32
    memory_mib=256
    real_hours=3
fi

# 1. Raw throughput: 8 segments of 256 MiB over loopback TLS, protect-dl vs curl -k on the same URLs.
bitrate=$(( segment_mib * 1048576 * 8 / 3600 ))
start_sim --cameras $cams --history-hours $((hours + 3)) --bitrate $bitrate --fps 15
t0=$(now_ms)
run_dl $hours "$work/raw-dl" --parallel 4 --json >"$work/raw.json"
dl_seconds=$(seconds_since $t0)
dl_bytes=$(du -sb "$work/raw-dl" | cut -f1)

base="https://127.0.0.1:$port"
curl -sk -c "$work/jar" -X POST "$base/api/auth/login" -H 'Content-Type: application/json' \
    -d '{"username":"admin","password":"protect"}' >/dev/null
end_ms=$(( ($(date +%s) / 3600 - 1) * 3600000 ))
: >"$work/urls"
for camera in $cameras; do
    for h in $(seq 1 $hours); do
        s=$(( end_ms - h * 3600000 ))
        echo "$base/proxy/protect/api/video/export?camera=$camera&start=$s&end=$(( s + 3599999 ))&channel=0" >>"$work/urls"
    done
done
mkdir -p "$work/raw-curl"
# Four curl processes at a time (one curl with --parallel runs in a single thread and is slower).
t0=$(now_ms)
nl -ba "$work/urls" | xargs -P 4 -L 1 sh -c 'curl -sk -b "$0/jar" -o "$0/raw-curl/$1.mp4" "$2"' "$work"
curl_seconds=$(seconds_since $t0)
curl_bytes=$(du -sb "$work/raw-curl" | cut -f1)
dl_rate=$(calc "$dl_bytes / 1048576 / $dl_seconds")
curl_rate=$(calc "$curl_bytes / 1048576 / $curl_seconds")
ratio=$(calc "$dl_rate / $curl_rate")
rm -rf "$work/raw-dl" "$work/raw-curl"

# 2. Memory: peak RSS of protect-dl downloading one 2 GiB segment.
bitrate=$(( memory_mib * 1048576 * 8 / 3600 ))
start_sim --cameras 1 --history-hours 3 --bitrate $bitrate --fps 15
/usr/bin/time -f "%M" -o "$work/rss" bash -c "$(declare -f run_dl utc); bin='$bin' port='$port' run_dl 1 '$work/mem'"
rss_kib=$(tail -1 "$work/rss")
mem_bytes=$(du -sb "$work/mem" | cut -f1)
rm -rf "$work/mem"

# 3. Realistic: the performance model (time to first byte, byte-rate caps, at most 3 concurrent exports).
start_sim --cameras 4 --history-hours $((real_hours + 3)) --bitrate 32000 --performance \
    --first-byte-base 0.2 --first-byte-per-hour 0.8
declare -A wall over
for parallel in 1 2 6; do
    curl -sk -X POST "https://127.0.0.1:$port/__sim/stats/reset" >/dev/null
    t0=$(now_ms)
    run_dl $real_hours "$work/real-$parallel" --parallel $parallel --retry-delay 0.5 --json >"$work/real-$parallel.json"
    wall[$parallel]=$(seconds_since $t0)
    over[$parallel]=$(curl -sk "https://127.0.0.1:$port/__sim/stats" | sed 's/.*"overloadRejections":\([0-9]*\).*/\1/')
    rm -rf "$work/real-$parallel"
done
speedup=$(calc "${wall[1]} / ${wall[2]}")

# 4. Archive: a first sync of 4 cameras' whole history, a second one right after (nothing to do), then verify.
start_sim --cameras 4 --history-hours $sync_hours --bitrate 2000 --fps 1
mkdir -p "$work/archive"
sync_args=(--address 127.0.0.1 --port "$port" --username admin --dest "$work/archive" --quiet)
t0=$(now_ms)
PROTECT_DL_PASSWORD=protect "$bin/protect-dl" sync "${sync_args[@]}" >/dev/null
sync_first=$(seconds_since $t0)
sync_files=$(find "$work/archive" -name '*.mp4' | wc -l)
t0=$(now_ms)
PROTECT_DL_PASSWORD=protect "$bin/protect-dl" sync "${sync_args[@]}" >/dev/null
sync_second=$(seconds_since $t0)
t0=$(now_ms)
"$bin/protect-dl" verify --dest "$work/archive" >/dev/null
verify_seconds=$(seconds_since $t0)
archive_mib=$(mib "$(du -sb "$work/archive" | cut -f1)")
state_kib=$(( $(du -sb "$work/archive/.protect-dl" | cut -f1) / 1024 ))
rm -rf "$work/archive"

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
echo
echo "protect-dl benchmark ($(date -u '+%Y-%m-%d'), $(nproc) cores, $cpu)"
echo
printf '%-58s %s\n' "measure" "result"
printf '%-58s %s\n' "----------------------------------------------------------" "----------------------------"
printf '%-58s %s\n' "raw: $segments x $segment_mib MiB over TLS, protect-dl --parallel 4" "$dl_rate MiB/s ($dl_seconds s)"
printf '%-58s %s\n' "raw: same URLs, 4 x curl -k at a time" "$curl_rate MiB/s ($curl_seconds s)"
printf '%-58s %s\n' "raw: protect-dl / curl" "$ratio (target >= 0.9)"
printf '%-58s %s\n' "memory: peak RSS downloading one $(mib $mem_bytes) MiB segment" "$(( rss_kib / 1024 )) MiB (target < 64)"
printf '%-58s %s\n' "realistic: 4 cameras x $real_hours h, --parallel 1" "${wall[1]} s, ${over[1]} overloads"
printf '%-58s %s\n' "realistic: 4 cameras x $real_hours h, --parallel 2 (default)" "${wall[2]} s, ${over[2]} overloads"
printf '%-58s %s\n' "realistic: 4 cameras x $real_hours h, --parallel 6 (beyond the console's 3)" "${wall[6]} s, ${over[6]} overloads"
printf '%-58s %s\n' "realistic: speed-up of the default over --parallel 1" "${speedup}x"
printf '%-58s %s\n' "sync: first pass, $sync_files hourly files ($archive_mib MiB)" "$sync_first s"
printf '%-58s %s\n' "sync: second pass right after (nothing to download)" "$sync_second s"
printf '%-58s %s\n' "verify: SHA-256 and MP4 check of every file" "$verify_seconds s (state: $state_kib KiB)"
exit 0
