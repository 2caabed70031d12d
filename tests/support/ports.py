"""Loopback ports a test names in advance (a redirect URI registered with the provider, a profile's
fixed port) without racing the rest of the machine for them.

Picking a free port and closing it leaves it to the next connect(): on a busy machine (ctest -j, the
canary suites) another process's outgoing connection can take it, and its TIME_WAIT then holds it
for a minute, before entratool listens there. A ReservedPort keeps a socket bound to the port
(SO_REUSEADDR, never listening) until it is closed: Linux gives bound ports to no outgoing
connection, yet lets entratool's listener (which also sets SO_REUSEADDR) bind and listen there.
A second listener is still refused, so "port already in use" stays testable."""

import socket


class ReservedPort:
    def __init__(self, host="127.0.0.1"):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.port = self.sock.getsockname()[1]

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
