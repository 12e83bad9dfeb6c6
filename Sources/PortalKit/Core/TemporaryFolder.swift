internal import FoundationEssentials

/// Where PortalKit's scratch files go: `$TMPDIR`, else /tmp (as SQLite's own temporary files
/// do), and the error when nothing can be made there.
enum TemporaryFolder {
    static var path: String {
        ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    }

    /// Nothing could be made in `path`; `why` is the system's reason, when known.
    static func cannotMake(in path: String, why: String? = nil) -> PortalError {
        PortalError(
            .ioError, "cannot make a temporary file in \(path)" + (why.map { " (\($0))" } ?? ""),
            hint: "set TMPDIR to a writable folder with room")
    }
}
