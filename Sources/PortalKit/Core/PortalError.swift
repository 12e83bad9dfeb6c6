/// What kind of failure happened, in the domain's terms; the command line maps each to an exit
/// code, as an HTTP layer would map it to a status.
public enum ErrorCode: String, Sendable, CaseIterable {
    case failure
    case cancelled
    case rejectedRows
    case notFound
    case conflict
    case keyExpired
    case keyRevoked
    case badCredentials
    case locked
    case disabled
    case mustChange
    case usage
    case dataError
    case noInput
    case `internal`
    case cannotCreate
    case ioError
    case busy
    case permission
    case interrupted
}

/// An error as a value: a domain code, a message saying what is wrong, the remedy (advice in
/// words, and an action to take, as data), and optionally the underlying cause (which may hold
/// data, so a caller shows it only when asked).
public struct PortalError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure, which the caller maps to its own codes.
    public var code: ErrorCode
    /// What is wrong, in words (never a secret).
    public var message: String
    /// What to do, in words that name no command.
    public var hint: String?
    /// What to do, as an action the caller spells its own way.
    public var action: Action?
    /// The failure below this one, when there was one.
    public var cause: (any Error & Sendable)?

    /// An error of `code` saying `message`, with its remedy and cause.
    public init(
        _ code: ErrorCode, _ message: String, hint: String? = nil, action: Action? = nil,
        cause: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.message = message
        self.hint = hint
        self.action = action
        self.cause = cause
    }

    /// The code and the message.
    public var description: String { "\(code.rawValue): \(message)" }

    /// `what 'id' not found`, with where to look.
    public static func notFound(
        _ what: String, _ id: String, hint: String? = nil, action: Action? = nil
    ) -> PortalError {
        PortalError(.notFound, "\(what) '\(id)' not found", hint: hint, action: action)
    }

    /// A call that cannot be carried out as asked (a missing or bad value).
    public static func usage(_ message: String, hint: String? = nil, action: Action? = nil)
        -> PortalError
    {
        PortalError(.usage, message, hint: hint, action: action)
    }
}

/// A cause in words, where the failure below has no error value of its own.
public struct CauseText: Error, Sendable, CustomStringConvertible {
    /// The cause, in words.
    public let description: String
    /// A cause saying `text`.
    public init(_ text: String) { description = text }
}
