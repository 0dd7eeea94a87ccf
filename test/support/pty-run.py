#!/usr/bin/env python3
"""Runs a command in a pseudo-terminal, as a person's terminal would, for the integration tests.

usage: pty-run.py <command> [args...]     (PTY_ROWS, PTY_COLS: the terminal's size, default 30x100)

The command's terminal output is copied to stdout unchanged. Lines on stdin drive the terminal:
  send <hex>   type these bytes (03 is Ctrl-C, 71 is q)
  hangup       close the terminal (the kernel sends SIGHUP, as when a terminal window is closed)
When the command has exited, one JSON line goes to stderr: its exit code or signal, and whether the terminal was left
in its normal modes (echo and line editing on), which a full-screen program must restore.
"""
import fcntl
import json
import os
import pty
import select
import struct
import sys
import termios

rows = int(os.environ.get("PTY_ROWS", "30"))
cols = int(os.environ.get("PTY_COLS", "100"))

pid, master = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.execvp(sys.argv[1], sys.argv[1:])

master_open = True
stdin_open = True
status = None
modes = None


def copy_output():
    global master_open
    try:
        data = os.read(master, 65536)
    except OSError:
        data = b""
    if data:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return bool(data)


while status is None:
    watched = ([master] if master_open else []) + ([0] if stdin_open else [])
    readable, _, _ = select.select(watched, [], [], 0.1)
    if master_open and master in readable:
        copy_output()
    if 0 in readable:
        line = sys.stdin.readline()
        if not line:
            stdin_open = False
        words = line.split()
        if words[:1] == ["send"] and master_open:
            os.write(master, bytes.fromhex(words[1]))
        elif words[:1] == ["hangup"] and master_open:
            os.close(master)
            master_open = False
    done, code = os.waitpid(pid, os.WNOHANG)
    if done:
        status = code

if master_open:
    lflag = termios.tcgetattr(master)[3]
    modes = {"echo": bool(lflag & termios.ECHO), "icanon": bool(lflag & termios.ICANON)}
    while select.select([master], [], [], 0.2)[0] and copy_output():
        pass

result = {"modes": modes}
if os.WIFEXITED(status):
    result["exit"] = os.WEXITSTATUS(status)
else:
    result["signal"] = os.WTERMSIG(status)
sys.stderr.write(json.dumps(result) + "\n")
