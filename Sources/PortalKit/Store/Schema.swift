/// The schema, as ordered named steps. Every tenant-owned table has `district_id` first in its
/// primary key, so every lookup is scoped by district and the same schema can be distributed by
/// `district_id` on PostgreSQL/Citus. SQL stays portable: TEXT/INTEGER columns; the one
/// SQLite-only clause, `WITHOUT ROWID` on the big roster tables (rows live in the primary-key
/// B-tree, which saves a second tree per insert), is dropped by a PostgreSQL schema.
enum Schema {
    static let migrations: [Migration] = [
        Migration(
            name: "001-districts-operators-audit",
            sql: """
                CREATE TABLE districts (
                    district_id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    created_at TEXT NOT NULL
                );
                CREATE TABLE district_settings (
                    district_id TEXT NOT NULL REFERENCES districts(district_id),
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (district_id, key)
                );
                CREATE TABLE operators (
                    district_id TEXT NOT NULL REFERENCES districts(district_id),
                    name TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('admin','registrar','helpdesk')),
                    added_at TEXT NOT NULL,
                    PRIMARY KEY (district_id, name)
                );
                CREATE TABLE audit_log (
                    district_id TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    at TEXT NOT NULL,
                    operator TEXT NOT NULL,
                    command TEXT NOT NULL,
                    target TEXT NOT NULL,
                    before_json TEXT,
                    after_json TEXT,
                    reason TEXT,
                    prev_hash TEXT NOT NULL,
                    hash TEXT NOT NULL,
                    PRIMARY KEY (district_id, seq)
                );
                CREATE INDEX audit_by_target ON audit_log(district_id, target);
                CREATE TABLE audit_heads (
                    district_id TEXT PRIMARY KEY,
                    seq INTEGER NOT NULL,
                    hash TEXT NOT NULL
                );
                """),
        Migration(
            name: "002-roster",
            sql: """
                CREATE TABLE schools (
                    district_id TEXT NOT NULL REFERENCES districts(district_id),
                    school_id TEXT NOT NULL,
                    name TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'active',
                    row_hash TEXT,
                    PRIMARY KEY (district_id, school_id)
                );
                CREATE TABLE households (
                    district_id TEXT NOT NULL REFERENCES districts(district_id),
                    household_id TEXT NOT NULL,
                    street TEXT, street2 TEXT, city TEXT, state TEXT, postcode TEXT,
                    row_hash TEXT,
                    PRIMARY KEY (district_id, household_id)
                ) WITHOUT ROWID;
                CREATE TABLE students (
                    district_id TEXT NOT NULL REFERENCES districts(district_id),
                    student_id TEXT NOT NULL,
                    given_name TEXT NOT NULL,
                    family_name TEXT NOT NULL,
                    middle_name TEXT,
                    birth_date TEXT,
                    grade TEXT,
                    school_id TEXT,
                    email TEXT,
                    household_id TEXT,
                    status TEXT NOT NULL DEFAULT 'active',
                    search_key TEXT NOT NULL DEFAULT '',
                    row_hash TEXT,
                    PRIMARY KEY (district_id, student_id),
                    FOREIGN KEY (district_id, school_id) REFERENCES schools(district_id, school_id),
                    FOREIGN KEY (district_id, household_id) REFERENCES households(district_id, household_id)
                ) WITHOUT ROWID;
                CREATE INDEX students_by_school ON students(district_id, school_id);
                CREATE INDEX students_by_household ON students(district_id, household_id);
                CREATE TABLE guardians (
                    district_id TEXT NOT NULL REFERENCES districts(district_id),
                    guardian_id TEXT NOT NULL,
                    given_name TEXT NOT NULL,
                    family_name TEXT NOT NULL,
                    email TEXT,
                    phone TEXT,
                    street TEXT, street2 TEXT, city TEXT, state TEXT, postcode TEXT,
                    birth_date TEXT,
                    household_id TEXT,
                    status TEXT NOT NULL DEFAULT 'active',
                    search_key TEXT NOT NULL DEFAULT '',
                    row_hash TEXT,
                    PRIMARY KEY (district_id, guardian_id),
                    FOREIGN KEY (district_id, household_id) REFERENCES households(district_id, household_id)
                ) WITHOUT ROWID;
                CREATE INDEX guardians_by_email ON guardians(district_id, email);
                CREATE INDEX guardians_by_phone ON guardians(district_id, phone);
                CREATE INDEX guardians_by_household ON guardians(district_id, household_id);
                CREATE TABLE links (
                    district_id TEXT NOT NULL,
                    guardian_id TEXT NOT NULL,
                    student_id TEXT NOT NULL,
                    relationship TEXT,
                    portal_access INTEGER NOT NULL DEFAULT 1,
                    custodial INTEGER NOT NULL DEFAULT 1,
                    status TEXT NOT NULL DEFAULT 'active',
                    row_hash TEXT,
                    PRIMARY KEY (district_id, guardian_id, student_id),
                    FOREIGN KEY (district_id, guardian_id) REFERENCES guardians(district_id, guardian_id),
                    FOREIGN KEY (district_id, student_id) REFERENCES students(district_id, student_id)
                ) WITHOUT ROWID;
                CREATE INDEX links_by_student ON links(district_id, student_id);
                """),
        Migration(
            name: "003-keys-accounts-aup",
            sql: """
                CREATE TABLE activation_keys (
                    district_id TEXT NOT NULL REFERENCES districts(district_id),
                    key_id INTEGER NOT NULL,
                    person_kind TEXT NOT NULL CHECK (person_kind IN ('guardian','student')),
                    person_id TEXT NOT NULL,
                    key_hash TEXT NOT NULL,
                    last4 TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','used','revoked')),
                    issued_at TEXT NOT NULL,
                    expires_at TEXT NOT NULL,
                    issued_by TEXT NOT NULL,
                    used_at TEXT,
                    used_by TEXT,
                    revoked_at TEXT,
                    revoked_reason TEXT,
                    PRIMARY KEY (district_id, key_id)
                );
                CREATE UNIQUE INDEX keys_by_hash ON activation_keys(district_id, key_hash);
                CREATE INDEX keys_by_person ON activation_keys(district_id, person_kind, person_id);
                CREATE TABLE accounts (
                    district_id TEXT NOT NULL REFERENCES districts(district_id),
                    username TEXT NOT NULL,
                    person_kind TEXT NOT NULL CHECK (person_kind IN ('guardian','student')),
                    person_id TEXT NOT NULL,
                    password_hash TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','disabled','reset')),
                    must_change INTEGER NOT NULL DEFAULT 0,
                    failed_count INTEGER NOT NULL DEFAULT 0,
                    last_failure_at TEXT,
                    locked_at TEXT,
                    last_login_at TEXT,
                    created_at TEXT NOT NULL,
                    status_reason TEXT,
                    PRIMARY KEY (district_id, username)
                );
                CREATE UNIQUE INDEX accounts_by_person ON accounts(district_id, person_kind, person_id);
                CREATE TABLE aup_signatures (
                    district_id TEXT NOT NULL,
                    guardian_id TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    signed_on TEXT NOT NULL,
                    recorded_at TEXT NOT NULL,
                    PRIMARY KEY (district_id, guardian_id, version),
                    FOREIGN KEY (district_id, guardian_id) REFERENCES guardians(district_id, guardian_id)
                );
                """),
        Migration(
            name: "004-features-age18-restrictions",
            sql: """
                CREATE TABLE feature_rules (
                    district_id TEXT NOT NULL REFERENCES districts(district_id),
                    rule_id INTEGER NOT NULL,
                    feature TEXT NOT NULL,
                    school_id TEXT,
                    enabled INTEGER NOT NULL,
                    from_date TEXT,
                    until_date TEXT,
                    reason TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    created_by TEXT NOT NULL,
                    PRIMARY KEY (district_id, rule_id)
                );
                CREATE INDEX feature_rules_by_feature ON feature_rules(district_id, feature);
                CREATE TABLE restrictions (
                    district_id TEXT NOT NULL REFERENCES districts(district_id),
                    restriction_id INTEGER NOT NULL,
                    guardian_id TEXT NOT NULL,
                    student_id TEXT,
                    reason TEXT NOT NULL,
                    document TEXT,
                    until_date TEXT,
                    created_at TEXT NOT NULL,
                    created_by TEXT NOT NULL,
                    removed_at TEXT,
                    removed_by TEXT,
                    removed_reason TEXT,
                    PRIMARY KEY (district_id, restriction_id)
                );
                CREATE INDEX restrictions_by_guardian ON restrictions(district_id, guardian_id);
                CREATE INDEX restrictions_by_student ON restrictions(district_id, student_id);
                CREATE TABLE age18_decisions (
                    district_id TEXT NOT NULL REFERENCES districts(district_id),
                    decision_id INTEGER NOT NULL,
                    student_id TEXT NOT NULL,
                    guardian_id TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('ended','request','consent')),
                    effective_on TEXT NOT NULL,
                    until_date TEXT,
                    reason TEXT,
                    created_at TEXT NOT NULL,
                    created_by TEXT NOT NULL,
                    PRIMARY KEY (district_id, decision_id)
                );
                CREATE INDEX age18_by_student ON age18_decisions(district_id, student_id, guardian_id);
                """),
        Migration(
            name: "005-merges",
            sql: """
                CREATE TABLE merges (
                    district_id TEXT NOT NULL REFERENCES districts(district_id),
                    merge_id INTEGER NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('guardian','household')),
                    a TEXT NOT NULL,
                    b TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'applied' CHECK (status IN ('applied','undone')),
                    created_at TEXT NOT NULL,
                    created_by TEXT NOT NULL,
                    undone_at TEXT,
                    undone_by TEXT,
                    summary TEXT NOT NULL,
                    changes TEXT NOT NULL,
                    PRIMARY KEY (district_id, merge_id)
                );
                ALTER TABLE guardians ADD COLUMN merged_into TEXT;
                ALTER TABLE households ADD COLUMN merged_into TEXT;
                DROP INDEX accounts_by_person;
                CREATE INDEX accounts_by_person ON accounts(district_id, person_kind, person_id);
                """),
        // No query looks students up by school, and every index costs each roster import
        // (measured: about a sixth of building the look-up indexes after a first import).
        Migration(
            name: "006-drop-students-by-school",
            sql: "DROP INDEX IF EXISTS students_by_school;"),
        // The look-up indexes lead with the value looked up, then the district. Every query
        // names both, and an index is built by sorting its entries: led by the district, which
        // is the same in every entry of an import, each comparison went on to the next column.
        // Measured at 100k students: the five built in 209 ms instead of 253.
        Migration(
            name: "007-look-up-indexes-lead-with-the-value",
            sql: """
                DROP INDEX guardians_by_email;
                DROP INDEX guardians_by_phone;
                DROP INDEX guardians_by_household;
                DROP INDEX students_by_household;
                DROP INDEX links_by_student;
                CREATE INDEX guardians_by_email ON guardians(email, district_id);
                CREATE INDEX guardians_by_phone ON guardians(phone, district_id);
                CREATE INDEX guardians_by_household ON guardians(household_id, district_id);
                CREATE INDEX students_by_household ON students(household_id, district_id);
                CREATE INDEX links_by_student ON links(student_id, district_id);
                """),
        // A feature rule is removed by marking it (history keeps it; its id is never reused).
        Migration(
            name: "008-feature-rules-removed",
            sql: """
                ALTER TABLE feature_rules ADD COLUMN removed_at TEXT;
                ALTER TABLE feature_rules ADD COLUMN removed_by TEXT;
                ALTER TABLE feature_rules ADD COLUMN removed_reason TEXT;
                """),
        // A rule can be for students' own accounts or for guardians' only (discipline or
        // payments hidden from students, shown to their parents); 'all' is every account.
        Migration(
            name: "009-feature-rules-audience",
            sql: """
                ALTER TABLE feature_rules ADD COLUMN audience TEXT NOT NULL DEFAULT 'all'
                    CHECK (audience IN ('all','students','guardians'));
                """),
        // A guardian's birth date as the file gave it, when it was no plausible date
        // ("4986-07-15", "1986-13-07"): the warning says it, the duplicate finder still compares
        // its digits (a slipped key is one digit off), and an export gives it back.
        Migration(
            name: "010-guardians-birth-date-given",
            sql: "ALTER TABLE guardians ADD COLUMN birth_date_given TEXT;"),
        // `access explain` looks for another record of the guardian by name: a range of the
        // folded names (`search_key`, given name first) by their first letters, not every
        // guardian of the district (at 100k students that read 89,000 rows: 11 ms a call).
        // Byte by byte on PostgreSQL too, whose collations order letters beyond a-z (and
        // spaces) each their own way.
        Migration(
            name: "011-guardians-by-name",
            sql:
                "CREATE INDEX guardians_by_name ON guardians(search_key COLLATE BINARY, district_id);"
        ),
        // An address or a number is looked up only by its value (`email = ?`, `phone = ?` or a
        // range of numbers), which no guardian without one matches: the indexes leave those
        // out. Many exports give a guardian neither (OneRoster's users.csv has no phone
        // column unless the SIS fills it), and a first import built an entry for each anyway:
        // at 300,000 students 95-106 ms for a phone index of 267,000 empty numbers.
        Migration(
            name: "012-email-and-phone-indexes-of-those-given",
            sql: """
                DROP INDEX guardians_by_email;
                DROP INDEX guardians_by_phone;
                CREATE INDEX guardians_by_email ON guardians(email, district_id) WHERE email IS NOT NULL;
                CREATE INDEX guardians_by_phone ON guardians(phone, district_id) WHERE phone IS NOT NULL;
                """),
    ]
}
