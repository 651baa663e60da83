#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Starts/stops a real single-node Slurm (slurmctld + slurmd + munged) on this machine, for the
# Slurm executor's tests and CI. Must run as root (Debian 12; installs slurm-wlm and munge with
# apt-get when missing). Everything runs as root (SlurmUser=root).
#
# Usage: scripts/slurm-local.sh start [--clean]   start (or check) the cluster and wait until a
#                                                 trivial job completes; --clean drops saved jobs
#                                                 (slurmctld -c); without it saved jobs survive
#        scripts/slurm-local.sh restart           stop + start, keeping jobs
#        scripts/slurm-local.sh stop              stop the daemons (idempotent)
#        scripts/slurm-local.sh status            daemons, sinfo, squeue; exit 0 when usable
#
# Config goes to /etc/slurm/slurm.conf (Debian's default, so plain sbatch works everywhere); a
# slurm.conf not written by this script is never overwritten. State lives in
# /var/spool/slurm-adamix, logs in /var/log/slurm-adamix.
set -euo pipefail

MARK="# written by adamix scripts/slurm-local.sh"
CONF=/etc/slurm/slurm.conf
SPOOL=/var/spool/slurm-adamix
LOGDIR=/var/log/slurm-adamix
STATEFILE="$SPOOL/slurm-local.state"
MUNGE_KEY=/etc/munge/munge.key
WAIT_S=${SLURM_LOCAL_WAIT_S:-60}

die() { echo "slurm-local: $*" >&2; exit 1; }
log() { echo "slurm-local: $*" >&2; }

pids_of() { # pids whose exact process name (comm) is $1; /proc scan, procps may be missing
    local d c
    for d in /proc/[0-9]*; do
        { read -r c < "$d/comm"; } 2>/dev/null || continue
        [ "$c" = "$1" ] && echo "${d#/proc/}"
    done
    return 0
}
running() { [ -n "$(pids_of "$1")" ]; }

need_root() { [ "$(id -u)" = 0 ] || die "must run as root"; }

install_missing() {
    local pkgs=()
    command -v slurmctld >/dev/null 2>&1 && command -v slurmd >/dev/null 2>&1 &&
        command -v sbatch >/dev/null 2>&1 || pkgs+=(slurm-wlm)
    command -v munged >/dev/null 2>&1 || pkgs+=(munge)
    [ ${#pkgs[@]} -eq 0 ] && return 0
    log "installing ${pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends "${pkgs[@]}"; then
        apt-get update
        apt-get install -y --no-install-recommends "${pkgs[@]}"
    fi
}

state_get() { [ -f "$STATEFILE" ] && grep -qx "$1" "$STATEFILE"; }
state_add() { state_get "$1" || echo "$1" >> "$STATEFILE"; }
state_del() { if [ -f "$STATEFILE" ]; then sed -i "/^$1\$/d" "$STATEFILE"; fi; }

start_munge() {
    if [ ! -s "$MUNGE_KEY" ]; then
        log "creating $MUNGE_KEY"
        install -d -o munge -g munge -m 700 /etc/munge
        if command -v mungekey >/dev/null 2>&1; then
            mungekey --create --keyfile="$MUNGE_KEY" --force
        else
            dd if=/dev/urandom of="$MUNGE_KEY" bs=1 count=1024 status=none
        fi
    fi
    chown munge:munge "$MUNGE_KEY"
    chmod 400 "$MUNGE_KEY"
    if running munged; then return 0; fi
    install -d -o munge -g munge -m 755 /run/munge
    install -d -o munge -g munge -m 700 /var/log/munge /var/lib/munge
    log "starting munged"
    runuser -u munge -- /usr/sbin/munged
    state_add munged-started
    local _
    for _ in $(seq 50); do
        munge -n </dev/null >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    die "munged does not answer (munge -n fails)"
}

write_conf() {
    if [ -e "$CONF" ] && [ "$(head -n1 "$CONF")" != "$MARK" ]; then
        die "$CONF exists and was not written by this script; refusing to overwrite it
(move it away, or run the tests against that cluster without this script)"
    fi
    local host cpus mem_mb tmp
    host=$(hostname -s)
    cpus=$(nproc)
    # RealMemory a bit under MemTotal (95 %), in MB
    mem_mb=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.95 }' /proc/meminfo)
    install -d -m 755 /etc/slurm
    tmp=$(mktemp "$CONF.XXXXXX")
    cat > "$tmp" <<EOF
$MARK
# Single-node test cluster for AdaMix Studio; rewritten on every 'start'.
ClusterName=adamix-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# cred_expire also is how long a requeued job waits before it may start again (default 120 s)
AuthInfo=cred_expire=10
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2,bf_interval=1
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
StateSaveLocation=$SPOOL/ctld
SlurmdSpoolDir=$SPOOL/d
SlurmctldPidFile=$SPOOL/slurmctld.pid
SlurmdPidFile=$SPOOL/slurmd.pid
SlurmctldLogFile=$LOGDIR/slurmctld.log
SlurmdLogFile=$LOGDIR/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# finished jobs stay visible to 'scontrol show job' for 10 minutes
MinJobAge=600
KillWait=10
JobRequeue=1
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
Waittime=0
NodeName=$host CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    chmod 644 "$tmp"
    mv -f "$tmp" "$CONF"
}

logs_tail() {
    local f
    for f in "$LOGDIR/slurmctld.log" "$LOGDIR/slurmd.log"; do
        [ -f "$f" ] && { echo "----- tail $f" >&2; tail -n 30 "$f" >&2; }
    done
    return 0
}

fail() { log "$*"; logs_tail; exit 1; }

node_state() { sinfo -h -o %T 2>/dev/null | head -n1 || true; }

wait_usable() {
    local host deadline st jobid js
    host=$(hostname -s)
    deadline=$((SECONDS + WAIT_S))
    while :; do
        st=$(node_state)
        case "$st" in
            idle|idle~|mixed|allocated|completing) break ;;
            down*|drain*|fail*) scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true ;;
        esac
        [ $SECONDS -lt $deadline ] || fail "node not idle after ${WAIT_S}s (state: '${st:-none}')"
        sleep 0.5
    done
    # A trivial job proves scheduling + launch work. Skip it when other jobs occupy every CPU or
    # are pending (it would queue behind them); the node answering is enough then.
    local idle_cpus
    idle_cpus=$(sinfo -h -o %C 2>/dev/null | head -n1 | cut -d/ -f2)
    if [ "${idle_cpus:-0}" = 0 ] || [ -n "$(squeue -h -t PENDING -o %i 2>/dev/null)" ]; then
        log "cluster busy (idle CPUs: ${idle_cpus:-?}); not submitting a check job"
        return 0
    fi
    jobid=$(sbatch --parsable -J slurm-local-check -o /dev/null -e /dev/null -t 1 --wrap true 2>&1) ||
        fail "sbatch of a trivial job failed: $jobid"
    jobid=${jobid%%;*}
    while :; do
        js=$(scontrol show job -o "$jobid" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
        case "$js" in
            COMPLETED) return 0 ;;
            FAILED|CANCELLED|TIMEOUT|NODE_FAIL|BOOT_FAIL|OUT_OF_MEMORY|DEADLINE)
                fail "trivial job $jobid ended $js" ;;
        esac
        if [ $SECONDS -ge $deadline ]; then
            scancel "$jobid" 2>/dev/null || true
            fail "trivial job $jobid did not complete within ${WAIT_S}s (state: ${js:-unknown})"
        fi
        sleep 0.2
    done
}

