# shellcheck shell=bash disable=SC2154  # $dir is set by the sourcing script
# Shared by the part scripts of tools/servers (sourced, not a part itself:
# tools/servers.sh runs only *.sh).

# stop_by_pid SIGNAL: sends SIGNAL to the server whose PID is in $dir/pid,
# waits up to 30 s for it to exit, then kills it; removes the PID file.
stop_by_pid() {
  local signal=$1 pid
  [ -f "$dir/pid" ] || return 0
  pid=$(cat "$dir/pid")
  if kill "-$signal" "$pid" 2>/dev/null; then
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$dir/pid"
}

# A Unix socket path holds at most 107 bytes: a deep $dir gets its socket
# in a short private directory /tmp/PREFIX.XXXXXX, remembered in
# $dir/socket_dir. Prints the socket directory.
make_socket_dir() {
  local prefix=$1 sockets=$dir/run
  if [ ${#sockets} -gt 80 ]; then sockets=$(mktemp -d "/tmp/$prefix.XXXXXX"); fi
  mkdir -p "$sockets"
  printf '%s\n' "$sockets" >"$dir/socket_dir"
  printf '%s\n' "$sockets"
}

# Removes the private socket directory make_socket_dir made, if any.
remove_socket_dir() {
  local prefix=$1
  [ -f "$dir/socket_dir" ] || return 0
  case $(cat "$dir/socket_dir") in "/tmp/$prefix".*) rm -rf "$(cat "$dir/socket_dir")" ;; esac
}
