#!/usr/bin/env python3
"""Loopback HTTP server for tests/cli/mls-ipinfo.bats.

usage: mls-ipinfo-httpd.py PORTFILE serve DIR        files from DIR (http.server)
       mls-ipinfo-httpd.py PORTFILE stall            accept connections, never answer
       mls-ipinfo-httpd.py PORTFILE redirect URL     answer every GET with 302 to URL

Binds 127.0.0.1 on a free port (port 0) and writes the port number to PORTFILE
(atomically, once listening). Runs until killed. Only ever 127.0.0.1.
"""
import functools
import http.server
import os
import socket
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


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    portfile, mode = sys.argv[1], sys.argv[2]
    if mode == "serve" and len(sys.argv) == 4:
        handler = functools.partial(Quiet, directory=sys.argv[3])
        httpd = http.server.HTTPServer(("127.0.0.1", 0), handler)
        write_port(portfile, httpd.server_address[1])
        httpd.serve_forever()
    elif mode == "redirect" and len(sys.argv) == 4:
        location = sys.argv[3]

        class Redirect(Quiet):
            def do_GET(self):
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

        httpd = http.server.HTTPServer(("127.0.0.1", 0), Redirect)
        write_port(portfile, httpd.server_address[1])
        httpd.serve_forever()
    elif mode == "stall" and len(sys.argv) == 3:
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