cmd_start() {
    local clean=0
    [ "${1:-}" = "--clean" ] && clean=1
    need_root
    install_missing
    install -d -m 755 "$SPOOL" "$SPOOL/ctld" "$SPOOL/d" "$LOGDIR"
    start_munge
    if running slurmctld && running slurmd; then
        [ $clean = 1 ] && log "already running; --clean ignored (use stop first)"
        wait_usable
        log "already running and usable"
        return 0
    fi
    write_conf
    if ! running slurmctld; then
        log "starting slurmctld"
        if [ $clean = 1 ]; then slurmctld -c -f "$CONF" || fail "slurmctld failed to start"
        else slurmctld -f "$CONF" || fail "slurmctld failed to start"; fi
    fi
    if ! running slurmd; then
        log "starting slurmd"
        slurmd -f "$CONF" || fail "slurmd failed to start"
    fi
    wait_usable
    log "usable: $(sinfo -h -o '%P %T %C(A/I/O/T) %N')"
}

wait_gone() {
    local name=$1 _
    for _ in $(seq 150); do
        running "$name" || return 0
        sleep 0.2
    done
    log "$name still running after 30 s; sending SIGKILL"
    local p
    for p in $(pids_of "$name"); do kill -KILL "$p" 2>/dev/null || true; done
    sleep 0.5
    ! running "$name"
}

cmd_stop() {
    need_root
    local p
    if running slurmd; then
        log "stopping slurmd"
        for p in $(pids_of slurmd); do kill -TERM "$p" 2>/dev/null || true; done
        wait_gone slurmd
    fi
    if running slurmctld; then
        log "stopping slurmctld"
        for p in $(pids_of slurmctld); do kill -TERM "$p" 2>/dev/null || true; done
        wait_gone slurmctld
    fi
    if state_get munged-started && running munged; then
        log "stopping munged (started by this script)"
        for p in $(pids_of munged); do kill -TERM "$p" 2>/dev/null || true; done
        wait_gone munged
    fi
    state_del munged-started
    return 0
}

cmd_status() {
    local ok=0 n
    for n in munged slurmctld slurmd; do
        if running "$n"; then echo "$n: running (pid $(pids_of "$n" | tr '\n' ' '))"
        else echo "$n: not running"; ok=1; fi
    done
    [ $ok = 0 ] || return 1
    echo "--- sinfo"
    sinfo || return 1
    echo "--- squeue"
    squeue || return 1
    case "$(node_state)" in
        idle|mixed|allocated|completing) return 0 ;;
        *) return 1 ;;
    esac
}

case "${1:-}" in
    start) shift; cmd_start "$@" ;;
    restart) cmd_stop; cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *) echo "usage: $0 start [--clean] | restart | stop | status" >&2; exit 2 ;;
esac
