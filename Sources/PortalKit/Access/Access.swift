public import FoundationEssentials

/// The help-desk answer to "why can't this parent see this child?" (SPEC §13): every rule in
/// order, the one that decided, and what would fix it.
public enum Access {
    /// One rule and what it found.
    public struct Check: Sendable {
        /// The rule's name (restriction, age 18, enrolment, link, portal access, ...).
        public let rule: String
        /// Whether the rule lets the guardian through.
        public let ok: Bool
        /// What the rule found, in words.
        public let detail: String
        /// What would fix it, in words.
        public let fix: String?
        /// What would fix it, as an action to take.
        public let action: Action?

        init(rule: String, ok: Bool, detail: String, fix: String?, action: Action? = nil) {
            self.rule = rule
            self.ok = ok
            self.detail = detail
            self.fix = fix
            self.action = action
        }
    }

    /// Whether the guardian sees one student, every rule that says so, and the one that decided.
    public struct StudentAnswer: Sendable {
        /// The student's id.
        public let studentID: String
        /// Given and family name.
        public let name: String
        /// Whether the guardian sees the student today.
        public let visible: Bool
        /// The rule that decided, when the student is hidden.
        public let decidedBy: String?
        /// Every rule about this student, in the order they are applied.
        public let checks: [Check]
        /// What the portal shows of the student: each feature at the student's school.
        public let features: [Features.State]
        /// What would fix the deciding rule, in words and as an action.
        public let fix: String?
        /// The deciding rule's fix as an action to take; nil when there is none.
        public let action: Action?
    }

    /// The whole answer for one account holder: the rules about the holder, then each student
    /// they may see (a guardian's linked children; a student, themselves).
    public struct Answer: Sendable {
        /// A guardian, or a student with their own account.
        public let holder: People.Kind
        /// The guardian's or student's id.
        public let personID: String
        /// Given and family name.
        public let name: String
        /// The day the answer holds for (YYYY-MM-DD, the district's time zone).
        public let asOf: String
        /// Rules about the holder alone (record status, account, agreement).
        public let holderChecks: [Check]
        /// One answer per student.
        public let students: [StudentAnswer]
    }

    /// Every rule for `guardianID` (and each linked student, or `studentID` only) on the session's
    /// day, read in one transaction: one snapshot of the district, and the file locked once
    /// instead of for each of some thirty queries (210 lock calls became 38; no faster measured
    /// by itself).
    public static func explain(
        _ db: Database, district: District, guardianID: String, studentID: String?, now: Date,
        asOf: CivilDate?
    ) throws -> Answer {
        try db.read {
            try guardianAnswer(
                db, district: district, guardianID: guardianID, studentID: studentID, now: now,
                asOf: asOf)
        }
    }

