#!/usr/bin/env bash
# A real single-node Slurm 24.11 cluster (Debian 13's packages in a Debian 13 chroot) with fake H200
# GPUs and slurmdbd accounting, beside the 22.05 cluster of cluster.sh (other ports, cluster name,
# database, munge and state), for the platform's tests against a newer Slurm.
#   deploy/slurm/cluster-24.11.sh up       debootstrap + install what is missing, start, wait for an idle node
#   deploy/slurm/cluster-24.11.sh status   what runs, the node, accounts and QOS (exit 3 when not up)
#   deploy/slurm/cluster-24.11.sh down     cancel jobs, stop the daemons (pid files), unmount (state kept)
#   deploy/slurm/cluster-24.11.sh down --purge   also drop the database and delete the chroot and state
#   deploy/slurm/cluster-24.11.sh prefix   print the command prefix of its clients (LAIF_SLURM_COMMAND_PREFIX)
# Needs root (debootstrap, chroot, mount, mknod). See docs/SLURM-TEST-CLUSTER.md.
set -euo pipefail

DIR=${LAIF_SLURM24_DIR:-/var/lib/laif-slurm24}
ROOT=$DIR/root
JOBS=${LAIF_SLURM24_JOBS_DIR:-$DIR/jobs}  # bind-mounted at the same path inside the chroot
CLUSTER=${LAIF_SLURM24_CLUSTER:-laif24}
CLUSTER=${CLUSTER,,}
PARTITION=gpu
DB_HOST=127.0.0.1
DB_PORT=${LAIF_SLURM24_DB_PORT:-3306}
DB_NAME=${LAIF_SLURM24_DB_NAME:-slurm_acct_2411}
DB_USER=slurm24  # not cluster.sh's `slurm`: its password must stay as it is
CTLD_PORT=6917
SLURMD_PORT=6918
DBD_PORT=6919
SUITE=trixie
GPUS=8
GPU_TYPE=h200
ACCOUNT=laiftest
USERS=(laif_u1 laif_u2)
QOS=budget
NODE=$(hostname -s)
PACKAGES=(slurmctld slurmd slurm-client slurmdbd munge)
MARK="# laif-slurm24: written by deploy/slurm/cluster-24.11.sh"
# paths inside the chroot
ETC=/etc/slurm
RUN=/run/slurm
LOG=/var/log/slurm
STATE=/var/spool/slurm/ctld
SPOOL=/var/spool/slurm/d

say() { printf 'cluster-24.11.sh: %s\n' "$*" >&2; }
die() { printf 'cluster-24.11.sh: error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '5,9p' "$0" >&2; exit 2; }

host_mirror() {  # the host's own Debian mirror (deb822 or one-line sources), else deb.debian.org
  local kind=$1 uri
  uri=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
    | grep -oE 'https?://[^ ]+' | sed 's:/*$::' | grep -E "/debian${kind}\$" | head -n 1 || true)
  echo "${uri:-http://deb.debian.org/debian$kind}"
}
MIRROR=${LAIF_SLURM24_MIRROR:-$(host_mirror "")}
SECURITY_MIRROR=${LAIF_SLURM24_SECURITY_MIRROR:-$(host_mirror -security)}

# a command inside the chroot, with a clean environment (no SLURM_CONF of the host's cluster)
in_root() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root "$@"; }

pidfile_of() {
  case $1 in
    munged) echo "$ROOT/run/munge/munged.pid" ;;
    *) echo "$ROOT$RUN/$1.pid" ;;
  esac
}

# the pid on a pid file's first line: slurmctld 24.11 rewrites its file without truncating it, so
# a shorter pid leaves the end of the longer one behind ("666\n6\n")
first_pid() { head -n 1 "$1" 2>/dev/null | tr -dc 0-9; }

alive() {  # alive NAME: the pid in NAME's pid file runs, is that program, and runs in our chroot
  local pf pid
  pf=$(pidfile_of "$1")
  [ -s "$pf" ] || return 1
  pid=$(first_pid "$pf")
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ] \
    && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] \
    && [ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$ROOT" ]
}

