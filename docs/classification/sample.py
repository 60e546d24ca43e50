#!/usr/bin/env python3
"""Draw the fixed labelling sample from the OSV malicious-packages snapshot.

Usage: python3 sample.py [SNAPSHOT_ROOT]   (default /tmp/osv)

Prints 340 paths relative to the snapshot root (each starting "osv/malicious/"):
  * 150 drawn with random.Random(17) from every JSON report;
  * 90 drawn with random.Random(18) from the remaining reports whose `details`
    hold text other than the GHSA malware paragraph and the per-source header lines;
  * 100 drawn with random.Random(19), one per distinct text: the remaining reports
    are grouped by normalized_text() (the `details` without the GHSA paragraph, the
    header lines and the report's own package name, whitespace collapsed; empty texts
    dropped), the groups are sorted by text, 100 groups are drawn, and from each the
    report with the smallest path is taken.
Deterministic: paths are listed with os.walk and sorted before drawing.
"""
import json
import os
import random
import sys

GHSA_PREFIX = ("Any computer that has this package installed or running "
               "should be considered fully compromised")
HEADER_LINES = {"---", "_-= Per source details. Do not edit below this line.=-_"}
SOURCE_PREFIX = "## Source:"


def list_reports(root):
    base = os.path.join(root, "osv", "malicious")
    paths = []
    for dirpath, _dirnames, filenames in os.walk(base):
        for name in filenames:
            if name.endswith(".json"):
                full = os.path.join(dirpath, name)
                paths.append(os.path.relpath(full, root).replace(os.sep, "/"))
    paths.sort()
    return paths


def has_own_text(details):
    """True when `details` holds something besides the boilerplate.

    Boilerplate: the GHSA paragraph (a single line starting with GHSA_PREFIX,
    up to the next blank or header line), the "---" line, the per-source banner line and
    lines starting "## Source:".
    """
    in_ghsa = False
    for raw in details.split("\n"):
        line = raw.strip()
        if not line:
            in_ghsa = False
            continue
        if line.startswith(GHSA_PREFIX):
            in_ghsa = True
            continue
        if line in HEADER_LINES or line.startswith(SOURCE_PREFIX):
            in_ghsa = False
            continue
        if in_ghsa:
            continue
        return True
    return False


def strip_boilerplate(details):
    """The lines of `details` that are not boilerplate (see has_own_text)."""
    kept = []
    in_ghsa = False
    for raw in details.split("\n"):
        line = raw.strip()
        if not line:
            in_ghsa = False
            kept.append(raw)
            continue
        if line.startswith(GHSA_PREFIX):
            in_ghsa = True
            continue
        if line in HEADER_LINES or line.startswith(SOURCE_PREFIX):
            in_ghsa = False
            continue
        if in_ghsa:
            continue
        kept.append(raw)
    return "\n".join(kept)


def package_names(report):
    """The report's own package name(s), from `affected[].package.name`."""
    names = set()
    for affected in report.get("affected", []) or []:
        name = (affected.get("package") or {}).get("name")
        if name:
            names.add(name)
    return names


def normalized_text(report):
    """`details` without boilerplate and the report's own package name, whitespace collapsed.

    Every (case-sensitive) occurrence of the package name is removed; longer names first.
    """
    text = strip_boilerplate(report.get("details", "") or "")
    for name in sorted(package_names(report), key=len, reverse=True):
        text = text.replace(name, "")
    return " ".join(text.split())


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "/tmp/osv"
    paths = list_reports(root)

    first = random.Random(17).sample(paths, 150)
    chosen = set(first)

    rest = []
    for p in paths:
        if p in chosen:
            continue
        with open(os.path.join(root, p), encoding="utf-8") as fh:
            details = json.load(fh).get("details", "") or ""
        if has_own_text(details):
            rest.append(p)
    second = random.Random(18).sample(rest, 90)
    chosen.update(second)

    groups = {}
    for p in paths:
        if p in chosen:
            continue
        with open(os.path.join(root, p), encoding="utf-8") as fh:
            text = normalized_text(json.load(fh))
        if text:
            groups.setdefault(text, []).append(p)
    texts = sorted(groups)
    third = [min(groups[t]) for t in random.Random(19).sample(texts, 100)]

    for p in first + second + third:
        print(p)


if __name__ == "__main__":
    main()