    private static func guardianAnswer(
        _ db: Database, district: District, guardianID: String, studentID: String?, now: Date,
        asOf: CivilDate?
    ) throws -> Answer {
        let d = district.id
        let day = asOf ?? Zone.localDate(now, zone: district.setting("timezone"))
        let g = try People.get(db, district: d, kind: .guardian, id: guardianID)
        let gname = g.text("given_name") + " " + g.text("family_name")
        var gchecks: [Check] = []
        // 1. The guardian record.
        let active = g.text("status") == "active"
        gchecks.append(
            Check(
                rule: "guardian record", ok: active,
                detail: active ? "active" : "inactive: no longer in the roster",
                fix: active ? nil : "import a roster that lists guardian \(guardianID)"))
        // 2. The portal account.
        gchecks.append(
            try accountCheck(db, district: d, holder: .guardian, id: guardianID, now: now))
        // 3. The acceptable-use agreement.
        if district.setting("aup_required") == "true" {
            let version = Int(district.setting("aup_version")) ?? 1
            let signed = try db.scalar(
                "SELECT max(version) FROM aup_signatures WHERE district_id = ? AND guardian_id = ?",
                [.text(d), .text(guardianID)])?.int
            let ok = (signed ?? 0) >= Int64(version)
            let hasAccount = gchecks.last?.detail.hasPrefix("none") == false
            gchecks.append(
                Check(
                    rule: "acceptable-use agreement", ok: ok || hasAccount,
                    detail: ok
                        ? "signed version \(signed ?? 0)"
                        : signed.map { "signed version \($0), must sign version \(version) again" }
                            ?? "never signed (version \(version) is current)",
                    fix: ok ? nil : "record the form once the parent signs it",
                    action: ok ? nil : .signAgreement(guardian: guardianID)))
        }

        var students: [String] = try db.query(
            "SELECT student_id FROM links WHERE district_id = ? AND guardian_id = ? ORDER BY student_id",
            [.text(d), .text(guardianID)]
        ).map { $0.text("student_id") }
        if let studentID {
            _ = try People.get(db, district: d, kind: .student, id: studentID)
            students = [studentID]
        } else {
            // Seed 003: "she can't see her second child", linked to another record of her.
            students += try duplicatesChildren(db, district: d, guardian: g, besides: students)
        }
        let policy = AgeOut.Policy(district)
        var answers: [StudentAnswer] = []
        for sid in students {
            let st = try People.get(db, district: d, kind: .student, id: sid)
            // SPEC §13 order: guardian record, the link (or the duplicate record holding it),
            // portal account, agreement, portal access, restriction, age 18, student status.
            var checks: [Check] = [gchecks[0]]
            let link = try db.first(
                "SELECT * FROM links WHERE district_id = ? AND guardian_id = ? AND student_id = ?",
                [.text(d), .text(guardianID), .text(sid)])
            if let link {
                let on = link.text("status") == "active"
                checks.append(
                    Check(
                        rule: "link", ok: on,
                        detail: on
                            ? "linked as \(link.string("relationship") ?? "guardian")"
                            : "the link is inactive (no longer in the roster)",
                        fix: on ? nil : "add the relationship back in the SIS and import again"))
            } else {
                let dup = try duplicateHolder(db, district: d, guardian: g, studentID: sid)
                let home =
                    dup == nil
                    ? try duplicateHousehold(db, district: d, guardian: g, student: st) : nil
                checks.append(
                    Check(
                        rule: "link", ok: false,
                        detail: dup.map {
                            "not linked; a likely duplicate record of this guardian, \($0.id) (\($0.why)), holds the link"
                        } ?? home.map {
                            "not linked; the student's household \($0.student) is at the guardian's address but filed apart from household \($0.guardian)"
                        } ?? "guardian \(guardianID) is not linked to student \(sid)",
                        fix: dup.map { _ in "merge the two records of this guardian" }
                            ?? home.map { _ in
                                "merge the two households, then link the guardian in the SIS"
                            }
                            ?? "add the relationship in the SIS and import again",
                        action: dup.map { .mergeGuardians(guardianID, $0.id) }
                            ?? home.map { .mergeHouseholds($0.guardian, $0.student) }))
            }
            checks.append(contentsOf: gchecks.dropFirst())
            if let link {
                let pa = link.bool("portal_access")
                let relationship = link.string("relationship")
                checks.append(
                    Check(
                        rule: "portal access", ok: pa,
                        detail: pa
                            ? "yes"
                            : "the relationship says portal_access = no"
                                + (LinkRecord.isNotParent(relationship)
                                    ? " (\(relationship ?? "") is not a parent: no unless the roster says yes)"
                                    : ""),
                        fix: pa
                            ? nil
                            : "set portal_access to yes for \(guardianID)/\(sid) in relationships.csv and import again"
                    ))
            }
            if let r = try Restrictions.active(
                db, district: d, guardian: guardianID, student: sid, on: day)
            {
                checks.append(
                    Check(
                        rule: "restriction", ok: false,
                        detail: "restriction \(r.restrictionID): \(r.reason)"
                            + (r.document.map { " (\($0))" } ?? "")
                            + (r.until.map { ", until \($0)" } ?? ""),
                        fix: "none while the order stands; only lifting the restriction ends it",
                        action: .removeRestriction(r.restrictionID)))
            } else {
                checks.append(Check(rule: "restriction", ok: true, detail: "none", fix: nil))
            }
            switch try AgeOut.verdict(
                db, district: d, policy: policy, studentID: sid, birthDate: st.string("birth_date"),
                guardianID: guardianID, on: day)
            {
            case .notYet(let ends):
                checks.append(
                    Check(
                        rule: "age 18", ok: true,
                        detail: ends.map { "access continues until \($0)" }
                            ?? "no automatic end (policy never)", fix: nil))
            case .unknownBirthDate:
                checks.append(
                    Check(
                        rule: "age 18", ok: true,
                        detail: "birth date unknown: the age-18 rule cannot be checked",
                        fix: "import the student's birth date"))
            case .consent(let until):
                checks.append(
                    Check(
                        rule: "age 18", ok: true,
                        detail: "the student is 18; access continues with consent"
                            + (until.map { " until \($0)" } ?? ""), fix: nil))
            case .ended(let turns, let ended):
                checks.append(
                    Check(
                        rule: "age 18", ok: false,
                        detail:
                            "turned 18 on \(turns); guardian access "
                            + (policy.kind == "birthday"
                                ? "ended that day (policy birthday)"
                                : "ended after \(ended), the last day of the school year (\(policy.kind))"),
                        fix: "with the student's written consent",
                        action: .consentAge18(student: sid, guardian: guardianID)))
            case .requested(let on):
                checks.append(
                    Check(
                        rule: "age 18", ok: false,
                        detail: "the student asked in writing on \(on) to end this access",
                        fix: "only the student can change this, with written consent",
                        action: .consentAge18(student: sid, guardian: guardianID)))
            }
            let sActive = st.text("status") == "active"
            checks.append(
                Check(
                    rule: "student status", ok: sActive,
                    detail: sActive ? "enrolled" : "inactive (not enrolled)",
                    fix: sActive ? nil : "the student must be enrolled (in the roster) again"))
            // What lasts decides before what can be fixed: a court order, then the end of access
            // at 18, then enrolment, then the link and its portal access, so nobody is told to
            // "just issue a key" or to activate one that would show nothing; and the agreement
            // before the account, since no key is issued until it is signed.
            let decided =
                [
                    "restriction", "age 18", "student status", "link", "portal access",
                    "acceptable-use agreement",
                ].lazy
                .compactMap { rule in
                    checks.first { $0.rule == rule && !$0.ok }
                }.first ?? checks.first { !$0.ok }
            let features = try Features.effective(
                db, district: d, school: st.string("school_id"), on: day, for: .guardians)
            answers.append(
                StudentAnswer(
                    studentID: sid, name: st.text("given_name") + " " + st.text("family_name"),
                    visible: decided == nil, decidedBy: decided?.rule, checks: checks,
                    features: features,
                    fix: decided?.fix, action: decided?.action))
        }
        return Answer(
            holder: .guardian, personID: guardianID, name: gname, asOf: day.description,
            holderChecks: gchecks, students: answers)
    }