pid_of() { first_pid "$(pidfile_of "$1")"; }

log_tail() { if [ -f "$1" ]; then tail -n 15 "$1" | sed 's/^/    /' >&2; fi; }

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...: poll every 0.5 s
  local limit=$1 what=$2; shift 2
  local end=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || { say "timed out after ${limit}s waiting for $what"; return 1; }
    sleep 0.5
  done
}

port_open() { (exec 3<>"/dev/tcp/$DB_HOST/$1") 2>/dev/null; }

# --- the chroot ----------------------------------------------------------------------------------
host_packages() {
  local pkgs=()
  command -v debootstrap >/dev/null || pkgs+=(debootstrap)
  command -v mysql >/dev/null || pkgs+=(mariadb-client)
  [ ${#pkgs[@]} = 0 ] && return 0
  say "installing ${pkgs[*]} on the host (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null; } \
    || die "apt-get install ${pkgs[*]} failed"
}

mounted_under() { awk -v p="$1" '$2 == p || index($2, p "/") == 1 {print $2}' /proc/mounts | sort -r; }

unmount_all() {  # every mount under the chroot, deepest first
  local m
  for m in $(mounted_under "$ROOT"); do
    umount "$m" 2>/dev/null || umount -l "$m" || die "cannot unmount $m"
  done
}

ensure_root() {
  if [ -f "$ROOT/etc/laif-slurm24-bootstrapped" ]; then return 0; fi
  unmount_all
  rm -rf --one-file-system "$ROOT"
  install -d -m 755 "$DIR"
  say "debootstrap $SUITE (minbase) into $ROOT from $MIRROR (about 90 s)"
  debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR" >"$DIR/debootstrap.log" 2>&1 \
    || { log_tail "$DIR/debootstrap.log"; log_tail "$ROOT/debootstrap/debootstrap.log"; die "debootstrap failed"; }
  touch "$ROOT/etc/laif-slurm24-bootstrapped"
}

configure_root() {
  cat >"$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
EOF
  printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"  # packages start no daemons
  chmod 755 "$ROOT/usr/sbin/policy-rc.d"
  cp /etc/hosts "$ROOT/etc/hosts"
  cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
}

ensure_mounts() {
  mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
  mountpoint -q "$ROOT/sys" || mount --bind /sys "$ROOT/sys"
  mountpoint -q "$ROOT/dev/pts" || { install -d "$ROOT/dev/pts"; mount -t devpts -o newinstance,ptmxmode=0666 devpts "$ROOT/dev/pts"; }
  mountpoint -q "$ROOT/dev/shm" || { install -d "$ROOT/dev/shm"; mount -t tmpfs -o mode=1777 tmpfs "$ROOT/dev/shm"; }
  [ -d "$JOBS" ] || install -d -m 1777 "$JOBS"  # an existing directory keeps its owner and mode
  install -d -m 755 "$ROOT$JOBS"
  mountpoint -q "$ROOT$JOBS" || mount --bind "$JOBS" "$ROOT$JOBS"
}

root_packages() {
  local p missing=0
  for p in /usr/sbin/slurmctld /usr/sbin/slurmd /usr/sbin/slurmdbd /usr/sbin/munged /usr/bin/sbatch \
           /usr/lib/x86_64-linux-gnu/slurm-wlm/accounting_storage_mysql.so; do
    [ -e "$ROOT$p" ] || missing=1
  done
  [ $missing = 0 ] && return 0
  say "installing ${PACKAGES[*]} in the chroot (about 20 s)"
  { in_root apt-get update -qq && in_root /usr/bin/env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"; } >"$DIR/apt.log" 2>&1 \
    || { log_tail "$DIR/apt.log"; die "apt-get install in the chroot failed"; }
}

ensure_users() {  # the test users with the host's uids (jobs run as them; the host owns the files)
  local u uid gid
  for u in "${USERS[@]}"; do
    id -u "$u" >/dev/null 2>&1 || useradd -m -s /bin/bash "$u"
    uid=$(id -u "$u"); gid=$(id -g "$u")
    root_user "$u" "$uid" "$gid"
  done
}

root_user() {  # root_user NAME UID GID: the same user inside the chroot
  local name=$1 uid=$2 gid=$3
  [ "$(in_root id -u "$name" 2>/dev/null)" = "$uid" ] && return 0
  in_root userdel "$name" >/dev/null 2>&1 || true
  in_root getent group "$gid" >/dev/null || in_root groupadd -g "$gid" "$name"
  in_root useradd -M -N -u "$uid" -g "$gid" -s /bin/bash "$name"
  ADDED_USERS=1
}

ensure_fake_gpus() {
  local n dev
  for ((n = 0; n < GPUS; n++)); do
    dev=$ROOT/dev/nvidia$n
    if [ ! -c "$dev" ]; then
      rm -f "$dev"
      mknod -m 666 "$dev" c 195 "$n" || die "mknod $dev failed (needs root and CAP_MKNOD)"
    fi
  done
}

# --- munge ---------------------------------------------------------------------------------------
munge_ok() { in_root sh -c 'munge -n | unmunge' >/dev/null 2>&1; }

ensure_munge() {
  if alive munged && munge_ok; then return 0; fi
  if [ ! -s "$ROOT/etc/munge/munge.key" ]; then in_root mungekey --create --keyfile=/etc/munge/munge.key; fi
  in_root chown munge:munge /etc/munge/munge.key && chmod 400 "$ROOT/etc/munge/munge.key"
  in_root install -d -o munge -g munge -m 755 /run/munge
  in_root install -d -o munge -g munge -m 700 /var/lib/munge /var/log/munge
  say "starting munged (chroot)"
  rm -f "$(pidfile_of munged)"
  in_root runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid </dev/null >>"$ROOT$LOG/munged.out" 2>&1 \
    || { log_tail "$ROOT$LOG/munged.out"; die "munged did not start"; }
  wait_for 10 munge munge_ok || die "munge -n | unmunge fails in the chroot after starting munged"
}

# --- database ------------------------------------------------------------------------------------
MYSQL=(mysql -u root -h "$DB_HOST" -P "$DB_PORT")
db_password() {
  local conf=$ROOT$ETC/slurmdbd.conf
  if [ -f "$conf" ] && grep -q '^StoragePass=' "$conf"; then
    sed -n 's/^StoragePass=//p' "$conf"
  else
    head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24
  fi
}

ensure_database() {
  port_open "$DB_PORT" || die "no MariaDB on $DB_HOST:$DB_PORT (deploy/slurm/cluster.sh up starts one)"
  "${MYSQL[@]}" -N -B -e 'SELECT 1' >/dev/null 2>&1 \
    || die "cannot connect to MariaDB on $DB_HOST:$DB_PORT as root (put credentials in /root/.my.cnf)"
  if mysql -u "$DB_USER" -p"$DB_PASS" -h "$DB_HOST" -P "$DB_PORT" -N -B -e 'SELECT 1' "$DB_NAME" >/dev/null 2>&1; then
    return 0
  fi
  say "creating database $DB_NAME and MariaDB user $DB_USER"
  local host sql="CREATE DATABASE IF NOT EXISTS \`$DB_NAME\`;"
  for host in localhost 127.0.0.1; do
    sql+="CREATE USER IF NOT EXISTS '$DB_USER'@'$host' IDENTIFIED BY '$DB_PASS';"
    sql+="ALTER USER '$DB_USER'@'$host' IDENTIFIED BY '$DB_PASS';"
    sql+="GRANT ALL ON \`$DB_NAME\`.* TO '$DB_USER'@'$host';"
  done
  "${MYSQL[@]}" -e "$sql" || die "could not create the accounting database"
}

# --- configuration -------------------------------------------------------------------------------
CHANGED=()
write_conf() {  # write_conf FILE MODE: stdin into FILE when different; remembers what changed
  local file=$1 mode=$2 tmp
  tmp=$(mktemp "$ROOT$ETC/.conf.XXXXXX")
  cat >"$tmp"
  chmod "$mode" "$tmp"
  if [ -f "$file" ] && cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
  else
    mv -f "$tmp" "$file"
    CHANGED+=("$(basename "$file")")
  fi
}

write_configs() {
  local cpus mem_mb
  cpus=$(nproc)
  mem_mb=$(awk '/^MemTotal:/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)
  install -d -m 755 "$ROOT$ETC" "$ROOT$RUN" "$ROOT$LOG" "$ROOT$STATE" "$ROOT$SPOOL"
  write_conf "$ROOT$ETC/slurmdbd.conf" 600 <<EOF
$MARK
AuthType=auth/munge
DbdHost=localhost
DbdPort=$DBD_PORT
SlurmUser=root
StorageType=accounting_storage/mysql
StorageHost=$DB_HOST
StoragePort=$DB_PORT
StorageUser=$DB_USER
StoragePass=$DB_PASS
StorageLoc=$DB_NAME
LogFile=$LOG/slurmdbd.log
PidFile=$RUN/slurmdbd.pid
DebugLevel=info
EOF
  write_conf "$ROOT$ETC/slurm.conf" 644 <<EOF
$MARK
ClusterName=$CLUSTER
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$STATE
SlurmdSpoolDir=$SPOOL
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$LOG/slurmctld.log
SlurmdLogFile=$LOG/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
GresTypes=gpu
SlurmdParameters=config_overrides
ReturnToService=2
InactiveLimit=0
KillWait=5
JobAcctGatherType=jobacct_gather/linux
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=$DBD_PORT
AccountingStorageTRES=gres/gpu,gres/gpu:$GPU_TYPE,energy
AccountingStorageEnforce=associations,limits,qos,safe
PriorityType=priority/multifactor
PriorityDecayHalfLife=0
PriorityUsageResetPeriod=NONE
NodeName=$NODE NodeAddr=127.0.0.1 Port=$SLURMD_PORT CPUs=$cpus Boards=1 SocketsPerBoard=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=$mem_mb Gres=gpu:$GPU_TYPE:$GPUS State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
  write_conf "$ROOT$ETC/gres.conf" 644 <<EOF
$MARK
AutoDetect=off
NodeName=$NODE Name=gpu Type=$GPU_TYPE File=/dev/nvidia[0-$((GPUS - 1))]
EOF
  # without cgroup v1/v2 mounted in the chroot slurmd refuses to start unless cgroups are off
  write_conf "$ROOT$ETC/cgroup.conf" 644 <<EOF
$MARK
CgroupPlugin=disabled
EOF
}

# --- daemons -------------------------------------------------------------------------------------
start_daemon() {
  local name=$1
  alive "$name" && return 0
  say "starting $name (chroot)"
  STARTED=1
  rm -f "$(pidfile_of "$name")"
  in_root setsid "/usr/sbin/$name" </dev/null >>"$ROOT$LOG/$name.out" 2>&1 \
    || { log_tail "$ROOT$LOG/$name.out"; log_tail "$ROOT$LOG/$name.log"; die "$name did not start"; }
  if ! wait_for 15 "$name's pid file" alive "$name"; then
    log_tail "$ROOT$LOG/$name.out"; log_tail "$ROOT$LOG/$name.log"; die "$name did not start"
  fi
}

stop_daemon() {  # TERM the pid of its pid file, KILL after 20 s
  local name=$1 pid end
  if ! alive "$name"; then rm -f "$(pidfile_of "$name")"; return 0; fi
  pid=$(pid_of "$name")
  say "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  end=$((SECONDS + 20))
  while [ -d "/proc/$pid" ] && [ $SECONDS -lt $end ]; do sleep 0.2; done
  if [ -d "/proc/$pid" ]; then say "$name did not stop; killing pid $pid"; kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$(pidfile_of "$name")"
}

sacctmgr_q() { in_root timeout 20 sacctmgr -n -P "$@"; }
dbd_ok() { sacctmgr_q show cluster format=cluster; }
ctld_ok() { in_root timeout 10 scontrol ping | grep -q 'is UP'; }
node_state() { in_root timeout 10 sinfo -h -N -n "$NODE" -o %T 2>/dev/null | head -n 1; }

ensure_accounting_objects() {
  if ! sacctmgr_q show qos format=name | grep -qx "$QOS"; then
    in_root sacctmgr -i add qos "$QOS" Flags=DenyOnLimit >/dev/null
  fi
  if ! sacctmgr_q show account "$ACCOUNT" format=account | grep -qx "$ACCOUNT"; then
    in_root sacctmgr -i add account "$ACCOUNT" Cluster="$CLUSTER" Description="laif test account" Organization=laif >/dev/null
  fi
  local u
  for u in "${USERS[@]}"; do
    if ! sacctmgr_q show assoc where cluster="$CLUSTER" account="$ACCOUNT" user="$u" format=user | grep -qx "$u"; then
      in_root sacctmgr -i add user "$u" Account="$ACCOUNT" DefaultAccount="$ACCOUNT" Cluster="$CLUSTER" >/dev/null
    fi
  done
}

wait_node_idle() {
  local end=$((SECONDS + 60)) state resumed=0
  while :; do
    state=$(node_state || true)
    case $state in
      idle | mixed | allocated | completing | planned) return 0 ;;
      drain* | inval | down)
        if [ $resumed -lt 3 ]; then
          say "node $NODE is $state; resuming it"
          in_root scontrol update nodename="$NODE" state=resume 2>/dev/null || true
          resumed=$((resumed + 1))
        fi ;;
    esac
    if [ $SECONDS -ge $end ]; then
      in_root timeout 10 scontrol show node "$NODE" | grep -E 'State=|Reason=' | sed 's/^/    /' >&2 || true
      log_tail "$ROOT$LOG/slurmd.log"
      die "node $NODE is '${state:-unknown}', not idle, after 60 s"
    fi
    sleep 0.5
  done
}

summary() {
  local version cpus gres
  version=$(in_root scontrol version | awk '{print $2}')
  read -r cpus gres < <(in_root timeout 10 sinfo -h -N -n "$NODE" -o '%c %G' | head -n 1)
  echo "laif-slurm24 up: Slurm $version, cluster $CLUSTER, node $NODE ($cpus CPUs, $gres) $(node_state)" \
    "in partition $PARTITION, account $ACCOUNT (users ${USERS[*]}), QOS $QOS; chroot $ROOT, jobs in $JOBS;" \
    "clients: chroot $ROOT <command> ($1)"
}

# --- commands ------------------------------------------------------------------------------------
STARTED=0
ADDED_USERS=0
up() {
  local start=$SECONDS
  host_packages
  ensure_root
  configure_root
  ensure_mounts
  root_packages
  DB_PASS=$(db_password)
  ensure_database
  write_configs
  ensure_fake_gpus
  ensure_users
  ensure_munge
  if [[ " ${CHANGED[*]} " == *" slurmdbd.conf "* ]] && alive slurmdbd; then
    say "slurmdbd.conf changed; restarting slurmdbd"
    stop_daemon slurmdbd
  fi
  local reconfigure=$ADDED_USERS
  if [[ " ${CHANGED[*]} " =~ " "(slurm|gres|cgroup)".conf " ]] && alive slurmctld; then
    say "slurm.conf, gres.conf or cgroup.conf changed; restarting slurmctld and slurmd"
    stop_daemon slurmd
    stop_daemon slurmctld
    reconfigure=0
  fi
  start_daemon slurmdbd
  wait_for 60 "slurmdbd to answer" dbd_ok || { log_tail "$ROOT$LOG/slurmdbd.log"; die "slurmdbd does not answer"; }
  if ! sacctmgr_q show cluster format=cluster | grep -qx "$CLUSTER"; then
    in_root sacctmgr -i add cluster "$CLUSTER" >/dev/null
  fi
  start_daemon slurmctld
  wait_for 30 "slurmctld to answer" ctld_ok || { log_tail "$ROOT$LOG/slurmctld.log"; die "slurmctld does not answer"; }
  [ "$reconfigure" = 0 ] || in_root scontrol reconfigure
  ensure_accounting_objects
  start_daemon slurmd
  wait_node_idle
  if [ $STARTED = 0 ]; then summary "already up, checked in $((SECONDS - start)) s"; else summary "started in $((SECONDS - start)) s"; fi
}

status() {
  local name ok=0
  if [ ! -f "$ROOT/etc/laif-slurm24-bootstrapped" ]; then
    echo "chroot: missing ($ROOT)"; echo "laif-slurm24: not up"; return 3
  fi
  for name in munged slurmdbd slurmctld slurmd; do
    if alive "$name"; then echo "$name: running (pid $(pid_of "$name"))"; else echo "$name: stopped"; ok=3; fi
  done
  echo "mounts: $(mounted_under "$ROOT" | sed "s|^$ROOT||" | sort | tr '\n' ' ')"
  echo "munge: $(munge_ok && echo works || echo 'does not work')"
  echo "chroot: $ROOT; jobs: $JOBS; clients: chroot $ROOT <command>"
  if [ $ok = 0 ] && ctld_ok; then
    echo "node: $(in_root timeout 10 sinfo -h -N -o '%N %T partition=%P cpus=%c gres=%G' || true)"
    echo "jobs in queue: $(in_root timeout 10 squeue -h -o %A | wc -l)"
    echo "accounts (account|user|qos|GrpTRESMins):"
    sacctmgr_q show assoc where cluster="$CLUSTER" format=account,user,qos,grptresmins | sed 's/^/  /' || true
    case $(node_state) in idle | mixed | allocated | completing | planned) ;; *) ok=3 ;; esac
  else
    ok=3
  fi
  [ $ok = 0 ] && echo "laif-slurm24: up" || echo "laif-slurm24: not up"
  return $ok
}

