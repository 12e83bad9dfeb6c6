import Foundation
import Testing

@testable import PortalKit
@testable import portaladmin

/// PortalKit says what to do as data; the command line spells each action as one of its own
/// commands. Every action names a real command, and PortalKit's messages name none.
@Suite struct RemediesTests {
    static let actions: [Action] = [
        .findPerson(.guardian), .findPerson(.student), .findHousehold, .findAccount,
        .list(.districts), .list(.operators), .list(.merges), .list(.keys), .list(.restrictions),
        .list(.featureRules), .list(.householdDuplicates), .list(.rosterStats),
        .showDistrict("d"), .showStudent("S1"), .explainAccess(guardian: "G1"),
        .signAgreement(guardian: "G1"), .issueKey(guardian: "G1"), .resetAccount(username: "u"),
        .enableAccount(username: "u"), .disableAccount(username: "u"),
        .unlockAccount(username: "u"), .mergeGuardians("G1", "G2"), .mergeHouseholds("H1", "H2"),
        .undoMerge(1), .removeRestriction(1), .addRestriction,
        .consentAge18(student: "S1", guardian: "G1"), .setSetting(key: "key_ttl_days", value: "14"),
        .addOperator(name: "hal", role: .helpdesk, district: "d"),
        .setRole(name: "hal", role: nil), .createDistrict, .importRoster(folder: "."),
        .importAsDelta(folder: "./export"), .importEndingAllAbsent(folder: "./export"),
    ]

    @Test(arguments: actions)
    func eachActionIsACommandThereIs(_ action: Action) throws {
        let text = Remedies.command(action)
        let words = text.split(separator: " ").map(String.init)
        #expect(words.first == "portaladmin", "\(text)")
        let command = try #require(
            CommandTable.main.command(Array(words.dropFirst().prefix(2))), "\(text)")
        // Every option the remedy spells is one the command takes.
        let options = words.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ",()")) }
        for option in options.filter({ $0.hasPrefix("--") }) {
            #expect(
                command.allOptions.contains { "--" + $0.long == option }, "\(text): \(option)")
        }
    }

    @Test func theAdviceComesFirstThenTheCommand() {
        #expect(
            Remedies.text("see why", .explainAccess(guardian: "G1"))
                == "see why: portaladmin access explain --guardian G1")
        #expect(Remedies.text(nil, .list(.merges)) == "portaladmin merge list")
        #expect(Remedies.text("retry in a moment", nil) == "retry in a moment")
        #expect(Remedies.text(nil, nil) == nil)
        #expect(Remedies.command(.chooseDistrict).contains("--district"))
        #expect(Remedies.command(.chooseDatabase).contains("--db"))
    }

    /// The folder an import remedy names is the one typed, as one word of a shell command
    /// (the refusal to end every row named "./export" whatever the folder was).
    @Test func aFolderIsOneWordOfTheCommand() {
        #expect(
            Remedies.command(.importEndingAllAbsent(folder: "../sis/2026-12"))
                == "portaladmin roster import ../sis/2026-12 --allow-all-absent")
        #expect(
            Remedies.command(.importAsDelta(folder: "SIS Export (fall)"))
                == "portaladmin roster import 'SIS Export (fall)' --delta")
        #expect(
            Remedies.command(.importAs(format: .oneroster, folder: "O'Brien's files"))
                == #"portaladmin roster import 'O'\''Brien'\''s files' --format oneroster"#)
        #expect(
            Remedies.command(.importAsDelta(folder: "-")) == "portaladmin roster import - --delta")
        #expect(Remedies.shellWord("") == "''")
        #expect(Remedies.shellWord("a$b") == "'a$b'")
    }

    /// No string in PortalKit spells a command or an option: the library's callers are not
    /// all command lines.
    @Test func portalKitNamesNoCommandLineWords() throws {
        let root = repoRoot + "/Sources/PortalKit"
        let files = try #require(FileManager.default.enumerator(atPath: root)).compactMap {
            $0 as? String
        }.filter { $0.hasSuffix(".swift") && !$0.hasSuffix("CommonPasswords.swift") }
        var found: [String] = []
        for f in files {
            let text = try String(contentsOfFile: root + "/" + f, encoding: .utf8)
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false)
                .enumerated()
            where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                if line.contains("\"portaladmin ") || line.contains("'portaladmin ")
                    || line.range(of: #""[^"]*\s?--[a-z][a-z-]+"#, options: .regularExpression)
                        != nil && !line.contains("SELECT")
                {
                    found.append("\(f):\(n + 1): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
        #expect(found.isEmpty, "\(found.joined(separator: "\n"))")
    }
}
