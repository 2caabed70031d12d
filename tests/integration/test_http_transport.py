"""The network module's own HTTP/1.1 and TLS transport (host/modules/http: OpenSSL on POSIX sockets)
against small loopback servers that answer exactly as a test needs: the request it writes, the ways a
response body ends (Content-Length, chunked, the connection's close, with and without TLS close_notify),
interim responses, header names as sent, the 8 MiB limit, one deadline inside a body and one over a
DNS resolver that does not answer, IPv6 literals, the host name or IP checked against the
certificate, and a CONNECT tunnel through an http:// proxy."""

import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import canary  # noqa: E402
from provider import _material as pki_material  # noqa: E402
from tcp_server import TcpServer as Server, suite_tls_server  # noqa: E402
from test_http import BUILD, NETWORK, TIMEOUT, probe  # noqa: E402

ENTRATOOL = os.environ["ENTRATOOL_BIN"]
# tests/flows/unanswered_resolver.c: a getaddrinfo() that never answers for *.unanswered.test.
UNANSWERED_RESOLVER = os.path.join(BUILD, "tests", "bin", "entratool-test-unanswered-resolver.so")


def with_unanswered_resolver(env):
    """`env` with the shim preloaded (in a sanitizer build it comes before libasan, which ASan
    accepts once told)."""
    asan = os.environ.get("ASAN_OPTIONS", "")
    return dict(env, LD_PRELOAD=UNANSWERED_RESOLVER,
                ASAN_OPTIONS=(asan + ":" if asan else "") + "verify_asan_link_order=0")


def answer(raw):
    """A handler that reads the request and sends `raw` bytes, then closes (a FIN)."""

    def handle(server, conn):
        server.read_request(conn)
        conn.sendall(raw)

    return handle


