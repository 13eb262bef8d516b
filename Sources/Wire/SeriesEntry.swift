import Codec
import Model

/// One entry of a batch's series table: the key and the type its samples were sent with.
public struct SeriesEntry: Hashable, Sendable {
    public var key: SeriesKey
    public var type: MetricType

    public init(key: SeriesKey, type: MetricType = .gauge) {
        self.key = key
        self.type = type
    }
}

/// The series table that opens every payload: each distinct series once, referred to by index.
///
/// ```
/// count varint, then per series:
///   name string, type u8, tag count varint, then per tag: key string, value string
/// (string = varint byte count + UTF-8 bytes)
/// ```
public enum SeriesTable {
    public static func encode(_ entries: [SeriesEntry], into writer: inout ByteWriter) {
        writer.appendVarint(UInt64(entries.count))
        for entry in entries {
            writer.appendString(entry.key.name)
            writer.append(entry.type.rawValue)
            writer.appendVarint(UInt64(entry.key.tags.count))
            for tag in entry.key.tags {
                writer.appendString(tag.key)
                writer.appendString(tag.value)
            }
        }
    }

    public static func decode(from reader: inout ByteReader, limits: WireLimits) throws(DecodeError) -> [SeriesEntry] {
        let count = try reader.readCount("series count", limit: limits.seriesMax)
        // Each entry takes at least 3 bytes; refuse counts the remaining bytes cannot hold.
        try reader.require(count * 3, for: "series table")
        var entries = [SeriesEntry]()
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let name = try reader.readString("series name", limit: limits.stringBytesMax)
            let rawType = try reader.read(UInt8.self, "metric type")
            guard let type = MetricType(rawValue: rawType) else {
                throw .invalid("metric type", "got \(rawType) for '\(name)'; want 0 (gauge), 1 (counter) or 2 (timer)", in: reader.subject)
            }
            let tagCount = try reader.readCount("tag count", limit: limits.tagsMax)
            var tags = [Tag]()
            tags.reserveCapacity(tagCount)
            for _ in 0..<tagCount {
                let key = try reader.readString("tag key", limit: limits.stringBytesMax)
                let value = try reader.readString("tag value", limit: limits.stringBytesMax)
                tags.append(Tag(key, value))
            }
            let sorted = zip(tags, tags.dropFirst()).allSatisfy { $0.key < $1.key }
            entries.append(SeriesEntry(key: sorted ? SeriesKey(name: name, sortedTags: tags) : SeriesKey(name: name, tags: tags), type: type))
        }
        return entries
    }
}
