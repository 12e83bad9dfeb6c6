#!/usr/bin/env python3
"""Rewrites a native bundle's guardian, student and household ids as UUIDs (as many SIS exports
spell them), the same id always the same UUID, so that a benchmark can import ids that are not
numbered. Schools keep their ids. Usage: to_guids.py NATIVE_DIR OUT_DIR"""
import csv, os, sys, uuid
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
ident = lambda x: str(uuid.uuid5(uuid.NAMESPACE_OID, x)) if x else x
columns = {"guardian_id", "student_id", "household_id"}
for name in ["schools.csv", "guardians.csv", "students.csv", "relationships.csv"]:
    with open(os.path.join(src, name), newline="", encoding="utf-8") as f, \
         open(os.path.join(dst, name), "w", newline="", encoding="utf-8") as out:
        r, w = csv.reader(f), csv.writer(out, lineterminator="\n")
        header = next(r)
        w.writerow(header)
        keep = [c in columns for c in header]
        for row in r:
            w.writerow([ident(v) if k else v for v, k in zip(row, keep)])
