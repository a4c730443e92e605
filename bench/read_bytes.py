"""Runs a command and writes to FILE, on one line: the bytes it read
through read calls (rchar of /proc/PID/io, its children included when it
waited for them), taken once it has exited and before it is reaped; its
wall seconds, from just before the fork to its exit; and its CPU seconds
(user + system, its waited-for children included). The wrapper's own
start-up counts in none of them.

    python3 bench/read_bytes.py FILE CMD [ARG...]

Exits with the command's status.
"""
import os
import sys
import time


def main() -> int:
    out, command = sys.argv[1], sys.argv[2:]
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.execvp(command[0], command)
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    wall = time.monotonic() - start
    with open(f"/proc/{pid}/io", encoding="ascii") as io:
        fields = dict(line.split(": ") for line in io.read().splitlines())
    _, status, usage = os.wait4(pid, 0)
    cpu = usage.ru_utime + usage.ru_stime
    with open(out, "w", encoding="ascii") as file:
        file.write(f"{fields['rchar'].strip()} {wall:.3f} {cpu:.2f}\n")
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
