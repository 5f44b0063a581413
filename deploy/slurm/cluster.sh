#!/usr/bin/env bash
# A real single-node Slurm cluster with fake H200 GPUs and slurmdbd accounting, for developers and CI.
#   deploy/slurm/cluster.sh up       install what is missing, start everything, wait for an idle node
#   deploy/slurm/cluster.sh status   what runs, the node, accounts, users and QOS (exit 3 when not up)
#   deploy/slurm/cluster.sh down     cancel jobs, stop the daemons this script started (pid files)
#   deploy/slurm/cluster.sh down --purge   also delete the state directory and the accounting database
# Needs root (apt-get, mknod, useradd, daemons as root). See docs/SLURM-TEST-CLUSTER.md.
set -euo pipefail

DIR=${LAIF_SLURM_DIR:-/var/lib/laif-slurm}
CLUSTER=${LAIF_SLURM_CLUSTER:-laif}
CLUSTER=${CLUSTER,,}  # Slurm stores cluster names lowercased
PARTITION=${LAIF_SLURM_PARTITION:-gpu}
DB_HOST=127.0.0.1
DB_PORT=${LAIF_SLURM_DB_PORT:-3306}
DB_NAME=${LAIF_SLURM_DB_NAME:-slurm_acct_db}
DB_USER=slurm
GPUS=8
GPU_TYPE=h200
ACCOUNT=laiftest
USERS=(laif_u1 laif_u2)
QOS=budget
NODE=$(hostname -s)
ETC_CONF=/etc/slurm/slurm.conf
MARK="# laif-slurm: written by deploy/slurm/cluster.sh"
export SLURM_CONF=$DIR/slurm.conf

say() { printf 'cluster.sh: %s\n' "$*" >&2; }
die() { printf 'cluster.sh: error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,7p' "$0" >&2; exit 2; }

pidfile_of() {  # the pid file each daemon writes (slurm and mariadbd write their own)
  case $1 in
    mariadbd) echo "$DIR/mysql/mariadbd.pid" ;;
    *) echo "$DIR/run/$1.pid" ;;
  esac
}

# the pid on a pid file's first line: slurmctld 24.11 rewrites its file without truncating it, so
# a shorter pid leaves the end of the longer one behind ("666\n6\n")
first_pid() { head -n 1 "$1" 2>/dev/null | tr -dc 0-9; }

alive() {  # alive NAME: the pid in NAME's pid file runs and is that program
  local pf pid
  pf=$(pidfile_of "$1")
  [ -s "$pf" ] || return 1
  pid=$(first_pid "$pf")
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ] \
    && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]
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

# --- packages ------------------------------------------------------------------------------------
apt_install() {
  local created_policy=0
  say "installing $* (Debian packages)"
  # Keep the packages' init scripts from starting daemons: this script starts its own.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  local rc=0
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1; then
    say "apt-get install failed; running apt-get update and trying again"
    apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "$@" >/dev/null || rc=$?
  fi
  [ $created_policy = 0 ] || rm -f /usr/sbin/policy-rc.d
  [ $rc = 0 ] || die "apt-get install $* failed"
}

