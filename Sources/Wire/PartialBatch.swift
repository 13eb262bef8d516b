import Aggregation
import Codec

/// Partial window aggregates from a mapper to the reducer that owns their partitions.
///
/// Payload layout (docs/protocol.md, "Partial batch"):
/// ```
/// origin string            the sending mapper's id
/// sequence start u64       first position of the mapper's log that this batch covers
/// sequence end u64         position just past the last one; the reducer remembers it
/// window length i64        the base window in ns (must match the reducer's)
/// sketch accuracy f64      relative accuracy of the sketches; 0 when rows carry no quantile data
/// series table
/// window columns           (see WindowColumns), item count rows
/// ```
public struct PartialBatch: Hashable, Sendable {
    public var id: UInt64
    public var origin: String
    public var sequenceStart: UInt64
    public var sequenceEnd: UInt64
    public var windowNanoseconds: Int64
    public var sketchMapping: SketchMapping?
    public var series: [SeriesEntry]
    public var rows: [WindowRow]
    /// Rows that decoded but could not belong to any state (a sender's bug): not in `rows`,
    /// reported so the receiver can set them aside and count them.
    public var quarantined: [QuarantinedRow] = []

    public init(id: UInt64, origin: String, sequenceStart: UInt64, sequenceEnd: UInt64, windowNanoseconds: Int64,
                sketchMapping: SketchMapping?, series: [SeriesEntry], rows: [WindowRow]) {
        self.id = id
        self.origin = origin
        self.sequenceStart = sequenceStart
        self.sequenceEnd = sequenceEnd
        self.windowNanoseconds = windowNanoseconds
        self.sketchMapping = sketchMapping
        self.series = series
        self.rows = rows
    }

    /// Encodes the batch as one frame.
    public func encode(compress: Bool = true) -> [UInt8] {
        Self.encode(id: id, origin: origin, sequenceStart: sequenceStart, sequenceEnd: sequenceEnd, windowNanoseconds: windowNanoseconds,
                    sketchMapping: sketchMapping, seriesCapacity: series.count * 32, table: { SeriesTable.encode(series, into: &$0) },
                    rows: rows, compress: compress)
    }

    /// Encodes the frame of a batch whose series table is already encoded.
    public static func encode(id: UInt64, origin: String, sequenceStart: UInt64, sequenceEnd: UInt64, windowNanoseconds: Int64,
                              sketchMapping: SketchMapping?, table: EncodedSeriesTable, rows: [WindowRow], compress: Bool = true) -> [UInt8] {
        encode(id: id, origin: origin, sequenceStart: sequenceStart, sequenceEnd: sequenceEnd, windowNanoseconds: windowNanoseconds,
               sketchMapping: sketchMapping, seriesCapacity: table.bytes.count, table: { table.write(into: &$0) }, rows: rows, compress: compress)
    }

    private static func encode(id: UInt64, origin: String, sequenceStart: UInt64, sequenceEnd: UInt64, windowNanoseconds: Int64,
                               sketchMapping: SketchMapping?, seriesCapacity: Int, table: (inout ByteWriter) -> Void, rows: [WindowRow],
                               compress: Bool) -> [UInt8] {
        var writer = ByteWriter(capacity: 128 + seriesCapacity + rows.count * 100)
        writer.appendString(origin)
        writer.append(sequenceStart)
        writer.append(sequenceEnd)
        writer.append(windowNanoseconds)
        writer.append(sketchMapping?.relativeAccuracy ?? 0)
        table(&writer)
        WindowColumns.encode(rows, windowNanoseconds: windowNanoseconds, withQuantiles: sketchMapping != nil, into: &writer)
        return Frame.encode(kind: .partials, batchID: id, itemCount: rows.count, payload: writer.bytes, compress: compress)
    }

    /// The leading fields of a partial batch: enough to acknowledge its log range when the rest
    /// of a checksummed frame cannot be read.
    public struct Head: Hashable, Sendable {
        public var id: UInt64
        public var itemCount: UInt32
        public var origin: String
        public var sequenceStart: UInt64
        public var sequenceEnd: UInt64
    }

    /// Decodes the frame (checksum, length) and the batch's origin and range only.
    public static func decodeHead(_ bytes: [UInt8], limits: WireLimits = WireLimits()) throws(DecodeError) -> Head {
        var reader = ByteReader([], subject: "partial batch")
        return try readHead(bytes, limits: limits, into: &reader)
    }

    /// Checks the frame and reads the leading fields; `reader` is left at the window length.
    static func readHead(_ bytes: [UInt8], limits: WireLimits, into reader: inout ByteReader) throws(DecodeError) -> Head {
        let subject = "partial batch"
        let (header, payload) = try Frame.decode(bytes, expecting: .partials, limits: limits, subject: subject)
        reader = ByteReader(payload, subject: subject)
        let origin = try reader.readString("origin", limit: limits.stringBytesMax)
        let start = try reader.read(UInt64.self, "sequence start")
        let end = try reader.read(UInt64.self, "sequence end")
        guard start <= end else { throw .invalid("sequence range", "start \(start) is after end \(end)", in: subject) }
        return Head(id: header.batchID, itemCount: header.itemCount, origin: origin, sequenceStart: start, sequenceEnd: end)
    }

    /// Decodes and checks a frame. Rows that are well formed but inconsistent are left out of
    /// `rows` and listed in `quarantined`.
    public static func decode(_ bytes: [UInt8], limits: WireLimits = WireLimits()) throws(DecodeError) -> PartialBatch {
        let subject = "partial batch"
        var reader = ByteReader([], subject: subject)
        let head = try readHead(bytes, limits: limits, into: &reader)
        let window = try reader.read(Int64.self, "window length")
        guard window > 0 else { throw .invalid("window length", "\(window) ns is not positive", in: subject) }
        let accuracy = try reader.readDouble("sketch accuracy")
        let mapping = SketchMapping(relativeAccuracy: accuracy)
        guard accuracy == 0 || mapping != nil else {
            throw .invalid("sketch accuracy", "\(accuracy) is outside (0, 1)", in: subject)
        }
        let series = try SeriesTable.decode(from: &reader, limits: limits)
        var quarantined = [QuarantinedRow]()
        let rows = try WindowColumns.decode(count: Int(head.itemCount), seriesCount: series.count, windowNanoseconds: window, sketchMapping: mapping,
                                            from: &reader, quarantine: &quarantined)
        try reader.expectEnd()
        var batch = PartialBatch(id: head.id, origin: head.origin, sequenceStart: head.sequenceStart, sequenceEnd: head.sequenceEnd,
                                 windowNanoseconds: window, sketchMapping: mapping, series: series, rows: rows)
        batch.quarantined = quarantined
        return batch
    }
}
