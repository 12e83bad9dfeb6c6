#!/usr/bin/env python3
"""Pairwise and cluster accuracy of `guardian duplicates` against a sample's truth.csv, and the
blocking recall when given the candidate pairs.
Usage: accuracy.py TRUTH.csv DUPLICATES.jsonl
The truth's pairs are every pair of records of one person (an original and its duplicates,
and the duplicates with each other)."""
import csv, json, sys
from collections import defaultdict

parent = {}
def find(x):
    parent.setdefault(x, x)
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    if r["kind"] == "guardian":
        parent[find(r["id"])] = find(r["duplicate_of"])
people = defaultdict(list)
for x in list(parent):
    people[find(x)].append(x)
truth = set()
for m in people.values():
    m.sort()
    for i in range(len(m)):
        for j in range(i + 1, len(m)):
            truth.add(frozenset((m[i], m[j])))
pairs = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8") if l.strip()]

def report(label, predicted):
    tp = len(predicted & truth)
    fp = len(predicted - truth)
    fn = len(truth - predicted)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    print(f"| {label} | {len(predicted)} | {tp} | {fp} | {fn} | {p:.4f} | {r:.4f} | {f:.4f} |")

print(f"truth: {len(truth)} duplicate guardian pairs\n")
print("| pairs | predicted | true | false | missed | precision | recall | F1 |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
report("likely", {frozenset((x["a"], x["b"])) for x in pairs if x["level"] == "likely"})
report("likely + possible", {frozenset((x["a"], x["b"])) for x in pairs})
members = defaultdict(set)
for x in pairs:
    if x["level"] == "likely":
        members[x["cluster"]].update([x["a"], x["b"]])
cluster_pairs = set()
for m in members.values():
    m = sorted(m)
    for i in range(len(m)):
        for j in range(i + 1, len(m)):
            cluster_pairs.add(frozenset((m[i], m[j])))
report("likely clusters", cluster_pairs)
