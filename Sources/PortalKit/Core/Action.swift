/// What a person can do next, as data: an error's or a failed check's remedy, never spelled as a
/// command. The command line turns an action into the command to run; a web portal would turn it
/// into a page or a button. The advice in words that goes with it is the error's `hint` (or the
/// check's `fix`).
public enum Action: Sendable, Equatable {
    /// Find a student or guardian by name, e-mail, phone or id.
    case findPerson(People.Kind)
    /// Find a household by address or a member's name.
    case findHousehold
    /// Find a parent's login by name, e-mail or phone.
    case findAccount
    /// Look through a list of records.
    case list(Listing)
    /// Show one district.
    case showDistrict(String)
    /// Show one student and their guardians.
    case showStudent(String)
    /// Explain what a guardian sees, and why.
    case explainAccess(guardian: String)
    /// Record the agreement a guardian signed.
    case signAgreement(guardian: String)
    /// Issue a new activation key to a guardian.
    case issueKey(guardian: String)
    /// Issue a student their own activation key.
    case issueStudentKey(student: String)
    /// Let a parent in again (a temporary password).
    case resetAccount(username: String)
    /// Enable a disabled login.
    case enableAccount(username: String)
    /// Disable a login.
    case disableAccount(username: String)
    /// Unlock a login locked by failed attempts.
    case unlockAccount(username: String)
    /// Merge guardian `b` into `a`.
    case mergeGuardians(String, String)
    /// Merge household `b` into `a`.
    case mergeHouseholds(String, String)
    /// Undo a merge.
    case undoMerge(Int)
    /// Lift a restriction.
    case removeRestriction(Int)
    /// Record a court order or custody decision.
    case addRestriction
    /// Record an adult student's consent to a guardian's access.
    case consentAge18(student: String, guardian: String)
    /// Change a district setting (the value an example).
    case setSetting(key: String, value: String)
    /// Add an operator with a role (in a district, when named).
    case addOperator(name: String, role: Role, district: String?)
    /// Change an operator's role (to `role`, when known).
    case setRole(name: String, role: Role?)
    /// Create a district.
    case createDistrict
    /// Import a roster folder.
    case importRoster(folder: String)
    /// Import a roster folder as a delta: only its rows applied, no one marked inactive.
    case importAsDelta(folder: String)
    /// Import a roster folder as the format named.
    case importAs(format: RosterFormat, folder: String)
    /// Import a roster folder that ends every active row of a kind the district holds.
    case importEndingAllAbsent(folder: String)
    /// Name the district to work on.
    case chooseDistrict
    /// Name the database file to work on.
    case chooseDatabase
}

/// The lists an action can point to.
public enum Listing: String, Sendable {
    case districts, operators, merges, keys, restrictions, featureRules, householdDuplicates
    /// The roster's counts, schools among them.
    case rosterStats
}
