#!/usr/bin/env bash
# protect-dl footage benchmark: (1) clip of 3 hours across 4 hour files against a plain `ffmpeg -f concat -c copy`
# of the same list; (2) a 60x timelapse of 24 hours (key frames only) against the full-decode method (setpts, fps,
# x264, as other downloaders do it), same output length; (3) serve: from a click in Chromium to the first frame, and
# the server's peak RSS while four browsers play. Prints figures; exits 0.
# Usage: bash bench/footage.sh [--quick]   (--quick: 4 hours at a low bitrate, one round, one browser)
# Needs: ffmpeg; for part 3 chromium, chromium-driver and .build-peers/browser-venv (bash .ci/run creates it).
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
[ "${1:-}" = "--quick" ] && quick=1
tl_hours=24
rounds=5
browsers=4
bitrate=500000
fps=15
if [ $quick = 1 ]; then
    tl_hours=4
    rounds=1
    browsers=1
    bitrate=100000
    fps=5
fi

source bench/lib.sh
SIM_LOG_LEVEL=${SIM_LOG_LEVEL:-error}
bench_init
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

start_sim --cameras 1 --history-hours $((tl_hours + 2)) --bitrate $bitrate --fps $fps
archive="$work/archive"
mkdir -p "$archive"
PROTECT_DL_PASSWORD=protect "$bin/protect-dl" sync --address 127.0.0.1 --port "$port" --username admin \
    --dest "$archive" --quiet >/dev/null
camera=$(echo "$cameras" | head -1)
# The archive's hours, oldest first: start (ms) and path.
python3 -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for start, path in db.execute("SELECT start, path FROM segment WHERE status = \"complete\" AND stream = \"0\" ORDER BY start"):
    print(start, path)' "$archive/.protect-dl/state.sqlite" >"$work/hours"
count=$(wc -l <"$work/hours")
iso() { date -u -d "@$(( $1 / 1000 ))" '+%Y-%m-%dT%H:%M:%SZ'; }

# 1. clip: 3 hours from half past the first of the last four hours; ffmpeg gets the same list with the same cuts.
first=$(tail -4 "$work/hours" | head -1 | cut -d' ' -f1)
from=$(( first + 1800000 ))
to=$(( from + 3 * 3600000 ))
{
    echo "ffconcat version 1.0"
    n=0
    tail -4 "$work/hours" | while read -r start path; do
        echo "file '$archive/$path'"
        [ $n = 0 ] && echo "inpoint 1800"
        [ $n = 3 ] && echo "outpoint 1800"
        n=$((n + 1))
    done
} >"$work/list.ffconcat"
: >"$work/clip-times"
# Each run writes a new file onto a disk with nothing left to write (the sync's or the last run's writes would slow
# whichever ran next, and replacing a file makes ext4 flush the new one at once), and the two alternate who goes first.
clip_once() {
    local t0
    rm -f "$work/clip.mp4"
    sync
    t0=$(now_ms)
    "$bin/protect-dl" clip --dest "$archive" --camera "$camera" --from "$(iso $from)" --to "$(iso $to)" \
        --out "$work/clip.mp4" >/dev/null
    a=$(seconds_since $t0)
}
plain_once() {
    local t0
    rm -f "$work/plain.mp4"
    sync
    t0=$(now_ms)
    ffmpeg -nostdin -v error -y -f concat -safe 0 -i "$work/list.ffconcat" -c copy "$work/plain.mp4"
    b=$(seconds_since $t0)
}
for round in $(seq 1 $rounds); do
    if [ $((round % 2)) = 1 ]; then clip_once; plain_once; else plain_once; clip_once; fi
    echo "$a $b" >>"$work/clip-times"
done
clip_s=$(cut -d' ' -f1 "$work/clip-times" | median)
plain_s=$(cut -d' ' -f2 "$work/clip-times" | median)
clip_len=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$work/clip.mp4")
plain_len=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$work/plain.mp4")
rm -f "$work/clip.mp4" "$work/plain.mp4"

