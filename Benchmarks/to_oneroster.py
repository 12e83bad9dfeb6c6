"""Writes a native sample bundle (sample generate) as a OneRoster bundle, for the OneRoster import
benchmark: users.csv with agentSourcedIds from each student to their guardians, orgs.csv.
Usage: to_oneroster.py NATIVE_DIR ONEROSTER_DIR [guid]   (guid: ids as UUIDs, as many exports have)"""
import csv, sys, os, uuid
src, dst, guid = sys.argv[1], sys.argv[2], len(sys.argv) > 3
os.makedirs(dst, exist_ok=True)
ident = (lambda x: str(uuid.uuid5(uuid.NAMESPACE_OID, x))) if guid else (lambda x: x)
agents = {}
for r in csv.DictReader(open(f'{src}/relationships.csv', newline='', encoding='utf-8-sig')):
    agents.setdefault(r['student_id'], []).append(r['guardian_id'])
with open(f'{dst}/orgs.csv', 'w', newline='') as f:
    w = csv.writer(f); w.writerow(['sourcedId', 'name', 'type'])
    for r in csv.DictReader(open(f'{src}/schools.csv', newline='', encoding='utf-8-sig')):
        w.writerow([ident(r['school_id']), r['name'], 'school'])
with open(f'{dst}/users.csv', 'w', newline='') as f:
    w = csv.writer(f); w.writerow(['sourcedId', 'status', 'role', 'givenName', 'familyName', 'email', 'orgSourcedIds', 'agentSourcedIds'])
    for r in csv.DictReader(open(f'{src}/guardians.csv', newline='', encoding='utf-8-sig')):
        w.writerow([ident(r['guardian_id']), 'active', 'parent', r['given_name'], r['family_name'], r['email'], '', ''])
    for r in csv.DictReader(open(f'{src}/students.csv', newline='', encoding='utf-8-sig')):
        w.writerow([ident(r['student_id']), 'active', 'student', r['given_name'], r['family_name'], r['email'], ident(r['school_id']), ','.join(ident(g) for g in agents.get(r['student_id'], []))])
