#!/usr/bin/env bash
# protect-dl to a remote: `sync` of the same hours into a loopback S3 server (moto) and a loopback SFTP server
# (OpenSSH), through the local spool and streamed (--stream-uploads), against `rclone copy` of the same files from
# the local disk (alternating rounds, the median of their ratios), with protect-dl's and rclone's peak RSS,
# for Debian's rclone (/usr/bin/rclone) and PyPI's (.build-peers/remote-venv/bin/rclone) alike.
# Needs what .ci/run installs (rclone, sshd, .build-peers/remote-venv). Prints a table; exits 0.
# Usage: bash bench/remote.sh [--quick]   (--quick: smaller files, for a smoke run)
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
[ "${1:-}" = "--quick" ] && quick=1
# One camera; bits per second of video, so 240,000 is 108 MB an hour.
hours=4
bitrate=240000
rounds=5
[ $quick = 1 ] && hours=2 && bitrate=40000 && rounds=1

source bench/lib.sh
bench_init
venv=.build-peers/remote-venv/bin
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The console: one camera, a fixed bitrate, hours of history.
start_sim --cameras 1 --history-hours $((hours + 2)) --bitrate $bitrate --no-burned-in-text --event-rate 0

# S3: moto (a versioned bucket: rclone 1.60 cannot HEAD the version id moto gives an unversioned one).
s3port=$(free_port)
"$venv/moto_server" -H 127.0.0.1 -p "$s3port" >"$work/moto.txt" 2>&1 &
pids+=($!)
# SFTP: OpenSSH with a key.
sshport=$(free_port)
mkdir -p "$work/ssh" "$work/sftp" /run/sshd 2>/dev/null || true
ssh-keygen -q -t ed25519 -N '' -f "$work/ssh/host"
ssh-keygen -q -t ed25519 -N '' -f "$work/ssh/client"
cp "$work/ssh/client.pub" "$work/ssh/authorized_keys"
cat >"$work/ssh/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $sshport
HostKey $work/ssh/host
PidFile $work/ssh/sshd.pid
AuthorizedKeysFile $work/ssh/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
CONF
/usr/sbin/sshd -D -e -f "$work/ssh/sshd_config" >"$work/sshd.txt" 2>&1 &
pids+=($!)
echo "[127.0.0.1]:$sshport $(cut -d' ' -f1,2 "$work/ssh/host.pub")" >"$work/ssh/known_hosts"
sleep 1.5

export RCLONE_CONFIG=/dev/null
export RCLONE_CONFIG_MOTO_TYPE=s3 RCLONE_CONFIG_MOTO_PROVIDER=Other RCLONE_CONFIG_MOTO_ENDPOINT=http://127.0.0.1:$s3port \
    RCLONE_CONFIG_MOTO_ACCESS_KEY_ID=test RCLONE_CONFIG_MOTO_SECRET_ACCESS_KEY=test RCLONE_CONFIG_MOTO_REGION=us-east-1 \
    RCLONE_CONFIG_MOTO_FORCE_PATH_STYLE=true
export RCLONE_CONFIG_OSSH_TYPE=sftp RCLONE_CONFIG_OSSH_HOST=127.0.0.1 RCLONE_CONFIG_OSSH_PORT=$sshport \
    RCLONE_CONFIG_OSSH_USER=$(id -un) RCLONE_CONFIG_OSSH_KEY_FILE=$work/ssh/client \
    RCLONE_CONFIG_OSSH_KNOWN_HOSTS_FILE=$work/ssh/known_hosts
unset AWS_CA_BUNDLE
/usr/bin/rclone mkdir moto:bench >/dev/null 2>&1
/usr/bin/rclone backend versioning moto:bench Enabled >/dev/null

since=$(date -u -d "@$(( ($(date +%s) / 3600 - hours - 1) * 3600 ))" '+%Y-%m-%dT%H:%M:%SZ')
# Runs protect-dl sync in place of the calling (sub)shell, so that `( pdl_sync ... ) &` gives protect-dl's PID.
pdl_sync() {
    exec env PROTECT_DL_PASSWORD=protect "$bin/protect-dl" sync --address 127.0.0.1 \
        --port "$port" --username admin --since "$since" --safety-margin 3600 --quiet "$@"
}