    /// Every rule for a student's own account (policy 1050 II.D: an enrolled student sees their
    /// own record, and only it): enrolment, the account, age 18 (which ends guardians' access,
    /// never the student's own), and the features shown to students at their school.
    public static func explain(
        _ db: Database, district: District, studentID: String, now: Date, asOf: CivilDate?
    ) throws -> Answer {
        try db.read {
            try studentAnswer(db, district: district, studentID: studentID, now: now, asOf: asOf)
        }
    }

    private static func studentAnswer(
        _ db: Database, district: District, studentID: String, now: Date, asOf: CivilDate?
    ) throws -> Answer {
        let d = district.id
        let day = asOf ?? Zone.localDate(now, zone: district.setting("timezone"))
        let st = try People.get(db, district: d, kind: .student, id: studentID)
        let name = st.text("given_name") + " " + st.text("family_name")
        let enrolled = st.text("status") == "active"
        let checks = [
            Check(
                rule: "student status", ok: enrolled,
                detail: enrolled
                    ? "enrolled"
                    : "inactive (not enrolled): the student's own account is disabled",
                fix: enrolled ? nil : "the student must be enrolled (in the roster) again"),
            try accountCheck(db, district: d, holder: .student, id: studentID, now: now),
            Check(
                rule: "age 18", ok: true,
                detail: "does not apply: a student's own account continues after 18", fix: nil),
        ]
        let decided = checks.first { !$0.ok }
        let features = try Features.effective(
            db, district: d, school: st.string("school_id"), on: day, for: .students)
        return Answer(
            holder: .student, personID: studentID, name: name, asOf: day.description,
            holderChecks: Array(checks[..<2]),
            students: [
                StudentAnswer(
                    studentID: studentID, name: name, visible: decided == nil,
                    decidedBy: decided?.rule, checks: checks, features: features,
                    fix: decided?.fix, action: decided?.action)
            ])
    }

