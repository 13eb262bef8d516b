import Codec
import Model
import Wire

/// Reads Prometheus remote_write 1.0 bodies (`prometheus.WriteRequest`, protobuf, already
/// expanded from snappy) into a `LineSink`, remembering across bodies what each series' label
/// bytes resolve to: a series seen before costs one hash of its labels as they lie in the body,
/// with no allocation.
///
/// ```
/// WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
/// TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; exemplars = 3; histograms = 4; }
/// Label        { string name = 1; string value = 2; }
/// Sample       { double value = 1; int64 timestamp = 2; }   // epoch milliseconds
/// ```
///
/// `__name__` becomes the metric name and every other label a tag (labels with empty values are
/// absent, as in Prometheus); the tag rules and the sink's series limits apply per series. Stale
/// markers (Prometheus' special NaN) are skipped and counted; exemplars, native histograms and
/// metadata are read past (histograms counted). A body that is not a valid `WriteRequest` is
/// refused whole before any of it is taken.
public struct RemoteWriteReader {
    /// Most distinct label sets remembered; past it the reader starts over (checked per body).
    public let seriesMax: Int
    private var epoch = Int.min
    private var labelNumbers = ByteKeyTable()
    /// Per label set: the sink's number, or `invalid` with its error in `invalidErrors`.
    private var sinkNumbers: [UInt32] = []
    private var invalidErrors: [Int: ValidationError] = [:]
    // The body's samples, handed to the sink only once the whole body decoded.
    private var pendingLabels: [Int32] = []
    private var pendingStart: [Int32] = []
    private var times: [Int64] = []
    private var values: [Double] = []
    /// Per series of the body whose labels are not one contiguous run: its entry (rare).
    private var looseEntries: [Int32: Result<SeriesEntry, ValidationError>] = [:]

    private static let invalid = UInt32.max
    /// Prometheus' staleness marker: a NaN with this bit pattern.
    public static let staleMarker: UInt64 = 0x7ff0_0000_0000_0002

    public init(seriesMax: Int = 1 << 18) {
        self.seriesMax = seriesMax
    }

    /// Reads a whole `WriteRequest`: every sample validated against `validator` at `now`; at most
    /// `badSeriesKept` rejected series are listed (all are counted). `lines` of the report counts
    /// time series, `badLines` names series by position (from 1).
    public mutating func read<Sink: LineSink>(_ body: UnsafeRawBufferPointer, validator: SampleValidator, now: Timestamp,
                                              into sink: inout Sink, badSeriesKept: Int = 100) throws(DecodeError) -> LineReport {
        if sink.seriesEpoch != epoch || labelNumbers.count >= seriesMax { forget(epoch: sink.seriesEpoch) }
        var report = LineReport()
        try decode(body, report: &report)
        for series in pendingLabels.indices {
            let samples = Int(pendingStart[series])..<Int(series + 1 < pendingStart.count ? pendingStart[series + 1] : Int32(times.count))
            guard !samples.isEmpty else { continue }
            let labels = Int(pendingLabels[series])
            let number: UInt32
            do {
                number = try sinkNumber(labels: labels, series: series, validator: validator, sink: &sink)
            } catch {
                report.badLineCount += 1
                report.rejectedByReason[error.reason, default: 0] += samples.count
                report.refused += samples.count
                if report.badLines.count < badSeriesKept { report.badLines.append(LineProtocol.LineError(line: series + 1, error: error)) }
                continue
            }
            for index in samples {
                let value = values[index]
                if !value.isFinite {
                    refuse(ValidationError(.nonFiniteValue, "series \(series + 1): value \(value) is not finite"), &report)
                    continue
                }
                let timestamp = Timestamp(nanoseconds: times[index])
                do {
                    try validator.validate(timestamp: timestamp, now: now)
                } catch {
                    refuse(error, &report)
                    continue
                }
                sink.take(series: number, timestamp: timestamp.nanoseconds, value: value)
                report.taken += 1
            }
        }
        return report
    }

    private mutating func forget(epoch: Int) {
        self = RemoteWriteReader(seriesMax: seriesMax)
        self.epoch = epoch
    }

    private func refuse(_ error: ValidationError, _ report: inout LineReport) {
        report.refused += 1
        report.rejectedByReason[error.reason, default: 0] += 1
        if report.firstRefusal == nil { report.firstRefusal = error }
    }

