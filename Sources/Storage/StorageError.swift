import Codec
#if canImport(Glibc)
import Glibc
#endif

/// A file operation that failed, or a file whose contents are not a valid shard.
public struct StorageError: Error, CustomStringConvertible {
    enum Kind {
        case system(operation: String, code: Int32)
        case corrupt(DecodeError)
    }

    let kind: Kind
    /// The file involved.
    public let path: String

    static func system(_ operation: String, path: String, code: Int32) -> StorageError {
        StorageError(kind: .system(operation: operation, code: code), path: path)
    }

    static func corrupt(_ error: DecodeError, path: String) -> StorageError {
        StorageError(kind: .corrupt(error), path: path)
    }

    /// Whether the file exists but its contents failed a check (checksum, length, layout).
    public var isCorrupt: Bool { if case .corrupt = kind { true } else { false } }

    /// Whether the file system is full (or over quota): `ENOSPC`, `EDQUOT`. Callers refuse new
    /// work with "insufficient storage" and go on; space may come back.
    public var isNoSpace: Bool {
        if case .system(_, let code) = kind { code == ENOSPC || code == EDQUOT } else { false }
    }

    /// Why `what` (a batch) is refused after this failure to log it: `insufficient storage: …`
    /// for a full disk (fronts answer `507` for that prefix), `cannot log …` otherwise.
    public func refusal(of what: String) -> String {
        (isNoSpace ? "insufficient storage: " : "cannot log \(what): ") + "\(description); nothing of \(what) was taken"
    }

    /// The decoding failure, when the file is corrupt.
    public var decodeError: DecodeError? { if case .corrupt(let error) = kind { error } else { nil } }

    public var description: String {
        switch kind {
        case .system(let operation, let code):
            "\(operation) \(path) failed: \(errorText(code)) (errno \(code))"
        case .corrupt(let error):
            "\(error) (file \(path))"
        }
    }
}
