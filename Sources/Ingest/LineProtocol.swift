import Model
import Wire

/// InfluxDB line protocol (1.x and 2.x writes):
/// `measurement[,tag=value...] field=value[,field=value...] [timestamp]`.
///
/// Field `value` becomes the metric `measurement`; any other numeric field `f` becomes
/// `measurement.f`. Floats, integers (`42i`), unsigned integers (`42u`) and booleans (as 0/1)
/// are numbers; string fields are skipped (counted in `LineReport.stringFieldsSkipped`), the
/// numeric fields of their line taken. Backslash escapes commas, spaces and equals
/// signs in measurements, tag keys, tag values and field keys. Lines starting with `#` and
/// empty lines are skipped. A line without a timestamp gets the arrival time.
public enum LineProtocol {
    /// Timestamp units of the `precision` parameter (the raw value is their code on the wire).
    public enum Precision: UInt8, Sendable {
        case nanoseconds, microseconds, milliseconds, seconds, minutes, hours

        /// Parses `n`/`ns`, `u`/`us`/`µ`, `ms`, `s`, `m`, `h`; `nil` for anything else.
        public init?(_ text: String?) {
            switch text ?? "ns" {
            case "n", "ns", "": self = .nanoseconds
            case "u", "us", "µ": self = .microseconds
            case "ms": self = .milliseconds
            case "s": self = .seconds
            case "m": self = .minutes
            case "h": self = .hours
            default: return nil
            }
        }

        var nanoseconds: Int64 {
            switch self {
            case .nanoseconds: 1
            case .microseconds: 1000
            case .milliseconds: 1_000_000
            case .seconds: 1_000_000_000
            case .minutes: 60_000_000_000
            case .hours: 3_600_000_000_000
            }
        }
    }

    /// A rejected line: its number (from 1) and why.
    public struct LineError: Sendable, Equatable {
        public var line: Int
        public var error: ValidationError
    }

    /// The good lines' samples as one batch (id 0), and the bad lines with their reasons.
    public struct Parsed: Sendable {
        public var batch: SampleBatch
        public var errors: [LineError]
        /// Lines that held data (not blank, not comments).
        public var lines: Int
        /// String fields read past, not stored.
        public var stringFieldsSkipped: Int

        /// The batch's samples one by one (tags sorted by key).
        public var samples: [Sample] {
            batch.values.indices.map { index in
                let series = batch.series[Int(batch.seriesIndices[index])]
                let time = batch.timestamps[index]
                return Sample(name: series.key.name, value: batch.values[index],
                              timestamp: time == SampleBatch.arrivalTime ? nil : Timestamp(nanoseconds: time), tags: series.key.tags, type: series.type)
            }
        }
    }

    /// Lines in a body (an upper bound on its data lines): newlines counted eight bytes at a
    /// time (a byte of `word ^ 0x0a…` is zero exactly where a newline is).
    public static func lineCount(_ bytes: [UInt8]) -> Int {
        var count = bytes.last.map { $0 == UInt8(ascii: "\n") ? 0 : 1 } ?? 0
        bytes.withUnsafeBytes { raw in
            let low: UInt64 = 0x7f7f_7f7f_7f7f_7f7f
            var offset = 0
            while offset + 8 <= raw.count {
                let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self) ^ 0x0a0a_0a0a_0a0a_0a0a
                count += (~(((word & low) &+ low) | word | low)).nonzeroBitCount
                offset += 8
            }
            while offset < raw.count {
                if raw[offset] == UInt8(ascii: "\n") { count += 1 }
                offset += 1
            }
        }
        return count
    }

    /// Parses a whole body into one batch; every sample is validated against `validator` at
    /// `now`. Good lines are taken whole, bad ones are reported by number.
    public static func parse(_ body: [UInt8], precision: Precision, validator: SampleValidator, now: Timestamp) -> Parsed {
        var reader = LineReader()
        var sink = BatchSink(builder: SampleBatchBuilder(capacity: min(body.count / 16, 1 << 22)))
        let report = body.withUnsafeBufferPointer { reader.read($0, precision: precision, validator: validator, now: now, into: &sink, badLinesKept: .max) }
        return Parsed(batch: sink.builder.finish(id: 0), errors: report.badLines, lines: report.lines, stringFieldsSkipped: report.stringFieldsSkipped)
    }

    /// Collects what a reader takes into a batch (every series is taken).
    struct BatchSink: LineSink {
        var builder: SampleBatchBuilder
        var seriesEpoch: Int { 0 }
        mutating func number(of series: SeriesEntry) -> UInt32 { builder.intern(series) }
        mutating func take(series number: UInt32, timestamp: Int64, value: Double) {
            builder.append(seriesIndex: number, timestamp: timestamp, value: value)
        }
    }
}
