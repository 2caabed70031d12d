"""What the network module says when a connection goes wrong in a way a CA bundle cannot fix: a
reset, a TLS peer that closes without close_notify, a plain-HTTP server behind an https:// URL.
"--ca-bundle" is advice only for a certificate the client cannot verify (issue 14, item 11)."""

import os
import socket
import ssl
import struct
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tcp_server import TcpServer, suite_tls_server  # noqa: E402
from test_http import NETWORK, probe  # noqa: E402


def read_request(conn):
    data = b""
    conn.settimeout(5)
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def reset(conn):
    conn.settimeout(5)
    conn.recv(4096)  # the ClientHello; answered with a TCP reset
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close sends RST


def plain_http(conn):
    conn.settimeout(5)
    conn.recv(4096)  # the TLS ClientHello, answered as a plain HTTP server does
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


class HttpAdvice(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ca, cls.tls = suite_tls_server()

    def serve(self, handle):
        server = TcpServer(lambda _server, conn: handle(conn))
        self.addCleanup(server.close)
        return server

    def assert_no_ca_advice(self, r):
        self.assertEqual((r["ok"], r["category"]), (False, NETWORK), r)
        self.assertNotIn("ca-bundle", r["message"])
        self.assertNotIn("CA_BUNDLE", r["message"])

    def test_connection_reset_says_reset_not_ca_bundle(self):
        s = self.serve(reset)
        r = probe([f"https://127.0.0.1:{s.port}/t", "--ca", self.ca, "--method", "POST", "--form", "a=b"])
        self.assert_no_ca_advice(r)
        self.assertIn("reset", r["message"])

    def test_plain_http_server_on_https_url_says_so(self):
        s = self.serve(plain_http)
        r = probe([f"https://127.0.0.1:{s.port}/t", "--ca", self.ca])
        self.assert_no_ca_advice(r)
        self.assertIn("plain HTTP", r["message"])

    def test_tls_close_without_close_notify_says_truncated(self):
        tls = self.tls

        def truncate(conn):
            t = tls.wrap_socket(conn, server_side=True)
            read_request(t)
            t.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{\"access")
            # SSLSocket.shutdown closes the TCP connection without TLS's close_notify (unwrap sends it).
            t.shutdown(socket.SHUT_RDWR)
            t.close()

        s = self.serve(truncate)
        r = probe([f"https://127.0.0.1:{s.port}/t", "--ca", self.ca])
        self.assert_no_ca_advice(r)
        self.assertIn("close_notify", r["message"])

    def test_untrusted_certificate_still_advises_ca_bundle(self):
        tls = self.tls

        def handshake(conn):
            try:
                tls.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError):
                pass

        s = self.serve(handshake)
        r = probe([f"https://127.0.0.1:{s.port}/t"])
        self.assertEqual((r["ok"], r["category"]), (False, NETWORK), r)
        self.assertIn("--ca-bundle", r["message"])


if __name__ == "__main__":
    unittest.main()
