#!/usr/bin/env python3
"""A guardians file in the style of the standard record-linkage benchmark generators (FEBRL's
dsgen): independent people with a name, an address and a birth date (no e-mail, phone,
household or children), and for a share of them one to a few duplicate records, each with one
to four corruptions. Written as a native guardians.csv and a truth.csv for accuracy.py.

Corruptions (field chosen by weight, then the kind): keyboard typos (a neighbouring key
substituted, a letter inserted, deleted or two swapped), OCR confusions (m/rn, l/1, o/0, ...),
spellings by ear (ph/f, c/k, y/i, double letters, ...), a missing value, given and family name
swapped, day and month of the birth date swapped, one digit of a date, number or postcode,
a moved house (a new address), a hyphenated or dropped second surname, a nickname. At most two
changes fall on one field (a draw that would make a third is dropped), as FEBRL's generator
limits them.

Usage: linkage_style.py OUT_DIR ORIGINALS [SEED] [DUPLICATE_SHARE]
Names are the census-ranked lists of Sources/PortalKit/Sample/Names.swift (read in place)."""
import csv, os, random, re, sys

out, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
share = float(sys.argv[4]) if len(sys.argv) > 4 else 0.5
here = os.path.dirname(os.path.abspath(__file__))
src = open(os.path.join(here, "..", "Sources/PortalKit/Sample/Names.swift"), encoding="utf-8").read()

def block(name):
    m = re.search(r"static let " + name + r' = """\n(.*?)"""', src, re.S)
    return [x.strip() for x in m.group(1).splitlines() if x.strip()]

family = block("family")
given = block("female") + block("male") if "static let female" in src else block("given")
def zipf_pick(items):
    # Rank-weighted: common names are common, the tail is long.
    i = int(len(items) * rng.random() ** 2.2)
    return items[min(i, len(items) - 1)]

streets = [zipf_pick(family) + " " + rng.choice(["St", "Ave", "Rd", "Dr", "Ln", "Ct", "Way", "Pl"]) for _ in range(4000)]
towns = [(zipf_pick(family) + rng.choice(["ville", "ton", " Park", " Heights", "field", " Springs"]),
          str(rng.randint(10000, 99999)), rng.choice(["MN", "WI", "IA", "ND", "SD", "IL"])) for _ in range(600)]

def person():
    town = rng.choice(towns)
    return {
        "given_name": zipf_pick(given), "family_name": zipf_pick(family),
        "street": f"{rng.randint(1, 9999)} {rng.choice(streets)}",
        "street2": rng.choice(["", "", "", "", f"Apt {rng.randint(1, 40)}", f"Unit {rng.randint(1, 300)}"]),
        "city": town[0], "state": town[2], "postcode": town[1],
        "birth_date": f"{rng.randint(1940, 2003)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
    }

rows = "qwertyuiop asdfghjkl zxcvbnm".split()
def neighbour(c):
    lc = c.lower()
    for r in rows:
        k = r.find(lc)
        if k >= 0:
            opts = [r[x] for x in (k - 1, k + 1) if 0 <= x < len(r)]
            x = rng.choice(opts)
            return x.upper() if c.isupper() else x
    return c

def typo(s):
    if len(s) < 2: return s
    k = rng.randrange(len(s))
    kind = rng.random()
    if kind < 0.35: return s[:k] + neighbour(s[k]) + s[k + 1:]
    if kind < 0.55: return s[:k] + neighbour(s[k]) + s[k:]
    if kind < 0.75: return s[:k] + s[k + 1:]
    k = min(k, len(s) - 2)
    return s[:k] + s[k + 1] + s[k] + s[k + 2:]

OCR = [("m", "rn"), ("rn", "m"), ("l", "1"), ("o", "0"), ("i", "l"), ("cl", "d"), ("h", "b"), ("e", "c"), ("u", "v")]
EAR = [("ph", "f"), ("f", "ph"), ("c", "k"), ("k", "c"), ("y", "i"), ("i", "y"), ("ee", "ea"), ("ou", "ow"),
       ("s", "z"), ("tt", "t"), ("ll", "l"), ("n", "nn"), ("ck", "k"), ("ie", "y"), ("th", "t"), ("ai", "ay")]