# 2. timelapse: the archive's last $tl_hours hours at 60x.
tl_first=$(tail -"$tl_hours" "$work/hours" | head -1 | cut -d' ' -f1)
tl_to=$(( tl_first + tl_hours * 3600000 ))
{
    echo "ffconcat version 1.0"
    tail -"$tl_hours" "$work/hours" | while read -r _ path; do echo "file '$archive/$path'"; done
} >"$work/day.ffconcat"
t0=$(now_ms)
"$bin/protect-dl" timelapse --dest "$archive" --camera "$camera" --from "$(iso $tl_first)" --to "$(iso $tl_to)" \
    --speed 60x --out "$work/tl.mp4" >/dev/null 2>&1
tl_s=$(seconds_since $t0)
t0=$(now_ms)
ffmpeg -nostdin -v error -y -f concat -safe 0 -i "$work/day.ffconcat" -an -vf "setpts=PTS/60,fps=25" \
    -c:v libx264 -preset veryfast -crf 26 -pix_fmt yuv420p "$work/full.mp4"
full_s=$(seconds_since $t0)
tl_len=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$work/tl.mp4")
full_len=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$work/full.mp4")

# 3. serve: click to first frame (in Chromium), and the server's peak RSS with $browsers browsers playing at once.
serve_line="skipped (no chromedriver or .build-peers/browser-venv)"
if [ -x /usr/bin/chromedriver ] && [ -x .build-peers/browser-venv/bin/python ]; then
    "$bin/protect-dl" serve --dest "$archive" --listen 127.0.0.1:0 >"$work/serve.txt" &
    serve_pid=$!
    pids+=("$serve_pid")
    until grep -q "http://" "$work/serve.txt" 2>/dev/null; do sleep 0.1; done
    url=$(grep -o 'http://[^ ]*' "$work/serve.txt")
    second=$(tail -2 "$work/hours" | tail -1 | cut -d' ' -f1)
    browser_pids=()
    for b in $(seq 1 $browsers); do
        mkdir -p "$work/shots$b"
        .build-peers/browser-venv/bin/python Tests/EndToEndTests/Peers/viewer_browser.py "$url" "$camera" \
            $(( second - 10000 )) 15 "$work/shots$b" >"$work/browser$b.json" 2>"$work/browser$b.err" &
        browser_pids+=($!)
    done
    # Only the browsers: the simulator runs in the background too.
    wait "${browser_pids[@]}" || true
    rss_kib=$(awk '/VmHWM/ { print $2 }' "/proc/$serve_pid/status")
    kill "$serve_pid" 2>/dev/null || true
    clicks=$(cat "$work"/browser*.json | python3 -c '
import json, sys
print(" ".join(str(json.loads(line)["clickToFirstFrameMs"]) for line in sys.stdin if line.strip()))' || echo "?")
    serve_line="click to first frame (ms, each browser): $clicks; server peak RSS $(calc "$rss_kib / 1024") MiB"
fi

echo
echo "protect-dl footage benchmark ($(date -u '+%Y-%m-%d'), $(nproc) cores; $count archived hours at $bitrate bit/s, $fps fps)"
echo
printf '%-44s %12s %12s\n' "" "protect-dl" "ffmpeg"
printf '%-44s %12s %12s\n' "clip, 3 h over 4 files (s, median of $rounds)" "$clip_s" "$plain_s"
printf '%-44s %12s %12s\n' "  output length (s)" "$clip_len" "$plain_len"
printf '%-44s %12s %12s\n' "timelapse 60x of ${tl_hours} h (s)" "$tl_s" "$full_s"
printf '%-44s %12s %12s\n' "  output length (s)" "$tl_len" "$full_len"
echo "  timelapse speed-up over full decode: $(calc "$full_s / $tl_s")x"
echo "serve: $serve_line"
