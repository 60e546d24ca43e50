#!/usr/bin/env python3
"""The benign corpus for the detection benchmark: popular npm and PyPI packages.

  python3 bench/detect/benign.py make N PACKAGE_LISTS_DIR   # choose and pin (writes benign.lock)
  python3 bench/detect/benign.py fetch [CACHE_DIR] [--only NAME,…]   # download and verify
  python3 bench/detect/benign.py popular N PACKAGE_LISTS_DIR  # the analyser's popular names

`make` takes the N most-downloaded npm packages (npm.tsv, by monthly downloads) and the N
highest-ranked PyPI projects (pypi.tsv) of the package lists, leaves out the names of the
shared developer set's benign.txt (so the measurement is not made on what rules were tuned
on), asks each registry for the listed version's file and pins it with its SHA-256 in
benign.lock: npm's archive; PyPI's sdist where there is one (its setup.py is a hard case),
else a wheel. `fetch` downloads every pinned file that is not already in the cache with the
right hash, and fails naming any file whose bytes differ. Nothing is installed, built or run.

Upstream URLs come from the package managers' own configuration (`npm config get registry`,
pip's index), never from this file.

`popular` writes the N most-downloaded names of each list, one per line, to
crates/scioc-analyze/data/popular-{npm,pypi}.txt: what the analyser's typosquatting rule
(SA-028) compares package names with.
"""
import concurrent.futures, hashlib, json, os, subprocess, sys, urllib.parse, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
LOCK = os.path.join(HERE, "benign.lock")
SHARED_BENIGN = os.path.join(HERE, "..", "..", "..", "shared", "data", "detection", "benign.txt")


def npm_registry():
    return subprocess.run(["npm", "config", "get", "registry"], capture_output=True, text=True, check=True).stdout.strip().rstrip("/") + "/"


def pypi_index():
    out = subprocess.run(["pip", "config", "get", "global.index-url"], capture_output=True, text=True)
    if out.returncode == 0 and out.stdout.strip():
        return out.stdout.strip().rstrip("/") + "/"
    from pip._internal.models.index import PyPI
    return PyPI.simple_url.rstrip("/") + "/"


def get(url, accept=None):
    req = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.read()


def shared_names():
    names = set()
    if os.path.exists(SHARED_BENIGN):
        for line in open(SHARED_BENIGN):
            if line.strip() and not line.startswith("#"):
                eco, pin = line.split(None, 1)
                names.add((eco, pin.split("==")[0].strip().lower()))
    return names


def top(lists, eco, n, skip):
    rows = []
    path = os.path.join(lists, "npm.tsv" if eco == "npm" else "pypi.tsv")
    with open(path, encoding="utf-8") as f:
        next(f)
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if eco == "npm":
                if len(cols) < 3 or not cols[2].isdigit():
                    continue
                rows.append((-int(cols[2]), cols[0], cols[1]))
            else:
                if len(cols) < 4 or not cols[3].strip().isdigit():
                    continue
                rows.append((int(cols[3]), cols[0], cols[1]))
    rows.sort()
    out = []
    for _, name, version in rows:
        if (eco, name.lower()) in skip or not version:
            continue
        out.append((name, version))
        if len(out) == n:
            break
    return out


def pin_npm(registry, name, version):
    doc = json.loads(get(registry + urllib.parse.quote(name, safe="@") + "/" + urllib.parse.quote(version)))
    url = doc["dist"]["tarball"]
    data = get(url)
    return ("npm", name, version, url.rsplit("/", 1)[-1], hashlib.sha256(data).hexdigest())


def pin_pypi(index, name, version):
    doc = json.loads(get(index + name + "/", "application/vnd.pypi.simple.v1+json"))
    files = [f for f in doc["files"] if version_of(f["filename"], name) == version and not f.get("yanked")]
    sdists = [f for f in files if f["filename"].endswith((".tar.gz", ".zip"))]
    wheels = sorted((f for f in files if f["filename"].endswith(".whl")), key=lambda f: ("none-any" not in f["filename"], f["filename"]))
    chosen = (sdists or wheels or [None])[0]
    if chosen is None:
        raise RuntimeError(f"{name}=={version}: no file on the index")
    return ("pypi", name, version, chosen["filename"], chosen["hashes"]["sha256"])