def swap_in(s, table):
    opts = [(a, b) for a, b in table if a in s.lower()]
    if not opts: return typo(s)
    a, b = rng.choice(opts)
    k = s.lower().find(a)
    r = s[:k] + b + s[k + len(a):]
    return r[0].upper() + r[1:] if s[0].isupper() else r

NICK = {"William": "Bill", "Robert": "Bob", "Elizabeth": "Liz", "James": "Jim", "Katherine": "Kate",
        "Margaret": "Peggy", "Richard": "Dick", "Jennifer": "Jen", "Michael": "Mike", "Joseph": "Joe",
        "Christopher": "Chris", "Patricia": "Pat", "Thomas": "Tom", "Daniel": "Dan", "Susan": "Sue"}

def digit(s):
    ds = [i for i, c in enumerate(s) if c.isdigit()]
    if not ds: return s
    k = rng.choice(ds)
    return s[:k] + str((int(s[k]) + rng.randint(1, 9)) % 10) + s[k + 1:]

def corrupt(r, done):
    field = rng.choices(["given_name", "family_name", "street", "street2", "city", "postcode", "birth_date", "swap", "move"],
                        [22, 22, 12, 4, 8, 8, 14, 4, 6])[0]
    # At most two changes to one field (FEBRL's max_modification_per_field), one swap, one move.
    if done.count(field) >= (1 if field in ("swap", "move") else 2): return
    done.append(field)
    if field == "swap":
        r["given_name"], r["family_name"] = r["family_name"], r["given_name"]; return
    if field == "move":
        p = person()
        for f in ("street", "street2", "city", "state", "postcode"): r[f] = p[f]
        return
    v = r[field]
    if not v: return
    if field == "birth_date":
        y, m, d = v.split("-")
        kind = rng.random()
        if kind < 0.15: r[field] = ""
        elif kind < 0.45 and int(d) <= 12: r[field] = f"{y}-{d}-{m}"
        else:
            for _ in range(10):
                w = digit(y + m + d)
                if 1 <= int(w[4:6]) <= 12 and 1 <= int(w[6:]) <= 28:
                    r[field] = f"{w[:4]}-{w[4:6]}-{w[6:]}"; break
        return
    if field == "postcode":
        r[field] = "" if rng.random() < 0.2 else digit(v); return
    kind = rng.random()
    if kind < 0.12 and field not in ("given_name", "family_name"): r[field] = ""
    elif kind < 0.5: r[field] = typo(v)
    elif kind < 0.6: r[field] = swap_in(v, OCR)
    elif kind < 0.85: r[field] = swap_in(v, EAR)
    elif field == "given_name" and v in NICK: r[field] = NICK[v]
    elif field == "family_name":
        r[field] = v + "-" + zipf_pick(family) if rng.random() < 0.5 else v
    elif field == "street": r[field] = digit(v)
    else: r[field] = typo(v)

os.makedirs(out, exist_ok=True)
cols = ["guardian_id", "given_name", "family_name", "street", "street2", "city", "state", "postcode", "birth_date"]
records, truth = [], []
for i in range(n):
    p = person()
    if rng.random() < 0.05: p["birth_date"] = ""
    oid = f"R{i:07d}"
    records.append([oid] + [p[c] for c in cols[1:]])
    if rng.random() < share:
        for k in range(rng.choice([1, 1, 1, 1, 2, 2, 3])):
            d = dict(p)
            done = []
            for _ in range(rng.randint(1, 4)): corrupt(d, done)
            did = f"D{i:07d}{k}"
            records.append([did] + [d[c] for c in cols[1:]])
            truth.append(("guardian", did, oid))
rng.shuffle(records)
with open(os.path.join(out, "guardians.csv"), "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f); w.writerow(cols); w.writerows(records)
with open(os.path.join(out, "truth.csv"), "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f); w.writerow(["kind", "id", "duplicate_of"]); w.writerows(truth)
print(f"{len(records)} records, {len(truth)} duplicates", file=sys.stderr)
