#!/usr/bin/env python3
"""scioc analyze beside GuardDog on the same archives, in one run.

  python3 bench/detect/compare.py [--every K] [--guarddog PATH] [--scioc PATH]

Installs GuardDog from PyPI into target/tmp/guarddog-venv, and builds scioc, when missing;
fetch the benign corpus first (`python3 bench/detect/benign.py fetch`).

Malicious archives come from the shared developer set (../shared/data/detection, zips with
the password `infected`): each chosen one is written to a private temporary directory that is
deleted afterwards, and only read by both tools. Benign archives come from the cache that
`benign.py fetch` fills (target/detect-cache). With --every K, every K-th archive of each
group is used (1: all). Both tools see the same files; each archive is timed per tool.

A package counts as detected by scioc when its verdict is `malicious`, by GuardDog when its
risk score is at least 5 (GuardDog's default threshold). Prints, per ecosystem and tool:
precision, recall, F1, false-positive rate, and median and p95 seconds per package; and a JSON
line per archive to --details.
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SHARED = os.path.abspath(os.path.join(ROOT, "..", "shared", "data", "detection"))


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def run_scioc(scioc, path):
    start = time.perf_counter()
    out = subprocess.run([scioc, "analyze", "--format", "json", path], capture_output=True, text=True)
    secs = time.perf_counter() - start
    try:
        verdict = json.loads(out.stdout.splitlines()[0])["verdict"]
    except Exception:  # noqa: BLE001 - an archive scioc refuses counts as not detected
        verdict = "error"
    return verdict == "malicious", secs, verdict


def run_guarddog(guarddog, eco, path):
    start = time.perf_counter()
    out = subprocess.run([guarddog, "npm" if eco == "npm" else "pypi", "scan", path, "--output-format", "json"],
                         capture_output=True, text=True, timeout=600)
    secs = time.perf_counter() - start
    try:
        score = json.loads(out.stdout)["risk_score"]["score"]
    except Exception:  # noqa: BLE001 - a scan GuardDog cannot finish counts as not detected
        score = None
    return score is not None and score >= 5, secs, score


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--guarddog", default=os.path.join(ROOT, "target", "tmp", "guarddog-venv", "bin", "guarddog"))
    ap.add_argument("--scioc", default=os.path.join(ROOT, "target", "release", "scioc"))
    ap.add_argument("--cache", default=os.path.join(ROOT, "target", "detect-cache"))
    ap.add_argument("--details", default=None)
    a = ap.parse_args()
    if not os.path.exists(a.guarddog):
        # GuardDog from PyPI into its own virtual environment, as the docs' command does.
        venv = os.path.dirname(os.path.dirname(a.guarddog))
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([os.path.join(venv, "bin", "pip"), "install", "-q", "guarddog"], check=True)
    if not os.path.exists(a.scioc):
        subprocess.run(["cargo", "build", "--release", "-q", "--bin", "scioc"], cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp(prefix="scioc-detect-")
    rows = []
    try:
        jobs = []
        for zname, eco in (("malicious-npm.zip", "npm"), ("malicious-pypi.zip", "pypi")):
            z = zipfile.ZipFile(os.path.join(SHARED, zname))
            names = sorted(n for n in z.namelist() if not n.endswith("/"))[:: a.every]
            for n in names:
                # The set names an archive `listing__file` when the registry's listing and the
                # file it kept differ: the file's own name is what was served.
                dest = os.path.join(tmp, eco, os.path.basename(n).rsplit("__", 1)[-1])
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                with open(dest, "wb") as f:
                    f.write(z.open(n, pwd=b"infected").read())
                jobs.append((eco, "malicious", dest))
        for eco in ("npm", "pypi"):
            d = os.path.join(a.cache, eco)
            for n in sorted(os.listdir(d))[:: a.every]:
                jobs.append((eco, "benign", os.path.join(d, n)))
        for i, (eco, label, path) in enumerate(jobs):
            s_hit, s_secs, s_v = run_scioc(a.scioc, path)
            g_hit, g_secs, g_v = run_guarddog(a.guarddog, eco, path)
            rows.append(dict(ecosystem=eco, label=label, path=os.path.basename(path), scioc=s_hit, scioc_seconds=s_secs,
                             scioc_verdict=s_v, guarddog=g_hit, guarddog_seconds=g_secs, guarddog_score=g_v))
            if i % 25 == 0:
                print(f"{i}/{len(jobs)}", file=sys.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if a.details:
        with open(a.details, "w") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
    print("| ecosystem | tool | malicious | benign | precision | recall | F1 | FP rate | median s | p95 s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for eco in ("npm", "pypi"):
        for tool in ("scioc", "guarddog"):
            rs = [r for r in rows if r["ecosystem"] == eco]
            tp = sum(1 for r in rs if r["label"] == "malicious" and r[tool])
            fn = sum(1 for r in rs if r["label"] == "malicious" and not r[tool])
            fp = sum(1 for r in rs if r["label"] == "benign" and r[tool])
            tn = sum(1 for r in rs if r["label"] == "benign" and not r[tool])
            prec = tp / (tp + fp) if tp + fp else float("nan")
            rec = tp / (tp + fn) if tp + fn else float("nan")
            f1 = 2 * prec * rec / (prec + rec) if prec + rec else float("nan")
            fpr = fp / (fp + tn) if fp + tn else float("nan")
            secs = [r[tool + "_seconds"] for r in rs]
            print(f"| {eco} | {tool} | {tp + fn} | {fp + tn} | {prec:.1%} | {rec:.1%} | {f1:.1%} | {fpr:.2%} | "
                  f"{statistics.median(secs):.3f} | {pct(secs, 0.95):.3f} |")


if __name__ == "__main__":
    main()