def version_of(filename, name):
    stem = filename
    for ext in (".tar.gz", ".zip", ".whl"):
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
    norm = name.lower().replace("-", "_").replace(".", "_")
    lower = stem.lower().replace("-", "_").replace(".", "_")
    if not lower.startswith(norm + "_"):
        return None
    rest = stem[len(name) + 1 :]
    return rest.split("-")[0]


def make(n, lists):
    skip = shared_names()
    registry, index = npm_registry(), pypi_index()
    jobs = [("npm", *p) for p in top(lists, "npm", n, skip)] + [("pypi", *p) for p in top(lists, "pypi", n, skip)]
    pins, failed = [], []
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        futs = {pool.submit(pin_npm if eco == "npm" else pin_pypi, registry if eco == "npm" else index, name, version): (eco, name, version) for eco, name, version in jobs}
        for i, fut in enumerate(concurrent.futures.as_completed(futs)):
            try:
                pins.append(fut.result())
            except Exception as e:  # noqa: BLE001 - reported and left out
                failed.append((futs[fut], str(e)))
            if i % 100 == 0:
                print(f"pinned {i}/{len(jobs)}", file=sys.stderr)
    pins.sort()
    with open(LOCK, "w") as f:
        f.write("# ecosystem name version file sha256: written by `benign.py make`; see benign.py\n")
        for p in pins:
            f.write(" ".join(p) + "\n")
    print(f"pinned {len(pins)}, left out {len(failed)}", file=sys.stderr)
    for job, why in failed:
        print(f"  left out {job}: {why[:200]}", file=sys.stderr)


def fetch(cache, only=None):
    registry, index = npm_registry(), pypi_index()
    os.makedirs(cache, exist_ok=True)
    pins = [l.split() for l in open(LOCK) if l.strip() and not l.startswith("#")]
    if only:
        pins = [p for p in pins if p[1] in only]
        missing = set(only) - {p[1] for p in pins}
        if missing:
            sys.exit(f"not in benign.lock: {', '.join(sorted(missing))}")

    def one(pin):
        eco, name, version, filename, sha = pin
        dest = os.path.join(cache, eco, filename.replace("/", "_"))
        if os.path.exists(dest) and hashlib.sha256(open(dest, "rb").read()).hexdigest() == sha:
            return None
        if eco == "npm":
            doc = json.loads(get(registry + urllib.parse.quote(name, safe="@") + "/" + urllib.parse.quote(version)))
            data = get(doc["dist"]["tarball"])
        else:
            doc = json.loads(get(index + name + "/", "application/vnd.pypi.simple.v1+json"))
            f = next(f for f in doc["files"] if f["filename"] == filename)
            data = get(urllib.parse.urljoin(index + name + "/", f["url"]))
        got = hashlib.sha256(data).hexdigest()
        if got != sha:
            return f"{eco} {name}=={version} ({filename}): sha256 {got}, expected {sha}"
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest + ".part", "wb") as out:
            out.write(data)
        os.replace(dest + ".part", dest)
        return None

    errors = []
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for i, err in enumerate(pool.map(one, pins)):
            if err:
                errors.append(err)
            if i % 100 == 0:
                print(f"fetched {i}/{len(pins)}", file=sys.stderr)
    for e in errors:
        print(e, file=sys.stderr)
    sys.exit(1 if errors else 0)


def popular(n, lists):
    out_dir = os.path.join(HERE, "..", "..", "crates", "scioc-analyze", "data")
    for eco in ("npm", "pypi"):
        names = [name for name, _ in top(lists, eco, n, set())]
        path = os.path.join(out_dir, f"popular-{eco}.txt")
        with open(path + ".part", "w", encoding="utf-8") as f:
            f.write(f"# the {len(names)} most-downloaded {eco} names of the package lists, by `benign.py popular`\n")
            f.writelines(name + "\n" for name in names)
        os.replace(path + ".part", path)
        print(f"{path}: {len(names)} names", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "popular":
        popular(int(sys.argv[2]), sys.argv[3])
    elif len(sys.argv) >= 4 and sys.argv[1] == "make":
        make(int(sys.argv[2]), sys.argv[3])
    elif len(sys.argv) >= 2 and sys.argv[1] == "fetch":
        args = sys.argv[2:]
        only = None
        if "--only" in args:
            i = args.index("--only")
            only = set(args[i + 1].split(","))
            args = args[:i] + args[i + 2 :]
        fetch(args[0] if args else os.path.join(HERE, "..", "..", "target", "detect-cache"), only)
    else:
        sys.exit(__doc__)
