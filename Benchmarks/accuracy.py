#!/usr/bin/env python3
"""Pairwise and cluster accuracy of `guardian duplicates` against a sample's truth.csv.
Usage: accuracy.py TRUTH.csv DUPLICATES.jsonl"""
import csv, json, sys
from collections import defaultdict

truth_rows = [r for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")) if r["kind"] == "guardian"]
truth = {frozenset((r["id"], r["duplicate_of"])) for r in truth_rows}
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
# Clusters of likely pairs, expanded to all pairs within each cluster.
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
