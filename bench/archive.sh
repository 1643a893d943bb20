#!/usr/bin/env bash
# Large archives: a state of 50 cameras x 1 year of complete hours (438,000 rows, filled directly rather than
# downloaded), then a sync pass with nothing to do, a dry run, status and manifest: wall time and peak RSS each, and
# the state's size. Then verify's parallel hashing against the disk's read speed (page cache dropped before each).
# Every complete row gets an (empty) file at its path, since sync looks at each (one stat per complete file: the
# destination is the truth); `find` over the same files is printed beside it.
# Usage: bash bench/archive.sh [--quick] [--state-only]   (--quick: 5 cameras x 30 days, 256 MiB to verify;
#        --state-only: skip verify's part)
set -euo pipefail
cd "$(dirname "$0")/.."

cams=50
hours=8760
verify_mib=2048
state_only=""
for arg in "$@"; do
    case "$arg" in
        --quick) cams=5; hours=720; verify_mib=256 ;;
        --state-only) state_only=1 ;;
    esac
done

source bench/lib.sh
bench_init

# Runs a command; prints "<seconds> <peak RSS MiB>".
measure() {
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || {
        echo "failed: $*" >&2
        cat "$work/err" >&2
        exit 1
    }
    awk '{ printf "%.2f %d", $1, $2 / 1024 }' "$work/time"
}
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true; }

# 1. The state: 50 cameras with a year of history; protect-dl's clock frozen ten minutes past the last whole hour,
#    so the hours filled are exactly the hours a sync plans.
start_sim --cameras $cams --history-hours $((hours + 2)) --time-zone UTC --no-burned-in-text
H=3600000
frozen_ms=$(( ($(date +%s) / 3600 - 1) * H + 600000 ))
frozen=$(date -u -d "@$((frozen_ms / 1000))" '+%Y-%m-%dT%H:%M:%SZ')
archive="$work/archive"
mkdir -p "$archive"
common=(--address 127.0.0.1 --port "$port" --username admin --dest "$archive" --since "-${hours}h" --now "$frozen" --quiet)
export PROTECT_DL_PASSWORD=protect
"$bin/protect-dl" sync "${common[@]}" --dry-run >/dev/null
python3 - "$archive/.protect-dl/state.sqlite" "$hours" "$frozen_ms" <<'PY'
import sqlite3, sys
path, hours, frozen = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
H = 3600000
upper = (frozen - 300000) // H * H
db = sqlite3.connect(path)
cameras = [row[0] for row in db.execute("SELECT id FROM camera")]
rows = ((c, "0", s, s + H, f"{c}/{s}.mp4", 1048576, "0" * 64, "complete", 1, None, frozen, 0, 3600.0)
        for c in cameras for s in range(upper - hours * H, upper, H))
