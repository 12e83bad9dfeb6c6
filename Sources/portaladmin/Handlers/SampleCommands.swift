import PortalKit

enum SampleCommands {
    static let all: [Command] = [
        Command(
            path: ["sample", "generate"],
            summary: "write a realistic synthetic district as a native CSV bundle",
            discussion:
                "Names of varied origins (with accents and non-Latin scripts), households (a tenth of them in large apartment buildings), 1-3 guardians per student with birth dates, birth dates spread so that some students turn 18 this school year, a grandparent of the same name (Sr.) in some homes, and about 4% of families with one to three duplicate records of a guardian, each with one to four corruptions: keyboard typos, spellings by ear, OCR confusions, nicknames, swapped names, missing e-mail, phone, birth date or address, day and month swapped, a wrong digit in the birth date or postcode, a move, a second surname added or dropped, accents dropped. The truth about the duplicates, with the corruptions of each, is in truth.csv beside the bundle. The same seed gives the same files.",
            options: [
                Opt(long: "students", value: "n", help: "(required) how many students"),
                Opt(
                    long: "out", value: "dir",
                    help:
                        "(required) the folder to write (created if missing; asks before replacing files)",
                    complete: .dir),
                Opt(long: "seed", value: "s", help: "random seed (default 1)"),
                Opt(
                    long: "year", value: "yyyy",
                    help: "the year the school year ends in (default: from today)"),
                Opt(
                    long: "no-contact",
                    help: "leave every guardian's e-mail and phone out (exports without them)"),
                Opt(
                    long: "ids", value: "style",
                    help:
                        "numbered (G1000001, S600001, HH100001; the default) or uuid (as many SIS exports spell them)",
                    choices: ["numbered", "uuid"], complete: .choices),
            ],
            district: .none,
            examples: [
                "portaladmin sample generate --students 5000 --out ./sample && portaladmin roster import ./sample"
            ],
            run: generate)
    ]

    static func generate(_ c: Context) throws {
        guard let n = try c.inv.int("students", min: 1) else {
            throw PortalError.usage(
                "'sample generate' needs --students", hint: "for example: --students 1000")
        }
        let out = try c.inv.required("out")
        let seedText = c.inv.value("seed") ?? "1"
        guard let seed = UInt64(seedText) else {
            throw PortalError.usage(
                "--seed takes a whole number, not '\(seedText)'", hint: "for example: --seed 42")
        }
        let today = Timestamp.utcDate(c.io.now)
        let year =
            try c.inv.int("year", min: 1900) ?? (today.month > 6 ? today.year + 1 : today.year)
        let ids = c.inv.value("ids") ?? "numbered"
        try c.confirmReplacing(SampleGenerator.files, in: out)
        let s = try SampleGenerator.generate(
            students: n, seed: seed, year: year, to: out, contact: !c.inv.has("no-contact"),
            uuids: ids == "uuid")
        try c.emit(record: [
            ("folder", .string(out)),
            (
                "counts",
                .object([
                    ("schools", .int(s.schools)), ("students", .int(s.students)),
                    ("guardians", .int(s.guardians)), ("households", .int(s.households)),
                    ("links", .int(s.links)), ("duplicate_guardians", .int(s.duplicateGuardians)),
                    ("duplicate_households", .int(s.duplicateHouseholds)),
                    ("turning_18_this_year", .int(s.turning18ThisYear)),
                ])
            ),
        ])
        c.say(
            "wrote a sample district to \(out); import it with: portaladmin roster import \(Remedies.shellWord(out))"
        )
    }
}
