/// A metric name or a glob over names (`demo.metric.*`, `cpu.?`): `*` matches any run of
/// characters (none included), `?` exactly one. Neither may appear in a metric name, so a
/// pattern without them is one exact name.
public struct NamePattern: Sendable, Equatable, CustomStringConvertible {
    /// The pattern as written.
    public let text: String

    /// Checks the pattern: 1 to `nameBytesMax` bytes of metric-name characters, `*` and `?`.
    public init(_ text: String, limits: ValidationLimits = ValidationLimits()) throws(ValidationError) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw ValidationError(.invalidName, "the metric name is empty") }
        guard bytes.count <= limits.nameBytesMax else {
            throw ValidationError(.nameTooLong, "the metric name is \(bytes.count) bytes; the limit is \(limits.nameBytesMax)")
        }
        if let bad = bytes.firstIndex(where: { !SampleValidator.nameBytes[Int($0)] && $0 != UInt8(ascii: "*") && $0 != UInt8(ascii: "?") }) {
            throw ValidationError(.invalidName, "the metric name '\(SampleValidator.printable(text))' has a character outside [A-Za-z0-9_.:/-] at byte \(bad) "
                                    + "(a glob may add * and ?)")
        }
        self.text = text
    }

    /// Whether the pattern has a wildcard (and so may match many names).
    public var isGlob: Bool { text.utf8.contains { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") } }

    /// The characters every matching name starts with (for a prefix listing).
    public var literalPrefix: String { String(text.prefix { $0 != "*" && $0 != "?" }) }

    /// Whether `name` matches: iterative wildcard matching with one backtrack point, linear
    /// in practice and never exponential.
    public func matches(_ name: String) -> Bool {
        let pattern = Array(text.utf8), subject = Array(name.utf8)
        var p = 0, s = 0
        var star: Int? = nil, resume = 0
        while s < subject.count {
            if p < pattern.count && (pattern[p] == UInt8(ascii: "?") || pattern[p] == subject[s]) {
                p += 1
                s += 1
            } else if p < pattern.count && pattern[p] == UInt8(ascii: "*") {
                star = p
                resume = s
                p += 1
            } else if let star {
                p = star + 1
                resume += 1
                s = resume
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }

    public var description: String { text }
}
