#!/usr/bin/env python3
"""Synthetic lockfiles for the scan benchmark, in the shapes npm 11 and pnpm 9 write.

    python3 bench/gen_lockfiles.py package-lock OUT N     # package-lock.json v3 with N packages
    python3 bench/gen_lockfiles.py pnpm-lock OUT BYTES    # pnpm-lock.yaml v9 of about BYTES,
                                                          # and OUT.json, the same data as JSON

Packages have realistic names, versions, resolved URLs and sha512 integrity; one in ten is
installed nested under another and every package depends on a few others, so the extractor's
graph work is exercised. The content is deterministic (seeded).
"""
import base64
import json
import random
import sys

rng = random.Random(20261122)


def integrity():
    return "sha512-" + base64.b64encode(rng.randbytes(64)).decode()


def name(i):
    return f"@bench/pkg-{i:05d}" if i % 7 == 0 else f"bench-pkg-{i:05d}"


def package_lock(out, n):
    packages = {"": {"name": "bench", "version": "1.0.0", "dependencies": {name(i): "^1.0.0" for i in range(0, n, 50)}}}
    for i in range(n):
        nm = name(i)
        key = f"node_modules/{nm}" if i % 10 else f"node_modules/{name(i - 1 if i else 1)}/node_modules/{nm}"
        deps = {name(rng.randrange(n)): "^1.0.0" for _ in range(rng.randrange(4))}
        entry = {
            "version": f"1.{i % 40}.{i % 13}",
            "resolved": f"https://registry.npmjs.org/{nm}/-/{nm.split('/')[-1]}-1.{i % 40}.{i % 13}.tgz",
            "integrity": integrity(),
            "license": "MIT",
        }
        if deps:
            entry["dependencies"] = deps
        packages[key] = entry
    doc = {"name": "bench", "version": "1.0.0", "lockfileVersion": 3, "requires": True, "packages": packages}
    with open(out, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


def pnpm_lock(out, size):
    head = ["lockfileVersion: '9.0'", "", "settings:", "  autoInstallPeers: true", "  excludeLinksFromLockfile: false", "", "importers:", "", "  .:", "    dependencies:"]
    pkgs, snaps = ["packages:", ""], ["snapshots:", ""]
    twin = {"lockfileVersion": "9.0", "importers": {".": {"dependencies": {}}}, "packages": {}, "snapshots": {}}
    i, total = 0, 0
    while total < size:
        nm, v = name(i), f"1.{i % 40}.{i % 13}"
        q = f"'{nm}@{v}'" if nm.startswith("@") else f"{nm}@{v}"
        twin["packages"][f"{nm}@{v}"] = {"resolution": {"integrity": p_int}, "engines": {"node": ">=14"}} if (p_int := integrity()) else None
        if i % 50 == 0:
            twin["importers"]["."]["dependencies"][nm] = {"specifier": "^1.0.0", "version": v}
            head += [f"      '{nm}':" if nm.startswith("@") else f"      {nm}:", "        specifier: ^1.0.0", f"        version: {v}"]
        p = [f"  {q}:", f"    resolution: {{integrity: {p_int}}}", "    engines: {node: '>=14'}", ""]
        deps = sorted({name(rng.randrange(max(i, 1))) for _ in range(rng.randrange(4))})
        s = [f"  {q}:" + ("" if deps else " {}")]
        if deps:
            s.append("    dependencies:")
            s += [f"      '{d}': 1.0.0" if d.startswith("@") else f"      {d}: 1.0.0" for d in deps]
        s.append("")
        twin["snapshots"][f"{nm}@{v}"] = {"dependencies": {d: "1.0.0" for d in deps}} if deps else {}
        pkgs += p
        snaps += s
        total += sum(len(x) + 1 for x in p + s)
        i += 1
    with open(out, "w") as f:
        f.write("\n".join(head + [""] + pkgs + snaps) + "\n")
    with open(out + ".json", "w") as f:
        json.dump(twin, f, indent=2)


if __name__ == "__main__":
    kind, out, amount = sys.argv[1], sys.argv[2], int(sys.argv[3])
    {"package-lock": package_lock, "pnpm-lock": pnpm_lock}[kind](out, amount)