# The files, once on the local disk (the baseline copies these).
mkdir -p "$work/local"
began=$(now_ms)
(pdl_sync --dest "$work/local")
local_took=$(calc "($(now_ms) - $began) / 1000")
bytes=$(find "$work/local" -name '*.mp4' -printf '%s\n' | awk '{ s += $1 } END { print s }')
files=$(find "$work/local" -name '*.mp4' | wc -l)

# CPU seconds (user + sys) a process and its reaped children (sshd's sessions) have used so far; 0 once it is gone.
cpu_of() { awk '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13 + $14 + $15) / 100 }' /proc/$1/stat 2>/dev/null || echo 0; }
# The same without reaped children: protect-dl's own (its rclone daemon, once reaped, would count twice).
own_cpu_of() { awk '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / 100 }' /proc/$1/stat 2>/dev/null || echo 0; }
row() { printf '| %s | %s |\n' "$1" "$2"; }
echo
echo "protect-dl to remotes: $files hourly files, $(calc "$bytes / 1048576") MiB in all"
echo
echo "| measure | result |"
echo "|---|---|"
row "local disk: protect-dl sync (console → disk, hashing)" "${local_took} s, $(calc "$bytes / 1048576 / $local_took") MiB/s"
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# Removes a measured run's files from the remote (on the versioned bucket, its old versions too), so that the
# machine's memory is in the same state for every round: kept, they filled the page cache (and moto's memory) round
# after round, and in this virtual machine pages never touched before cost more to allocate, so the later rounds
# were slower, protect-dl's most (its spool takes fresh pages too); SFTP-only runs of 6 rounds showed its system
# time rising from 0.4 s to 1.1 s when the files stayed, and flat when they went.
drop() {
    if [[ $1 == moto:* ]]; then
        /usr/bin/rclone purge "$1" >/dev/null 2>&1 || true
        /usr/bin/rclone backend cleanup-hidden "$1" >/dev/null 2>&1 || true
    else
        rm -rf "${1#ossh:}"
    fi
}

# rclone copy of the local files to $1 (rclone $client, server process $server): sets copy (s), copy_rss (MiB),
# copy_cpu (rclone's CPU s) and copy_server_cpu.
copy_once() {
    local server_before
    server_before=$(cpu_of "$server")
    # Each timed run starts with nothing left to write back from the runs before (this disk's flusher would work
    # during whichever run came next).
    sync
    local began
    began=$(now_ms)
    /usr/bin/time -f "%M %U %S" -o "$work/copy-rss.txt" "$client" copy "$work/local" "$1" \
        --exclude '.protect-dl/**' 2>/dev/null
    copy=$(calc "($(now_ms) - $began) / 1000")
    sleep 0.5 # sshd reaps the session
    copy_server_cpu=$(calc "$(cpu_of "$server") - $server_before")
    local user sys
    read -r copy_rss user sys <"$work/copy-rss.txt"
    copy_rss=$(calc "$copy_rss / 1024")
    copy_cpu=$(calc "$user + $sys")
}

# protect-dl sync to $1 with state folder $2 and the options after: sets took (s), pdl_peak and rclone_peak (KiB:
# protect-dl's own VmHWM, which /usr/bin/time would not give, as it counts the largest child, and its rclone daemon's,
# sampled every 0.2 s), pdl_cpu, rclone_cpu, sim_cpu and server_cpu (CPU s).
pdl_once() {
    local dest=$1 state=$2
    shift 2
    sync
    local began
    began=$(now_ms)
    (pdl_sync --dest "$dest" --state-dir "$state" --rclone "$client" "$@") &
    local pdl=$!
    pdl_peak=0
    rclone_peak=0
    local sim_before server_before
    sim_before=$(cpu_of $sim_pid)
    server_before=$(cpu_of "$server")
    pdl_cpu=0
    rclone_cpu=0
    local c hwm r child
    while kill -0 $pdl 2>/dev/null; do
        c=$(own_cpu_of $pdl)
        [ "$c" != 0 ] && pdl_cpu=$c
        hwm=$(awk '/VmHWM/ {print $2}' /proc/$pdl/status 2>/dev/null || echo 0)
        [ "${hwm:-0}" -gt "$pdl_peak" ] && pdl_peak=$hwm
        for child in $(pgrep -P $pdl); do
            r=$(awk '/VmHWM/ {print $2}' /proc/$child/status 2>/dev/null || echo 0)
            [ "${r:-0}" -gt "$rclone_peak" ] && rclone_peak=$r
            c=$(own_cpu_of $child)
            [ "$c" != 0 ] && rclone_cpu=$c
        done
        sleep 0.2
    done
    wait $pdl
    took=$(calc "($(now_ms) - $began) / 1000")
    sleep 0.5 # sshd reaps the session
    sim_cpu=$(calc "$(cpu_of $sim_pid) - $sim_before")
    server_cpu=$(calc "$(cpu_of "$server") - $server_before")
}