class PlainTransport(unittest.TestCase):
    def serve(self, handle, **kw):
        s = Server(handle, **kw)
        self.addCleanup(s.close)
        return s

    def get(self, server, path="/t", *extra, host="127.0.0.1"):
        return probe([f"http://{host}:{server.port}{path}"] + list(extra))

    def test_the_request_line_and_fields_as_sent(self):
        s = self.serve(answer(b"HTTP/1.1 204 No Content\r\n\r\n"))
        r = probe([f"http://127.0.0.1:{s.port}/a/b?x=1&y=%2F#fragment", "--method", "POST", "--form", "k=v w",
                   "--header", "X-Extra=1", "--header", "content-type=text/x-custom"])
        self.assertEqual((r["ok"], r["status"]), (True, 204), r)
        head, body = s.requests[0]
        lines = head.split("\r\n")
        self.assertEqual(lines[0], "POST /a/b?x=1&y=%2F HTTP/1.1")
        fields = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:]]
        names = [n.lower() for n, _ in fields]
        self.assertEqual(names, ["user-agent", "content-type", "x-extra", "content-length", "host", "connection"])
        values = {n.lower(): v for n, v in fields}
        self.assertTrue(values["user-agent"].startswith("entratool/"), values)
        self.assertEqual(values["content-type"], "text/x-custom")  # a header of the request replaces the default
        self.assertEqual(values["host"], f"127.0.0.1:{s.port}")
        self.assertEqual(values["connection"], "close")
        self.assertEqual(values["content-length"], str(len(body)))
        self.assertEqual(body, b"k=v+w")

    def test_a_get_sends_no_content_length(self):
        s = self.serve(answer(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
        r = self.get(s)
        self.assertEqual(r["body"], "ok", r)
        self.assertNotIn("content-length", s.requests[0][0].lower())

    def test_a_chunked_body_is_reassembled_and_trailers_dropped(self):
        s = self.serve(answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                              b"5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"))
        r = self.get(s)
        self.assertEqual((r["ok"], r["status"], r["body"]), (True, 200, "hello world"), r)
        self.assertNotIn("X-Trailer", r["headers"])

    def test_a_body_without_length_ends_with_the_connection(self):
        s = self.serve(answer(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end"))
        r = self.get(s)
        self.assertEqual(r["body"], "until the end", r)

    def test_a_response_that_arrives_a_few_bytes_at_a_time(self):
        raw = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n"
               b"4\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n")

        def trickle(server, conn):
            server.read_request(conn)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for i in range(0, len(raw), 3):
                conn.sendall(raw[i:i + 3])
                time.sleep(0.01)

        s = self.serve(trickle)
        r = self.get(s)
        self.assertEqual((r["status"], r["headers"].get("X-A"), r["body"]), (200, "1", "abcdefg"), r)

    def test_interim_responses_are_skipped(self):
        s = self.serve(answer(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx"))
        r = self.get(s)
        self.assertEqual((r["status"], r["body"]), (201, "x"), r)

    def test_header_names_and_values_as_the_server_sent_them(self):
        s = self.serve(answer(b"HTTP/1.1 200 OK\r\nX-MiXeD-Case:   spaced value \r\nRetry-After: 3\r\n"
                              b"Content-Length: 0\r\n\r\n"))
        r = self.get(s)
        self.assertEqual(r["headers"].get("X-MiXeD-Case"), "spaced value", r)
        self.assertEqual(r["headers"].get("Retry-After"), "3", r)

    def test_a_response_over_8_mib_is_refused(self):
        nine = 9 * 1024 * 1024
        for raw in (b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % nine + b"x" * nine,
                    b"HTTP/1.1 200 OK\r\n\r\n" + b"x" * nine,
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + (b"100000\r\n" + b"x" * 0x100000 + b"\r\n") * 9):
            s = self.serve(answer(raw))
            r = self.get(s)
            self.assertEqual((r["ok"], r["category"]), (False, NETWORK), raw[:60])
            self.assertIn("larger than 8 MiB", r["message"])

    def test_a_close_before_any_answer(self):
        s = self.serve(lambda server, conn: server.read_request(conn))
        r = self.get(s)
        self.assertEqual((r["ok"], r["category"]), (False, NETWORK), r)
        self.assertIn("closed the connection without answering", r["message"])

    def test_malformed_responses(self):
        for raw in (b"HELLO THERE\r\n\r\n", b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
                    b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n",
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", b"HTTP/1.1 200 OK\r\nX: y"):
            s = self.serve(answer(raw))
            r = self.get(s)
            self.assertEqual((r["ok"], r["category"]), (False, NETWORK), raw)
            self.assertIn(f"malformed HTTP response from 127.0.0.1:{s.port}", r["message"], raw)

    def test_a_stall_inside_the_body_ends_at_the_timeout(self):
        def stall(server, conn):
            server.read_request(conn)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b")
            time.sleep(8)

        s = self.serve(stall)
        start = time.monotonic()
        # 3 s with 1.5 s to spare for starting the probe on a loaded machine, as test_http.py's
        # deadline tests; one timeout per wait would take 6 s.
        r = self.get(s, "/t", "--timeout-ms", "3000")
        elapsed = time.monotonic() - start
        self.assertEqual((r["ok"], r["category"]), (False, TIMEOUT), r)
        self.assertEqual(r["message"], f"no answer from 127.0.0.1:{s.port} within 3 s")
        self.assertLess(elapsed, 4.5, f"a 3 s timeout took {elapsed:.2f} s")

    def test_a_bracketed_ipv6_literal(self):
        try:
            s = self.serve(answer(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nv6"), host="::1",
                           family=socket.AF_INET6)
        except OSError as e:
            self.skipTest(f"this machine has no IPv6 loopback: {e}")
        r = self.get(s, host="[::1]")
        self.assertEqual(r["body"], "v6", r)
        self.assertIn(f"Host: [::1]:{s.port}", s.requests[0][0])

    def test_localhost_reaches_an_ipv4_only_server(self):
        s = self.serve(answer(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nv4"))
        r = self.get(s, host="localhost")
        self.assertEqual(r["body"], "v4", r)

    def test_an_unresolvable_host(self):
        r = probe(["https://entratool-does-not-exist.invalid/x", "--timeout-ms", "5000"])
        self.assertEqual((r["ok"], r["category"]), (False, NETWORK), r)
        self.assertIn("cannot resolve host 'entratool-does-not-exist.invalid'", r["message"])

    def test_a_resolver_that_does_not_answer_ends_at_the_timeout(self):
        # getaddrinfo() has no deadline; with silent name servers it waits out resolv.conf's
        # timeouts (30 s and more). The shim holds a look-up of *.unanswered.test for 120 s, and
        # probe() gives the whole run 60 s: a module that waited for it fails here.
        env = with_unanswered_resolver({})
        r = probe(["https://login.unanswered.test/x", "--timeout-ms", "2000"], env=env)
        self.assertEqual((r["ok"], r["category"]), (False, TIMEOUT), r)
        self.assertEqual(r["message"], "no answer from the DNS resolver for 'login.unanswered.test' within 2 s: "
                                       "check the network and the name servers in /etc/resolv.conf")
        # An address literal asks no resolver, so the shim's silence never reaches it.
        s = self.serve(answer(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
        r = probe([f"http://127.0.0.1:{s.port}/t", "--timeout-ms", "2000"], env=env)
        self.assertEqual(r["body"], "ok", r)

    def test_get_token_names_the_silent_resolver_and_exits_5(self):
        with tempfile.TemporaryDirectory() as home:
            env = dict(os.environ, HOME=home, ENTRATOOL_CONFIG_DIR=os.path.join(home, "config"),
                       XDG_DATA_HOME=os.path.join(home, "data"), XDG_CONFIG_HOME=os.path.join(home, "xdg"))
            for name in ("HTTPS_PROXY", "https_proxy", "AZURE_AUTHORITY_HOST", "ENTRATOOL_PLUGIN_PATH"):
                env.pop(name, None)
            made = subprocess.run([ENTRATOOL, "create-profile", "--name", "dns", "--tenant-id", "contoso.example",
                                   "--client-id", "11111111-aaaa-4000-8000-000000000002",
                                   "--authority-host", "https://login.unanswered.test", "--client-secret-stdin"],
                                  input=canary.value("simple_secret", "dns-test-secret") + "\n",
                                  capture_output=True, text=True, env=env, timeout=60)
            self.assertEqual(made.returncode, 0, made.stderr)
            r = subprocess.run([ENTRATOOL, "get-token", "-p", "dns", "--timeout", "2s", "--silent"],
                               capture_output=True, text=True, env=with_unanswered_resolver(env), timeout=60)
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertEqual(r.stderr, "entratool: no answer from the DNS resolver for 'login.unanswered.test' within "
                                   "2 s: check the network and the name servers in /etc/resolv.conf\n")

    def test_urls_the_module_refuses(self):
        for url, says in (("ftp://127.0.0.1/x", "unsupported URL scheme 'ftp'"),
                          ("http://127.0.0.1:99999/x", "bad or invalid port number"),
                          ("http://[::1/x", "unterminated IPv6 address"),
                          ("https:///x", "no host")):
            r = probe([url])
            self.assertEqual((r["ok"], r["category"]), (False, 1), url)
            self.assertIn(says, r["message"], url)


# Run in a child process: loads the module with ctypes and calls its send() from several threads at
# once (ctypes releases the GIL during the call), each with its own request; prints one line per
# result. The first calls race to create the TLS context for the CA bundle.
THREADS_CHILD = r"""
import ctypes, sys, threading
module, url, ca, threads, per_thread = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])

class Str(ctypes.Structure):
    _fields_ = [("data", ctypes.c_char_p), ("size", ctypes.c_size_t)]

class Pairs(ctypes.Structure):
    _fields_ = [("items", ctypes.c_void_p), ("count", ctypes.c_size_t)]

class Request(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint32), ("method", Str), ("url", Str), ("headers", Pairs), ("form", Pairs),
                ("body", Str), ("content_type", Str), ("timeout_ms", ctypes.c_int64), ("ca_bundle", Str),
                ("proxy", Str)]

class Status(ctypes.Structure):
    _fields_ = [("category", ctypes.c_int32), ("code", ctypes.c_char * 64), ("message", ctypes.c_char * 2048)]

SET = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int32, Pairs, Str)

class Sink(ctypes.Structure):
    _fields_ = [("ctx", ctypes.c_void_p), ("set", SET)]

SEND = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, ctypes.POINTER(Request), Sink, ctypes.POINTER(Status))

class Service(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint32), ("ctx", ctypes.c_void_p), ("send", SEND)]

lib = ctypes.CDLL(module)
lib.entratool_http_service.restype = ctypes.POINTER(Service)
service = lib.entratool_http_service().contents

def s(b):
    return Str(b, len(b))

results = []
lock = threading.Lock()

def worker(n):
    for i in range(per_thread):
        got = {}
        def on_set(ctx, status, headers, body):
            got["status"] = status
            got["body"] = ctypes.string_at(body.data, body.size).decode()
        sink = Sink(None, SET(on_set))
        target = f"{url}?thread={n}&call={i}".encode()
        req = Request(ctypes.sizeof(Request), s(b"GET"), s(target), Pairs(None, 0), Pairs(None, 0), s(b""), s(b""),
                      20000, s(ca.encode()), s(b""))
        st = Status()
        rc = service.send(service.ctx, ctypes.byref(req), sink, ctypes.byref(st))
        with lock:
            results.append(f"{rc} {got.get('status')} {got.get('body')}" if rc == 0 else f"{rc} {st.message.decode()}")

ts = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("\n".join(results))
"""


def sign_server_certificate(d, name):
    """A server certificate for DNS:`name`, signed by the suite's test CA (openssl CLI)."""
    key, csr, pem, ext = (os.path.join(d, name + suffix) for suffix in (".key", ".csr", ".pem", ".ext"))
    with open(ext, "w") as f:
        f.write(f"basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:{name}\n")
    m = pki_material()
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + name],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", os.path.join(m, "ca.pem"), "-CAkey",
                    os.path.join(m, "ca.key"), "-CAcreateserial", "-CAserial", os.path.join(d, "ca.srl"), "-out", pem,
                    "-days", "2", "-extfile", ext], check=True, capture_output=True)
    return pem, key


class TlsTransport(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ca, cls.tls = suite_tls_server()

    def serve(self, handle, host="127.0.0.1", context=None):
        ctx = context or self.tls

        def tls_handle(server, conn):
            t = ctx.wrap_socket(conn, server_side=True)
            try:
                handle(server, t)
            finally:
                t.close()

        s = Server(tls_handle, host=host)
        self.addCleanup(s.close)
        return s

    def test_a_body_ended_by_close_notify(self):
        def handle(server, t):
            server.read_request(t)
            t.sendall(b"HTTP/1.1 200 OK\r\n\r\nall of it")
            t.unwrap()  # close_notify, then the TCP close

        s = self.serve(handle)
        r = probe([f"https://127.0.0.1:{s.port}/t", "--ca", self.ca])
        self.assertEqual((r["ok"], r["body"]), (True, "all of it"), r)

    def test_a_body_ended_by_a_close_without_close_notify(self):
        def handle(server, t):
            server.read_request(t)
            t.sendall(b"HTTP/1.1 200 OK\r\n\r\npart of it")
            t.shutdown(socket.SHUT_RDWR)

        s = self.serve(handle)
        r = probe([f"https://127.0.0.1:{s.port}/t", "--ca", self.ca])
        self.assertEqual((r["ok"], r["category"]), (False, NETWORK), r)
        self.assertIn("close_notify", r["message"])

    def test_a_chunked_body_over_tls(self):
        s = self.serve(lambda server, t: (server.read_request(t),
                                          t.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                                    b"3\r\nabc\r\n0\r\n\r\n")))
        r = probe([f"https://127.0.0.1:{s.port}/t", "--ca", self.ca])
        self.assertEqual(r["body"], "abc", r)

    def test_an_address_the_certificate_does_not_name_is_refused(self):
        # The server's certificate names IP 127.0.0.1 and DNS localhost; 127.0.0.2 is loopback too.
        try:
            s = self.serve(lambda server, t: server.read_request(t), host="127.0.0.2")
        except OSError as e:
            self.skipTest(f"127.0.0.2 is not a loopback address here: {e}")
        r = probe([f"https://127.0.0.2:{s.port}/t", "--ca", self.ca])
        self.assertEqual((r["ok"], r["category"]), (False, NETWORK), r)
        self.assertIn("is not for host '127.0.0.2'", r["message"])
        self.assertNotIn("ca-bundle", r["message"])

    def test_a_tunnel_through_an_http_proxy_with_the_name_verified(self):
        """HTTPS_PROXY with credentials: CONNECT login.example.test:443 is tunnelled to a loopback TLS
        server whose certificate is for login.example.test; the module sends SNI, checks that name and
        gets the answer through the tunnel. A second name the certificate does not cover is refused."""
        d = tempfile.mkdtemp(prefix="entratool-tunnel-")
        pem, key = sign_server_certificate(d, "login.example.test")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(pem, key)
        sni = []
        ctx.sni_callback = lambda sock, name, c: sni.append(name)
        origin = self.serve(lambda server, t: (server.read_request(t),
                                               t.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\ntunnelled")),
                            context=ctx)
        connects = []

        def proxy(server, conn):
            head = server.read_request(conn)
            connects.append(head.decode("latin-1"))
            upstream = socket.create_connection(("127.0.0.1", origin.port))
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")

            def pump(a, b):
                try:
                    while True:
                        data = a.recv(65536)
                        if not data:
                            break
                        b.sendall(data)
                except OSError:
                    pass
                finally:
                    try:
                        b.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass

            t = threading.Thread(target=pump, args=(upstream, conn), daemon=True)
            t.start()
            pump(conn, upstream)
            t.join(10)
            upstream.close()

        p = Server(proxy)
        self.addCleanup(p.close)
        env = {"HTTPS_PROXY": f"http://user:p%40ss@127.0.0.1:{p.port}"}
        r = probe(["https://login.example.test/contoso/token?x=1", "--ca", self.ca, "--timeout-ms", "10000"], env=env)
        self.assertEqual((r["ok"], r["status"], r["body"]), (True, 200, "tunnelled"), r)
        self.assertTrue(connects[0].startswith("CONNECT login.example.test:443 HTTP/1.1\r\n"), connects)
        self.assertIn("Proxy-Authorization: Basic dXNlcjpwQHNz", connects[0])  # user:p@ss
        self.assertEqual(sni, ["login.example.test"])
        self.assertIn("GET /contoso/token?x=1 HTTP/1.1", origin.requests[0][0])
        self.assertIn("Host: login.example.test\r\n", origin.requests[0][0] + "\r\n")

        r = probe(["https://other.example.test/x", "--ca", self.ca, "--timeout-ms", "10000"], env=env)
        self.assertEqual((r["ok"], r["category"]), (False, NETWORK), r)
        self.assertIn("is not for host 'other.example.test'", r["message"])

    def test_send_from_several_threads_of_one_process(self):
        def echo(server, t):
            head = server.read_request(t).decode("latin-1")
            query = head.split(" ")[1].split("?", 1)[1]
            t.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(query), query.encode()))

        s = self.serve(echo)
        module = os.path.join(os.environ.get("ENTRATOOL_BUILD_DIR", ""), "lib", "entratool", "entratool-http.so")
        self.assertTrue(os.path.exists(module), module)
        env = dict(os.environ)
        needed = subprocess.run(["readelf", "-d", module], capture_output=True, text=True).stdout
        if "libasan" in needed:  # a sanitizer build: the runtime must come first, and Python's leaks are not ours
            runtime = [subprocess.run(["gcc", "-print-file-name=" + lib], capture_output=True, text=True).stdout.strip()
                       for lib in ("libasan.so", "libstdc++.so")]  # libstdc++ too, for the __cxa_throw interceptor
            env.update(LD_PRELOAD=":".join(runtime), ASAN_OPTIONS="detect_leaks=0")
        threads, per_thread = 8, 4
        r = subprocess.run([sys.executable, "-c", THREADS_CHILD, module, f"https://127.0.0.1:{s.port}/t", self.ca,
                            str(threads), str(per_thread)], capture_output=True, text=True, timeout=120, env=env)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        expected = sorted(f"0 200 thread={n}&call={i}" for n in range(threads) for i in range(per_thread))
        self.assertEqual(sorted(r.stdout.split("\n")[:-1]), expected, r.stdout + r.stderr[-3000:])

    def test_a_proxy_that_refuses_the_tunnel(self):
        p = Server(answer(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"))
        self.addCleanup(p.close)
        r = probe(["https://login.example.test/x", "--timeout-ms", "5000"],
                  env={"https_proxy": f"127.0.0.1:{p.port}"})
        self.assertEqual((r["ok"], r["category"]), (False, NETWORK), r)
        self.assertIn("407", r["message"])
        self.assertIn("(via proxy 127.0.0.1)", r["message"])


if __name__ == "__main__":
    unittest.main()
