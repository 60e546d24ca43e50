#!/usr/bin/env python3
"""Draw the held-out evaluation sample from the OSV malicious-packages snapshot.

Usage: python3 heldout_sample.py [SNAPSHOT_ROOT]   (default /tmp/osv)

Prints up to 150 paths relative to the snapshot root (each starting "osv/malicious/"),
none of them among the 340 paths that sample.py prints (the labelled set):
  * 50 drawn with random.Random(23) from all remaining reports;
  * 100 drawn with random.Random(29), one per distinct text: the reports left after
    the first draw are grouped by heldout_text() (the `details` without the GHSA
    paragraph, the "---" line, the per-source banner line, "## Source:" lines, the
    report's own package name and every version string in affected[].versions,
    whitespace collapsed); empty texts are dropped, and so are the groups whose text
    consists solely of OpenSSF automated-scanner sentences (SCANNER_SENTENCES, matched
    exactly); the groups are sorted by text, 100 are drawn (all of them, in the order
    random.Random(29).sample gives, if fewer than 100 are left: the 2025-06-04 snapshot
    leaves 97, so it prints 147 paths), and from each the report with the smallest
    path is taken.
The number of scanner-only groups dropped (and any shortfall of groups) is printed to
stderr, so stdout holds only the paths. Deterministic: paths are listed with os.walk
and sorted before drawing.
"""
import contextlib
import io
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sample  # noqa: E402  (list_reports, normalized_text, main)

GROUPS = 100

SCANNER_ECOSYSTEMS = ("npm", "pypi", "rubygems", "nuget", "crates.io", "go", "maven")

# Every sentence of the OpenSSF Package Analysis wording, after the package name and
# the version have been removed from it.
SCANNER_SENTENCES = tuple(
    ["The OpenSSF Package Analysis project identified '' @ (%s) as malicious." % eco
     for eco in SCANNER_ECOSYSTEMS]
    + [
        "It is considered malicious because:",
        "- The package communicates with a domain associated with malicious activity.",
        "- The package executes one or more commands associated with malicious behavior.",
        "The package communicates with a domain associated with malicious activity.",
        "The package executes one or more commands associated with malicious behavior.",
        "This package is considered malicious because it communicates with a domain "
        "associated with malicious activity and the package executes one or more "
        "commands associated with malicious behavior.",
    ]
)


def labelled_paths(root):
    """The 340 paths sample.py prints (run its main() and capture stdout)."""
    buf = io.StringIO()
    saved = sys.argv
    sys.argv = ["sample.py", root]
    try:
        with contextlib.redirect_stdout(buf):
            sample.main()
    finally:
        sys.argv = saved
    return [line for line in buf.getvalue().splitlines() if line]


def versions(report):
    """Every version string listed in `affected[].versions`."""
    found = set()
    for affected in report.get("affected", []) or []:
        for version in affected.get("versions", []) or []:
            if version:
                found.add(version)
    return found


def heldout_text(report):
    """sample.normalized_text() with every listed version string also removed.

    Versions are removed after the package names, longest first, by plain
    (case-sensitive) replacement, then whitespace is collapsed again.
    """
    text = sample.normalized_text(report)
    for version in sorted(versions(report), key=len, reverse=True):
        text = text.replace(version, "")
    return " ".join(text.split())


def is_scanner_only(text):
    """True when `text` is nothing but OpenSSF scanner sentences, each matched exactly."""
    rest = text
    while rest:
        for sentence in SCANNER_SENTENCES:
            if rest == sentence or rest.startswith(sentence + " "):
                rest = rest[len(sentence):].lstrip(" ")
                break
        else:
            return False
    return True


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "/tmp/osv"
    paths = sample.list_reports(root)
    labelled = set(labelled_paths(root))
    remaining = [p for p in paths if p not in labelled]

    first = random.Random(23).sample(remaining, 50)
    chosen = set(first)

    groups = {}
    for p in remaining:
        if p in chosen:
            continue
        with open(os.path.join(root, p), encoding="utf-8") as fh:
            text = heldout_text(json.load(fh))
        if text:
            groups.setdefault(text, []).append(p)
    dropped = [t for t in groups if is_scanner_only(t)]
    for t in dropped:
        del groups[t]
    print("dropped %d scanner-only groups" % len(dropped), file=sys.stderr)

    texts = sorted(groups)
    # The snapshot may hold fewer than GROUPS distinct texts once the labelled and
    # first-draw reports are set aside; then every group is taken (in drawn order).
    k = min(GROUPS, len(texts))
    if k < GROUPS:
        print("only %d groups left; drawing all of them instead of %d" % (k, GROUPS),
              file=sys.stderr)
    second = [min(groups[t]) for t in random.Random(29).sample(texts, k)]

    for p in first + second:
        print(p)


if __name__ == "__main__":
    main()
