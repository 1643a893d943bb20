#!/usr/bin/env bash
# protect-dl benchmark: raw throughput and CPU per GiB against curl (alternating rounds, median ratio), peak memory on
# a 2 GiB segment, the original downloader side by side with protect-dl on a legacy console's performance model, an
# archive's sync and verify; then the capacity table (bench/capacity.sh) and the large-archive figures
# (bench/archive.sh). Prints tables; exits 0. (bench/footage.sh, clip/timelapse/serve, runs on its own.)
# Usage: bash bench/run.sh [--quick | --raw]   (--quick: smaller sizes and fewer rounds, a smoke run that CI may run;
#        --raw: only the raw throughput and memory parts, at full size, about 4 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
raw_only=0
[ "${1:-}" = "--quick" ] && quick=1
[ "${1:-}" = "--raw" ] && raw_only=1

source bench/lib.sh
bench_init

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
side_hours=4
side_bitrate=1000000
sync_hours=48
rounds=5
if [ $quick = 1 ]; then
    sync_hours=6
    segment_mib=32
    memory_mib=256
    side_hours=1
    side_bitrate=250000
    rounds=3
fi

# 1. Raw throughput: 8 segments of 256 MiB over loopback TLS, protect-dl vs curl -k on the same URLs, alternating
#    over several rounds (the machine's load moves both); CPU (user + sys) of each, TLS and hashing included.
#    Both run exactly 4 at once (--fixed-parallel: this measures streaming, not the search for a level). A third
#    contender does protect-dl's whole work with standard tools: curl | tee FILE | sha256sum, 4 at once.
bitrate=$(( segment_mib * 1048576 * 8 / 3600 ))
start_sim --cameras $cams --history-hours $((hours + 3)) --bitrate $bitrate --fps 15
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
: >"$work/rounds"
for round in $(seq 1 $rounds); do
    t0=$(now_ms)
    /usr/bin/time -f "%U %S" -o "$work/cpu" bash -c "$(declare -f run_dl utc); bin='$bin' port='$port' \
        run_dl $hours '$work/raw-dl' --parallel 4 --fixed-parallel"
    dl_seconds=$(seconds_since $t0)
    dl_cpu=$(awk '{ print $1 + $2 }' "$work/cpu")
    dl_bytes=$(du -sb "$work/raw-dl" | cut -f1)
    rm -rf "$work/raw-dl"
    mkdir -p "$work/raw-curl"
    # Four curl processes at a time (one curl with --parallel runs in a single thread and is slower).
    t0=$(now_ms)
    /usr/bin/time -f "%U %S" -o "$work/cpu" sh -c "nl -ba '$work/urls' | xargs -P 4 -L 1 sh -c \
        'curl -sk -b \"\$0/jar\" -o \"\$0/raw-curl/\$1.mp4\" \"\$2\"' '$work'"
    curl_seconds=$(seconds_since $t0)
    curl_cpu=$(awk '{ print $1 + $2 }' "$work/cpu")
    curl_bytes=$(du -sb "$work/raw-curl" | cut -f1)
    rm -rf "$work/raw-curl"
    # The same work as protect-dl's (it hashes as it writes) with standard tools: curl | tee FILE | sha256sum.
    mkdir -p "$work/raw-tee"
    t0=$(now_ms)
    /usr/bin/time -f "%U %S" -o "$work/cpu" sh -c "nl -ba '$work/urls' | xargs -P 4 -L 1 sh -c \
        'curl -sk -b \"\$0/jar\" \"\$2\" | tee \"\$0/raw-tee/\$1.mp4\" | sha256sum >\"\$0/raw-tee/\$1.sha256\"' '$work'"
    tee_seconds=$(seconds_since $t0)
    tee_cpu=$(awk '{ print $1 + $2 }' "$work/cpu")
    tee_bytes=$(find "$work/raw-tee" -name '*.mp4' -printf '%s\n' | awk '{ s += $1 } END { print s }')
    rm -rf "$work/raw-tee"
    echo "$dl_bytes $dl_seconds $dl_cpu $curl_bytes $curl_seconds $curl_cpu $tee_bytes $tee_seconds $tee_cpu" \
        >>"$work/rounds"
