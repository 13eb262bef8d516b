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
        for entry in entries { encode(entry, into: &writer) }
    }

    /// One entry's bytes, as the table holds them: encode a series once, then build tables of it
    /// with `EncodedSeriesTable` by copying bytes.
    public static func encode(entry: SeriesEntry) -> [UInt8] {
        var writer = ByteWriter(capacity: 16 + entry.key.name.utf8.count + entry.key.tags.count * 16)
        encode(entry, into: &writer)
        return writer.bytes
    }

    private static func encode(_ entry: SeriesEntry, into writer: inout ByteWriter) {
        writer.appendString(entry.key.name)
        writer.append(entry.type.rawValue)
        writer.appendVarint(UInt64(entry.key.tags.count))
        for tag in entry.key.tags {
            writer.appendString(tag.key)
            writer.appendString(tag.value)
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

/// A series table built from entries encoded once (`SeriesTable.encode(entry:)`): it is written
/// exactly as `SeriesTable.encode` writes the entries, by copying their bytes.
public struct EncodedSeriesTable: Hashable, Sendable {
    public private(set) var count = 0
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// Appends an entry's bytes; it becomes entry `count - 1`.
    public mutating func append(_ entry: [UInt8]) {
        count += 1
        bytes.append(contentsOf: entry)
    }

    /// Writes the table (its count, then its entries).
    public func write(into writer: inout ByteWriter) {
        writer.appendVarint(UInt64(count))
        writer.append(bytes: bytes)
    }

    /// The entries, decoded.
    public func entries() throws(DecodeError) -> [SeriesEntry] {
        var writer = ByteWriter(capacity: bytes.count + 10)
        write(into: &writer)
        var reader = ByteReader(writer.bytes, subject: "series table")
        return try SeriesTable.decode(from: &reader, limits: WireLimits())
    }
}
