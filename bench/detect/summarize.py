#!/usr/bin/env python3
"""Summarises the JSON lines of `examples/detect` (crates/scioc-analyze): per ecosystem,
recall on the malicious set, false positives on the benign one, precision; then every false
positive and every false negative grouped by verdict and the rules that fired.

    python3 bench/detect/summarize.py /tmp/mal.jsonl /tmp/ben.jsonl [--groups]
"""
import collections, json, statistics, sys


def ecosystem(path):
    return "npm" if path.endswith(".tgz") or "npm" in path.split("/")[0] else "pypi"


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    rows = [json.loads(l) for p in args for l in open(p) if l.strip()]
    by = collections.defaultdict(lambda: {"mal": 0, "found": 0, "ben": 0, "fp": 0, "secs": []})
    fps, fns = [], collections.defaultdict(list)
    for r in rows:
        e = by[ecosystem(r["path"])]
        e["secs"].append(r.get("seconds", 0))
        hit = r.get("verdict") == "malicious"
        if r["label"] == "malicious":
            e["mal"] += 1
            e["found"] += hit
            if not hit:
                key = (ecosystem(r["path"]), r.get("verdict", "error"), ", ".join(r.get("rules", [])) or "no rule")
                fns[key].append(r["path"].rsplit("/", 1)[-1])
        else:
            e["ben"] += 1
            e["fp"] += hit
            if hit:
                fps.append((r["path"], r.get("rules", [])))
    print("| ecosystem | malicious found (recall) | benign flagged (FP rate) | precision | median s |")
    print("|---|---:|---:|---:|---:|")
    for eco, e in sorted(by.items()):
        recall = 100 * e["found"] / e["mal"] if e["mal"] else 0
        fpr = 100 * e["fp"] / e["ben"] if e["ben"] else 0
        prec = 100 * e["found"] / (e["found"] + e["fp"]) if e["found"] + e["fp"] else 0
        print(f"| {eco} | {e['found']:,} / {e['mal']:,} ({recall:.1f}%) | {e['fp']} / {e['ben']} ({fpr:.2f}%) "
              f"| {prec:.1f}% | {statistics.median(e['secs']):.4f} |")
    print("\nFalse positives:")
    for path, rules in fps:
        print(f"- {path}: {', '.join(rules)}")
    if "--groups" in sys.argv:
        print("\nFalse negatives:")
        for (eco, verdict, rules), names in sorted(fns.items(), key=lambda kv: -len(kv[1])):
            print(f"- **{'npm' if eco == 'npm' else 'PyPI'}, {verdict}** ({rules}): {len(names)}: {', '.join(sorted(names))}")


if __name__ == "__main__":
    main()
