import Codec

/// The columnar encoding of window rows shared by partial batches and shard blocks
/// (layout in docs/protocol.md, "Window columns"). Each field is one column so that LZ4 finds
/// the repetition in it; times are stored relative to the previous row or the window.
public enum WindowColumns {
    /// Appends `rows` as columns. Sketches are written only when `withSketches` is set, in
    /// which case every row must carry one.
    public static func encode(_ rows: [WindowRow], withSketches: Bool, into writer: inout ByteWriter) {
        writer.appendColumn(rows.lazy.map(\.seriesIndex))
        var previousStart: Int64 = 0
        writer.appendColumn(rows.lazy.map { row in
            defer { previousStart = row.windowStart }
            return row.windowStart &- previousStart
        })
        writer.appendColumn(rows.lazy.map(\.state.count))
        writer.appendColumn(rows.lazy.map(\.state.sum.sum))
        writer.appendColumn(rows.lazy.map(\.state.sum.compensation))
        writer.appendColumn(rows.lazy.map(\.state.min))
        writer.appendColumn(rows.lazy.map(\.state.max))
        writer.appendColumn(rows.lazy.map(\.state.m2))
        writer.appendColumn(rows.lazy.map { $0.state.first.nanoseconds &- $0.windowStart })
        writer.appendColumn(rows.lazy.map(\.state.first.value))
        writer.appendColumn(rows.lazy.map { $0.state.last.nanoseconds &- $0.windowStart })
        writer.appendColumn(rows.lazy.map(\.state.last.value))
        guard withSketches else { return }
        for row in rows {
            guard let sketch = row.state.sketch else { preconditionFailure("row without a sketch in a batch with sketches") }
            encode(sketch, into: &writer)
        }
    }

    /// Reads `count` rows written by `encode`. `mapping` must be given exactly when the rows
    /// carry sketches; `seriesCount` bounds the series indices. With `skipSketches`, sketches
    /// are left unread (the rows get none): for answers that need no quantile. A row whose
    /// fields are well formed but inconsistent (no state could have them) goes to `quarantine`
    /// and the others are returned; a malformed column still throws.
    public static func decode(count: Int, seriesCount: Int, sketchMapping mapping: SketchMapping?, skipSketches: Bool = false,
                              from reader: inout ByteReader, quarantine: inout [QuarantinedRow]) throws(DecodeError) -> [WindowRow] {
        let mapping = skipSketches ? nil : mapping
        let series = try reader.readColumn(UInt32.self, count: count, "series index column")
        let startDeltas = try reader.readColumn(Int64.self, count: count, "window start column")
        let counts = try reader.readColumn(UInt64.self, count: count, "count column")
        let sums = try reader.readDoubleColumn(count: count, "sum column")
        let compensations = try reader.readDoubleColumn(count: count, "compensation column")
        let mins = try reader.readDoubleColumn(count: count, "min column")
        let maxes = try reader.readDoubleColumn(count: count, "max column")
        let m2s = try reader.readDoubleColumn(count: count, "m2 column")
        let firstTimes = try reader.readColumn(Int64.self, count: count, "first time column")
        let firstValues = try reader.readDoubleColumn(count: count, "first value column")
        let lastTimes = try reader.readColumn(Int64.self, count: count, "last time column")
        let lastValues = try reader.readDoubleColumn(count: count, "last value column")
        var rows = [WindowRow]()
        rows.reserveCapacity(count)
        var windowStart: Int64 = 0
        for index in 0..<count {
            windowStart &+= startDeltas[index]
            guard Int(series[index]) < seriesCount else {
                throw .invalid("series index", "row \(index) names series \(series[index]) of \(seriesCount)", in: reader.subject)
            }
            let sketch = try mapping.map { mapping throws(DecodeError) in try decodeSketch(mapping: mapping, from: &reader) }
            do {
                let state = try WindowState(
                    count: counts[index],
                    sum: CompensatedSum(sum: sums[index], compensation: compensations[index]),
                    min: mins[index], max: maxes[index], m2: m2s[index],
                    first: TimedValue(nanoseconds: windowStart &+ firstTimes[index], value: firstValues[index]),
                    last: TimedValue(nanoseconds: windowStart &+ lastTimes[index], value: lastValues[index]),
                    sketch: sketch)
                rows.append(WindowRow(seriesIndex: series[index], windowStart: windowStart, state: state))
            } catch {
                quarantine.append(QuarantinedRow(index: index, seriesIndex: series[index], windowStart: windowStart, reason: error.description))
            }
        }
        return rows
    }

    static func encode(_ sketch: QuantileSketch, into writer: inout ByteWriter) {
        writer.appendVarint(sketch.zeroCount)
        encode(sketch.positive, into: &writer)
        encode(sketch.negative, into: &writer)
    }

    static func encode(_ store: SketchStore, into writer: inout ByteWriter) {
        let (offset, counts) = store.trimmed
        writer.appendVarint(UInt64(counts.count))
        guard !counts.isEmpty else { return }
        writer.appendZigzag(Int64(offset))
        for count in counts { writer.appendVarint(count) }
    }

    static func decodeSketch(mapping: SketchMapping, from reader: inout ByteReader) throws(DecodeError) -> QuantileSketch {
        let zeroCount = try reader.readVarint("sketch zero count")
        let positive = try decodeStore(from: &reader)
        let negative = try decodeStore(from: &reader)
        return QuantileSketch(mapping: mapping, positive: positive, negative: negative, zeroCount: zeroCount)
    }

    static func decodeStore(from reader: inout ByteReader) throws(DecodeError) -> SketchStore {
        let bucketCount = try reader.readCount("sketch bucket count", limit: SketchStore.bucketsMax)
        guard bucketCount > 0 else { return SketchStore() }
        let offset = try reader.readZigzag("sketch offset")
        guard offset >= -100_000, offset <= 100_000 else {
            throw .invalid("sketch offset", "\(offset) is outside the indices of finite doubles", in: reader.subject)
        }
        var counts = [UInt64]()
        counts.reserveCapacity(bucketCount)
        var total: UInt64 = 0
        for _ in 0..<bucketCount {
            let count = try reader.readVarint("sketch bucket")
            let (sum, overflow) = total.addingReportingOverflow(count)
            guard !overflow else { throw .invalid("sketch bucket", "counts overflow 64 bits", in: reader.subject) }
            total = sum
            counts.append(count)
        }
        return SketchStore(offset: Int32(offset), counts: counts, total: total)
    }
}