    /// The portal-account rule for a guardian or a student: the login and its state, or the
    /// key that is pending, or neither.
    static func accountCheck(
        _ db: Database, district d: String, holder: People.Kind, id: String, now: Date
    ) throws -> Check {
        let person = holder == .student ? "student" : "parent"
        let issue: Action =
            holder == .student ? .issueStudentKey(student: id) : .issueKey(guardian: id)
        if let a = try Accounts.account(db, district: d, holder: holder, id: id),
            a.status != "reset"
        {
            let u = a.username
            switch a.status {
            case "disabled":
                return Check(
                    rule: "portal account", ok: false,
                    detail: "\(u) is disabled" + (a.statusReason.map { ": \($0)" } ?? ""),
                    fix: "enable the login", action: .enableAccount(username: u))
            case "locked":
                return Check(
                    rule: "portal account", ok: false,
                    detail: "\(u) is locked after \(a.failedCount) failed logins",
                    fix: "unlock the login (the password stays)",
                    action: .unlockAccount(username: u))
            case "must-change":
                return Check(
                    rule: "portal account", ok: false,
                    detail: "\(u) must change the temporary password at the next login",
                    fix:
                        "the \(person) logs in with the temporary password and chooses a new one (or reset it again)",
                    action: .resetAccount(username: u))
            default:
                return Check(rule: "portal account", ok: true, detail: "\(u), active", fix: nil)
            }
        }
        if let k = try db.first(
            """
            SELECT key_id, expires_at FROM activation_keys WHERE district_id = ? AND person_kind = ? AND person_id = ? AND status = 'active'
            ORDER BY key_id DESC LIMIT 1
            """, [.text(d), .text(holder.rawValue), .text(id)])
        {
            if k.text("expires_at") > Timestamp.iso(now) {
                return Check(
                    rule: "portal account", ok: false,
                    detail:
                        "none yet: key \(k.text("key_id")) is pending until \(k.text("expires_at").prefix(10))",
                    fix:
                        "the \(person) activates the key on the portal (or, if the letter is lost, a new key)",
                    action: issue)
            }
            return Check(
                rule: "portal account", ok: false,
                detail:
                    "none: key \(k.text("key_id")) expired on \(k.text("expires_at").prefix(10))",
                fix: "issue a new key", action: issue)
        }
        return Check(
            rule: "portal account", ok: false, detail: "none: no account and no key",
            fix: "issue a key", action: issue)
    }

    /// Another guardian record, linked to the student, that is likely the same person: the
    /// classic "one child on each duplicate record".
    static func duplicateHolder(
        _ db: Database, district d: String, guardian g: Row, studentID: String
    ) throws -> (id: String, why: String)? {
        let others = try db.query(
            """
            SELECT g.* FROM links l JOIN guardians g ON g.district_id = l.district_id AND g.guardian_id = l.guardian_id
            WHERE l.district_id = ? AND l.student_id = ? AND g.guardian_id <> ?
            """, [.text(d), .text(studentID), .text(g.text("guardian_id"))])
        for o in others {
            if let why = samePerson(g, o) { return (o.text("guardian_id"), why) }
        }
        return nil
    }

    /// The children linked to a probable duplicate record of guardian `g` (`likelyDuplicates`
    /// that `samePerson` takes for her, by name only when `livesAlike`) and not to `g`: the
    /// children the parent cannot see because the SIS holds her twice.
    static func duplicatesChildren(
        _ db: Database, district d: String, guardian g: Row, besides linked: [String]
    ) throws -> [String] {
        var found: [String] = []
        for o in try likelyDuplicates(db, district: d, of: g) {
            guard let why = samePerson(g, o), !why.hasPrefix("same name") || livesAlike(g, o)
            else { continue }
            for l in try db.query(
                "SELECT student_id FROM links WHERE district_id = ? AND guardian_id = ? AND status = 'active' ORDER BY student_id",
                [.text(d), .text(o.text("guardian_id"))])
            {
                let sid = l.text("student_id")
                if !linked.contains(sid) && !found.contains(sid) { found.append(sid) }
            }
        }
        return found
    }

