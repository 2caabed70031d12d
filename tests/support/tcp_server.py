"""A TCP server for tests that script a peer byte by byte (tests/integration/test_http_*.py):
each connection goes to `handle(server, conn)` in a thread of its own. Loopback only."""
import os
import socket
import ssl
import threading

from provider import _material as pki_material


def suite_tls_server():
    """The suite's CA file and a server TLS context with its 127.0.0.1 certificate."""
    d = pki_material()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(d, "server.pem"), os.path.join(d, "server.key"))
    return os.path.join(d, "ca.pem"), context


class TcpServer:
    """Accepts TCP connections on `host` and hands each to `handle(conn)` in its own thread;
    records what each request said (`requests`)."""

    def __init__(self, handle, host="127.0.0.1", family=socket.AF_INET):
        self.sock = socket.socket(family)
        self.sock.bind((host, 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.handle = handle
        self.requests = []
        self.closed = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if self.closed:
                conn.close()
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        try:
            self.handle(self, conn)
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    def read_request(self, conn):
        conn.settimeout(10)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
        self.requests.append((head.decode("latin-1"), body))
        return data

    def close(self):
        # shutdown() wakes the accept() in run(); closing first would free the descriptor number for
        # the next test's server while run() may still be about to accept on it.
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.thread.join(10)
        self.sock.close()
