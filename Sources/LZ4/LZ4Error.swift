/// Why an LZ4 block could not be compressed or decompressed.
public struct LZ4Error: Error, Equatable, CustomStringConvertible {
    enum Kind: Equatable {
        case inputTooLarge(Int)
        case declaredSizeTooLarge(Int, limit: Int)
        case corrupt(decoded: Int, expected: Int)
        case compressionFailed
    }

    let kind: Kind
    init(_ kind: Kind) { self.kind = kind }

    /// The block's bytes are not valid LZ4 or do not expand to the size declared for them.
    public var isCorrupt: Bool { if case .corrupt = kind { true } else { false } }

    public var description: String {
        switch kind {
        case .inputTooLarge(let count):
            "lz4: input of \(count) bytes exceeds the block format's limit of \(LZ4.maxInputSize)"
        case .declaredSizeTooLarge(let size, let limit):
            "lz4: declared decompressed size \(size) bytes is outside 0...\(limit)"
        case .corrupt(let decoded, let expected):
            decoded < 0
                ? "lz4: corrupt block; want \(expected) bytes decompressed"
                : "lz4: corrupt block; got \(decoded) bytes decompressed; want \(expected)"
        case .compressionFailed:
            "lz4: compression failed"
        }
    }
}