    /// The district's other active guardians who may be `g` again, by id (at most 200): the
    /// same e-mail, phone or household, or a folded name (`search_key`, given name first) that
    /// holds `g`'s family name and begins as her given name does, as a nickname of it does, or
    /// as her family name does (the names swapped). Each is a range of an index; only a name
    /// that begins with no letter is looked for among every guardian of the district.
    static func likelyDuplicates(_ db: Database, district d: String, of g: Row) throws -> [Row] {
        let me = g.text("guardian_id")
        // What `samePerson` and `livesAlike` read, not every column (a row fetched for each
        // candidate: a common name is dozens).
        let select =
            "SELECT guardian_id, given_name, family_name, email, phone, household_id, birth_date, "
            + "street, postcode FROM guardians WHERE district_id = ?1 AND status = 'active' AND "
        var rows: [String: Row] = [:]
        func keep(_ sql: String, _ args: [SQLValue]) throws {
            for r in try db.query(sql + " LIMIT 201", [.text(d)] + args)
            where r.text("guardian_id") != me {
                rows[r.text("guardian_id")] = r
            }
        }
        for c in ["email", "phone", "household_id"] {
            if let v = g.string(c), !v.isEmpty { try keep(select + "\(c) = ?2", [.text(v)]) }
        }
        let folded = searchFold(g.text("family_name"))
        if let family = folded.split(separator: " ").first {
            let like = SQLValue.text("%" + People.escapeLike(String(family)) + "%")
            let given = searchFold(g.text("given_name"))
            // What `samePerson` takes for the same names: her given name or a nickname of it
            // first, or her family name first (swapped).
            let nicknames = Nicknames.variants(of: letters(given))
            let firsts = [letters(given), letters(folded)] + nicknames
            let starts = ([given, folded] + nicknames).map(namePrefix)
            if starts.contains("") {
                try keep(select + "search_key LIKE ?2 ESCAPE '\\'", [like])
            } else {
                // Her given name written apart within its first letters on the other record
                // ("Joann" and "Jo Ann"): a narrow range for each place.
                let whole = letters(given)
                let splits = (1..<max(1, min(4, whole.count))).flatMap { k in
                    [" ", "-"].map { String(whole.prefix(k)) + $0 }
                }
                // The ids first, from the index alone (a common given name is hundreds of
                // entries, each a read of the table otherwise), then the rows of those whose
                // name begins as `firsts` do. The district is compared as an expression: SQLite's
                // sampled statistics (`Roster.importBundle`) say a district has some 1,000
                // guardians, so its planner would read every one of them by the primary key.
                var ids: Set<String> = []
                for p in Set(starts + splits) {
                    for r in try db.query(
                        nameRangeSQL, [.text(d), .text(p), .text(followingPrefix(p)), like])
                    {
                        let name = letters(r.text("search_key"))
                        if firsts.contains(where: { name.hasPrefix($0) }) {
                            ids.insert(r.text("guardian_id"))
                        }
                    }
                }
                // Their rows in one query (a statement run for each was a third of the search).
                let wanted = ids.sorted().prefix(201).filter { rows[$0] == nil }
                if !wanted.isEmpty {
                    let marks = (2...(wanted.count + 1)).map { "?\($0)" }.joined(separator: ", ")
                    try keep(select + "guardian_id IN (\(marks))", wanted.map { .text($0) })
                }
            }
        }
        return rows.keys.sorted().prefix(200).compactMap { rows[$0] }
    }

    /// The ids and folded names of the district's guardians whose folded name begins with ?2
    /// (up to ?3, see `namePrefix`) and holds ?4 (a LIKE pattern): from `guardians_by_name`
    /// alone, compared byte by byte as it is built.
    static let nameRangeSQL = """
        SELECT guardian_id, search_key FROM guardians WHERE district_id || '' = ?1
          AND search_key COLLATE BINARY >= ?2 AND search_key COLLATE BINARY < ?3
          AND substr(search_key, 1, length(?2)) = ?2
          AND search_key LIKE ?4 ESCAPE '\\' LIMIT 201
        """

    /// The first letters (up to four, of any script: "liz", "李") of a folded name, where its
    /// range of `search_key` begins; empty when it begins with no letter.
    static func namePrefix(_ folded: String) -> String {
        String(folded.prefix { $0.isLetter }.prefix(4))
    }

    /// The letters of a name, nothing else ("O'Brien-Kay" -> "OBrienKay"); ASCII ones told
    /// without Unicode's tables (a lookup each, a tenth of `access explain`).
    static func letters(_ s: String) -> String {
        s.filter { c in
            c.asciiValue.map { ($0 | 0x20) >= 97 && ($0 | 0x20) <= 122 } ?? c.isLetter
        }
    }