done
# Per round: both rates, their ratio, CPU seconds per GiB of each; then medians and the ratio's spread.
read -r dl_rate curl_rate ratio ratio_min ratio_max dl_cpu_gib curl_cpu_gib tee_rate tee_ratio tee_min tee_max \
    tee_cpu_gib <<<"$(awk '
    function median(a, n,   i, j, t) {
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    { n++; d[n] = $1 / 1048576 / $2; c[n] = $4 / 1048576 / $5; r[n] = d[n] / c[n]; rr[n] = r[n]
      dc[n] = $3 / ($1 / 1073741824); cc[n] = $6 / ($4 / 1073741824)
      t[n] = $7 / 1048576 / $8; tr[n] = d[n] / t[n]; trr[n] = tr[n]; tc[n] = $9 / ($7 / 1073741824) }
    END { lo = hi = r[1]; tlo = thi = tr[1]
          for (i = 1; i <= n; i++) { if (r[i] < lo) lo = r[i]; if (r[i] > hi) hi = r[i]
                                     if (tr[i] < tlo) tlo = tr[i]; if (tr[i] > thi) thi = tr[i] }
          printf "%.0f %.0f %.2f %.2f %.2f %.2f %.2f", median(d, n), median(c, n), median(rr, n), lo, hi,
                 median(dc, n), median(cc, n)
          printf " %.0f %.2f %.2f %.2f %.2f", median(t, n), median(trr, n), tlo, thi, median(tc, n) }' "$work/rounds")"

# 2. Memory: peak RSS of protect-dl downloading one 2 GiB segment.
bitrate=$(( memory_mib * 1048576 * 8 / 3600 ))
start_sim --cameras 1 --history-hours 3 --bitrate $bitrate --fps 15
/usr/bin/time -f "%M" -o "$work/rss" bash -c "$(declare -f run_dl utc); bin='$bin' port='$port' run_dl 1 '$work/mem'"
rss_kib=$(tail -1 "$work/rss")
mem_bytes=$(du -sb "$work/mem" | cut -f1)
rm -rf "$work/mem"
# The same download by the binary a user installs: the release tarball's (scripts/release.sh; Swift runtime linked
# statically, no exported symbol table, packed relocations), named by PROTECT_DL_BENCH_TARBALL. Most of a
# downloading protect-dl's RSS is pages of its own code and read-only data (its heap is about 6 MiB), so how it is
# linked shows here.
installed_rss="not measured (PROTECT_DL_BENCH_TARBALL names no tarball of scripts/release.sh)"
if [ -n "${PROTECT_DL_BENCH_TARBALL:-}" ]; then
    mkdir -p "$work/installed"
    tar -xzf "$PROTECT_DL_BENCH_TARBALL" -C "$work/installed"
    installed_bin=$(dirname "$(find "$work/installed" -path '*/bin/protect-dl' -type f | head -1)")
    /usr/bin/time -f "%M" -o "$work/rss" bash -c \
        "$(declare -f run_dl utc); bin='$installed_bin' port='$port' run_dl 1 '$work/mem'"
    installed_rss="$(( $(tail -1 "$work/rss") / 1024 )) MiB (target <= 40)"
    rm -rf "$work/mem" "$work/installed"
fi

# The table's head, and its rows of parts 1 and 2.
table_head() {
    cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
    echo
    echo "protect-dl benchmark ($(date -u '+%Y-%m-%d'), $(nproc) cores, $cpu)"
    echo
    printf '%-58s %s\n' "measure" "result"
    printf '%-58s %s\n' "----------------------------------------------------------" "----------------------------"
}
raw_rows() {
    printf '%-58s %s\n' "raw: $segments x $segment_mib MiB over TLS, protect-dl, 4 at once" "$dl_rate MiB/s (median of $rounds rounds)"
    printf '%-58s %s\n' "raw: same URLs, 4 x curl -k at a time" "$curl_rate MiB/s (median, alternating with protect-dl)"
    printf '%-58s %s\n' "raw: protect-dl / curl, median of the rounds' ratios" "$ratio (spread $ratio_min-$ratio_max; goal >= 1.0)"
    printf '%-58s %s\n' "raw: same URLs, 4 x curl -k | tee FILE | sha256sum" "$tee_rate MiB/s (median, alternating with protect-dl)"
    printf '%-58s %s\n' "raw: protect-dl / curl|tee|sha256sum, median of ratios" "$tee_ratio (spread $tee_min-$tee_max; goal >= 1.0)"
    printf '%-58s %s\n' "CPU (user + sys) per GiB: protect-dl / curl" "$dl_cpu_gib s / $curl_cpu_gib s (TLS and hashing included)"
    printf '%-58s %s\n' "CPU (user + sys) per GiB: curl|tee|sha256sum" "$tee_cpu_gib s"
    printf '%-58s %s\n' "memory: peak RSS downloading one $(mib $mem_bytes) MiB segment" "$(( rss_kib / 1024 )) MiB (this build, shared Swift runtime)"
    printf '%-58s %s\n' "memory: the same, the release tarball's binary" "$installed_rss"
}
if [ $raw_only = 1 ]; then
    table_head
    raw_rows
    exit 0
fi

# 3. Side by side on a legacy console's performance model (at most 3 concurrent exports sharing 80 MB/s, 40 MB/s
#    each): the original downloader (../shared/peers/, one export at a time) and protect-dl with its defaults.
start_sim --mode legacy --cameras 3 --history-hours $((side_hours + 3)) --bitrate $side_bitrate --fps 15 --performance \
    --max-exports 3 --stream-rate 40000000 --total-rate 80000000 --first-byte-base 0.2 --first-byte-per-hour 0.8
side_end=$(( ($(date +%s) / 3600 - 1) * 3600 ))
side_start=$(( side_end - side_hours * 3600 ))
original=../shared/peers/unifi-protect-video-downloader-v1.1.1.py
python=${PROTECT_DL_PEERS_VENV:-.build-peers/venv}/bin/python
side_original="not run (needs $python and $original)"
if [ -x "$python" ] && [ -f "$original" ]; then
    mkdir -p "$work/side-original"
    t0=$(now_ms)
    /usr/bin/time -f "%M" -o "$work/rss" "$python" "$original" --address=127.0.0.1 --port="$port" --username=admin \
        --password=protect --cameras=all --start="$(utc $side_start)" --end="$(utc $side_end)" \
        --dest="$work/side-original" >/dev/null 2>&1 || true
    s_seconds=$(seconds_since $t0)
    s_bytes=$(du -sb "$work/side-original" | cut -f1)
    side_original="$s_seconds s, $(calc "$s_bytes / 1000000 / $s_seconds") MB/s, peak RSS $(( $(tail -1 "$work/rss") / 1024 )) MiB"
    rm -rf "$work/side-original"
fi
mkdir -p "$work/side-dl"
t0=$(now_ms)
/usr/bin/time -f "%M" -o "$work/rss" bash -c "$(declare -f utc); PROTECT_DL_PASSWORD=protect '$bin/protect-dl' \
    --address 127.0.0.1 --port '$port' --username admin --start '$(utc $side_start)' --end '$(utc $side_end)' \
    --dest '$work/side-dl' --quiet"
s_seconds=$(seconds_since $t0)
s_bytes=$(du -sb "$work/side-dl" | cut -f1)
side_dl="$s_seconds s, $(calc "$s_bytes / 1000000 / $s_seconds") MB/s, peak RSS $(( $(tail -1 "$work/rss") / 1024 )) MiB"
rm -rf "$work/side-dl"

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

table_head
raw_rows
printf '%-58s %s\n' "side by side, legacy console, 3 cameras x $side_hours h: original" "$side_original"
printf '%-58s %s\n' "side by side: protect-dl, default options" "$side_dl"
printf '%-58s %s\n' "sync: first pass, $sync_files hourly files ($archive_mib MiB)" "$sync_first s"
printf '%-58s %s\n' "sync: second pass right after (nothing to download)" "$sync_second s"
printf '%-58s %s\n' "verify: SHA-256 and MP4 check of every file" "$verify_seconds s (state: $state_kib KiB)"

bash bench/capacity.sh ${1:-}
bash bench/archive.sh ${1:-}
exit 0
