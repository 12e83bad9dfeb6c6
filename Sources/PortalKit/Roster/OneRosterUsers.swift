/// Strings kept once each and numbered in the order first met: their bytes one after another in
/// one buffer, and an open-addressing table of their numbers. About 12 bytes a string besides
/// its own, where a dictionary of strings takes some 80 (and a heap block for each string
/// longer than 15 bytes, as a GUID is).
struct Interner {
    private var bytes: [UInt8] = []
    /// Where string `n` starts in `bytes`; it ends where `n + 1` starts.
    private var starts: [UInt32] = [0]
    /// Numbers, -1 for an empty slot.
    private var slots = [Int32](repeating: -1, count: 64)

    var count: Int { starts.count - 1 }

    /// The number of `s`, added if new.
    mutating func number(_ s: String) -> Int {
        var s = s
        return s.withUTF8 { u in
            if let n = find(u) { return n }
            if (count + 1) * 2 > slots.count { grow() }
            let n = count
            bytes.append(contentsOf: u)
            starts.append(UInt32(bytes.count))
            place(n, foldedFNV1a(u))
            return n
        }
    }

    /// The number of `s`, if it was added.
    func find(_ s: String) -> Int? {
        var s = s
        return s.withUTF8 { find($0) }
    }

    func string(_ n: Int) -> String {
        bytes.withUnsafeBufferPointer { b in
            String(
                decoding: UnsafeBufferPointer(rebasing: b[Int(starts[n])..<Int(starts[n + 1])]),
                as: UTF8.self)
        }
    }

    private func find(_ u: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = Int(foldedFNV1a(u)) & (slots.count - 1)
        while slots[i] >= 0 {
            let n = Int(slots[i])
            let a = Int(starts[n])
            let b = Int(starts[n + 1])
            if b - a == u.count && bytes[a..<b].elementsEqual(u) { return n }
            i = (i + 1) & (slots.count - 1)
        }
        return nil
    }

    private mutating func place(_ n: Int, _ h: UInt32) {
        var i = Int(h) & (slots.count - 1)
        while slots[i] >= 0 { i = (i + 1) & (slots.count - 1) }
        slots[i] = Int32(n)
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        for n in 0..<count {
            let h = bytes.withUnsafeBufferPointer { b in
                foldedFNV1a(
                    UnsafeBufferPointer(rebasing: b[Int(starts[n])..<Int(starts[n + 1])]))
            }
            place(n, h)
        }
    }

}

/// What the files of a OneRoster bundle say of each user, by the user's number: kept in arrays
/// of small values rather than dictionaries of strings (measured at 100,000 students: peak
/// memory 230 MB with numbered ids and 373 MB with GUIDs, against 150 MB allowed).
struct OneRosterUsers {
    var ids = Interner()
    /// Role names, by the code the arrays below hold (0: none).
    private var roleNames = [""]
    /// The role users.csv gives (or roles.csv, or relationships.csv).
    private(set) var kind: [UInt8] = []
    /// roles.csv: the role and its org (a number in `orgs`, -1 for none).
    private var listedRole: [UInt8] = []
    private var listedOrg: [Int32] = []
    private var orgs = Interner()
    /// demographics.csv: the birth date as written (dates are short enough to be kept inline).
    private var births: [String?] = []
    /// relationships.csv: the role a guardian has there (0: not named there).
    private var relationshipRole: [UInt8] = []
    /// The guardian whose id names the user's household (-1: none).
    private var householdNamer: [Int32] = []

    mutating func number(_ id: String) -> Int {
        let n = ids.number(id)
        if n == kind.count {
            kind.append(0)
            listedRole.append(0)
            listedOrg.append(-1)
            births.append(nil)
            relationshipRole.append(0)
            householdNamer.append(-1)
        }
        return n
    }

    mutating func code(_ role: String) -> UInt8 {
        if let i = roleNames.firstIndex(of: role) { return UInt8(i) }
        roleNames.append(role)
        return UInt8(roleNames.count - 1)
    }

    func roleName(_ code: UInt8) -> String? { code == 0 ? nil : roleNames[Int(code)] }

    /// The role users.csv gives the user `id`, if any.
    func kind(of id: String) -> String? { ids.find(id).flatMap { roleName(kind[$0]) } }

    mutating func setKind(_ n: Int, _ role: String) { kind[n] = code(role) }

    /// roles.csv: the first role listed for a user, unless a later one is primary.
    mutating func list(_ id: String, role: String, org: String?, primary: Bool) {
        let n = number(id)
        guard listedRole[n] == 0 || primary else { return }
        listedRole[n] = code(role)
        listedOrg[n] = org.map { Int32(orgs.number($0)) } ?? -1
    }

    func listedRole(of n: Int) -> String? { roleName(listedRole[n]) }

    func listedOrg(of id: String) -> String? {
        guard let n = ids.find(id), listedOrg[n] >= 0 else { return nil }
        return orgs.string(Int(listedOrg[n]))
    }

    mutating func setBirth(_ id: String, _ date: String) { births[number(id)] = date }

    func birth(of id: String) -> String? { ids.find(id).flatMap { births[$0] } }

    mutating func nameInRelationships(_ guardian: String, role: String) {
        relationshipRole[number(guardian)] = code(role)
    }

    func relationshipRole(of n: Int) -> String? { roleName(relationshipRole[n]) }

    /// The household of the user `id` (see `deriveHouseholds`).
    func household(of id: String) -> String? {
        guard let n = ids.find(id), householdNamer[n] >= 0 else { return nil }
        return "hh-" + ids.string(Int(householdNamer[n]))
    }

    /// Connected guardian–student groups share a household, named after the group's smallest
    /// guardian id. Returns how many households.
    mutating func deriveHouseholds(_ pairs: [(guardian: Int32, student: Int32)]) -> Int {
        var parent = [Int32](repeating: -1, count: kind.count)  // -1: in no pair
        func find(_ x: Int32) -> Int32 {
            var r = x
            while parent[Int(r)] != r { r = parent[Int(r)] }
            var c = x
            while parent[Int(c)] != r {
                let next = parent[Int(c)]
                parent[Int(c)] = r
                c = next
            }
            return r
        }
        for (g, s) in pairs {
            if parent[Int(g)] < 0 { parent[Int(g)] = g }
            if parent[Int(s)] < 0 { parent[Int(s)] = s }
            let a = find(g)
            let b = find(s)
            if a != b { parent[Int(max(a, b))] = min(a, b) }
        }
        // Each group's smallest guardian id, by the group's root.
        var smallest = [Int32](repeating: -1, count: kind.count)
        for (g, _) in pairs {
            let r = Int(find(g))
            if smallest[r] < 0 || ids.string(Int(g)) < ids.string(Int(smallest[r])) {
                smallest[r] = g
            }
        }
        var households = 0
        for n in 0..<parent.count where parent[n] >= 0 {
            let r = Int(find(Int32(n)))
            householdNamer[n] = smallest[r]
            if r == n { households += 1 }
        }
        return households
    }
}
