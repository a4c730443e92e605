"""Runs a command and writes to FILE the bytes it read through read calls
(rchar of /proc/PID/io, its children included when it waited for them),
taken once it has exited and before it is reaped.

    python3 bench/read_bytes.py FILE CMD [ARG...]

Exits with the command's status.
"""
import os
import sys


def main() -> int:
    out, command = sys.argv[1], sys.argv[2:]
    pid = os.fork()
    if pid == 0:
        os.execvp(command[0], command)
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    with open(f"/proc/{pid}/io", encoding="ascii") as io:
        fields = dict(line.split(": ") for line in io.read().splitlines())
    _, status = os.waitpid(pid, 0)
    with open(out, "w", encoding="ascii") as file:
        file.write(fields["rchar"].strip() + "\n")
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
