#!/usr/bin/env python3
"""Checks a hand-ins zip downloaded by the zip benchmark (bench/assignments/run zip).

    check_zip.py ZIP HAND_INS TAVLE_BINARY

Every entry's CRC is checked; manifest.csv must have one row per pupil of the group, HAND_INS
of them handed in; every file it names must be in the zip with the manifest's size and
SHA-256; every hand-in's folder must hold its kvittering.json, and every receipt must verify
offline with `tavle receipt verify` against the key in receipt-key.txt. Prints a one-line
summary first; exits non-zero on the first thing that is wrong."""

import csv
import hashlib
import io
import os
import subprocess
import sys
import tempfile
import zipfile


def fail(why):
    print(f"check_zip: {why}", file=sys.stderr)
    sys.exit(1)


def main():
    path, wanted, tavle = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with zipfile.ZipFile(path) as z:
        bad = z.testzip()
        if bad is not None:
            fail(f"{bad}: its CRC does not match")
        names = set(z.namelist())
        rows = list(csv.DictReader(io.TextIOWrapper(z.open("manifest.csv"), encoding="utf-8")))
        handed_in = {r["pupil_id"] for r in rows if r["status"] != "missing"}
        if len(handed_in) != wanted:
            fail(f"the manifest has {len(handed_in)} hand-ins, {wanted} wanted")
        for r in rows:
            if r["status"] == "missing":
                continue
            if r["path"] not in names:
                fail(f"{r['path']} is in the manifest but not in the zip")
            info = z.getinfo(r["path"])
            digest = hashlib.sha256()
            with z.open(info) as f:
                while chunk := f.read(1 << 20):
                    digest.update(chunk)
            if str(info.file_size) != r["size"] or digest.hexdigest() != r["sha256"]:
                fail(f"{r['path']}: size or SHA-256 differs from the manifest")
        receipts = sorted(n for n in names if n.endswith("/kvittering.json"))
        if len(receipts) != wanted:
            fail(f"{len(receipts)} receipts, {wanted} wanted")
        key = z.read("receipt-key.txt").decode().split()[1]
        with tempfile.TemporaryDirectory() as tmp:
            receipt = os.path.join(tmp, "kvittering.json")
            for n in receipts:
                with open(receipt, "wb") as f:
                    f.write(z.read(n))
                done = subprocess.run([tavle, "receipt", "verify", receipt, "--public-key", key],
                                      capture_output=True, text=True)
                if done.returncode != 0:
                    fail(f"{n} does not verify: {done.stdout}{done.stderr}")
    print(f"{len(handed_in)} hand-ins and {len(rows)} manifest rows; every file matches its SHA-256; "
          f"{len(receipts)} receipts verify offline")
    print(f"{len(names)} entries, CRCs good")


if __name__ == "__main__":
    main()