down() {
  local purge=0 name
  [ "${1:-}" = "--purge" ] && purge=1
  if [ -d "$ROOT" ] && alive slurmctld && ctld_ok; then
    local jobs
    jobs=$(in_root timeout 10 squeue -h -o %A | tr '\n' ' ' || true)
    if [ -n "${jobs// /}" ]; then
      say "cancelling jobs $jobs"
      # shellcheck disable=SC2086
      in_root timeout 10 scancel $jobs 2>/dev/null || true
      wait_for 15 "the jobs to end" test -z "$(in_root timeout 5 squeue -h -t running,completing -o %A 2>/dev/null)" || true
    fi
  fi
  for name in slurmd slurmctld slurmdbd munged; do stop_daemon "$name"; done
  unmount_all
  if [ $purge = 1 ]; then
    if port_open "$DB_PORT" && "${MYSQL[@]}" -N -B -e 'SELECT 1' >/dev/null 2>&1; then
      "${MYSQL[@]}" -e "DROP DATABASE IF EXISTS \`$DB_NAME\`; DROP USER IF EXISTS '$DB_USER'@'localhost', '$DB_USER'@'127.0.0.1';" || true
    fi
    [ -z "$(mounted_under "$ROOT")" ] || die "still mounted under $ROOT; not deleting it"
    say "removing $DIR"
    rm -rf --one-file-system "$DIR"
    echo "laif-slurm24 down (chroot, state and database removed)"
  else
    echo "laif-slurm24 down"
  fi
}

[ "$(id -u)" = 0 ] || die "run as root (debootstrap, chroot, mount, mknod and daemons as root)"
case ${1:-} in
  up) up ;;
  status) status ;;
  down) shift; down "$@" ;;
  prefix) echo "chroot $ROOT" ;;
  *) usage ;;
esac
