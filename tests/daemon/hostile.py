#!/usr/bin/env python3
"""hostile.py SOCKET: a hostile client of `corral daemon` (tests/daemon/daemon.sh).

Runs as an unprivileged uid.  Sends garbage, an oversized header, a
half-written request and a frame without fds; opens up to 1,000 connections
and holds them; and sends one valid request whose stdout is a pipe nobody
reads, never reading its own socket.  Prints one line per finding, then
"holding" and waits for a line on stdin before closing everything (so the
test can check that other clients are served meanwhile).
"""
import json
import os
import resource
import socket
import struct
import sys

path = sys.argv[1]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    return s


def reply(s):
    data = b""
    while True:
        try:
            chunk = s.recv(4096)
        except ConnectionResetError:
            return "reset"
        if not chunk:
            break
        data += chunk
    if len(data) < 8 or data[:4] != b"CRL1":
        return None
    (n,) = struct.unpack("<I", data[4:8])
    return json.loads(data[8 : 8 + n])


def frame(payload):
    return b"CRL1" + struct.pack("<I", len(payload)) + payload


# Garbage: refused with a usage error, the connection closed.
s = conn()
s.sendall(b"GET / HTTP/1.0\r\n\r\n")
print("garbage:", reply(s))
s.close()

# Oversized: a header announcing 1 GiB is refused before anything is read.
s = conn()
s.sendall(b"CRL1" + struct.pack("<I", 1 << 30))
print("oversized:", reply(s))
s.close()

# A valid frame without the four fds.
s = conn()
s.sendall(frame(json.dumps({"argv": ["list"]}).encode()))
print("no-fds:", reply(s))
s.close()

# Not an allowed command, with fds.
s = conn()
fds = [0, 1, 2, os.open(".", os.O_RDONLY | os.O_DIRECTORY)]
payload = frame(json.dumps({"argv": ["__supervise", "x"]}).encode())
socket.send_fds(s, [payload], fds)
print("internal-command:", reply(s))
s.close()

held = []
# Half-written: the header promises 100 bytes, 10 come.
s = conn()
s.sendall(frame(b"x" * 100)[:18])
held.append(s)

# The client that never reads: a valid request whose stdout is a pipe nobody
# drains (the worker blocks on it), and whose socket is never read.
r, w = os.pipe()
s = conn()
socket.send_fds(s, [frame(json.dumps({"argv": ["logs", "--follow", sys.argv[2]]}).encode())],
                [0, w, 2, fds[3]])
held.append(s)

# 1,000 connections, held open.
refused = 0
for i in range(1000):
    try:
        held.append(conn())
    except OSError:
        refused += 1
print("connections opened:", len(held) - 2, "refused at connect:", refused)
print("holding", flush=True)
sys.stdin.readline()
for s in held:
    s.close()
os.close(r)
os.close(w)
print("closed")
