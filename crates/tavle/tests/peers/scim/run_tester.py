#!/usr/bin/env python3
"""Runs scim2-tester (the python-scim project's SCIM 2.0 conformance checks) against Tavle.

Usage: run_tester.py BASE_URL TOKEN [TAG ...]
  BASE_URL  the SCIM root, e.g. http://127.0.0.1:8080/scim/v2
  TOKEN     a municipality's SCIM token (sent as "Authorization: Bearer TOKEN")
  TAG       only the checks with these tags (scim2-tester's tags: discovery, crud, patch, ...)

Prints one line per check and exits 1 when any check did not succeed (a skipped check counts
as a failure, unless tags were given and it was left out by them) or when resource checks
were asked for and none ran. scim2-tester reads the
server's /Schemas and /ResourceTypes and builds its requests from them.
"""
import sys

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    url, token, tags = sys.argv[1], sys.argv[2], set(sys.argv[3:]) or None
    headers = {"Accept": "application/scim+json", "Authorization": f"Bearer {token}"}
    client = SyncSCIMClient(Client(base_url=url, headers=headers, timeout=30))
    results = check_server(client, include_tags=tags)
    failed = 0
    for r in results:
        filtered = tags is not None and r.status == Status.SKIPPED and "tag filtering" in (r.reason or "")
        if filtered:
            continue
        ok = r.status == Status.SUCCESS
        failed += not ok
        where = f"[{r.resource_type}] " if r.resource_type else ""
        print(f"{r.status.name:<8} {where}{r.title}{': ' + r.reason if r.reason else ''}")
    wants_resources = tags is None or any(t.split(":")[0] in ("crud", "patch") for t in tags)
    if wants_resources and not any(r.resource_type for r in results):
        print("ERROR    no resource checks ran")
        failed += 1
    print(f"{len(results)} checks, {failed} not passed")
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
