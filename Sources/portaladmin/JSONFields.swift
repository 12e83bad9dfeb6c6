/// The fields of each command's `-o json` output (of a record, or of each row of a list), as
/// the man page documents them. `JSONFieldsTests` runs every command and keeps this in step.
/// A command with more than one shape names the option that selects each.
enum JSONFields {
    struct Shape: Sendable {
        /// The option that selects this shape; nil for the usual one.
        var when: String? = nil
        let fields: [String]
    }

    static let district = [
        "district_id", "name", "created_at", "key_ttl_days", "lockout_threshold",
        "password_min_length", "aup_required", "aup_version", "age18_policy", "school_year_end",
        "leap_day_birthday", "portal_url", "timezone",
    ]
    static let student = [
        "student_id", "given_name", "family_name", "middle_name", "birth_date", "grade",
        "school_id", "email", "household_id", "status",
    ]
    static let guardian = [
        "guardian_id", "given_name", "family_name", "email", "phone", "street", "street2", "city",
        "state", "postcode", "birth_date", "household_id", "status",
    ]
    static let address = ["household_id", "street", "street2", "city", "state", "postcode"]
    static let household = address + ["guardian_count", "student_count"]
    static let key = ["key_id", "guardian_id", "guardian_name", "students", "key", "expires_at"]
    static let studentKey = [
        "key_id", "student_id", "student_name", "students", "key", "expires_at",
    ]
    /// One key, or the keys of a reset: whose it is first.
    static func heldKey(_ fields: [String]) -> [String] {
        [fields[0], "holder"] + fields.dropFirst() + ["replaced_keys"]
    }
    static let pair = ["a", "b", "score", "level", "cluster", "evidence"]
    static let merge = [
        "merge_id", "kind", "a", "b", "conflicts", "links_moved", "links_joined", "accounts",
        "username", "keys_revoked", "restrictions_moved", "members_moved",
    ]
    static let mergeRow = [
        "merge_id", "kind", "a", "b", "status", "created_at", "created_by", "undone_at",
    ]
    static let feature = [
        "rule_id", "feature", "enabled", "audience", "school_id", "from", "until", "reason",
    ]
    static let created = [
        "username", "holder", "guardian_id", "name", "temporary_password", "must_change",
        "revoked_keys",
    ]

