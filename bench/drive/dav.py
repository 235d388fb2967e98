#!/usr/bin/env python3
"""WebDAV helper for bench/drive/run: fill a folder with many small files, and time PROPFIND.

  dav.py fill URL USER PASS COUNT      PUT COUNT small files under URL (a collection)
  dav.py propfind URL USER PASS N [BODY]
                                       PROPFIND Depth 1 on URL N times; prints
                                       "entries p50_ms p95_ms max_ms". BODY is a file of
                                       propfind/ (a client's own request body, after its
                                       leading comment); without it, four DAV: properties.
USER may be "-" for no authentication.
"""
import base64
import concurrent.futures
import http.client
import statistics
import sys
import time
import urllib.parse

BODY = b"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:getcontentlength/><d:getlastmodified/>
<d:getetag/></d:prop></d:propfind>"""


def conn(url):
    u = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=120), u.path


def headers(user, password):
    if user == "-":
        return {}
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def fill(url, user, password, count, *_):
    url = url.rstrip("/") + "/"
    c, path = conn(url)
    c.request("MKCOL", path, headers=headers(user, password))
    c.getresponse().read()

    def put(batch):
        c, path = conn(url)
        for i in batch:
            c.request("PUT", f"{path}f{i:05d}.txt", body=f"file {i}\n".encode(), headers=headers(user, password))
            r = c.getresponse()
            r.read()
            if r.status not in (200, 201, 204):
                raise SystemExit(f"PUT {i}: {r.status}")

    batches = [range(s, min(s + 500, count)) for s in range(0, count, 500)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(put, batches))


def client_body(name):
    """A captured client body: the bytes after the file's leading XML comment."""
    with open(name, "rb") as f:
        data = f.read()
    head, sep, body = data.partition(b"-->\n")
    return body if sep else data


def propfind(url, user, password, n, body=None):
    body = client_body(body) if body else BODY
    c, path = conn(url)
    h = dict(headers(user, password), Depth="1")
    h["Content-Type"] = "application/xml"
    times, entries = [], 0
    for _ in range(n + 3):
        t = time.perf_counter()
        c.request("PROPFIND", path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        times.append((time.perf_counter() - t) * 1000)
        if r.status != 207:
            raise SystemExit(f"PROPFIND {url}: {r.status} {data[:200]!r}")
        entries = data.count(b"<D:response>") + data.count(b"<d:response>") + data.count(b"<D:response ")
        entries = entries or data.count(b":response>") // 2
    times = sorted(times[3:])  # the first three warm up caches
    p = lambda q: times[min(len(times) - 1, int(round(q * (len(times) - 1))))]
    print(f"{entries} {p(0.5):.1f} {p(0.95):.1f} {max(times):.1f}")


if __name__ == "__main__":
    cmd, url, user, password, n = sys.argv[1:6]
    rest = sys.argv[6:]
    {"fill": fill, "propfind": propfind}[cmd](url, user, password, int(n), *rest)