    /// Whether two names differ by at most one letter wrong, missing, extra, or two swapped
    /// (the duplicate finder's edit distance).
    static func oneSlipApart(_ a: String, _ b: String) -> Bool {
        var a = a
        var b = b
        return a.withUTF8 { x in b.withUTF8 { y in Phonetic.editDistance(x, y, limit: 1) <= 1 } }
    }

    /// The prefix with its last character the next one: "mari" -> "marj", "liz" -> "li{". Every
    /// text that begins with the prefix sorts before it (byte by byte, as code points do).
    static func followingPrefix(_ p: String) -> String {
        var scalars = Array(p.unicodeScalars)
        if let last = scalars.popLast() {
            // After U+D7FF come the surrogates, no characters: the next is U+E000.
            scalars.append(Unicode.Scalar(last.value + 1) ?? "\u{E000}")
        }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars)
        return String(out)
    }

    /// The student's household at the guardian's address under another id: the duplicate
    /// household that hides a child from a parent.
    static func duplicateHousehold(
        _ db: Database, district d: String, guardian g: Row, student st: Row
    ) throws -> (guardian: String, student: String)? {
        guard let hg = g.string("household_id"), let hs = st.string("household_id"), hg != hs,
            let a = try db.first(
                "SELECT street, postcode FROM households WHERE district_id = ? AND household_id = ?",
                [.text(d), .text(hg)]),
            let b = try db.first(
                "SELECT street, postcode FROM households WHERE district_id = ? AND household_id = ?",
                [.text(d), .text(hs)]),
            sameAddress(a, b)
        else { return nil }
        return (hg, hs)
    }

    /// Whether two rows (households or guardians) have a street and the same address by
    /// `addressKey`.
    static func sameAddress(_ a: Row, _ b: Row) -> Bool {
        guard let sa = a.string("street"), let sb = b.string("street") else { return false }
        return addressKey(sa, a.string("postcode")) == addressKey(sb, b.string("postcode"))
    }

    /// A street address as compared: the street's number, name and unit as the duplicate
    /// finder reads them (folded, "Street" as "st"), and the postcode's first five characters.
    static func addressKey(_ street: String, _ postcode: String?) -> String {
        var street = street
        let (number, name, unit) = street.withUTF8 {
            MatchRecords.street(MatchRecords.fold($0, keepDigits: true))
        }
        return String(decoding: number + [32] + name + [32] + unit, as: UTF8.self) + "|"
            + (postcode ?? "").prefix(5)
    }

    /// Whether two guardian records share a household, a street address or a birth date: what
    /// a match of names alone needs besides when no child ties the records together. Names
    /// alone meet strangers (at 100,000 students, 14 other records of a Betty Williams).
    static func livesAlike(_ a: Row, _ b: Row) -> Bool {
        func same(_ c: String) -> Bool { a.string(c).map { $0 == b.string(c) } ?? false }
        return same("household_id") || same("birth_date") || sameAddress(a, b)
    }

    /// A cautious same-person test: matching email or phone with given names alike, or
    /// matching names (nicknames and swapped names allowed).
    static func samePerson(_ a: Row, _ b: Row) -> String? {
        func fold(_ s: String?) -> String { letters(searchFold(s ?? "")) }
        let fa = fold(a.string("family_name"))
        let fb = fold(b.string("family_name"))
        let ga = fold(a.string("given_name"))
        let gb = fold(b.string("given_name"))
        let family = !fa.isEmpty && (fa == fb || fa.hasPrefix(fb) || fb.hasPrefix(fa))
        let given = !ga.isEmpty && (ga == gb || Nicknames.variants(of: ga).contains(gb))
        let swapped = !fa.isEmpty && fa == gb && ga == fb
        // A shared e-mail or phone is a family's as often as one person's twice: it needs the
        // given names alike too (the first three letters, or a slip of the pen: "Juna" for
        // "Juan") or the same birth date, never the family name alone, which a husband and
        // wife share.
        let givenAlike =
            given
            || (ga.count >= 3 && (ga.prefix(3) == gb.prefix(3) || oneSlipApart(ga, gb)))
        let born = a.string("birth_date").map { $0 == b.string("birth_date") } ?? false
        let contactsNeed = givenAlike || swapped || born
        if let e = a.string("email"), e == b.string("email"), contactsNeed { return "same email" }
        if let p = a.string("phone"), p == b.string("phone"), contactsNeed { return "same phone" }
        if (family && given) || swapped { return swapped ? "same names, swapped" : "same name" }
        return nil
    }
}
