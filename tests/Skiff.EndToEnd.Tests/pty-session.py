#!/usr/bin/env python3
"""Drives a program through a pseudo-terminal, the way a person at a terminal would.

usage: pty-session.py ROWSxCOLS STEP... -- PROGRAM ARG...
steps: expect:TEXT  (wait until the output so far contains TEXT after the previous match)
       send:TEXT    (type TEXT and Enter)
       resize:RxC   (resize the terminal; the program gets SIGWINCH)
The transcript goes to stdout; the exit code is the program's, or 100 when an expectation timed out.
"""
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time

TIMEOUT = 60


def set_size(fd, size):
    rows, cols = (int(n) for n in size.split("x"))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def main():
    split = sys.argv.index("--")
    size, steps, argv = sys.argv[1], sys.argv[2:split], sys.argv[split + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    set_size(fd, size)
    output = b""
    matched = 0

    def read_some(wait):
        nonlocal output
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            return True
        try:
            data = os.read(fd, 65536)
        except OSError:
            return False
        output += data
        return bool(data)

    for step in steps:
        kind, _, text = step.partition(":")
        if kind == "expect":
            token = text.encode()
            deadline = time.time() + TIMEOUT
            while output.find(token, matched) < 0:
                if time.time() > deadline or not read_some(0.2):
                    sys.stdout.write(output.decode(errors="replace"))
                    sys.stdout.write("\n(expectation not met: %r)\n" % text)
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    return 100
            matched = output.find(token, matched) + len(token)
        elif kind == "send":
            os.write(fd, text.encode() + b"\r")
        elif kind == "resize":
            set_size(fd, text)
            os.kill(pid, signal.SIGWINCH)
        else:
            raise SystemExit("unknown step " + step)

    deadline = time.time() + TIMEOUT
    while read_some(0.2):
        if time.time() > deadline:
            sys.stdout.write("\n(the program did not end)\n")
            os.kill(pid, signal.SIGKILL)
            break
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(output.decode(errors="replace"))
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
