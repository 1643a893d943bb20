#!/usr/bin/env bash
# protect-dl watch benchmark: (1) latency from an event's end to its clip in place, for 100 events; (2) side by side
# with unifi-protect-backup 0.14.3 on one live protect-sim under the same fault schedule, over the same minutes;
# (3) protect-dl's RSS over a long run with thousands of events. Prints figures; exits 0.
# Usage: bash bench/watch.sh [--quick]   (--quick: 20 events, shorter runs)
# Needs: python3, curl, rclone and .build-peers/upb-venv (bash .ci/run creates it) for part 2.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
[ "${1:-}" = "--quick" ] && quick=1
latency_events=100
side_minutes=6
side_grace=330
long_minutes=12
long_rate=3600
if [ $quick = 1 ]; then
    latency_events=20
    side_minutes=2
    side_grace=40
    long_minutes=1
    long_rate=1800
fi
settle=2

source bench/lib.sh
SIM_LOG_LEVEL=${SIM_LOG_LEVEL:-error}
bench_init

post() { curl -sk -X POST "$B$1" -d "$2" >/dev/null; }
# user+sys CPU seconds and peak RSS (KiB) of a running process.
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$1/stat"; }
hwm_of() { awk '/VmHWM/ { print $2 }' "/proc/$1/status"; }
rss_of() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }

watch_dl() {
    local dest=$1
    shift
    mkdir -p "$dest"
    PROTECT_DL_PASSWORD=protect exec "$bin/protect-dl" watch --address 127.0.0.1 --port "$port" --username admin \
        --dest "$dest" --json --quiet "$@"
}

parts=${PARTS:-123}
if [[ $parts == *1* ]]; then
echo "== 1. latency: $latency_events events, end to clip in place (settle ${settle} s)"
start_sim --cameras 4 --event-rate 0 --heartbeat 5 --bitrate 500000 --no-burned-in-text
watch_dl "$work/latency" --settle "$settle" --since "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$work/latency.jsonl" 2>"$work/latency.err" &
watch_pid=$!
pids+=("$watch_pid")
for _ in $(seq 1 100); do grep -q '"connected"' "$work/latency.jsonl" 2>/dev/null && break; sleep 0.1; done
for i in $(seq 1 "$latency_events"); do
    post /__sim/events "{\"seconds\":$(( i % 3 + 1 )),\"linkedSmartDetection\":false}"
    sleep 0.3
done
for _ in $(seq 1 600); do
    saved=$(python3 -c "import json,sys; print(sum(len(o['events']) for o in map(json.loads, open(sys.argv[1])) if o.get('event')=='saved'))" "$work/latency.jsonl")
    [ "$saved" -ge "$latency_events" ] && break
    sleep 0.5
done
kill -TERM "$watch_pid"; wait "$watch_pid" || true
stop_sim
python3 - "$work/latency.jsonl" "$settle" <<'EOF'
import json, sys, datetime
def ms(text): return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000
lat = []
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("event") != "saved": continue
    last_end = max(ms(e["end"]) for e in o["events"])
    placed = last_end + o["latencyMs"]
    lat += [(placed - ms(e["end"])) / 1000 for e in o["events"]]
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print(f"events saved: {len(lat)}; end -> in place: p50 {q(0.5):.2f} s, p95 {q(0.95):.2f} s, max {lat[-1]:.2f} s "
      f"(settle {sys.argv[2]} s; p95 beyond the settle delay: {q(0.95) - float(sys.argv[2]):.2f} s)")
EOF
fi

if [[ $parts == *2* ]]; then
echo
echo "== 2. side by side with unifi-protect-backup 0.14.3: ${side_minutes} min of live events and faults, then ${side_grace} s to catch up"
upb=${PROTECT_DL_UPB_VENV:-.build-peers/upb-venv}/bin/unifi-protect-backup
if [ ! -x "$upb" ] || ! command -v rclone >/dev/null; then
    echo "skipped: $upb or rclone missing (bash .ci/run installs both)"
