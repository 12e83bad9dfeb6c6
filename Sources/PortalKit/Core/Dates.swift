public import FoundationEssentials

/// A calendar date without a time or zone (a birth date, a school-year end), proleptic Gregorian.
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The year (four digits).
    public let year: Int
    /// The month, 1 to 12.
    public let month: Int
    /// The day of the month, 1 to 31.
    public let day: Int

    /// The date, or nil when no such day exists (Feb 30, month 13).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            day >= 1, day <= CivilDate.daysIn(month: month, year: year)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// A date that always exists: the day is cut to the month's length (Feb 30 → Feb 28 or 29)
    /// and the year kept within 1…9999.
    public init(clampingYear year: Int, month: Int, day: Int) {
        let y = Swift.min(9999, Swift.max(1, year))
        let m = Swift.min(12, Swift.max(1, month))
        self.year = y
        self.month = m
        self.day = Swift.min(CivilDate.daysIn(month: m, year: y), Swift.max(1, day))
    }

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Parses `YYYY-MM-DD`, `YYYYMMDD` or the US `M/D/YYYY`; nil for anything else or an
    /// impossible date.
    public init?(parsing text: String) {
        // Fast path: exactly YYYY-MM-DD in ASCII digits (nearly every date of an import), read
        // from the bytes; anything else takes the general path below.
        var bytes = text
        let iso: (Int, Int, Int)? = bytes.withUTF8 { u in
            guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-") else {
                return nil
            }
            func number(_ from: Int, _ to: Int) -> Int? {
                var n = 0
                for i in from..<to {
                    let d = u[i] &- UInt8(ascii: "0")
                    guard d < 10 else { return nil }
                    n = n * 10 + Int(d)
                }
                return n
            }
            guard let y = number(0, 4), let m = number(5, 7), let d = number(8, 10) else {
                return nil
            }
            return (y, m, d)
        }
        if let (y, m, d) = iso {
            self.init(year: y, month: m, day: d)
            return
        }
        let t = text.trimmed()
        func number(_ p: Substring, _ counts: ClosedRange<Int>) -> Int? {
            counts.contains(p.utf8.count) && p.utf8.allSatisfy { (48...57).contains($0) }
                ? Int(p) : nil
        }
        let dashes = t.split(separator: "-", omittingEmptySubsequences: false)
        let slashes = t.split(separator: "/", omittingEmptySubsequences: false)
        if let p = dashes.count == 3 ? dashes : slashes.count == 3 ? slashes : nil,
            let y = number(p[0], 4...4)
        {
            // Year first, with dashes or slashes, month and day of one or two digits
            // (`2010-7-1`, `2010/07/01`, as spreadsheets and some exports write them): never
            // read another way.
            guard let m = number(p[1], 1...2), let d = number(p[2], 1...2) else { return nil }
            self.init(year: y, month: m, day: d)
        } else if t.count == 8, t.utf8.allSatisfy({ (48...57).contains($0) }),
            let y = Int(t.prefix(4)), let m = Int(t.dropFirst(4).prefix(2)),
            let d = Int(t.suffix(2))
        {
            // ISO 8601's basic form, YYYYMMDD, as record-linkage files and some exports write it.
            self.init(year: y, month: m, day: d)
        } else if slashes.count == 3 {
            guard let m = number(slashes[0], 1...2), let d = number(slashes[1], 1...2),
                let y = number(slashes[2], 4...4)
            else { return nil }
            self.init(year: y, month: m, day: d)
        } else {
            return nil
        }
    }

    /// YYYY-MM-DD.
    public var description: String {
        pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// The date `z0` days after 1970-01-01 (before it, when negative).
    public init(daysSinceEpoch z0: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.year = y
        self.month = m
        self.day = d
    }

    /// The date `days` later (earlier, when negative).
    public func adding(days: Int) -> CivilDate { CivilDate(daysSinceEpoch: daysSinceEpoch + days) }

    /// Earlier dates sort first.
    public static func < (a: CivilDate, b: CivilDate) -> Bool {
        a.daysSinceEpoch < b.daysSinceEpoch
    }
}

func pad(_ n: Int, _ width: Int) -> String {
    let s = String(n)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

/// Points in time as stored and shown: ISO 8601 in UTC.
public enum Timestamp {
    /// ISO 8601 in UTC with seconds, e.g. `2026-11-25T22:41:07Z`.
    public static func iso(_ date: Date) -> String {
        let t = Int(date.timeIntervalSince1970.rounded(.down))
        let days = t >= 0 ? t / 86400 : (t - 86399) / 86400
        let secs = t - days * 86400
        let d = CivilDate(daysSinceEpoch: days)
        return d.description + "T" + pad(secs / 3600, 2) + ":" + pad(secs / 60 % 60, 2) + ":"
            + pad(secs % 60, 2) + "Z"
    }

    /// Parses what `iso` writes, or a bare date (midnight UTC).
    public static func parse(_ text: String) -> Date? {
        if let d = CivilDate(parsing: text) {
            return Date(timeIntervalSince1970: Double(d.daysSinceEpoch) * 86400)
        }
        let t = text.trimmed()
        guard t.count == 20, t.hasSuffix("Z"), let d = CivilDate(parsing: String(t.prefix(10)))
        else {
            return nil
        }
        let time = t.dropFirst(11).dropLast().split(separator: ":")
        guard time.count == 3, let h = Int(time[0]), let m = Int(time[1]), let s = Int(time[2]),
            (0..<24).contains(h), (0..<60).contains(m), (0..<60).contains(s)
        else { return nil }
        return Date(timeIntervalSince1970: Double(d.daysSinceEpoch * 86400 + h * 3600 + m * 60 + s))
    }

    /// The day (UTC) that `date` falls on.
    public static func utcDate(_ date: Date) -> CivilDate {
        let t = Int(date.timeIntervalSince1970.rounded(.down))
        return CivilDate(daysSinceEpoch: t >= 0 ? t / 86400 : (t - 86399) / 86400)
    }
}
