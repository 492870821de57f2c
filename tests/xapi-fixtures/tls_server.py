#!/usr/bin/env python3
"""An HTTPS stand-in for tests/test_xenapi.c: on 127.0.0.1 with the
certificate and key given, it answers every POST /jsonrpc as xapi answers
session.login_with_password, prints its port, and serves until killed.
The test checks what the client's TLS verification lets through."""
import http.server
import json
import ssl
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        req = json.loads(self.rfile.read(n))
        body = json.dumps({"jsonrpc": "2.0", "id": req["id"],
                           "result": "OpaqueRef:7e57a11c-0000-4000-8000-"
                                     "000000000001"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    cert, key = sys.argv[1], sys.argv[2]
    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print(srv.server_address[1], flush=True)
    # A refused handshake is an OSError in get_request: the server
    # drops that connection and goes on.
    srv.serve_forever()


if __name__ == "__main__":
    main()
