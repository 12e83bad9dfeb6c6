public import FoundationEssentials

#if canImport(Glibc)
    internal import Glibc
#endif

/// Calendar dates in a district's time zone, read from the system's zoneinfo through the C
/// library (no ICU). "Today" for an age-18 cut-off is the district's today, not UTC's.
public enum Zone {
    /// The civil date at `date` in the IANA zone `name` (UTC when empty or unknown).
    public static func localDate(_ date: Date, zone name: String) -> CivilDate {
        guard !name.isEmpty, name != "UTC" else { return Timestamp.utcDate(date) }
        let old = getenv("TZ").map { String(cString: $0) }
        setenv("TZ", name, 1)
        tzset()
        defer {
            if let old { setenv("TZ", old, 1) } else { unsetenv("TZ") }
            tzset()
        }
        var t = time_t(date.timeIntervalSince1970.rounded(.down))
        var tmv = tm()
        guard localtime_r(&t, &tmv) != nil,
            let d = CivilDate(
                year: Int(tmv.tm_year) + 1900, month: Int(tmv.tm_mon) + 1, day: Int(tmv.tm_mday))
        else {
            return Timestamp.utcDate(date)
        }
        return d
    }
}
