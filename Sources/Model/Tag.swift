/// One `key=value` label of a series.
public struct Tag: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public var key: String
    public var value: String

    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }

    public static func < (lhs: Tag, rhs: Tag) -> Bool {
        (lhs.key, lhs.value) < (rhs.key, rhs.value)
    }

    public var description: String { "\(key)=\(value)" }
}
