#!/usr/bin/env python3
"""Reads `person_id,tenant_id,username` lines on stdin and writes, into OUT_DIR:
sessions.csv (rows for the session table, as if each person had just logged in),
tokens.txt (their cookie tokens) and users.txt (their usernames).

    seed_sessions.py OUT_DIR NOW_MS

Only the SHA-256 of a token is stored, exactly as Tavle stores the tokens it hands out."""

import csv
import hashlib
import os
import secrets
import sys


def main():
    out, now = sys.argv[1], int(sys.argv[2])
    with open(os.path.join(out, "sessions.csv"), "w", newline="") as s, \
            open(os.path.join(out, "tokens.txt"), "w") as t, open(os.path.join(out, "users.txt"), "w") as u:
        w = csv.writer(s)
        for line in sys.stdin:
            person, tenant, username = line.strip().split(",")
            token = secrets.token_hex(32)
            w.writerow([hashlib.sha256(token.encode()).hexdigest(), tenant, person, secrets.token_hex(16), now, now,
                        "127.0.0.1", "bench"])
            t.write(token + "\n")
            u.write(username + "\n")


if __name__ == "__main__":
    main()
