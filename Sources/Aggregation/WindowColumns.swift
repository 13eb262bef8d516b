import Codec

/// The columnar encoding of window rows shared by partial batches and shard blocks
/// (layout in docs/protocol.md, "Window columns"). Each field is one column so that LZ4 finds
/// the repetition in it, and a row stores only what its count needs: a one-sample row is its
/// series, window, count, time and value; min, max, sum, m2 and the last sample follow only for
/// rows of two or more; quantile data last (none up to two values, which first and last are,
/// the values themselves up to `WindowState.exactMax`, a sketch beyond).
public enum WindowColumns {
    /// Appends `rows` as columns. `windowNanoseconds` is the base window every row start is a
    /// multiple of. Quantile data is written only when `withQuantiles` is set, in which case
    /// every row must carry some.
    public static func encode(_ rows: [WindowRow], windowNanoseconds: Int64, withQuantiles: Bool, into writer: inout ByteWriter) {
        for row in rows { writer.appendVarint(UInt64(row.seriesIndex)) }
        var previousStart: Int64 = 0
        for row in rows {
            writer.appendZigzag((row.windowStart &- previousStart) / windowNanoseconds)
            previousStart = row.windowStart
        }
        for row in rows { writer.appendVarint(row.state.count) }
        writer.appendScaledColumn(rows.map { $0.state.first.nanoseconds &- $0.windowStart })
        writer.appendDecimalColumn(rows.map(\.state.first.value))
        let multi = rows.filter { $0.state.count > 1 }
        writer.appendScaledColumn(multi.map { $0.state.last.nanoseconds &- $0.windowStart })
        writer.appendDecimalColumn(multi.map(\.state.last.value))
        writer.appendDecimalColumn(multi.map(\.state.sum.sum))
        writer.appendDecimalColumn(multi.map(\.state.sum.compensation))
        writer.appendDecimalColumn(multi.map(\.state.min))
        writer.appendDecimalColumn(multi.map(\.state.max))
        writer.appendColumn(multi.map(\.state.m2))
        guard withQuantiles else { return }
        for row in rows where row.state.count > 2 {
            switch row.state.quantiles {
            case .exact(let values, _): writer.appendDecimalColumn(values)
            case .sketch(let sketch): encode(sketch, into: &writer)
            case .none: preconditionFailure("row without quantile data in a batch with quantiles")
            }
        }
    }

    /// Reads `count` rows written by `encode`. `mapping` must be given exactly when the rows
    /// carry quantile data; `seriesCount` bounds the series indices. With `skipQuantiles`, the
    /// quantile data is left unread (the rows get none): for answers that need no quantile. A
    /// row whose fields are well formed but inconsistent (no state could have them) goes to
    /// `quarantine` and the others are returned; a malformed column still throws.
    public static func decode(count: Int, seriesCount: Int, windowNanoseconds: Int64, sketchMapping mapping: SketchMapping?,
                              skipQuantiles: Bool = false, from reader: inout ByteReader,
                              quarantine: inout [QuarantinedRow]) throws(DecodeError) -> [WindowRow] {
        try reader.require(count, for: "series index column")
        var series = [UInt32](repeating: 0, count: count)
        for index in 0..<count {
            let value = try reader.readVarint("series index")
            guard value < UInt64(seriesCount) else {
                throw .invalid("series index", "row \(index) names series \(value) of \(seriesCount)", in: reader.subject)
            }
            series[index] = UInt32(value)
        }
        var starts = [Int64](repeating: 0, count: count)
        var windowStart: Int64 = 0
        for index in 0..<count {
            let (step, overflow) = try reader.readZigzag("window start").multipliedReportingOverflow(by: windowNanoseconds)
            guard !overflow else { throw .invalid("window start", "row \(index) is outside the time range", in: reader.subject) }
            windowStart &+= step
            starts[index] = windowStart
        }
        var counts = [UInt64](repeating: 0, count: count)
        var multiCount = 0
        for index in 0..<count {
            counts[index] = try reader.readVarint("count")
            if counts[index] > 1 { multiCount += 1 }
        }
        let firstOffsets = try reader.readScaledColumn(count: count, "first time column")
        let firstValues = try reader.readDecimalColumn(count: count, "first value column")
        let lastOffsets = try reader.readScaledColumn(count: multiCount, "last time column")
        let lastValues = try reader.readDecimalColumn(count: multiCount, "last value column")
        let sums = try reader.readDecimalColumn(count: multiCount, "sum column")
        let compensations = try reader.readDecimalColumn(count: multiCount, "compensation column")
        let mins = try reader.readDecimalColumn(count: multiCount, "min column")
        let maxes = try reader.readDecimalColumn(count: multiCount, "max column")
        let m2s = try reader.readDoubleColumn(count: multiCount, "m2 column")
        let mapping = skipQuantiles ? nil : mapping
        var rows = [WindowRow]()
        rows.reserveCapacity(count)
        var multi = 0
        for index in 0..<count {
            let rowCount = counts[index]
            let first = TimedValue(nanoseconds: starts[index] &+ firstOffsets[index], value: firstValues[index])
            let quantiles: QuantileData
            if let mapping {
                if rowCount <= 2 {
                    quantiles = .exact([], mapping)
                } else if rowCount <= UInt64(WindowState.exactMax) {
                    quantiles = .exact(try reader.readDecimalColumn(count: Int(rowCount), "exact values"), mapping)
                } else {
                    quantiles = .sketch(try decodeSketch(mapping: mapping, from: &reader))
                }
            } else {
                quantiles = .none
            }
            do {
                let state: WindowState
                if rowCount <= 1 {
                    state = try WindowState(count: rowCount, sum: CompensatedSum(sum: first.value), min: first.value, max: first.value, m2: 0,
                                            first: first, last: first, quantiles: quantiles)
                } else {
                    defer { multi += 1 }
                    state = try WindowState(
                        count: rowCount, sum: CompensatedSum(sum: sums[multi], compensation: compensations[multi]),
                        min: mins[multi], max: maxes[multi], m2: m2s[multi], first: first,
                        last: TimedValue(nanoseconds: starts[index] &+ lastOffsets[multi], value: lastValues[multi]),
                        quantiles: quantiles)
                }
                rows.append(WindowRow(seriesIndex: series[index], windowStart: starts[index], state: state))
            } catch {
                quarantine.append(QuarantinedRow(index: index, seriesIndex: series[index], windowStart: starts[index], reason: error.description))
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