ensure_packages() {
  local pkgs=()
  [ -x /usr/sbin/slurmctld ] && [ -x /usr/sbin/slurmd ] && [ -x /usr/bin/sinfo ] || pkgs+=(slurm-wlm)
  [ -x /usr/sbin/slurmdbd ] || pkgs+=(slurmdbd)
  [ -x /usr/sbin/munged ] || pkgs+=(munge)
  command -v mysql >/dev/null || pkgs+=(mariadb-client)
  if ! port_open "$DB_PORT" && [ ! -x /usr/sbin/mariadbd ]; then pkgs+=(mariadb-server); fi
  [ ${#pkgs[@]} = 0 ] || apt_install "${pkgs[@]}"
}

# --- munge ---------------------------------------------------------------------------------------
munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

ensure_munge() {
  munge_ok && return 0
  if [ ! -s /etc/munge/munge.key ]; then
    say "creating /etc/munge/munge.key"
    mungekey --create --keyfile=/etc/munge/munge.key
  fi
  chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
  install -d -o munge -g munge -m 755 /run/munge
  install -d -o munge -g munge -m 700 /var/lib/munge /var/log/munge
  say "starting munged"
  runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid </dev/null >>"$DIR/log/munged.out" 2>&1 \
    || { log_tail "$DIR/log/munged.out"; die "munged did not start"; }
  wait_for 10 munge munge_ok || die "munge -n | unmunge fails after starting munged"
  cp /run/munge/munged.pid "$DIR/run/munged.pid"  # ours: `down` stops it
}

# --- database ------------------------------------------------------------------------------------
MYSQL=()
find_mysql_admin() {  # root over TCP (as on the project's machines), else root over our own socket
  local try
  for try in "mysql -u root -h $DB_HOST -P $DB_PORT" "mysql -u root -S $DIR/mysql/mysqld.sock"; do
    read -ra MYSQL <<<"$try"
    "${MYSQL[@]}" -N -B -e 'SELECT 1' >/dev/null 2>&1 && return 0
  done
  die "cannot connect to MariaDB on $DB_HOST:$DB_PORT as root (put credentials in /root/.my.cnf)"
}

ensure_mariadb() {  # only when nothing listens on the port: our own mariadbd, data in $DIR/mysql
  port_open "$DB_PORT" && return 0
  if [ ! -d "$DIR/mysql/mysql" ]; then
    say "initialising a MariaDB data directory in $DIR/mysql"
    install -d -o mysql -g mysql -m 750 "$DIR/mysql"
    mariadb-install-db --user=mysql --datadir="$DIR/mysql" --skip-test-db >"$DIR/log/mariadb-install.log" 2>&1 \
      || { log_tail "$DIR/log/mariadb-install.log"; die "mariadb-install-db failed"; }
  fi
  say "starting mariadbd on $DB_HOST:$DB_PORT"
  setsid /usr/sbin/mariadbd --user=mysql --datadir="$DIR/mysql" --bind-address="$DB_HOST" --port="$DB_PORT" \
    --socket="$DIR/mysql/mysqld.sock" --pid-file="$DIR/mysql/mariadbd.pid" --skip-name-resolve \
    --log-error="$DIR/log/mariadbd.log" </dev/null >>"$DIR/log/mariadbd.out" 2>&1 &
  wait_for 60 "MariaDB on port $DB_PORT" port_open "$DB_PORT" || { log_tail "$DIR/log/mariadbd.log"; die "mariadbd did not start"; }
}

db_password() {  # keep the password of an existing slurmdbd.conf, else make one
  if [ -f "$DIR/slurmdbd.conf" ] && grep -q '^StoragePass=' "$DIR/slurmdbd.conf"; then
    sed -n 's/^StoragePass=//p' "$DIR/slurmdbd.conf"
  else
    head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24
  fi
}

ensure_database() {
  find_mysql_admin
  if mysql -u "$DB_USER" -p"$DB_PASS" -h "$DB_HOST" -P "$DB_PORT" -N -B -e 'SELECT 1' "$DB_NAME" >/dev/null 2>&1; then
    return 0
  fi
  say "creating database $DB_NAME and MariaDB user $DB_USER"
  local host sql="CREATE DATABASE IF NOT EXISTS \`$DB_NAME\`;"
  for host in localhost 127.0.0.1; do  # 127.0.0.1 for servers with skip_name_resolve
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
  tmp=$(mktemp "$DIR/.conf.XXXXXX")
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
  write_conf "$DIR/slurmdbd.conf" 600 <<EOF
$MARK
AuthType=auth/munge
DbdHost=localhost
SlurmUser=root
StorageType=accounting_storage/mysql
StorageHost=$DB_HOST
StoragePort=$DB_PORT
StorageUser=$DB_USER
StoragePass=$DB_PASS
StorageLoc=$DB_NAME
LogFile=$DIR/log/slurmdbd.log
PidFile=$(pidfile_of slurmdbd)
DebugLevel=info
EOF
  write_conf "$DIR/slurm.conf" 644 <<EOF
$MARK
ClusterName=$CLUSTER
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$(pidfile_of slurmctld)
SlurmdPidFile=$(pidfile_of slurmd)
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
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
# accounting and GPU-minute budgets (docs/SLURM-TEST-CLUSTER.md)
JobAcctGatherType=jobacct_gather/linux
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStorageTRES=gres/gpu,gres/gpu:$GPU_TYPE,energy
AccountingStorageEnforce=associations,limits,qos,safe
PriorityType=priority/multifactor
PriorityDecayHalfLife=0
PriorityUsageResetPeriod=NONE
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus Boards=1 SocketsPerBoard=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=$mem_mb Gres=gpu:$GPU_TYPE:$GPUS State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
  write_conf "$DIR/gres.conf" 644 <<EOF
$MARK
AutoDetect=off
NodeName=$NODE Name=gpu Type=$GPU_TYPE File=$DIR/dev/nvidia[0-$((GPUS - 1))]
EOF
}

ensure_fake_gpus() {  # character devices 195:N like /dev/nvidiaN: slurmd then sets CUDA_VISIBLE_DEVICES
  local n dev
  install -d -m 755 "$DIR/dev"
  for ((n = 0; n < GPUS; n++)); do
    dev=$DIR/dev/nvidia$n
    if [ ! -c "$dev" ]; then
      rm -f "$dev"
      mknod -m 666 "$dev" c 195 "$n" || die "mknod $dev failed (needs root and CAP_MKNOD)"
    fi
  done
}

ensure_etc_link() {  # client commands (sinfo, sbatch, sacct) find the cluster without SLURM_CONF
  if [ -L "$ETC_CONF" ] && [ "$(readlink "$ETC_CONF")" = "$DIR/slurm.conf" ]; then return 0; fi
  if [ -e "$ETC_CONF" ] && ! grep -qxF "$MARK" "$ETC_CONF"; then
    die "$ETC_CONF exists and was not written by this script; not replacing it"
  fi
  install -d -m 755 "$(dirname "$ETC_CONF")"
  ln -sfn "$DIR/slurm.conf" "$ETC_CONF"
}

ensure_unix_users() {  # before slurmctld starts (later ones need `scontrol reconfigure`)
  local u added=1
  for u in "${USERS[@]}"; do
    if ! id -u "$u" >/dev/null 2>&1; then
      useradd -m -s /bin/bash "$u"
      added=0
    fi
  done
  return $added
}

# --- daemons -------------------------------------------------------------------------------------
start_daemon() {  # start_daemon NAME: the daemon forks, writes its pid file and logs in $DIR/log
  local name=$1
  alive "$name" && return 0
  say "starting $name"
  STARTED=1
  rm -f "$(pidfile_of "$name")"
  setsid "/usr/sbin/$name" </dev/null >>"$DIR/log/$name.out" 2>&1 \
    || { log_tail "$DIR/log/$name.out"; log_tail "$DIR/log/$name.log"; die "$name did not start"; }
  if ! wait_for 15 "$name's pid file" alive "$name"; then
    log_tail "$DIR/log/$name.out"; log_tail "$DIR/log/$name.log"; die "$name did not start"
  fi
}

stop_daemon() {  # stop_daemon NAME: TERM the pid of its pid file, KILL after 20 s
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

sacctmgr_q() { timeout 20 sacctmgr -n -P "$@"; }
dbd_ok() { sacctmgr_q show cluster format=cluster; }
ctld_ok() { timeout 10 scontrol ping | grep -q 'is UP'; }
node_state() { timeout 10 sinfo -h -N -n "$NODE" -o %T 2>/dev/null | head -n 1; }

ensure_accounting_objects() {
  if ! sacctmgr_q show qos format=name | grep -qx "$QOS"; then
    sacctmgr -i add qos "$QOS" Flags=DenyOnLimit >/dev/null
  fi
  if ! sacctmgr_q show account "$ACCOUNT" format=account | grep -qx "$ACCOUNT"; then
    sacctmgr -i add account "$ACCOUNT" Cluster="$CLUSTER" Description="laif test account" Organization=laif >/dev/null
  fi
  local u
  for u in "${USERS[@]}"; do
    if ! sacctmgr_q show assoc where cluster="$CLUSTER" account="$ACCOUNT" user="$u" format=user | grep -qx "$u"; then
      sacctmgr -i add user "$u" Account="$ACCOUNT" DefaultAccount="$ACCOUNT" Cluster="$CLUSTER" >/dev/null
    fi
  done
}

wait_node_idle() {
  local end=$((SECONDS + 60)) state resumed=0
  while :; do
    state=$(node_state || true)
    case $state in
      idle | mixed | allocated | completing | planned) return 0 ;;
      drain* | inval | down) # registered but not usable: resume (ReturnToService does not clear drain)
        if [ $resumed -lt 3 ]; then
          say "node $NODE is $state; resuming it"
          scontrol update nodename="$NODE" state=resume 2>/dev/null || true
          resumed=$((resumed + 1))
        fi ;;
    esac
    if [ $SECONDS -ge $end ]; then
      timeout 10 scontrol show node "$NODE" | grep -E 'State=|Reason=' | sed 's/^/    /' >&2 || true
      log_tail "$DIR/log/slurmd.log"
      die "node $NODE is '${state:-unknown}', not idle, after 60 s"
    fi
    sleep 0.5
  done
}

summary() {
  local version cpus gres
  version=$(scontrol version | awk '{print $2}')
  read -r cpus gres < <(timeout 10 sinfo -h -N -n "$NODE" -o '%c %G' | head -n 1)
  echo "laif-slurm up: Slurm $version, cluster $CLUSTER, node $NODE ($cpus CPUs, $gres) $(node_state)" \
    "in partition $PARTITION, account $ACCOUNT (users ${USERS[*]}), QOS $QOS; state in $DIR ($1)"
}

# --- commands ------------------------------------------------------------------------------------
STARTED=0
up() {
  local start=$SECONDS name
  install -d -m 755 "$DIR" "$DIR/run" "$DIR/log" "$DIR/state" "$DIR/spool"
  install -d -m 1777 "$DIR/jobs"  # job output of any user
  ensure_packages
  ensure_munge
  ensure_mariadb
  DB_PASS=$(db_password)
  ensure_database
  ensure_fake_gpus
  write_configs
  ensure_etc_link
  local reconfigure=0
  if ! ensure_unix_users && alive slurmctld; then reconfigure=1; fi
  if [[ " ${CHANGED[*]} " == *" slurmdbd.conf "* ]] && alive slurmdbd; then
    say "slurmdbd.conf changed; restarting slurmdbd"
    stop_daemon slurmdbd
  fi
  if [[ " ${CHANGED[*]} " == *" slurm.conf "* || " ${CHANGED[*]} " == *" gres.conf "* ]] && alive slurmctld; then
    say "slurm.conf or gres.conf changed; restarting slurmctld and slurmd"
    stop_daemon slurmd
    stop_daemon slurmctld
    reconfigure=0
  fi
  start_daemon slurmdbd
  wait_for 60 "slurmdbd to answer" dbd_ok || { log_tail "$DIR/log/slurmdbd.log"; die "slurmdbd does not answer"; }
  if ! sacctmgr_q show cluster format=cluster | grep -qx "$CLUSTER"; then
    sacctmgr -i add cluster "$CLUSTER" >/dev/null
  fi
  start_daemon slurmctld
  wait_for 30 "slurmctld to answer" ctld_ok || { log_tail "$DIR/log/slurmctld.log"; die "slurmctld does not answer"; }
  [ $reconfigure = 0 ] || scontrol reconfigure
  ensure_accounting_objects
  start_daemon slurmd
  wait_node_idle
  if [ $STARTED = 0 ]; then summary "already up, checked in $((SECONDS - start)) s"; else summary "started in $((SECONDS - start)) s"; fi
}

status() {
  local name ok=0
  for name in munged mariadbd slurmdbd slurmctld slurmd; do
    if alive "$name"; then
      echo "$name: running (pid $(pid_of "$name"))"
    elif [ "$name" = munged ] || [ "$name" = mariadbd ]; then
      echo "$name: not started by this script"
    else
      echo "$name: stopped"; ok=3
    fi
  done
  echo "munge: $(munge_ok && echo works || echo 'does not work')"
  echo "state: $DIR; client config: $ETC_CONF -> $(readlink "$ETC_CONF" 2>/dev/null || echo 'missing')"
  if [ $ok = 0 ] && ctld_ok; then
    echo "node: $(timeout 10 sinfo -h -N -o '%N %T partition=%P cpus=%c gres=%G' || true)"
    echo "jobs in queue: $(timeout 10 squeue -h -o %A | wc -l)"
    echo "accounts (account|user|qos|GrpTRESMins):"
    sacctmgr_q show assoc where cluster="$CLUSTER" format=account,user,qos,grptresmins | sed 's/^/  /' || true
    echo "qos (name|flags):"
    sacctmgr_q show qos format=name,flags | sed 's/^/  /' || true
    case $(node_state) in idle | mixed | allocated | completing | planned) ;; *) ok=3 ;; esac
  else
    ok=3
  fi
  [ $ok = 0 ] && echo "laif-slurm: up" || echo "laif-slurm: not up"
  return $ok
}