    static let table: [String: [Shape]] = [
        "district create": [Shape(fields: district)],
        "district list": [Shape(fields: ["district_id", "name", "created_at"])],
        "district show": [Shape(fields: district)],
        "district set": [Shape(fields: ["setting", "before", "after"])],
        "operator add": [Shape(fields: ["name", "role", "added_at"])],
        "operator list": [Shape(fields: ["name", "role", "added_at"])],
        "operator remove": [Shape(fields: ["name", "role", "removed"])],
        "operator set-role": [Shape(fields: ["name", "role"])],
        "roster import": [
            Shape(fields: [
                "format", "created", "updated", "unchanged", "rejected", "inactivated", "warnings",
                "entities", "notes",
            ])
        ],
        "roster stats": [Shape(fields: ["entity", "active", "inactive"])],
        "roster export": [Shape(fields: ["file", "rows"])],
        "student list": [Shape(fields: student)],
        "student show": [Shape(fields: student + ["username", "account_status", "guardians"])],
        "student find": [Shape(fields: student)],
        "guardian list": [Shape(fields: guardian)],
        "guardian show": [
            Shape(
                fields: guardian[..<11] + ["birth_date_given"] + guardian[11...]
                    + ["username", "account_status", "students"])
        ],
        "guardian find": [Shape(fields: guardian)],
        "household list": [Shape(fields: household)],
        "household show": [Shape(fields: address + ["guardians", "students", "duplicates"])],
        "household find": [Shape(fields: household)],
        "aup sign": [
            Shape(fields: ["guardian_id", "signed_on", "status"]),
            Shape(when: "--file", fields: ["recorded", "already_recorded", "rejected"]),
        ],
        "aup status": [
            Shape(fields: ["guardian_id", "name", "signed_version", "signed_on", "status"])
        ],
        "key issue": [
            Shape(fields: heldKey(key)),
            Shape(when: "--student-account", fields: heldKey(studentKey)),
            Shape(when: "--student, --file, --all-without-account", fields: key),
            Shape(when: "--all-students-without-account", fields: studentKey),
        ],
        "key list": [
            Shape(fields: [
                "key_id", "holder", "person_id", "last4", "status", "issued_at", "expires_at",
                "used_by", "used_at",
            ])
        ],
        "key check": [
            Shape(fields: [
                "answer", "key_id", "holder", "guardian_id", "last4", "guardian_name",
                "expires_at",
            ]),
            Shape(
                when: "a student's key",
                fields: [
                    "answer", "key_id", "holder", "student_id", "last4", "student_name",
                    "expires_at",
                ]),
        ],
        "key revoke": [Shape(fields: ["key_id", "holder", "guardian_id", "status"])],
        "portal activate": [
            Shape(fields: ["username", "holder", "guardian_id", "status"]),
            Shape(when: "a student's key", fields: ["username", "holder", "student_id", "status"]),
        ],
        "portal login": [Shape(fields: ["username", "result"])],
        "portal change-password": [Shape(fields: ["username", "result"])],
        "account list": [
            Shape(fields: [
                "username", "holder", "person_id", "status", "last_login_at", "since",
            ])
        ],
        "account show": [
            Shape(fields: [
                "username", "holder", "guardian_id", "name", "status", "failed_count",
                "last_failure_at", "locked_at", "last_login_at", "created_at", "status_reason",
            ]),
            Shape(
                when: "a student's account",
                fields: [
                    "username", "holder", "student_id", "name", "status", "failed_count",
                    "last_failure_at", "locked_at", "last_login_at", "created_at", "status_reason",
                ]),
        ],
        "account create": [
            Shape(fields: created),
            Shape(
                when: "--student-account",
                fields: created.map { $0 == "guardian_id" ? "student_id" : $0 }),
            Shape(
                when: "--file, --all-without-account, --all-students-without-account",
                fields: ["username", "holder", "person_id", "name", "temporary_password"]),
        ],
        "account whois": [
            Shape(fields: [
                "holder", "person_id", "name", "email", "phone", "username", "account_status",
            ])
        ],
        "account unlock": [Shape(fields: ["username", "locked"])],
        "account disable": [Shape(fields: ["username", "status"])],
        "account enable": [Shape(fields: ["username", "status"])],
        "account reset": [
            Shape(fields: ["username", "temporary_password", "must_change"]),
            Shape(when: "--password-file", fields: ["username", "must_change"]),
            Shape(when: "--new-key", fields: ["username", "status"] + heldKey(key)),
        ],
        "feature disable": [Shape(fields: feature)],
        "feature enable": [Shape(fields: feature)],
        "feature list": [
            Shape(fields: [
                "feature", "audience", "enabled", "source", "reason", "from", "until", "rule_id",
            ])
        ],
        "feature history": [
            Shape(fields: [
                "rule_id", "feature", "school_id", "audience", "enabled", "from", "until", "reason",
                "created_at", "created_by", "removed_at", "removed_reason",
            ])
        ],
        "feature remove": [Shape(fields: ["rule_id", "removed"])],
        "restriction add": [
            Shape(fields: [
                "restriction_id", "guardian_id", "student_id", "reason", "document", "until",
            ])
        ],
        "restriction list": [
            Shape(fields: [
                "restriction_id", "guardian_id", "student_id", "reason", "document", "until",
                "created_at", "created_by", "removed_at", "removed_reason",
            ])
        ],
        "restriction remove": [Shape(fields: ["restriction_id", "guardian_id", "removed"])],
        "age18 scan": [
            Shape(fields: [
                "student_id", "name", "birth_date", "turns_18_on", "access_ends_on", "guardians",
                "status",
            ])
        ],
        "age18 consent": [Shape(fields: ["student_id", "guardian_id", "access", "until"])],
        "age18 request": [Shape(fields: ["student_id", "guardians", "access"])],
        "age18 apply": [Shape(fields: ["student_id", "guardian_id", "ended_on"])],
        "access explain": [
            Shape(fields: ["holder", "guardian_id", "name", "as_of", "guardian_checks", "students"]
            ),
            Shape(
                when: "a student's account",
                fields: ["holder", "student_id", "name", "as_of", "student_checks", "students"]),
        ],
        "guardian duplicates": [Shape(fields: pair)],
        "household duplicates": [Shape(fields: pair)],
        "guardian merge": [Shape(fields: merge)],
        "household merge": [Shape(fields: merge)],
        "merge list": [Shape(fields: mergeRow)],
        "merge show": [Shape(fields: mergeRow + ["summary"])],
        "merge undo": [Shape(fields: ["merge_id", "kind", "a", "b", "status"])],
        "audit list": [
            Shape(fields: [
                "seq", "at", "operator", "command", "target", "before", "after", "reason",
            ])
        ],
        "audit verify": [
            Shape(fields: ["district_id", "rows_checked", "ok", "first_bad_seq", "problem"])
        ],
        "audit export": [
            Shape(fields: [
                "district_id", "seq", "at", "operator", "command", "target", "before", "after",
                "reason", "prev_hash", "hash",
            ])
        ],
        "sample generate": [
            Shape(fields: ["folder", "counts"])
        ],
    ]

