/// Why bytes could not be decoded: what was being read, and by how much it failed.
///
/// Messages follow one shape: `cannot decode <what>: <reason>`, e.g.
/// `cannot decode sample batch: truncated timestamps column; got 7 bytes; want 16`.
public struct DecodeError: Error, Equatable, CustomStringConvertible {
    enum Kind: Equatable {
        case truncated(field: String, got: Int, want: Int)
        case checksum(got: UInt32, want: UInt32)
        case invalid(field: String, reason: String)
    }

    let kind: Kind
    /// What was being decoded (`"sample batch"`, `"shard block 3 of /data/p7.shard"`).
    public var subject: String

    init(_ kind: Kind, subject: String) {
        self.kind = kind
        self.subject = subject
    }

    /// The input ended before `field` was complete.
    public static func truncated(_ field: String, got: Int, want: Int, in subject: String = "input") -> DecodeError {
        DecodeError(.truncated(field: field, got: got, want: want), subject: subject)
    }

    /// The stored checksum does not match the bytes.
    public static func checksumMismatch(got: UInt32, want: UInt32, in subject: String = "input") -> DecodeError {
        DecodeError(.checksum(got: got, want: want), subject: subject)
    }

    /// `field` holds a value that the format does not allow.
    public static func invalid(_ field: String, _ reason: String, in subject: String = "input") -> DecodeError {
        DecodeError(.invalid(field: field, reason: reason), subject: subject)
    }

    /// The same error, described as happening while decoding `subject`.
    public func within(_ subject: String) -> DecodeError {
        var copy = self
        copy.subject = subject
        return copy
    }

    /// A short, stable name of the failure, for metric labels (`truncated`, `checksum`, `invalid`).
    public var reason: String {
        switch kind {
        case .truncated: "truncated"
        case .checksum: "checksum"
        case .invalid: "invalid"
        }
    }

    public var description: String {
        switch kind {
        case .truncated(let field, let got, let want):
            "cannot decode \(subject): truncated \(field); got \(got) bytes; want \(want)"
        case .checksum(let got, let want):
            "cannot decode \(subject): checksum mismatch; computed \(hex(got)); stored \(hex(want))"
        case .invalid(let field, let reason):
            "cannot decode \(subject): invalid \(field): \(reason)"
        }
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}