down() {
  local purge=0 name
  [ "${1:-}" = "--purge" ] && purge=1
  if alive slurmctld && ctld_ok; then
    local jobs
    jobs=$(timeout 10 squeue -h -o %A | tr '\n' ' ' || true)
    if [ -n "${jobs// /}" ]; then
      say "cancelling jobs $jobs"
      # shellcheck disable=SC2086
      timeout 10 scancel $jobs 2>/dev/null || true
      wait_for 15 "the jobs to end" test -z "$(timeout 5 squeue -h -t running,completing -o %A 2>/dev/null)" || true
    fi
  fi
  for name in slurmd slurmctld slurmdbd munged mariadbd; do stop_daemon "$name"; done
  if [ -L "$ETC_CONF" ] && [ "$(readlink "$ETC_CONF")" = "$DIR/slurm.conf" ]; then rm -f "$ETC_CONF"; fi
  if [ $purge = 1 ]; then
    if [ -f "$DIR/slurmdbd.conf" ] && port_open "$DB_PORT"; then
      find_mysql_admin
      "${MYSQL[@]}" -e "DROP DATABASE IF EXISTS \`$DB_NAME\`; DROP USER IF EXISTS '$DB_USER'@'localhost', '$DB_USER'@'127.0.0.1';" || true
    fi
    say "removing $DIR"
    rm -rf --one-file-system "$DIR"
  fi
  if [ $purge = 1 ]; then echo "laif-slurm down (state and database removed)"; else echo "laif-slurm down"; fi
}

[ "$(id -u)" = 0 ] || die "run as root (it installs packages, makes device nodes and starts daemons)"
case ${1:-} in
  up) up ;;
  status) status ;;
  down) shift; down "$@" ;;
  *) usage ;;
esac
