"""Runs the vendor SDK's cursor loop (set_start_time, then pull_from_feed until drained) against
two scioc nodes at once, alternating between them on every call, while the test ingests.

Usage: python multinode.py URL_A URL_B USER PASSWORD START_UTC LIMIT DONE_FLAG

The cursor is set through node A and first pulled through node B. The loop ends once the test
has created DONE_FLAG and a page comes back empty more than two seconds later (events of the
last second are served once it has closed). Prints {"sequences": [...], "calls": [a, b]}.
"""
import json
import os
import sys
import time

from ReversingLabs.SDK.ticloud import SupplyChainIoCFeed

url_a, url_b, user, password, start, limit, done_flag = sys.argv[1:8]
nodes = [SupplyChainIoCFeed(host=url, username=user, password=password) for url in (url_a, url_b)]

nodes[0].set_start_time(time_format="utc", time_value=start)
sequences, calls, done_at = [], [0, 0], None
for i in range(1, 100000):
    node = i % 2  # B first: the cursor set through A must hold on B
    body = nodes[node].pull_from_feed(record_limit=int(limit)).json()["rl"]["supply_chain_ioc_feed"]
    calls[node] += 1
    sequences.extend(int(e["scioc"]["sequence"]) for e in body["entries"])
    if done_at is None and os.path.exists(done_flag):
        done_at = time.monotonic()
    if not body["entries"]:
        if done_at is not None and time.monotonic() - done_at > 2.0:
            break
        time.sleep(0.1)

print(json.dumps({"sequences": sequences, "calls": calls}))
