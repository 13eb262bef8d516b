import Codec
import Model

/// Raw samples from a producer, columnar: a series table and three parallel columns.
///
/// Payload layout (docs/protocol.md, "Sample batch"):
/// ```
/// [producer id string, sequence u64]    only when the header's flags bit 1 is set: names the
///                                       batch so that a retry is answered, not counted again
/// series table                          (see SeriesTable)
/// series index column   u32 × n         index into the series table
/// timestamp column      i64 × n         ns since the epoch: the first absolute, then each the
///                                       difference from the previous one (wrapping);
///                                       absolute value Int64.min means "stamp on arrival"
/// value column          f64 × n         IEEE-754 bits, little-endian
/// ```
public struct SampleBatch: Hashable, Sendable {
    /// A timestamp value that asks the receiver to use the arrival time.
    public static let arrivalTime = Int64.min

    /// Chosen by the producer and echoed in the acknowledgement.
    public var id: UInt64
    /// The producer's name for this batch, when it wants retries recognised.
    public var producerKey: ProducerKey?
    public var series: [SeriesEntry]
    public var seriesIndices: [UInt32]
    /// Nanoseconds since the epoch, or `arrivalTime`.
    public var timestamps: [Int64]
    public var values: [Double]

    public init(id: UInt64, series: [SeriesEntry], seriesIndices: [UInt32], timestamps: [Int64], values: [Double]) {
        precondition(seriesIndices.count == timestamps.count && timestamps.count == values.count, "columns differ in length")
        self.id = id
        self.series = series
        self.seriesIndices = seriesIndices
        self.timestamps = timestamps
        self.values = values
    }

    /// The number of samples.
    public var count: Int { values.count }

    /// Encodes the batch as one frame.
    public func encode(compress: Bool = true) -> [UInt8] {
        Self.encode(id: id, producerKey: producerKey, seriesCapacity: series.count * 32, table: { SeriesTable.encode(series, into: &$0) },
                    seriesIndices: seriesIndices, timestamps: timestamps[...], values: values[...], compress: compress)
    }

    /// Encodes the frame of a batch whose series table is already encoded, and whose columns may
    /// be slices of longer ones.
    public static func encode(id: UInt64, producerKey: ProducerKey?, table: EncodedSeriesTable, seriesIndices: [UInt32],
                              timestamps: ArraySlice<Int64>, values: ArraySlice<Double>, compress: Bool = true) -> [UInt8] {
        encode(id: id, producerKey: producerKey, seriesCapacity: table.bytes.count, table: { table.write(into: &$0) },
               seriesIndices: seriesIndices, timestamps: timestamps, values: values, compress: compress)
    }

    private static func encode(id: UInt64, producerKey: ProducerKey?, seriesCapacity: Int, table: (inout ByteWriter) -> Void,
                               seriesIndices: [UInt32], timestamps: ArraySlice<Int64>, values: ArraySlice<Double>, compress: Bool) -> [UInt8] {
        precondition(seriesIndices.count == timestamps.count && timestamps.count == values.count, "columns differ in length")
        var writer = ByteWriter(capacity: 64 + seriesCapacity + values.count * 20)
        if let producerKey {
            writer.appendString(producerKey.producer)
            writer.append(producerKey.sequence)
        }
        table(&writer)
        writer.appendColumn(seriesIndices)
        var previous: Int64 = 0
        writer.appendColumn(timestamps.lazy.map { timestamp in
            defer { previous = timestamp }
            return timestamp &- previous
        })
        writer.appendColumn(values)
        return Frame.encode(kind: .samples, batchID: id, itemCount: values.count, payload: writer.bytes, compress: compress,
                            keyed: producerKey != nil)
    }

    /// Decodes and checks a frame: structure, lengths, checksum and series indices.
    /// Values and timestamps are checked against the data model by the receiver.
    public static func decode(_ bytes: [UInt8], limits: WireLimits = WireLimits()) throws(DecodeError) -> SampleBatch {
        let subject = "sample batch"
        let (header, payload) = try Frame.decode(bytes, expecting: .samples, limits: limits, subject: subject)
        var reader = ByteReader(payload, subject: subject)
        var producerKey: ProducerKey?
        if header.keyed {
            let producer = try reader.readString("producer id", limit: ProducerKey.producerBytesMax)
            guard !producer.isEmpty else { throw .invalid("producer id", "is empty", in: subject) }
            producerKey = ProducerKey(producer: producer, sequence: try reader.read(UInt64.self, "sequence"))
        }
        let series = try SeriesTable.decode(from: &reader, limits: limits)
        let count = Int(header.itemCount)
        let indices = try reader.readColumn(UInt32.self, count: count, "series index column")
        var timestamps = try reader.readColumn(Int64.self, count: count, "timestamp column")
        let values = try reader.readDoubleColumn(count: count, "value column")
        try reader.expectEnd()
        if let bad = indices.firstIndex(where: { Int($0) >= series.count }) {
            throw .invalid("series index", "sample \(bad) names series \(indices[bad]) of \(series.count)", in: subject)
        }
        var previous: Int64 = 0
        for index in timestamps.indices {
            previous &+= timestamps[index]
            timestamps[index] = previous
        }
        var batch = SampleBatch(id: header.batchID, series: series, seriesIndices: indices, timestamps: timestamps, values: values)
        batch.producerKey = producerKey
        return batch
    }
}

/// A producer's name for one batch: its id and a sequence number it never reuses for other
/// data. A mapper that has logged a batch with this key answers a retry with the first
/// acknowledgement instead of counting it again (docs/protocol.md, "Retries").
public struct ProducerKey: Hashable, Sendable, CustomStringConvertible {
    /// Longest producer id, in bytes.
    public static let producerBytesMax = 200
    public var producer: String
    public var sequence: UInt64

    public init(producer: String, sequence: UInt64) {
        self.producer = producer
        self.sequence = sequence
    }

    public var description: String { "\(producer)#\(sequence)" }
}
