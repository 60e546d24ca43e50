"""Drives every SupplyChainIoCFeed method of the vendor's official Python SDK against a scioc
server and prints what each returned as JSON (lists of entry sha256s), for the Rust test to check.

Usage: python sdk_compat.py URL USER PASSWORD PLAN_JSON
"""
import json
import sys
from datetime import datetime, timedelta

from ReversingLabs.SDK.ticloud import SupplyChainIoCFeed

url, user, password, plan = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
feed = SupplyChainIoCFeed(host=url, username=user, password=password)


def shas(entries):
    return [e["sha256"] for e in entries]


def flat(pages):
    return [sha for page in pages for sha in shas(page)]


out = {}

# set_start_time, then pull_from_feed until a page comes back empty.
for name, fmt, value, limit in plan["cursor"]:
    feed.set_start_time(time_format=fmt, time_value=value)
    got, calls = [], 0
    while True:
        body = feed.pull_from_feed(record_limit=limit).json()["rl"]["supply_chain_ioc_feed"]
        calls += 1
        if not body["entries"]:
            break
        got.extend(shas(body["entries"]))
        assert calls < 10000, "pull_from_feed never drained"
    out[name] = got

# pull_with_timestamp: one page each.
for name, fmt, value, limit in plan["pages"]:
    body = feed.pull_with_timestamp(time_format=fmt, time_value=value, record_limit=limit).json()["rl"]["supply_chain_ioc_feed"]
    out[name] = {"entries": shas(body["entries"]), "last_timestamp": body["last_timestamp"], "time_range": body["time_range"]}

# pull_with_timeframe: a list of pages; must terminate.
for name, fmt, start, end, limit in plan["timeframes"]:
    out[name] = flat(feed.pull_with_timeframe(time_format=fmt, from_time=start, to_time=end, record_limit=limit))

# pull_with_relative_time: starts at local now minus the amount (TZ=UTC here).
for name, unit, amount, limit in plan["relative"]:
    before = datetime.now() - timedelta(**{unit: amount})
    pages = feed.pull_with_relative_time(unit=unit, amount=amount, record_limit=limit)
    after = datetime.now() - timedelta(**{unit: amount})
    out[name] = {
        "entries": flat(pages),
        "start_before": before.strftime("%Y-%m-%dT%H:%M:%S"),
        "start_after": after.strftime("%Y-%m-%dT%H:%M:%S"),
    }

print(json.dumps(out))
