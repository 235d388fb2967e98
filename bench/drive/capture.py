#!/usr/bin/env python3
"""A recording proxy: captures what a real client sends, so that a benchmark can send the same.

    capture.py LISTEN_PORT UPSTREAM_URL OUT_FILE

Every request is passed on to UPSTREAM_URL unchanged and its answer passed back; the method,
path and headers of each request (the Authorization header's value left out) are appended to
OUT_FILE as one JSON object per line. Used by `bench/drive/run capture` to record the PUTs of
Nextcloud's own command-line client (put.lua sends the same headers).
"""

import http.client
import http.server
import json
import sys
import threading
import urllib.parse

HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"}


def main() -> None:
    port, upstream, out = int(sys.argv[1]), urllib.parse.urlsplit(sys.argv[2]), sys.argv[3]
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def body(self) -> bytes:
            if self.headers.get("transfer-encoding", "").lower() == "chunked":
                data = b""
                while True:
                    size = int(self.rfile.readline().split(b";")[0], 16)
                    if size == 0:
                        self.rfile.readline()
                        return data
                    data += self.rfile.read(size)
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("content-length", "0") or 0))

        def relay(self) -> None:
            data = self.body()
            headers = [(k, v) for k, v in self.headers.items() if k.lower() not in HOP]
            record = {
                "method": self.command,
                "path": self.path,
                "headers": [[k, "<secret>" if k.lower() == "authorization" else v] for k, v in headers],
                "body_bytes": len(data),
            }
            with lock, open(out, "a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")
            conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
            sent = {k: v for k, v in headers if k.lower() != "host"}
            sent["Host"] = upstream.netloc
            sent["Content-Length"] = str(len(data))
            conn.request(self.command, self.path, body=data, headers=sent)
            resp = conn.getresponse()
            payload = resp.read()
            self.send_response_only(resp.status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() not in HOP and k.lower() != "content-length":
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
            conn.close()

        do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_OPTIONS = relay
        do_PROPFIND = do_PROPPATCH = do_MKCOL = do_MOVE = do_COPY = do_LOCK = do_UNLOCK = relay

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()
