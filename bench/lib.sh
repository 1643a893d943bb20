# Helpers shared by the bench scripts; source it from the repository's root after `set -euo pipefail`.
#   bench_init      builds protect-dl and protect-sim (PROTECT_DL_BENCH_BUILD: release, the default, or debug;
#                   PROTECT_DL_BENCH_SWIFT_FLAGS: extra flags of swift build), sets
#                   $bin and $work (a temporary directory) and removes it on exit (KEEP=1 keeps it).
#   start_sim ARGS  starts protect-sim on a free port (stopping the one before) and waits for its --ready-file; sets
#                   sim_pid, port, B (its base URL), fingerprint and cameras (camera ids, one a line). SIM_LOG_LEVEL
#                   (default warning) is its log level; BENCH_SIM_TIMEOUT (default 60 s) how long it may take.
#   stop_sim        stops it.
# Processes started with `pids+=(...)` are killed (SIGKILL) on exit, the simulator with SIGTERM.

sim_pid=""
pids=()

bench_init() {
    local build=${PROTECT_DL_BENCH_BUILD:-release}
    # PROTECT_DL_BENCH_SWIFT_FLAGS: the extra flags a build to reuse was made with (CI's), so nothing compiles again.
    # shellcheck disable=SC2206
    local flags=(${PROTECT_DL_BENCH_SWIFT_FLAGS:-})
    swift build -c "$build" "${flags[@]}" >/dev/null
    bin=$(swift build -c "$build" "${flags[@]}" --show-bin-path)
    work=$(mktemp -d)
    trap cleanup EXIT
}

cleanup() {
    [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
    local pid
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    if [ -n "${KEEP:-}" ]; then echo "work files kept in $work"; else rm -rf "$work"; fi
}

now_ms() { date +%s%3N; }
calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }
seconds_since() { calc "($(now_ms) - $1) / 1000"; }
utc() { date -u -d "@$1" '+%Y-%m-%d %H:%M:%S+0000'; }

stop_sim() {
    if [ -n "$sim_pid" ]; then
        kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
        sim_pid=""
    fi
}

# A field of the simulator's ready file: a string or number as is, a list one item a line (camera ids for cameras).
sim_field() {
    python3 -c '
import json, sys
value = json.load(open(sys.argv[1]))[sys.argv[2]]
if isinstance(value, list):
    print("\n".join(item["id"] if isinstance(item, dict) else str(item) for item in value))
else:
    print("" if value is None else value)' "$work/sim.json" "$1"
}

start_sim() {
    stop_sim
    rm -f "$work/sim.json"
    "$bin/protect-sim" --port 0 --log-level "${SIM_LOG_LEVEL:-warning}" --ready-file "$work/sim.json" "$@" \
        >"$work/sim.txt" &
    sim_pid=$!
    local deadline=$(( $(date +%s) + ${BENCH_SIM_TIMEOUT:-60} ))
    until [ -f "$work/sim.json" ]; do
        if ! kill -0 "$sim_pid" 2>/dev/null; then
            echo "bench: protect-sim $* exited before it was ready:" >&2
            cat "$work/sim.txt" >&2
            exit 1
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "bench: protect-sim $* not ready after ${BENCH_SIM_TIMEOUT:-60} s:" >&2
            cat "$work/sim.txt" >&2
            exit 1
        fi
        sleep 0.1
    done
    port=$(sim_field port)
    B=$(sim_field url)
    fingerprint=$(sim_field fingerprint)
    cameras=$(sim_field cameras)
}
