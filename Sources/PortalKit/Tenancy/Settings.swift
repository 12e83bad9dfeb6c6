internal import FoundationEssentials

/// One district setting (SPEC §4): its default, what values it accepts, and how to normalise one.
public struct SettingSpec: Sendable {
    /// The setting's name.
    public let key: String
    /// The value it has until set.
    public let defaultValue: String
    /// The values it takes, in words.
    public let valid: String
    /// What it does.
    public let help: String
    let normalize: @Sendable (String) -> String?
}

/// The settings a district has (SPEC §4).
public enum Settings {
    /// Every setting, in the order they are listed.
    public static let all: [SettingSpec] = [
        SettingSpec(
            key: "key_ttl_days", defaultValue: "21", valid: "a whole number of days, 1 to 365",
            help: "days an activation key stays valid (NIST SP 800-63B: mailed codes)",
            normalize: { int($0, 1...365) }),
        SettingSpec(
            key: "lockout_threshold", defaultValue: "5", valid: "a whole number, 1 to 100",
            help: "consecutive failed logins that lock an account",
            normalize: { int($0, 1...100) }),
        SettingSpec(
            key: "password_min_length", defaultValue: "15", valid: "a whole number, 8 to 64",
            help: "minimum password length (NIST SP 800-63B: 15 for single-factor)",
            normalize: { int($0, 8...64) }),
        SettingSpec(
            key: "aup_required", defaultValue: "true", valid: "true or false",
            help: "a guardian must sign the acceptable-use agreement before a key is issued",
            normalize: { bool($0) }),
        SettingSpec(
            key: "aup_version", defaultValue: "1", valid: "a whole number, 1 or more",
            help: "the current acceptable-use agreement version",
            normalize: { int($0, 1...1_000_000) }),
        SettingSpec(
            key: "age18_policy", defaultValue: "end-of-school-year",
            valid: "end-of-school-year, birthday or never",
            help: "when guardian access ends after a student turns 18",
            normalize: { oneOf($0, ["end-of-school-year", "birthday", "never"]) }),
        SettingSpec(
            key: "school_year_end", defaultValue: "06-30", valid: "a month and day, MM-DD",
            help: "last day of the school year",
            normalize: { monthDay($0) }),
        SettingSpec(
            key: "leap_day_birthday", defaultValue: "mar-01", valid: "mar-01 or feb-28",
            help: "the day a Feb 29 birthday falls on in other years",
            normalize: { oneOf($0, ["mar-01", "feb-28"]) }),
        SettingSpec(
            key: "portal_url", defaultValue: "", valid: "an http:// or https:// address",
            help: "the portal address printed on activation letters",
            normalize: { url($0) }),
        SettingSpec(
            key: "timezone", defaultValue: "UTC", valid: "an IANA time zone, e.g. America/Chicago",
            help: "the district's time zone, for dates such as the age-18 cut-off",
            normalize: { zone($0) }),
    ]

    /// Every setting's name.
    public static var keys: [String] { all.map(\.key) }

    static func spec(_ key: String) -> SettingSpec? { all.first { $0.key == key } }

    /// Parses `KEY=VALUE`, checking the key and the value; the error lists what is valid.
    public static func parseAssignment(_ text: String) throws -> (key: String, value: String) {
        guard let eq = text.firstIndex(of: "=") else {
            throw PortalError.usage(
                "'\(text)' is not KEY=VALUE",
                action: .setSetting(key: "key_ttl_days", value: "14"))
        }
        let key = text[..<eq].trimmed().lowercased()
        let raw = String(text[text.index(after: eq)...]).trimmed()
        guard let spec = spec(key) else {
            throw PortalError.usage(
                "unknown setting '\(key)'",
                hint: suggesting(key, in: keys, "valid keys: " + keys.joined(separator: ", ")))
        }
        guard let value = spec.normalize(raw) else {
            throw PortalError.usage(
                "bad value for \(key): '\(raw)'", hint: "\(key) takes \(spec.valid)")
        }
        return (key, value)
    }

    private static func int(_ s: String, _ range: ClosedRange<Int>) -> String? {
        guard let n = Int(s), range.contains(n) else { return nil }
        return String(n)
    }

    private static func bool(_ s: String) -> String? {
        switch s.lowercased() {
        case "true", "yes", "on", "1": "true"
        case "false", "no", "off", "0": "false"
        default: nil
        }
    }

    private static func oneOf(_ s: String, _ values: [String]) -> String? {
        values.contains(s.lowercased()) ? s.lowercased() : nil
    }

    private static func monthDay(_ s: String) -> String? {
        let p = s.split(separator: "-")
        guard p.count == 2, p[0].count == 2, p[1].count == 2, let m = Int(p[0]), let d = Int(p[1]),
            (1...12).contains(m), d >= 1, d <= CivilDate.daysIn(month: m, year: 2001)
        else { return nil }
        return s
    }

    private static func url(_ s: String) -> String? {
        if s.isEmpty { return "" }
        let lower = s.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://"), !s.contains(" "),
            s.count > 8
        else { return nil }
        return s
    }

    /// A zone of the system's zoneinfo, spelled as its files are ("america/chicago" is
    /// America/Chicago); a folder of zones ("America") is none.
    private static func zone(_ s: String) -> String? {
        if s.uppercased() == "UTC" { return "UTC" }
        let root = "/usr/share/zoneinfo"
        guard !s.isEmpty, !s.contains(".."), !s.hasPrefix("/"),
            s.allSatisfy({ $0.isLetter || $0.isNumber || "/_-+".contains($0) })
        else { return nil }
        var path = ""
        for part in s.split(separator: "/", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { return nil }
            let here = root + (path.isEmpty ? "" : "/" + path)
            let name =
                FileManager.default.fileExists(atPath: here + "/" + part)
                ? String(part)
                : (try? FileManager.default.contentsOfDirectory(atPath: here))?.first {
                    $0.lowercased() == part.lowercased()
                }
            guard let name else { return nil }
            path += (path.isEmpty ? "" : "/") + name
        }
        var isFolder = false
        guard FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isFolder),
            !isFolder
        else { return nil }
        return path
    }
}
