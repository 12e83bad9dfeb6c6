import PortalKit

/// How the command line tells its callers what happened: each domain error code as a process
/// exit code (sysexits.h where one fits), with its meaning for `help exit-codes` and the man page.
extension ErrorCode {
    /// The process exit code (sysexits.h where one fits).
    var exitCode: Int32 {
        switch self {
        case .failure: 1
        case .cancelled: 2
        case .rejectedRows: 3
        case .notFound: 4
        case .conflict: 5
        case .keyExpired: 6
        case .keyRevoked: 7
        case .badCredentials: 8
        case .locked: 9
        case .disabled: 10
        case .mustChange: 11
        case .usage: 64
        case .dataError: 65
        case .noInput: 66
        case .internal: 70
        case .cannotCreate: 73
        case .ioError: 74
        case .busy: 75
        case .permission: 77
        case .interrupted: 130
        }
    }

    /// What the exit code means, for `help exit-codes` and the man page.
    var meaning: String {
        switch self {
        case .failure: "failure not listed below"
        case .cancelled: "cancelled at a prompt"
        case .rejectedRows: "a bulk run finished but rejected some rows (see its results file)"
        case .notFound: "not found"
        case .conflict: "conflict with the current state (key already used, username taken, ...)"
        case .keyExpired: "key check: the key has expired"
        case .keyRevoked: "key check: the key was revoked"
        case .badCredentials: "portal login: wrong username or password"
        case .locked: "portal login: the account is locked"
        case .disabled: "portal login: the account is disabled"
        case .mustChange: "portal login: the password must be changed first"
        case .usage: "usage error: unknown command or option, missing argument, bad value"
        case .dataError: "bad input data"
        case .noInput: "input file or database missing"
        case .internal: "internal error"
        case .cannotCreate: "cannot create output"
        case .ioError: "I/O error (for example, disk full)"
        case .busy: "temporarily busy; retry"
        case .permission: "the operator's role does not allow it"
        case .interrupted: "interrupted (Ctrl-C); the change under way was rolled back"
        }
    }
}