# Both rclone versions protect-dl is tested with: Debian's and PyPI's. For each, and each remote: rounds that
# alternate `rclone copy` and protect-dl's default (--parallel 2, through the spool), the median of the rounds'
# ratios (the machine's load moves both); then --parallel 4 and --stream-uploads once each, against the median copy.
for client in /usr/bin/rclone "$PWD/$venv/rclone"; do
    version=$("$client" version | awk 'NR == 1 { print $2 }')
    for target in moto:bench ossh:$work/sftp; do
        name=${target%%:*}
        server=$([ $name = moto ] && echo "${pids[0]}" || echo "${pids[1]}")
        : >"$work/rounds"
        for round in $(seq 1 $rounds); do
            copy_once "$target/copy-$version-$round"
            drop "$target/copy-$version-$round"
            pdl_once "$target/pdl-$version-2-$round" "$work/state-$name-$version-2-$round" --parallel 2
            drop "$target/pdl-$version-2-$round"
            echo "$(calc "$copy / $took") $copy $took $copy_rss $copy_cpu $copy_server_cpu" >>"$work/rounds"
            last="protect-dl peak RSS $(calc "$pdl_peak / 1024") MiB, its rclone rcd $(calc "$rclone_peak / 1024") MiB; CPU s: protect-dl ≥$pdl_cpu, rcd ≥$rclone_cpu, console $sim_cpu, $name $server_cpu"
        done
        ratio=$(cut -d' ' -f1 "$work/rounds" | median)
        spread="$(cut -d' ' -f1 "$work/rounds" | sort -n | head -1)–$(cut -d' ' -f1 "$work/rounds" | sort -n | tail -1)"
        copy_median=$(cut -d' ' -f2 "$work/rounds" | median)
        took_median=$(cut -d' ' -f3 "$work/rounds" | median)
        read -r _ _ _ copy_rss copy_cpu copy_server_cpu < <(tail -1 "$work/rounds")
        row "$name, rclone $version: rclone copy of the same files from local disk (its defaults: 4 transfers), median of $rounds" \
            "${copy_median} s, $(calc "$bytes / 1048576 / $copy_median") MiB/s; rclone peak RSS ${copy_rss} MiB; CPU s (last round): rclone $copy_cpu, $name $copy_server_cpu"
        row "$name, rclone $version: protect-dl sync --parallel 2 (console → remote, hashing), median of $rounds" \
            "${took_median} s, **$ratio× rclone copy** (rounds' ratios $spread; goal ≥ 0.8); last round: $last"
        # --parallel 4 through the spool, and 2 streamed (--stream-uploads), once each.
        for variant in 4 2s; do
            jobs=${variant%s}
            extra=()
            label="--parallel $jobs"
            [ "$variant" = 2s ] && extra=(--stream-uploads) && label="--parallel $jobs --stream-uploads"
            pdl_once "$target/pdl-$version-$variant" "$work/state-$name-$version-$variant" --parallel $jobs \
                "${extra[@]}"
            drop "$target/pdl-$version-$variant"
            row "$name, rclone $version: protect-dl sync $label (console → remote, hashing)" \
                "${took} s, $(calc "$copy_median / $took")× the median copy; protect-dl peak RSS $(calc "$pdl_peak / 1024") MiB, its rclone rcd $(calc "$rclone_peak / 1024") MiB; CPU s: protect-dl ≥$pdl_cpu, rcd ≥$rclone_cpu, console $sim_cpu, $name $server_cpu"
        done
    done
done
