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
    static let household = [
        "household_id", "street", "street2", "city", "state", "postcode", "guardians", "students",
    ]
    static let key = ["key_id", "guardian_id", "guardian_name", "students", "key", "expires_at"]
    static let pair = ["a", "b", "score", "level", "cluster", "evidence"]
    static let merge = [
        "merge_id", "kind", "a", "b", "conflicts", "links_moved", "links_joined", "accounts",
        "username", "keys_revoked", "restrictions_moved", "members_moved",
    ]
    static let mergeRow = [
        "merge_id", "kind", "a", "b", "status", "created_at", "created_by", "undone_at",
    ]
    static let feature = ["rule_id", "name", "enabled", "school_id", "from", "until", "reason"]

    static let table: [String: [Shape]] = [
        "district create": [Shape(fields: district)],
        "district list": [Shape(fields: ["district_id", "name", "created_at"])],
        "district show": [Shape(fields: district)],
        "district set": [Shape(fields: ["key", "old", "new"])],
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
        "student show": [Shape(fields: student + ["guardians"])],
        "student find": [Shape(fields: student)],
        "guardian list": [Shape(fields: guardian)],
        "guardian show": [Shape(fields: guardian + ["students"])],
        "guardian find": [Shape(fields: guardian)],
        "household list": [Shape(fields: household)],
        "household show": [Shape(fields: household + ["duplicates"])],
        "household find": [Shape(fields: household)],
        "aup sign": [
            Shape(fields: ["guardian_id", "signed_on", "recorded"]),
            Shape(when: "--file", fields: ["recorded", "already_recorded", "rejected"]),
        ],
        "aup status": [
            Shape(fields: ["guardian_id", "name", "signed_version", "signed_on", "status"])
        ],
        "key issue": [
            Shape(fields: key + ["replaced_keys"]),
            Shape(when: "--student, --file, --all-without-account", fields: key),
        ],
        "key list": [
            Shape(fields: [
                "key_id", "guardian_id", "last4", "status", "issued_at", "expires_at", "used_by",
                "used_at",
            ])
        ],
        "key check": [
            Shape(fields: [
                "answer", "key_id", "guardian_id", "last4", "guardian_name", "expires_at",
            ])
        ],
        "key revoke": [Shape(fields: ["key_id", "guardian_id", "status"])],
        "portal activate": [Shape(fields: ["username", "guardian_id", "status"])],
        "portal login": [Shape(fields: ["username", "result"])],
        "portal change-password": [Shape(fields: ["username", "result"])],
        "account list": [
            Shape(fields: [
                "username", "person_kind", "person_id", "state", "last_login_at", "since",
            ])
        ],
        "account show": [
            Shape(fields: [
                "username", "person_kind", "person_id", "state", "failed_count",
                "last_failure_at", "locked_at", "last_login_at", "created_at", "status_reason",
            ])
        ],
        "account whois": [
            Shape(fields: ["guardian_id", "name", "email", "phone", "username", "state"])
        ],
        "account unlock": [Shape(fields: ["username", "locked"])],
        "account disable": [Shape(fields: ["username", "state"])],
        "account enable": [Shape(fields: ["username", "state"])],
        "account reset": [
            Shape(fields: ["username", "temporary_password", "must_change"]),
            Shape(when: "--password-file", fields: ["username", "must_change"]),
            Shape(when: "--new-key", fields: ["username", "status"] + key + ["replaced_keys"]),
        ],
        "feature disable": [Shape(fields: feature)],
        "feature enable": [Shape(fields: feature)],
        "feature list": [
            Shape(fields: ["name", "enabled", "source", "reason", "from", "until", "rule_id"])
        ],
        "feature history": [
            Shape(fields: [
                "rule_id", "feature", "school_id", "enabled", "from_date", "until_date", "reason",
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
                "restriction_id", "guardian_id", "student_id", "reason", "document", "until_date",
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
            Shape(fields: ["guardian_id", "name", "as_of", "guardian_checks", "students"])
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
            Shape(fields: [
                "out", "schools", "students", "guardians", "households", "links",
                "duplicate_guardians", "duplicate_households", "turning_18_this_year",
            ])
        ],
    ]

    /// Commands with no JSON of their own: they print a script, a page or a story.
    static let none: Set<String> = ["completions", "help", "demo"]
}
