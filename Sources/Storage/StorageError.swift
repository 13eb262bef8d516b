import Codec

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