db.executemany("INSERT INTO segment (cameraID, stream, start, end, path, size, sha256, status, attempts, lastReason,"
               " updatedAt, adopted, duration) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
db.commit()
print(db.execute("SELECT count(*) FROM segment").fetchone()[0], file=sys.stderr)
PY
# The files the rows name (empty: sync only looks whether each is there).
python3 - "$archive" <<'PY'
import os, sqlite3, sys
root = sys.argv[1]
db = sqlite3.connect(os.path.join(root, ".protect-dl", "state.sqlite"))
for (path,) in db.execute("SELECT path FROM segment WHERE status = 'complete'"):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    open(full, "wb").close()
PY
rows=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from segment').fetchone()[0])" "$archive/.protect-dl/state.sqlite")
state_mib=$(du -sm "$archive/.protect-dl" | cut -f1)
read -r sync_s sync_rss <<<"$(measure "$bin/protect-dl" sync "${common[@]}")"
grep -q " 0 downloaded" "$work/out" || { echo "the sync pass was not empty:" >&2; cat "$work/out" >&2; exit 1; }
grep -q "gone" "$work/out" && { echo "the sync pass found files gone:" >&2; cat "$work/out" >&2; exit 1; }
read -r find_s _ <<<"$(measure sh -c "find '$archive' -name '*.mp4' | wc -l")"
# BENCH_COMPARE_BIN: another build of protect-dl (an older one, without the per-file look) timed on the same pass.
if [ -n "${BENCH_COMPARE_BIN:-}" ]; then
    read -r other_s other_rss <<<"$(measure "$BENCH_COMPARE_BIN" sync "${common[@]}")"
    read -r sync2_s _ <<<"$(measure "$bin/protect-dl" sync "${common[@]}")"
fi
read -r dry_s dry_rss <<<"$(measure "$bin/protect-dl" sync "${common[@]}" --dry-run)"
read -r status_s status_rss <<<"$(measure "$bin/protect-dl" status --dest "$archive" --json)"
read -r manifest_s manifest_rss <<<"$(measure "$bin/protect-dl" manifest --dest "$archive")"
manifest_mib=$(du -cm "$archive/manifest.json" "$archive/SHA256SUMS" | tail -1 | cut -f1)
rm -rf "$archive"

if [ -n "$state_only" ]; then
    echo
    echo "protect-dl large-archive benchmark, state only ($(date -u '+%Y-%m-%d'), $(nproc) cores)"
    printf '%-64s %s\n' "state: $cams cameras x $hours hours ($rows complete rows)" "$state_mib MiB on disk"
    printf '%-64s %s\n' "sync pass with nothing to do (a stat of each of $rows files)" "$sync_s s, peak RSS $sync_rss MiB"
    printf '%-64s %s\n' "find | wc -l over the same files" "$find_s s"
    if [ -n "${BENCH_COMPARE_BIN:-}" ]; then
        printf '%-64s %s\n' "the same pass by $BENCH_COMPARE_BIN" "$other_s s, peak RSS $other_rss MiB"
        printf '%-64s %s\n' "the same pass by this build, again" "$sync2_s s"
    fi
    printf '%-64s %s\n' "sync --dry-run" "$dry_s s, peak RSS $dry_rss MiB"
    exit 0
fi

# 2. verify: real MP4s from the simulator, hashed with 1 thread and with the default, against cat's read speed.
per_hour_mib=256
[ "$verify_mib" -lt 1024 ] && per_hour_mib=64
files=$(( verify_mib / per_hour_mib ))
start_sim --cameras 2 --history-hours $(( files / 2 + 3 )) --bitrate $(( per_hour_mib * 1048576 * 8 / 3600 )) --fps 15
mkdir -p "$archive"
"$bin/protect-dl" sync --address 127.0.0.1 --port "$port" --username admin --dest "$archive" --quiet \
    --since "-$(( files / 2 + 1 ))h" >/dev/null
bytes=$(du -sb --exclude=.protect-dl "$archive" | cut -f1)
count=$(find "$archive" -name '*.mp4' | wc -l)
drop_caches
read -r cat_s _ <<<"$(measure sh -c "find '$archive' -name '*.mp4' -print0 | xargs -0 cat > /dev/null")"
drop_caches
read -r one_s one_rss <<<"$(measure "$bin/protect-dl" verify --dest "$archive" --jobs 1)"
drop_caches
read -r many_s many_rss <<<"$(measure "$bin/protect-dl" verify --dest "$archive")"
rate() { awk "BEGIN { printf \"%.0f\", $bytes / 1048576 / $1 }"; }

echo
echo "protect-dl large-archive benchmark ($(date -u '+%Y-%m-%d'), $(nproc) cores)"
printf '%-64s %s\n' "measure" "result"
printf '%-64s %s\n' "state: $cams cameras x $hours hours ($rows complete rows)" "$state_mib MiB on disk"
printf '%-64s %s\n' "sync pass with nothing to do (a stat of each of $rows files)" "$sync_s s, peak RSS $sync_rss MiB (targets < 3 s, < 64 MiB)"
printf '%-64s %s\n' "find | wc -l over the same files" "$find_s s"
printf '%-64s %s\n' "sync --dry-run" "$dry_s s, peak RSS $dry_rss MiB (target < 5 s)"
printf '%-64s %s\n' "status --json" "$status_s s, peak RSS $status_rss MiB"
printf '%-64s %s\n' "manifest ($manifest_mib MiB written, streamed)" "$manifest_s s, peak RSS $manifest_rss MiB"
printf '%-64s %s\n' "read speed: cat of $count files ($(( bytes / 1048576 )) MiB), cache dropped" "$(rate "$cat_s") MiB/s"
printf '%-64s %s\n' "verify --jobs 1" "$(rate "$one_s") MiB/s ($one_s s, $one_rss MiB)"
printf '%-64s %s\n' "verify (default jobs: $(( $(nproc) * 2 > 8 ? 8 : $(nproc) * 2 )))" "$(rate "$many_s") MiB/s ($many_s s, $many_rss MiB)"