else
    start_sim --cameras 4 --event-rate 120 --heartbeat 5 --bitrate 500000 --no-burned-in-text
    began=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    printf '[local]\ntype = local\n' >"$work/rclone.conf"
    TZ=UTC RCLONE_CONFIG="$work/rclone.conf" AWS_CA_BUNDLE= "$upb" --address 127.0.0.1 --port "$port" --username admin \
        --password protect --no-verify-ssl --rclone-destination "local:$work/upb" --sqlite_path "$work/upb.sqlite" \
        --retention 1d --skip-missing --plain-logging -v >"$work/upb.log" 2>&1 &
    upb_pid=$!
    pids+=("$upb_pid")
    watch_dl "$work/side" --since "$began" >"$work/side.jsonl" 2>"$work/side.err" &
    side_pid=$!
    pids+=("$side_pid")
    for _ in $(seq 1 300); do grep -q "Starting Downloader" "$work/upb.log" 2>/dev/null && break; sleep 0.2; done
    t0=$(date +%s)
    step=$(( side_minutes * 60 / 6 ))
    at() { while [ $(( $(date +%s) - t0 )) -lt "$1" ]; do sleep 0.5; done; }
    at $(( step * 1 )); post /__sim/faults '{"dropWebsockets":true}'; echo "  t=$(( $(date +%s) - t0 ))s: every socket dropped"
    at $(( step * 2 )); post /__sim/faults '{"stallWebsockets":true}'; echo "  t=$(( $(date +%s) - t0 ))s: every socket silent (half-open)"
    at $(( step * 3 )); post /__sim/faults '{"restartSeconds":10}'; echo "  t=$(( $(date +%s) - t0 ))s: console restart (10 s)"
    at $(( step * 4 )); post /__sim/expire-sessions '{}'; post /__sim/faults '{"websocketUnauthorizedCount":2,"dropWebsockets":true}'
    echo "  t=$(( $(date +%s) - t0 ))s: sessions ended early, sockets dropped, next upgrades refused"
    at $(( step * 5 )); post /__sim/faults '{"unendedEventCount":4}'; echo "  t=$(( $(date +%s) - t0 ))s: the next 4 events never get their end"
    at $(( side_minutes * 60 ))
    ended_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    echo "  t=$(( $(date +%s) - t0 ))s: counting events that ended until now; waiting ${side_grace} s for both to catch up"
    sleep "$side_grace"
    dl_cpu=$(cpu_of "$side_pid"); dl_hwm=$(hwm_of "$side_pid")
    upb_cpu=$(cpu_of "$upb_pid"); upb_hwm=$(hwm_of "$upb_pid")
    kill -TERM "$side_pid"; wait "$side_pid" || true
    kill -9 "$upb_pid"; wait "$upb_pid" 2>/dev/null || true
    PROTECT_DL_PASSWORD=protect "$bin/protect-dl" events --address 127.0.0.1 --port "$port" --username admin \
        --start "$began" --end "$ended_at" --list --json --quiet >"$work/truth.jsonl"
    stats=$(curl -sk "$B/__sim/stats")
    stop_sim
    python3 - "$work" "$began" "$ended_at" "$dl_cpu" "$dl_hwm" "$upb_cpu" "$upb_hwm" "$stats" <<'EOF'
import json, sys, sqlite3, re, collections, datetime
work, began, ended, dl_cpu, dl_hwm, upb_cpu, upb_hwm, stats = sys.argv[1:]
def ms(t): return datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() * 1000
lo, hi = ms(began), ms(ended)
truth = {e["id"]: e for e in map(json.loads, open(f"{work}/truth.jsonl"))
         if e.get("end") and e.get("cameraId") and lo <= ms(e["end"]) <= hi}
# protect-dl: clips saved, per event id; duplicates are ids in more than one saved clip; latency from each
# event's end to its clip in place.
dl = collections.Counter(); dl_lat = []
for o in map(json.loads, open(f"{work}/side.jsonl")):
    if o.get("event") == "saved":
        placed = max(ms(e["end"]) for e in o["events"]) + o["latencyMs"]
        for e in o["events"]:
            dl[e["id"]] += 1
            if e["id"] in truth: dl_lat.append((placed - ms(truth[e["id"]]["end"])) / 1000)
