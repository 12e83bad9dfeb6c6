import PortalKit

/// PortalKit's remedies spelled as this program's commands: an action becomes the command to
/// run, and goes into the `hint:` (or the `fix:` of an explanation) after the advice in words.
enum Remedies {
    static func command(_ action: Action) -> String {
        let words: String
        switch action {
        case .findPerson(let kind): words = "\(kind.rawValue) find TEXT"
        case .findHousehold: words = "household find TEXT"
        case .findAccount: words = "account whois --name NAME (or --email, --phone)"
        case .list(let listing):
            switch listing {
            case .districts: words = "district list"
            case .operators: words = "operator list"
            case .merges: words = "merge list"
            case .keys: words = "key list"
            case .restrictions: words = "restriction list"
            case .featureRules: words = "feature history"
            case .householdDuplicates: words = "household duplicates"
            case .rosterStats: words = "roster stats"
            }
        case .showDistrict(let id): words = "district show \(id)"
        case .showStudent(let id): words = "student show \(id)"
        case .explainAccess(let g): words = "access explain --guardian \(g)"
        case .signAgreement(let g): words = "aup sign --guardian \(g) --on YYYY-MM-DD"
        case .issueKey(let g): words = "key issue --guardian \(g)"
        case .issueStudentKey(let st): words = "key issue --student-account \(st)"
        case .resetAccount(let u): words = "account reset \(u)"
        case .enableAccount(let u): words = "account enable \(u) --reason TEXT"
        case .disableAccount(let u): words = "account disable \(u) --reason TEXT"
        case .unlockAccount(let u): words = "account unlock \(u)"
        case .mergeGuardians(let a, let b): words = "guardian merge \(a) \(b)"
        case .mergeHouseholds(let a, let b): words = "household merge \(a) \(b)"
        case .undoMerge(let id): words = "merge undo \(id)"
        case .removeRestriction(let id): words = "restriction remove \(id) --reason TEXT"
        case .addRestriction: words = "restriction add --guardian ID --student ID --reason TEXT"
        case .consentAge18(let s, let g): words = "age18 consent \(s) --guardian \(g) --reason TEXT"
        case .setSetting(let key, let value): words = "district set \(key)=\(value)"
        case .addOperator(let name, let role, let district):
            words =
                "operator add \(name) --role \(role.rawValue)"
                + (district.map { " --district \($0)" } ?? "")
        case .setRole(let name, let role):
            words = "operator set-role \(name) \(role?.rawValue ?? "ROLE") --reason TEXT"
        case .createDistrict: words = "district create ID --name NAME"
        case .importRoster(let folder): words = "roster import \(shellWord(folder))"
        case .importAsDelta(let folder): words = "roster import \(shellWord(folder)) --delta"
        case .importAs(let format, let folder):
            words = "roster import \(shellWord(folder)) --format \(format.rawValue)"
        case .importEndingAllAbsent(let folder):
            words = "roster import \(shellWord(folder)) --allow-all-absent"
        case .chooseDistrict: return "pass --district ID or set $PORTALADMIN_DISTRICT"
        case .chooseDatabase: return "pass --db PATH or set $PORTALADMIN_DB"
        }
        return "portaladmin " + words
    }

    /// `text` as one word of a shell command line: as it is when it holds nothing the shell
    /// reads otherwise, else in single quotes (a folder named "SIS Export 2026").
    static func shellWord(_ text: String) -> String {
        let plain =
            !text.isEmpty
            && text.unicodeScalars.allSatisfy {
                $0.isASCII
                    && ($0.properties.isAlphabetic || $0.properties.numericType != nil
                        || "_./-:@%+=,".unicodeScalars.contains($0))
            }
        return plain
            ? text
            : "'"
                + text.split(separator: "'", omittingEmptySubsequences: false).joined(
                    separator: #"'\''"#) + "'"
    }

    /// Advice and command in one line: "advice: command", or either alone.
    static func text(_ advice: String?, _ action: Action?) -> String? {
        let parts = [advice, action.map(command)].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: ": ")
    }
}
