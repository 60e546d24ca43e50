"""Reads a feed whose newest seconds lie ahead of the clock with the vendor's official SDK, as a
SIEM connector would: a cursor started before an import, pulled until it holds `total` events
(waiting while the spread seconds become visible), then one time-frame loop over the whole import.
Prints the `scioc.sequence` of every entry each loop returned, as JSON.

Usage: python live_feed_sdk.py URL USER PASSWORD START_UNIX TOTAL FROM_UTC TO_UTC
"""
import json
import sys
import time

from ReversingLabs.SDK.ticloud import SupplyChainIoCFeed

url, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
start, total, frame_from, frame_to = sys.argv[4], int(sys.argv[5]), sys.argv[6], sys.argv[7]
feed = SupplyChainIoCFeed(host=url, username=user, password=password)


def seqs(entries):
    return [int(e["scioc"]["sequence"]) for e in entries]


out = {"cursor": [], "empty_pages": 0}
feed.set_start_time(time_format="timestamp", time_value=start)
deadline = time.monotonic() + 180
while len(out["cursor"]) < total and time.monotonic() < deadline:
    body = feed.pull_from_feed(record_limit=1000).json()["rl"]["supply_chain_ioc_feed"]
    if body["entries"]:
        out["cursor"].extend(seqs(body["entries"]))
    else:
        out["empty_pages"] += 1
        time.sleep(0.5)
# Once caught up, one more pull holds nothing.
out["after"] = seqs(feed.pull_from_feed(record_limit=1000).json()["rl"]["supply_chain_ioc_feed"]["entries"])
pages = feed.pull_with_timeframe(time_format="utc", from_time=frame_from, to_time=frame_to, record_limit=1000)
out["timeframe"] = [s for page in pages for s in seqs(page)]
print(json.dumps(out))
