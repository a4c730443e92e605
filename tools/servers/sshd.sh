#!/usr/bin/env bash
# The loopback OpenSSH sshd the SSH, stage and managed-client tests talk to.
#   sshd.sh start DIR   throw-away host and client keys, its own sshd_config,
#                       sshd on 127.0.0.1 at a free port; writes DIR/pid, DIR/env
#   sshd.sh stop DIR    stops that sshd by its PID and waits for it
# Only key authentication for the user running the tests is possible; a
# second client key (CBACK_TEST_SSH_OTHER_KEY) exists but is not authorized.
set -euo pipefail
# shellcheck source=tools/servers/common.bash
source "$(dirname "$0")/common.bash"
command=${1:?usage: sshd.sh start|stop DIR}
dir=${2:?usage: sshd.sh start|stop DIR}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

write_config() { # $1 = port
  cat >"$dir/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $1
HostKey $dir/host_ed25519
PidFile $dir/pid
AuthorizedKeysFile $dir/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
MaxStartups 100:30:200
MaxSessions 100
LogLevel VERBOSE
Subsystem sftp internal-sftp
EOF
}

# Waits until sshd accepts the client key; false when it did not come up.
wait_ready() { # $1 = port
  local attempt
  for attempt in $(seq 1 50); do
    if ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -i "$dir/client_ed25519" \
      -o UserKnownHostsFile="$dir/known_hosts" -o StrictHostKeyChecking=yes \
      -o ConnectTimeout=2 -p "$1" "$(id -un)@127.0.0.1" true 2>>"$dir/probe.log"; then
      return 0
    fi
    if [ "$attempt" -ge 10 ] && ! { [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; }; then
      return 1
    fi
    sleep 0.1
  done
  return 1
}

start() {
  mkdir -p "$dir"
  mkdir -p /run/sshd 2>/dev/null || true # privilege separation, when run as root
  chmod 700 "$dir"
  ssh-keygen -q -t ed25519 -N '' -C cback-test-host -f "$dir/host_ed25519"
  ssh-keygen -q -t ed25519 -N '' -C cback-test-client -f "$dir/client_ed25519"
  ssh-keygen -q -t ed25519 -N '' -C cback-test-other -f "$dir/other_ed25519"
  cp "$dir/client_ed25519.pub" "$dir/authorized_keys"
  local try port
  for try in 1 2 3 4 5; do
    port=$(free_port)
    write_config "$port"
    echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$dir/host_ed25519.pub")" >"$dir/known_hosts"
    rm -f "$dir/pid"
    /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log" || continue
    if wait_ready "$port"; then
      cat >"$dir/env" <<EOF
export CBACK_TEST_SSH_HOST=127.0.0.1
export CBACK_TEST_SSH_PORT=$port
export CBACK_TEST_SSH_USER=$(id -un)
export CBACK_TEST_SSH_KEY=$dir/client_ed25519
export CBACK_TEST_SSH_KNOWN_HOSTS=$dir/known_hosts
export CBACK_TEST_SSH_OTHER_KEY=$dir/other_ed25519
export CBACK_TEST_SSH_HOST_PUB=$dir/host_ed25519.pub
EOF
      echo "sshd on 127.0.0.1:$port (try $try)"
      return 0
    fi
    if [ -f "$dir/pid" ]; then kill "$(cat "$dir/pid")" 2>/dev/null || true; fi
  done
  echo "sshd did not come up; its log:" >&2
  tail -20 "$dir/sshd.log" "$dir/probe.log" >&2 || true
  return 1
}

stop() { stop_by_pid TERM; }

case $command in
start) start ;;
stop) stop ;;
*)
  echo "usage: sshd.sh start|stop DIR" >&2
  exit 2
  ;;
esac
