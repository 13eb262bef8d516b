/// The identity of a series: a metric name plus its tags, sorted by key.
///
/// Two samples belong to the same series exactly when their keys are equal, whatever order
/// their tags arrived in.
public struct SeriesKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The metric name.
    public let name: String
    /// The tags, sorted by key (keys are unique in a valid key).
    public let tags: [Tag]

    /// Creates a key, sorting `tags` by key.
    public init(name: String, tags: [Tag] = []) {
        self.name = name
        self.tags = tags.count > 1 ? tags.sorted() : tags
    }

    /// Creates a key from tags already sorted by key (as decoders produce them).
    public init(name: String, sortedTags: [Tag]) {
        self.name = name
        self.tags = sortedTags
    }

    /// The value of tag `key`, if the series has it.
    public func tag(_ key: String) -> String? {
        tags.first { $0.key == key }?.value
    }

    public static func < (lhs: SeriesKey, rhs: SeriesKey) -> Bool {
        if lhs.name != rhs.name { return lhs.name < rhs.name }
        return lhs.tags.lexicographicallyPrecedes(rhs.tags)
    }

    /// `name{key=value,key=value}`, or just `name` without tags.
    public var description: String {
        tags.isEmpty ? name : "\(name){\(tags.map(\.description).joined(separator: ","))}"
    }
}
