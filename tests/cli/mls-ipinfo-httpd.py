#!/usr/bin/env python3
"""Loopback HTTP(S) server for tests/cli/mls-ipinfo.bats.

usage: mls-ipinfo-httpd.py PORTFILE [--tls CERT KEY] serve DIR     files from DIR (http.server)
       mls-ipinfo-httpd.py PORTFILE stall                         accept connections, never answer
       mls-ipinfo-httpd.py PORTFILE [--tls CERT KEY] redirect URL  answer every GET with 302 to URL

Binds 127.0.0.1 on a free port (port 0) and writes the port number to PORTFILE
(atomically, once listening). Runs until killed. Only ever 127.0.0.1.
With --tls, serves HTTPS with the PEM certificate CERT and private key KEY; a
client that rejects the certificate only ends its own connection.
"""
import functools
import http.server
import os
import socket
import ssl
import sys
import time


def write_port(portfile, port):
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, portfile)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def listen(handler, tls):
    httpd = http.server.HTTPServer(("127.0.0.1", 0), handler)
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls[0], tls[1])
        # Handshakes happen in accept(); a failed one is an OSError there, which
        # serve_forever() drops with that connection.
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    return httpd


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    portfile = args.pop(0)
    tls = None
    if args[0] == "--tls":
        if len(args) < 4:
            sys.exit(__doc__)
        tls = (args[1], args[2])
        args = args[3:]
    mode, argv = args[0], args[1:]
    if mode == "serve" and len(argv) == 1:
        handler = functools.partial(Quiet, directory=argv[0])
        httpd = listen(handler, tls)
        write_port(portfile, httpd.server_address[1])
        httpd.serve_forever()
    elif mode == "redirect" and len(argv) == 1:
        location = argv[0]

        class Redirect(Quiet):
            def do_GET(self):
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

        httpd = listen(Redirect, tls)
        write_port(portfile, httpd.server_address[1])
        httpd.serve_forever()
    elif mode == "stall" and not argv and not tls:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        write_port(portfile, s.getsockname()[1])
        held = []
        while True:
            conn, _ = s.accept()
            held.append(conn)  # keep it open, say nothing
            time.sleep(0.01)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
