"""Sources polled by `scioc serve`, measured on loopback with the full shared snapshot as an OSV
bucket (see bench/sources.sh, which runs this):

1. CPU per poll of an unchanged 33k-record bucket (answered 304), against the same server idle
   without sources over the same time (the baseline of the same run);
2. lag from a new record in the bucket to its visibility in the feed, interval 2 s, several trials.

Usage: python3 bench/sources.py BIN SNAPSHOT WORKDIR [SECONDS]
"""
import base64, json, os, shutil, subprocess, sys, tarfile, time, urllib.request, zipfile

BIN, SNAPSHOT, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
SECONDS = int(sys.argv[4]) if len(sys.argv) > 4 else 20
TICK = os.sysconf("SC_CLK_TCK")
DATA = os.path.join(WORK, "data")
BUCKET = os.path.join(WORK, "bucket", "all")


def scioc(*args, stdin=None):
    return subprocess.run([BIN, "--data-dir", DATA, *args], input=stdin, capture_output=True, text=True, check=True).stdout


def cpu_secs(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def build_bucket():
    os.makedirs(BUCKET, exist_ok=True)
    lines = []
    with tarfile.open(SNAPSHOT) as tar, zipfile.ZipFile(os.path.join(BUCKET, "all.zip"), "w", zipfile.ZIP_DEFLATED) as z:
        for m in tar:
            if not (m.isfile() and m.name.endswith(".json") and "/osv/" in "/" + m.name):
                continue
            doc = json.load(tar.extractfile(m))
            if not doc.get("id", "").startswith("MAL-"):
                continue
            body = json.dumps(doc).encode()
            z.writestr(f"{doc['id']}.json", body)
            with open(os.path.join(BUCKET, f"{doc['id']}.json"), "wb") as f:
                f.write(body)
            lines.append((doc["modified"], doc["id"]))
    lines.sort(reverse=True)
    write_csv(lines)
    return lines


def write_csv(lines):
    tmp = os.path.join(BUCKET, "modified_id.csv.tmp")
    with open(tmp, "w") as f:
        f.writelines(f"{m},{i}\n" for m, i in lines)
    os.replace(tmp, os.path.join(BUCKET, "modified_id.csv"))


def status():
    return {s["name"]: s for s in json.loads(scioc("status", "--format", "json"))["sources"]}


def get(url, user="bench", password="bench-password-1"):
    req = urllib.request.Request(url, headers={"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()})
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def main():
    lines = build_bucket()
    origin = subprocess.Popen([sys.executable, "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", os.path.dirname(BUCKET)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = int(origin.stdout.readline().split(" port ")[1].split(" ")[0])
    scioc("user", "add", "bench", "--password-stdin", stdin="bench-password-1\n")
    server = subprocess.Popen([BIN, "--data-dir", DATA, "serve", "--listen", "127.0.0.1:0", "--no-starter-set"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env={**os.environ, "SCIOC_LOG": "warn"})
    url = server.stdout.readline().split()[-1]
    try:
        time.sleep(2)
        c0 = cpu_secs(server.pid); time.sleep(SECONDS); idle = cpu_secs(server.pid) - c0
        scioc("sources", "add", "snapshot", "--kind", "osv", "--location", f"http://127.0.0.1:{port}/all/", "--interval", "1s", "--timeout", "10m")
        t = time.time()
        while status()["snapshot"]["records"] < len(lines):
            time.sleep(0.5)
        print(f"first read of {len(lines)} records: {time.time() - t:.1f} s")
        time.sleep(2)
        p0, c0 = status()["snapshot"]["polls"], cpu_secs(server.pid)
        time.sleep(SECONDS)
        polls, busy = status()["snapshot"]["polls"] - p0, cpu_secs(server.pid) - c0
        per_poll = (busy - idle) / max(polls, 1)
        print(f"idle server, no source: {idle * 1000:.0f} ms CPU in {SECONDS} s")
        print(f"unchanged {len(lines)}-record bucket: {polls} polls (304) in {SECONDS} s, {busy * 1000:.0f} ms CPU; "
              f"{per_poll * 1000:.1f} ms CPU per poll above idle (target <= 50 ms)")

        scioc("sources", "add", "snapshot", "--kind", "osv", "--location", f"http://127.0.0.1:{port}/all/", "--interval", "2s", "--timeout", "10m")
        time.sleep(3)
        lags = []
        for n in range(5):
            rid = f"MAL-2099-{n + 1}"
            modified = f"2099-01-01T00:00:0{n}Z"
            doc = {"id": rid, "modified": modified, "published": modified, "summary": "bench",
                   "affected": [{"package": {"ecosystem": "npm", "name": f"bench-new-{n}"}, "versions": ["1.0.0"]}]}
            with open(os.path.join(BUCKET, f"{rid}.json"), "w") as f:
                json.dump(doc, f)
            since = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - 5))
            lines.insert(0, (modified, rid))
            start = time.time()
            write_csv(lines)
            purl = f"pkg:npm/bench-new-{n}@1.0.0"
            while True:
                page = get(f"{url}/api/feed/supply_chain/ioc/v1/query/utc/{since}?format=json")
                if any(e["identity"].get("purl") == purl for e in page["rl"]["supply_chain_ioc_feed"]["entries"]):
                    break
                time.sleep(0.02)
            lags.append(time.time() - start)
            time.sleep(1.5)
        lags.sort()
        print("lag at a 2 s interval (target <= 4 s): " + ", ".join(f"{l:.2f} s" for l in lags) +
              f"; median {lags[len(lags) // 2]:.2f} s, max {lags[-1]:.2f} s")
    finally:
        server.terminate(); origin.terminate(); server.wait(); origin.wait()


main()
