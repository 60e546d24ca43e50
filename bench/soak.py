"""The soak's load: 16 connections on loopback for DURATION seconds, mixing time queries, pulls by
several users, OSV and archive uploads, and syncs of a mirror; then checks that nothing failed,
that every user received every event exactly once, that the mirror equals the server, and that
the server's memory stayed flat.

Usage: python3 bench/soak.py URL SCIOC_BIN SERVER_PID MIRROR_DIR DURATION
(run by bench/soak.sh, which starts the server and the users). Prints one JSON summary line
last; exits 1 when a check fails.
"""
import base64
import gzip
import http.client
import io
import json
import random
import subprocess
import sys
import tarfile
import threading
import time
import urllib.parse

URL, BIN, SERVER_PID, MIRROR, DURATION = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
HOST = urllib.parse.urlparse(URL)
PASSWORD = "soak-password"
FEED = "/api/feed/supply_chain/ioc/v1/query"
PULLERS = ["p1", "p2", "p3", "p4", "p5"]
stop = threading.Event()
lock = threading.Lock()
errors = []
counts = {"query": 0, "pull": 0, "osv": 0, "sample": 0, "sync": 0, "probe": 0}
received = {u: [] for u in PULLERS}


def auth(user):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()}


class Conn:
    """One keep-alive connection, reopened when the server closes it (idle timeout)."""

    def __init__(self):
        self.c = None

    def request(self, method, path, body=None, headers=None):
        for attempt in range(2):
            if self.c is None:
                self.c = http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=60)
            try:
                self.c.request(method, path, body=body, headers=headers or {})
                r = self.c.getresponse()
                return r.status, r.read()
            except (ConnectionError, http.client.HTTPException, OSError):
                # A keep-alive connection the server closed between requests: open another once.
                self.c.close()
                self.c = None
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")


def fail(what):
    with lock:
        errors.append(what)


def count(kind):
    with lock:
        counts[kind] += 1


def puller(user):
    c = Conn()
    while True:
        status, body = c.request("GET", f"{FEED}/pull?format=json&limit=100", headers=auth(user))
        if status != 200:
            fail(f"pull {user}: {status} {body[:200]!r}")
            time.sleep(0.5)
            continue
        count("pull")
        entries = json.loads(body)["rl"]["supply_chain_ioc_feed"]["entries"]
        with lock:
            received[user].extend(int(e["scioc"]["sequence"]) for e in entries)
        if not entries:
            if stop.is_set():
                return
            time.sleep(0.2)


def querier():
    c = Conn()
    while not stop.is_set():
        t = random.randint(1_700_000_000, int(time.time()))
        limit = random.choice([1, 10, 100, 1000])
        fmt = random.choice(["json", "xml"])
        status, body = c.request("GET", f"{FEED}/timestamp/{t}?format={fmt}&limit={limit}", headers=auth("reader"))
        if status != 200:
            fail(f"query: {status} {body[:200]!r}")
        count("query")


def osv_uploader():
    c = Conn()
    n = 0
    while not stop.is_set():
        n += 1
        record = {
            "id": f"MAL-2099-{n}", "modified": "2026-01-01T00:00:00Z", "published": "2026-01-01T00:00:00Z",
            "summary": f"Malicious code in soak-{n} (npm)",
            "affected": [{"package": {"ecosystem": "npm", "name": f"soak-{n}"}, "versions": ["1.0.0", "1.0.1"]}],
        }
        status, body = c.request("POST", "/api/scioc/v1/osv", json.dumps(record), auth("admin"))
        if status != 200:
            fail(f"osv: {status} {body[:200]!r}")
        count("osv")
        time.sleep(0.5)


def npm_tgz(name):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w") as t:
        for path, content in [("package/package.json", json.dumps({"name": name, "version": "1.0.0"}).encode()),
                              ("package/index.js", f"// {name}\n".encode() * 50)]:
            info = tarfile.TarInfo(path)
            info.size = len(content)
            t.addfile(info, io.BytesIO(content))
    return gzip.compress(b.getvalue())


def sample_uploader():
    c = Conn()
    n = 0
    while not stop.is_set():
        n += 1
        status, body = c.request("POST", f"/api/scioc/v1/samples?filename=soak-sample-{n}-1.0.0.tgz&force=true",
                                 npm_tgz(f"soak-sample-{n}"), auth("admin"))
        if status != 200:
            fail(f"sample: {status} {body[:200]!r}")
        count("sample")
        time.sleep(1.0)


def sync_once():
    env = {"SCIOC_PASSWORD": PASSWORD, "PATH": "/usr/bin:/bin"}
    r = subprocess.run([BIN, "--data-dir", MIRROR, "sync", "--from", URL, "--user", "mirror"],
                       env=env, capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"sync: exit {r.returncode}: {r.stderr[-300:]}")
    count("sync")


def syncer():
    # A sync is a process with its own connection; one every 20 s.
    while not stop.wait(20):
        sync_once()


def prober():
    c = Conn()
    while not stop.is_set():
        for path, user in [("/health", None), ("/openapi.json", None), ("/api/scioc/v1/knowledge", "reader")]:
            status, body = c.request("GET", path, headers=auth(user) if user else {})
            if status != 200:
                fail(f"{path}: {status} {body[:200]!r}")
            count("probe")
        time.sleep(0.05)


def rss_mib():
    for line in open(f"/proc/{SERVER_PID}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# 16 connections: 5 pullers, 6 queriers, 1 OSV uploader, 1 archive uploader, 2 probers, 1 sync.
workers = [threading.Thread(target=puller, args=(u,)) for u in PULLERS]
workers += [threading.Thread(target=querier) for _ in range(6)]
workers += [threading.Thread(target=osv_uploader), threading.Thread(target=sample_uploader)]
workers += [threading.Thread(target=prober) for _ in range(2)]
workers += [threading.Thread(target=syncer)]
started = time.time()
for w in workers:
    w.start()
samples = []
while time.time() - started < DURATION:
    samples.append((round(time.time() - started), rss_mib()))
    time.sleep(5)
stop.set()
for w in workers:
    w.join()
time.sleep(1.5)  # the last events' second closes
# Drain every user once more (a puller returns at its first empty page once stopped), then
# sync the mirror a last time.
for u in PULLERS:
    puller(u)
sync_once()

# Checks.
for u in PULLERS:
    seqs = received[u]
    if len(seqs) != len(set(seqs)):
        fail(f"{u} received {len(seqs) - len(set(seqs))} events twice")
    if seqs and sorted(set(seqs)) != list(range(1, max(seqs) + 1)):
        fail(f"{u} missed events: has {len(set(seqs))} of 1..{max(seqs)}")
first = [r for t, r in samples if 60 <= t < 120] or [samples[0][1]]
last = [r for t, r in samples if t >= DURATION - 60] or [samples[-1][1]]
rss = {"minute_2_mib": round(sum(first) / len(first), 1), "last_minute_mib": round(sum(last) / len(last), 1),
       "peak_mib": round(max(r for _, r in samples), 1)}
if rss["last_minute_mib"] > rss["minute_2_mib"] * 1.25 + 16:
    fail(f"RSS grew: {rss}")
summary = {"seconds": round(time.time() - started), "requests": counts, "errors": len(errors),
           "events_per_user": {u: len(received[u]) for u in PULLERS}, "rss": rss, "rss_samples": samples}
for e in errors[:20]:
    print("error:", e, file=sys.stderr)
print(json.dumps(summary))
sys.exit(1 if errors else 0)
