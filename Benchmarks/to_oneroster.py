"""Writes a native sample bundle (sample generate) as a OneRoster bundle, for the OneRoster import
benchmark: users.csv with agentSourcedIds from each student to their guardians, orgs.csv.
Usage: to_oneroster.py NATIVE_DIR ONEROSTER_DIR [guid|full|quoted]
  guid: ids as UUIDs, as many exports have; full: UUIDs and every column of OneRoster 1.1's
  users.csv (dateLastModified, username, userIds, identifier, sms, phone, grades, ...) with
  demographics.csv, as an SIS exports them (twice the bytes a user, the same users); quoted:
  full, with every field in quotes and CRLF line ends, as many SIS exports write them."""
import csv, sys, os, uuid, random
src, dst = sys.argv[1], sys.argv[2]
mode = sys.argv[3] if len(sys.argv) > 3 else ''
guid, full, quoted = mode in ('guid', 'full', 'quoted'), mode in ('full', 'quoted'), mode == 'quoted'
writer = (lambda f: csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator='\r\n')) if quoted else csv.writer
os.makedirs(dst, exist_ok=True)
ident = (lambda x: str(uuid.uuid5(uuid.NAMESPACE_OID, x))) if guid else (lambda x: x)
rnd = random.Random(3)
stamp = lambda: '2026-0%d-%02dT%02d:%02d:%02d.000Z' % (rnd.randint(1, 8), rnd.randint(10, 28), rnd.randint(10, 23), rnd.randint(10, 59), rnd.randint(10, 59))
agents = {}
for r in csv.DictReader(open(f'{src}/relationships.csv', newline='', encoding='utf-8-sig')):
    agents.setdefault(r['student_id'], []).append(r['guardian_id'])
with open(f'{dst}/orgs.csv', 'w', newline='') as f:
    w = writer(f); w.writerow(['sourcedId', 'name', 'type'])
    for r in csv.DictReader(open(f'{src}/schools.csv', newline='', encoding='utf-8-sig')):
        w.writerow([ident(r['school_id']), r['name'], 'school'])
guardians = csv.DictReader(open(f'{src}/guardians.csv', newline='', encoding='utf-8-sig'))
students = csv.DictReader(open(f'{src}/students.csv', newline='', encoding='utf-8-sig'))
with open(f'{dst}/users.csv', 'w', newline='') as f:
    w = writer(f)
    if not full:
        w.writerow(['sourcedId', 'status', 'role', 'givenName', 'familyName', 'email', 'orgSourcedIds', 'agentSourcedIds'])
        for r in guardians:
            w.writerow([ident(r['guardian_id']), 'active', 'parent', r['given_name'], r['family_name'], r['email'], '', ''])
        for r in students:
            w.writerow([ident(r['student_id']), 'active', 'student', r['given_name'], r['family_name'], r['email'], ident(r['school_id']), ','.join(ident(g) for g in agents.get(r['student_id'], []))])
        sys.exit(0)
    w.writerow(['sourcedId', 'status', 'dateLastModified', 'enabledUser', 'orgSourcedIds', 'role', 'username', 'userIds', 'givenName', 'familyName', 'middleName', 'identifier', 'email', 'sms', 'phone', 'agentSourcedIds', 'grades', 'password'])
    for r in guardians:
        g = r['guardian_id']
        w.writerow([ident(g), 'active', stamp(), 'true', '', 'parent', r['email'] or (r['given_name'] + '.' + r['family_name']).lower(), '{SIS:%s}' % g, r['given_name'], r['family_name'], '', g, r['email'], r['phone'].lstrip("'"), r['phone'].lstrip("'"), '', '', ''])
    with open(f'{dst}/demographics.csv', 'w', newline='') as d:
        dw = writer(d)
        dw.writerow(['sourcedId', 'status', 'dateLastModified', 'birthDate', 'sex', 'americanIndianOrAlaskaNative', 'asian', 'blackOrAfricanAmerican', 'nativeHawaiianOrOtherPacificIslander', 'white', 'demographicRaceTwoOrMoreRaces', 'hispanicOrLatinoEthnicity', 'countryOfBirthCode', 'stateOfBirthAbbreviation', 'cityOfBirth', 'publicSchoolResidenceStatus'])
        for r in students:
            s = r['student_id']
            w.writerow([ident(s), 'active', stamp(), 'true', ident(r['school_id']), 'student', r['email'].split('@')[0], '{SIS:%s},{State:%d}' % (s, rnd.randint(10**9, 10**10)), r['given_name'], r['family_name'], r['middle_name'], s, r['email'], '', '', ','.join(ident(g) for g in agents.get(s, [])), r['grade'], ''])
            dw.writerow([ident(s), 'active', stamp(), r['birth_date'], rnd.choice(['male', 'female']), 'false', 'false', 'false', 'false', 'true', 'false', 'false', 'US', '', '', ''])