    /// What a field holds. Any field may also be null (not known, not set).
    enum Kind: String, Sendable {
        case text, integer, boolean
        /// A day, YYYY-MM-DD.
        case date
        /// An instant in UTC, ISO 8601 (2026-09-01T14:03:22Z).
        case time
        case list, object
        /// An object whose keys are names (of entities, counts), not fields.
        case map
        /// Any JSON value: a setting's value, a stored record in the audit log.
        case value
    }

    /// Every field name any command prints, at any depth, with one kind and one meaning: the
    /// same thing has the same name everywhere, and a name means one thing. The man page lists
    /// it; `JSONFieldsTests` checks every command's output against it.
    static let vocabulary: [(name: String, kind: Kind, meaning: String)] = [
        ("a", .text, "the first record of a pair or merge: the one kept"),
        ("access", .text, "a guardian's access after an age-18 request or consent"),
        ("access_ends_on", .date, "the last day a guardian's access lasts under the age-18 policy"),
        (
            "account_status", .text,
            "the state of the person's own login: active, locked, must-change, disabled, reset, or no account"
        ),
        ("accounts", .list, "logins a merge moved"),
        ("active", .integer, "how many active records"),
        ("added_at", .time, "when the operator was added"),
        ("after", .value, "the value or stored record after the change"),
        ("age18_policy", .text, "district setting"),
        ("already_recorded", .integer, "rows that were recorded before"),
        (
            "answer", .text,
            "what a key check found: valid, mistyped, unknown, used, expired, revoked"
        ),
        ("as_of", .date, "the day the answer is for"),
        ("at", .time, "when the audited change was made"),
        (
            "audience", .text,
            "whom a feature rule is for: all, students (their own accounts) or guardians"
        ),
        ("aup_required", .boolean, "district setting"),
        ("aup_version", .integer, "district setting"),
        ("b", .text, "the second record of a pair or merge: the one merged away"),
        ("before", .value, "the value or stored record before the change"),
        ("birth_date", .date, "date of birth"),
        (
            "birth_date_given", .text,
            "the birth date as the roster file gave it, when it was no plausible date (kept for"
                + " matching and export; birth_date is empty then)"
        ),
        ("checks", .list, "each rule that decides access, in order"),
        ("city", .text, "address"),
        ("cluster", .text, "the group of records that are all one person or household"),
        ("command", .text, "the command that made the change"),
        ("conflicts", .list, "fields where the two records differ, and the value kept"),
        ("counts", .map, "how many records of each kind were written"),
        ("created", .integer, "rows created"),
        ("created_at", .time, "when the record was created"),
        ("created_by", .text, "the operator who created it"),
        ("custodial", .boolean, "the guardian has custody"),
        ("decided_by", .text, "the rule that decided"),
        ("detail", .text, "what the rule found"),
        ("district_id", .text, "the district's id"),
        ("document", .text, "the court order or form a restriction rests on"),
        ("duplicates", .list, "likely duplicates of this record"),
        ("email", .text, "e-mail address"),
        ("enabled", .boolean, "the feature is on"),
        ("ended_on", .date, "the day guardian access ended"),
        ("entities", .map, "the counts of each kind of record"),
        ("entity", .text, "a kind of record: schools, households, guardians, students, links"),
        ("evidence", .list, "the fields that agreed or differed, and their weight"),
        ("expires_at", .time, "when the key stops working"),
        ("failed_count", .integer, "failed logins since the last success"),
        ("family_name", .text, "family name"),
        ("feature", .text, "a portal feature: grades, attendance, ..."),
        ("features", .list, "each feature and whether it is on for the student"),
        ("field", .text, "a field's name"),
        ("file", .text, "a file written"),
        ("first_bad_seq", .integer, "the first audit row that does not verify"),
        ("fix", .text, "the command that fixes it"),
        ("folder", .text, "the folder written"),
        ("format", .text, "the roster format read: csv (native) or oneroster"),
        ("from", .date, "the first day a rule applies"),
        ("given_name", .text, "given name"),
        ("grade", .text, "grade level"),
        ("guardian_checks", .list, "the rules about the guardian, in order"),
        ("guardian_count", .integer, "how many guardians"),
        ("guardian_id", .text, "a guardian's id"),
        ("guardian_name", .text, "a guardian's name"),
        ("guardians", .list, "guardians linked to the record"),
        ("hash", .text, "the audit row's SHA-256 chain hash"),
        ("holder", .text, "whose key or account: guardian, or student (a student's own)"),
        ("household_id", .text, "a household's id"),
        ("inactivated", .integer, "rows made inactive because the file no longer has them"),
        ("inactive", .integer, "how many inactive records"),
        ("issued_at", .time, "when the key was issued"),
        ("kept", .text, "which record's value a merge kept: a or b"),
        ("key", .text, "the activation key, shown once"),
        ("key_id", .integer, "a key's number"),
        ("key_ttl_days", .integer, "district setting"),
        ("keys_revoked", .list, "keys a merge revoked"),
        ("kind", .text, "guardian or household"),
        ("last4", .text, "the last 4 characters of a key"),
        ("last_failure_at", .time, "the last failed login"),
        ("last_login_at", .time, "the last login"),
        ("leap_day_birthday", .text, "district setting"),
        ("level", .text, "how sure a duplicate is: likely or possible"),
        ("links_joined", .list, "links that two merged records both had"),
        ("links_moved", .list, "links a merge moved"),
        ("locked", .boolean, "the login is locked"),
        ("locked_at", .time, "when the login was locked"),
        ("lockout_threshold", .integer, "district setting"),
        ("members_moved", .list, "people a household merge moved"),
        ("merge_id", .integer, "a merge's number"),
        ("middle_name", .text, "middle name"),
        ("must_change", .boolean, "the password must be changed at the next login"),
        ("name", .text, "the name of the record's person, district or operator"),
        ("not_seen_by", .list, "linked guardians who do not see the student, and why"),
        ("notes", .list, "what the import noticed"),
        ("ok", .boolean, "the check passed"),
        ("operator", .text, "who made the change"),
        ("password_min_length", .integer, "district setting"),
        ("person_id", .text, "the id of the guardian or student who holds the login or key"),
        ("phone", .text, "phone number"),
        ("portal_access", .boolean, "the link lets the guardian see the student"),
        ("portal_url", .text, "district setting"),
        ("postcode", .text, "address"),
        ("prev_hash", .text, "the hash of the audit row before"),
        ("problem", .text, "what is wrong"),
        ("reason", .text, "why, as the operator gave it"),
        ("recorded", .integer, "rows recorded"),
        ("rejected", .integer, "rows turned down"),
        ("relationship", .text, "how the guardian is related to the student"),
        ("removed", .boolean, "the record was removed"),
        ("removed_at", .time, "when it was removed"),
        ("removed_reason", .text, "why it was removed"),
        ("replaced_keys", .integer, "earlier active keys the new key revoked"),
        ("restriction_id", .integer, "a restriction's number"),
        ("restrictions_moved", .list, "restrictions a merge moved"),
        ("result", .text, "what a login or password change did"),
        ("revoked_at", .time, "when the key was revoked"),
        ("revoked_keys", .integer, "pending keys of the person that the new account replaced"),
        ("role", .text, "an operator's role: admin, registrar, helpdesk"),
        ("roles", .list, "how the guardian is related to the household's students"),
        ("rows", .integer, "rows written"),
        ("rows_checked", .integer, "audit rows checked"),
        ("rule", .text, "the rule checked"),
        ("rule_id", .integer, "a feature rule's number"),
        ("school_id", .text, "a school's id"),
        ("school_year_end", .text, "district setting (MM-DD)"),
        ("score", .integer, "the duplicate score"),
        ("seen_by", .list, "usernames that see the student"),
        ("seq", .integer, "the audit row's number"),
        ("setting", .text, "a district setting's name"),
        ("signed_on", .date, "the date on the signed agreement"),
        ("signed_version", .integer, "the agreement version signed"),
        ("since", .time, "when the login reached its status"),
        ("source", .text, "where a feature's state comes from: default, district, school:ID"),
        ("state", .text, "address: the state"),
        (
            "status", .text,
            "the state of the record itself, in its own words (active, used, due, ...)"
        ),
        ("status_reason", .text, "why the login has its status"),
        ("street", .text, "address"),
        ("street2", .text, "address: apartment, unit"),
        ("student_checks", .list, "the rules about a student's own account, in order"),
        ("student_count", .integer, "how many students"),
        ("student_id", .text, "a student's id"),
        ("student_name", .text, "a student's name"),
        ("students", .list, "students linked to the record"),
        ("summary", .object, "what the merge changed"),
        ("target", .text, "the record changed"),
        ("temporary_password", .text, "a password shown once, to be changed at the next login"),
        ("timezone", .text, "district setting"),
        ("turns_18_on", .date, "the 18th birthday"),
        ("unchanged", .integer, "rows already as the file has them"),
        ("undone_at", .time, "when the merge was undone"),
        ("until", .date, "the last day a rule or restriction applies"),
        ("updated", .integer, "rows changed"),
        ("used_at", .time, "when the key was used"),
        ("used_by", .text, "the username the key created"),
        ("username", .text, "a portal login"),
        ("visible", .boolean, "the guardian sees the student"),
        ("warnings", .integer, "values left out with a warning"),
    ]

    /// Commands with no JSON of their own: they print a script, a page or a story.
    static let none: Set<String> = ["completions", "help", "demo"]
}
