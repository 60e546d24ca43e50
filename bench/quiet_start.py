"""Prints the timestamp where a typical time-query page starts: from the middle of the events
on, the first second after which the next ~1,100 events hold no burst second, so that limit=1000
returns about 1,000 entries (a page starting in a burst returns the whole burst).

Usage: python3 bench/quiet_start.py EVENTS.jsonl
"""
import collections
import json
import sys

ts = [json.loads(line)["timestamp"] for line in open(sys.argv[1])]
for k in range(len(ts) // 2, len(ts) - 1100):
    if ts[k] != ts[k - 1] and max(collections.Counter(ts[k:k + 1100]).values()) < 20:
        print(ts[k])
        break