# unifi-protect-backup: the log line that starts each upload (whole seconds, local time) against the event's end.
upb_lat = []
for stamp, event_id in re.findall(r"^(\S+ \S+) \[.*Uploading event: (\S+)", open(f"{work}/upb.log").read(), re.M):
    if event_id in truth:
        at = datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").timestamp() * 1000
        upb_lat.append((at - ms(truth[event_id]["end"])) / 1000)
db = sqlite3.connect(f"{work}/upb.sqlite")
upb_saved = {row[0] for row in db.execute("SELECT id FROM backups")}
downloads = collections.Counter(re.findall(r"Downloading event: (\S+)", open(f"{work}/upb.log").read()))
upb_files = 0
import os
for root, _, files in os.walk(f"{work}/upb"):
    upb_files += sum(f.endswith(".mp4") for f in files)
def quantiles(values):
    if not values: return "-"
    values = sorted(values)
    q = lambda p: values[min(len(values) - 1, int(p * len(values)))]
    return f"p50 {q(0.5):.1f} s, p95 {q(0.95):.1f} s"
def row(name, saved_ids, dup, cpu, hwm, latency):
    wanted = set(truth)
    saved = wanted & set(saved_ids)
    print(f"{name:28} saved {len(saved):4}/{len(wanted)}  missed {len(wanted - saved):3}  duplicated {dup:3}  "
          f"latency {quantiles(latency)}  CPU {float(cpu):6.1f} s  peak RSS {int(hwm) / 1024:6.1f} MiB")
print(f"events that ended in the window: {len(truth)}; "
      f"websocket: {json.loads(stats)['websocket']}")
row("protect-dl watch", dl.keys(), sum(c - 1 for c in dl.values() if c > 1), dl_cpu, dl_hwm, dl_lat)
row("unifi-protect-backup 0.14.3", upb_saved, sum(c - 1 for c in downloads.values() if c > 1), upb_cpu, upb_hwm,
    upb_lat)
print(f"  (unifi-protect-backup: {upb_files} files; its CPU and RSS leave out the rclone it starts per clip; its "
      f"latency is to the start of each upload, in whole seconds; both include the events found late)")
missed = sorted(set(truth) - upb_saved)
kinds = collections.Counter(truth[i]["type"] for i in missed)
print(f"  unifi-protect-backup missed by type: {dict(kinds)}")
EOF
fi
fi

if [[ $parts == *3* ]]; then
echo
echo "== 3. protect-dl RSS over ${long_minutes} min with ${long_rate} events per camera-hour on 4 cameras"
start_sim --cameras 4 --event-rate "$long_rate" --heartbeat 2 --bitrate 64000 --fps 2 --no-burned-in-text
watch_dl "$work/long" --since "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --settle 1 --parallel 4 >"$work/long.jsonl" 2>"$work/long.err" &
long_pid=$!
pids+=("$long_pid")
samples=()
end=$(( $(date +%s) + long_minutes * 60 ))
while [ "$(date +%s)" -lt "$end" ]; do
    sleep 15
    samples+=("$(rss_of "$long_pid")")
done
hwm=$(hwm_of "$long_pid")
kill -TERM "$long_pid"; wait "$long_pid" || true
stop_sim
python3 - "$work/long.jsonl" "$hwm" "${samples[@]}" <<'EOF'
import json, sys
saved = sum(len(o["events"]) for o in map(json.loads, open(sys.argv[1])) if o.get("event") == "saved")
hwm = int(sys.argv[2]) / 1024
rss = [int(s) / 1024 for s in sys.argv[3:]]
half = len(rss) // 2
print(f"events saved: {saved}; RSS every 15 s: first {rss[0]:.1f} MiB, min {min(rss):.1f}, max {max(rss):.1f}, "
      f"last {rss[-1]:.1f}; second half max {max(rss[half:]):.1f} vs first half max {max(rss[:half] or rss):.1f}; "
      f"peak {hwm:.1f} MiB (target < 64 MiB)")
EOF
fi
