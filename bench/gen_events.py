#!/usr/bin/env python3
"""Writes N feed entries as JSON Lines for `scioc ingest entries`, shaped like real feed data.

Two kinds, alternating: package identities as an OSV-derived entry carries them (purl,
community, name, version, published), and archive entries like the vendor's example (hashes,
file name, size, source URL and a sample_list of 1-6 files). Times run forward over two years,
with some seconds holding hundreds of events, as bulk imports make them.

Usage: gen_events.py N > events.jsonl
"""
import hashlib
import json
import random
import sys

n = int(sys.argv[1])
rng = random.Random(42)
start = 1_700_000_000  # 2023-11-14
span = 2 * 365 * 86400
THREATS = ["Script-JS.Downloader.SupplyChain", "Archive-GZIP.Downloader.SupplyChain", "Script-Shell.Downloader.SupplyChain",
           "Text.Downloader.SupplyChain", "Script-Python.Infostealer.SupplyChain", "Win32.Trojan.Generic"]
t = start
out = sys.stdout
burst = 0
for i in range(n):
    # Mostly forward in small steps; now and then a burst of events in one second.
    if burst > 0:
        burst -= 1
    elif rng.random() < 0.0005:
        burst = rng.randint(200, 1500)
    else:
        t += rng.randint(0, max(1, span // n * 2))
    h = lambda s, algo: hashlib.new(algo, f"{i}:{s}".encode()).hexdigest()
    eco = rng.choice(["npm", "npm", "npm", "pypi", "pypi", "gem", "nuget"])
    name = f"pkg-{rng.randrange(10**6)}"
    version = f"{rng.randint(0, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 40)}"
    entry = {
        "event_type": "NEW_MALICIOUS" if rng.random() < 0.97 else "FP",
        "identity": {
            "purl": f"pkg:{eco}/{name}@{version}",
            "community": eco,
            "package": name,
            "version": version,
            "published": "2025-%02d-%02dT%02d:%02d:%02d+0000" % (rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)),
        },
        "timestamp": t,
    }
    if i % 2 == 1:
        filename = f"{name}-{version}.tgz"
        entry.update({
            "md5": h("a", "md5"), "sha1": h("a", "sha1"), "sha256": h("a", "sha256"), "sha512": h("a", "sha512"),
            "filename": filename, "sample_size": str(rng.randint(1000, 900000)),
            "source_url": f"https://registry.npmjs.org/{name}/-/{filename}",
        })
        entry["identity"]["repository"] = f"https://github.com/example/{name}"
        entry["sample_list"] = [
            {"status": "MALICIOUS", "threat_name": rng.choice(THREATS), "threat_level": str(rng.randint(1, 5)),
             "md5": h(k, "md5"), "sha1": h(k, "sha1"), "sha256": h(k, "sha256")}
            for k in range(rng.randint(1, 6))
        ]
    out.write(json.dumps(entry, separators=(",", ":")))
    out.write("\n")