    /// Walks the whole body into the pending arrays; throws on the first structural error.
    private mutating func decode(_ body: UnsafeRawBufferPointer, report: inout LineReport) throws(DecodeError) {
        pendingLabels.removeAll(keepingCapacity: true)
        pendingStart.removeAll(keepingCapacity: true)
        times.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        looseEntries.removeAll()
        var request = ProtobufReader(body)
        let bytes = body.assumingMemoryBound(to: UInt8.self)
        while !request.atEnd {
            let field = try request.field()
            guard field.number == 1, field.type == .lengthDelimited else {
                try request.skip(field.type)
                continue
            }
            let message = request.message(try request.lengthDelimited())
            var series = message
            report.lines += 1
            pendingStart.append(Int32(times.count))
            var labelsStart = -1
            var labelsEnd = -1
            var contiguous = true
            while !series.atEnd {
                let fieldStart = series.offset
                let inner = try series.field()
                switch (inner.number, inner.type) {
                case (1, .lengthDelimited):
                    _ = try series.lengthDelimited()
                    if labelsStart < 0 { labelsStart = fieldStart } else if labelsEnd != fieldStart { contiguous = false }
                    labelsEnd = series.offset
                case (2, .lengthDelimited):
                    var sample = series.message(try series.lengthDelimited())
                    // proto3 leaves out fields holding their default: a value of 0 has no field 1.
                    var value = 0.0
                    var milliseconds: Int64 = 0
                    while !sample.atEnd {
                        let part = try sample.field()
                        switch (part.number, part.type) {
                        case (1, .fixed64): value = try sample.double()
                        case (2, .varint): milliseconds = Int64(bitPattern: try sample.varint())
                        default: try sample.skip(part.type)
                        }
                    }
                    if value.bitPattern == Self.staleMarker {
                        report.staleMarkersSkipped += 1
                        continue
                    }
                    let (nanoseconds, overflow) = milliseconds.multipliedReportingOverflow(by: 1_000_000)
                    guard !overflow else { throw DecodeError.invalid("sample timestamp", "\(milliseconds) ms is out of range", in: "remote_write request") }
                    times.append(nanoseconds)
                    values.append(value)
                case (4, .lengthDelimited):
                    _ = try series.lengthDelimited()
                    report.histogramsSkipped += 1
                default:
                    try series.skip(inner.type)
                }
            }
            if contiguous, labelsStart >= 0 {
                let (number, isNew) = labelNumbers.number(of: bytes, labelsStart, labelsEnd)
                if isNew { sinkNumbers.append(Self.invalid - 1) }
                pendingLabels.append(Int32(number))
            } else {
                // Labels interleaved with other fields (no writer does this): named afresh.
                looseEntries[Int32(pendingLabels.count)] = Result { () throws(ValidationError) in try Self.entry(labels: Self.labels(of: message)) }
                pendingLabels.append(-1)
            }
        }
    }

    /// The sink's number of label set `labels` (`-1`: the body's series `series` is loose),
    /// resolving and validating it when new.
    private mutating func sinkNumber<Sink: LineSink>(labels: Int, series: Int, validator: SampleValidator,
                                                     sink: inout Sink) throws(ValidationError) -> UInt32 {
        if labels < 0 {
            let entry = try looseEntries[Int32(series)]!.get()
            try validator.validate(name: entry.key.name)
            try validator.validate(tags: entry.key.tags)
            return try sink.number(of: entry)
        }
        let known = sinkNumbers[labels]
        if known == Self.invalid { throw invalidErrors[labels]! }
        if known != Self.invalid - 1 { return known }
        let entry: SeriesEntry
        do {
            entry = try labelNumbers.withKey(labels) { key in
                Result { () throws(ValidationError) in try Self.entry(labels: Self.labels(of: ProtobufReader(UnsafeRawBufferPointer(key)))) }
            }.get()
            try validator.validate(name: entry.key.name)
            try validator.validate(tags: entry.key.tags)
        } catch {
            sinkNumbers[labels] = Self.invalid
            invalidErrors[labels] = error
            throw error
        }
        // A refusal by the sink (a limit) is not remembered: the series is asked for again.
        let number = try sink.number(of: entry)
        sinkNumbers[labels] = number
        return number
    }

    /// The `(name, value)` pairs of the label fields of `message`.
    static func labels(of message: ProtobufReader) throws(ValidationError) -> [(String, String)] {
        var reader = message
        var labels = [(String, String)]()
        do {
            while !reader.atEnd {
                let field = try reader.field()
                guard field.number == 1, field.type == .lengthDelimited else {
                    try reader.skip(field.type)
                    continue
                }
                var label = reader.message(try reader.lengthDelimited())
                var name = ""
                var value = ""
                while !label.atEnd {
                    let part = try label.field()
                    guard part.type == .lengthDelimited, part.number == 1 || part.number == 2 else {
                        try label.skip(part.type)
                        continue
                    }
                    guard let text = label.string(try label.lengthDelimited()) else { throw ValidationError(.invalidTag, "a label is not valid UTF-8") }
                    if part.number == 1 { name = text } else { value = text }
                }
                labels.append((name, value))
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError(.malformed, "labels: \(error)")
        }
        return labels
    }

    /// The series entry of a label list: `__name__` the name, the other non-empty labels its tags.
    static func entry(labels: [(String, String)]) throws(ValidationError) -> SeriesEntry {
        var name: String?
        var tags = [Tag]()
        for (key, value) in labels {
            if key == "__name__" {
                name = value
            } else if !value.isEmpty {
                tags.append(Tag(key, value))
            }
        }
        guard let name, !name.isEmpty else { throw ValidationError(.invalidName, "a series has no __name__ label") }
        return SeriesEntry(key: SeriesKey(name: name, tags: tags))
    }
}
