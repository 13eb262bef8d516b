import Model
import Wire

/// Where a `LineReader` puts what it reads: it numbers the series it has not seen and takes the
/// samples of good lines.
public protocol LineSink {
    /// Changes whenever numbers handed out before may now mean other series; the reader then
    /// forgets every number it remembers.
    var seriesEpoch: Int { get }
    /// The number of `series` (its name and tags already valid), or why it is refused (a limit).
    /// The reader remembers numbers, never refusals: a refused series is asked for again.
    mutating func number(of series: SeriesEntry) throws(ValidationError) -> UInt32
    /// A sample of series `number` at `timestamp` (ns, or `SampleBatch.arrivalTime`).
    mutating func take(series number: UInt32, timestamp: Int64, value: Double)
}

/// What one body held: its data lines, the lines rejected whole and the samples refused.
public struct LineReport: Sendable {
    /// Lines that held data (not blank, not comments).
    public var lines = 0
    /// Samples handed to the sink.
    public var taken = 0
    /// Lines rejected whole (malformed or invalid), counted under their reason.
    public var badLineCount = 0
    /// The first rejected lines, by number (from 1).
    public var badLines: [LineProtocol.LineError] = []
    /// Samples of good lines whose series the sink refused.
    public var refused = 0
    public var firstRefusal: ValidationError?
    /// String fields read past (not stored; the line's numeric fields are).
    public var stringFieldsSkipped = 0
    /// remote_write staleness markers read past (a series ending is not a sample).
    public var staleMarkersSkipped = 0
    /// remote_write native histograms read past (not stored).
    public var histogramsSkipped = 0
    /// Bad lines and refused samples per reason, for `/metrics`.
    public var rejectedByReason: [ValidationError.Reason: Int] = [:]
    /// Lines that took the fast path (for tests).
    var fastLines = 0
}

/// Reads InfluxDB line protocol into a `LineSink`, remembering across bodies what each line
/// prefix (measurement and tags) and field key resolve to: a line of a known series costs a scan,
/// one hash of its prefix bytes and a comparison of its field keys, with no allocation. Prefixes
/// and field keys are copied once into flat storage; a series is parsed, validated and named only
/// the first time it is seen. Any other line (escapes in field keys, strings, unusual numbers,
/// anything invalid) goes to the reference parser, which takes it or names what is wrong; a line
/// is taken whole or not at all (a sample the sink refuses is counted, the rest of its line taken).
public struct LineReader {
    /// Most distinct prefixes remembered; past it the reader starts over (checked per body).
    public let prefixesMax: Int
    private var epoch = Int.min
    private var prefixNumbers = ByteKeyTable()
    /// Per prefix: whether its lines can take the fast path, and its first field (-1: none).
    private var prefixUsable: [Bool] = []
    private var prefixFirstField: [Int32] = []
    // Field keys seen with each prefix, linked per prefix, with the series they name.
    private var fieldNext: [Int32] = []
    private var fieldKeyStart: [Int32] = []
    private var fieldKeyCount: [Int32] = []
    /// The sink's number, or `invalidName`.
    private var fieldSeries: [UInt32] = []
    private var fieldBytes: [UInt8] = []
    // The current line's samples, handed over once the whole line is known good; a series the
    // sink refused has `refusedSeries` and its error in `lineRefusals`.
    private var lineSeries: [UInt32] = []
    private var lineValues: [Double] = []
    private var lineRefusals: [ValidationError] = []
    /// The timestamp of the line `readFast` last accepted.
    private var pendingTimestamp = SampleBatch.arrivalTime

    private static let invalidName = UInt32.max
    private static let refusedSeries = UInt32.max - 1

    public init(prefixesMax: Int = 1 << 18) {
        self.prefixesMax = prefixesMax
    }

    /// Distinct prefixes remembered.
    public var prefixCount: Int { prefixNumbers.count }

    /// Reads a whole body: good lines go to `sink`, every sample validated against `validator` at
    /// `now`; at most `badLinesKept` bad lines are listed (all are counted).
    public mutating func read<Sink: LineSink>(_ body: UnsafeBufferPointer<UInt8>, precision: LineProtocol.Precision, validator: SampleValidator,
                                              now: Timestamp, into sink: inout Sink, badLinesKept: Int = 100) -> LineReport {
        if sink.seriesEpoch != epoch || prefixNumbers.count >= prefixesMax { forget(epoch: sink.seriesEpoch) }
        var report = LineReport()
        var start = 0
        var lineNumber = 0
        while start <= body.count {
            var end = start
            while end < body.count && body[end] != UInt8(ascii: "\n") { end += 1 }
            lineNumber += 1
            var first = start
            var last = end
            if last > first && body[last - 1] == UInt8(ascii: "\r") { last -= 1 }
            while first < last && (body[first] == UInt8(ascii: " ") || body[first] == UInt8(ascii: "\t")) { first += 1 }
            if first < last && body[first] != UInt8(ascii: "#") {
                report.lines += 1
                if readFast(body, first, last, precision: precision, validator: validator, now: now, sink: &sink) {
                    report.fastLines += 1
                    hand(&report, to: &sink, timestamp: pendingTimestamp)
                } else {
                    readAny(body, first, last, number: lineNumber, precision: precision, validator: validator, now: now,
                            sink: &sink, report: &report, badLinesKept: badLinesKept)
                }
            }
            start = end + 1
        }
        return report
    }

    private mutating func forget(epoch: Int) {
        self = LineReader(prefixesMax: prefixesMax)
        self.epoch = epoch
    }

    /// Hands the current line's samples to the sink; refused ones are counted.
    @inline(__always)
    private mutating func hand<Sink: LineSink>(_ report: inout LineReport, to sink: inout Sink, timestamp: Int64) {
        var refusal = 0
        for position in lineSeries.indices {
            let series = lineSeries[position]
            if series == Self.refusedSeries {
                refuse(lineRefusals[refusal], &report)
                refusal += 1
            } else {
                sink.take(series: series, timestamp: timestamp, value: lineValues[position])
                report.taken += 1
            }
        }
    }

    private func refuse(_ error: ValidationError, _ report: inout LineReport) {
        report.refused += 1
        report.rejectedByReason[error.reason, default: 0] += 1
        if report.firstRefusal == nil { report.firstRefusal = error }
    }

    /// Reads a line in the common form into the line buffers and returns true, or returns false
    /// having taken nothing.
    @inline(__always)
    private mutating func readFast<Sink: LineSink>(_ body: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, precision: LineProtocol.Precision,
                                                   validator: SampleValidator, now: Timestamp, sink: inout Sink) -> Bool {
        var index = start
        while index < end && body[index] != UInt8(ascii: " ") {
            index += body[index] == UInt8(ascii: "\\") ? 2 : 1
        }
        guard index < end, let prefix = prefixNumber(body, start, index, validator: validator) else { return false }
        while index < end && body[index] == UInt8(ascii: " ") { index += 1 }
        lineSeries.removeAll(keepingCapacity: true)
        lineValues.removeAll(keepingCapacity: true)
        lineRefusals.removeAll(keepingCapacity: true)
        while true {
            let keyStart = index
            while index < end, body[index] != UInt8(ascii: "="), body[index] != UInt8(ascii: "\\"), body[index] != UInt8(ascii: " "), body[index] != UInt8(ascii: ",") {
                index += 1
            }
            guard index > keyStart, index < end, body[index] == UInt8(ascii: "=") else { return false }
            let keyEnd = index
            index += 1
            let valueStart = index
            while index < end && body[index] != UInt8(ascii: ",") && body[index] != UInt8(ascii: " ") { index += 1 }
            guard let value = FastNumber.fieldValue(body, valueStart, index) else { return false }
            let series = seriesNumber(prefix: prefix, body, keyStart, keyEnd, validator: validator, sink: &sink)
            guard series != Self.invalidName else { return false }
            lineSeries.append(series)
            lineValues.append(value)
            guard index < end, body[index] == UInt8(ascii: ",") else { break }
            index += 1
        }
        var timestamp = SampleBatch.arrivalTime
        if index < end {
            while index < end && body[index] == UInt8(ascii: " ") { index += 1 }
            if index < end {
                let timeStart = index
                while index < end && body[index] != UInt8(ascii: " ") { index += 1 }
                guard let written = FastNumber.integer(body, timeStart, index) else { return false }
                let (nanoseconds, overflow) = written.multipliedReportingOverflow(by: precision.nanoseconds)
                guard !overflow, (try? validator.validate(timestamp: Timestamp(nanoseconds: nanoseconds), now: now)) != nil else { return false }
                timestamp = nanoseconds
                while index < end && body[index] == UInt8(ascii: " ") { index += 1 }
            }
        }
        guard index == end else { return false }
        pendingTimestamp = timestamp
        return true
    }

    /// Hands a line to the reference parser: its samples are taken, or its error recorded.
    private mutating func readAny<Sink: LineSink>(_ body: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, number: Int,
                                                  precision: LineProtocol.Precision, validator: SampleValidator, now: Timestamp,
                                                  sink: inout Sink, report: inout LineReport, badLinesKept: Int) {
        do {
            let (samples, stringsSkipped) = try LineProtocol.parseLine(Array(UnsafeBufferPointer(rebasing: body[start..<end]))[...], precision: precision)
            report.stringFieldsSkipped += stringsSkipped
            for sample in samples { try validator.validate(sample, now: now) }
            for sample in samples {
                do {
                    let series = try sink.number(of: SeriesEntry(key: sample.series, type: sample.type))
                    sink.take(series: series, timestamp: sample.timestamp?.nanoseconds ?? SampleBatch.arrivalTime, value: sample.value)
                    report.taken += 1
                } catch {
                    refuse(error, &report)
                }
            }
        } catch {
            report.badLineCount += 1
            report.rejectedByReason[error.reason, default: 0] += 1
            if report.badLines.count < badLinesKept { report.badLines.append(LineProtocol.LineError(line: number, error: error)) }
        }
    }

    /// The number of the prefix `body[start..<end]`, parsing and validating it when new; `nil`
    /// when its lines need the reference parser.
    @inline(__always)
    private mutating func prefixNumber(_ body: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, validator: SampleValidator) -> Int? {
        let (number, isNew) = prefixNumbers.number(of: body, start, end)
        if isNew {
            prefixUsable.append(Self.parsePrefix(Array(UnsafeBufferPointer(rebasing: body[start..<end])), validator: validator) != nil)
            prefixFirstField.append(-1)
        }
        return prefixUsable[number] ? number : nil
    }

    /// A prefix's measurement and tags, when it parses whole and its tags are valid.
    private static func parsePrefix(_ bytes: [UInt8], validator: SampleValidator) -> (measurement: String, tags: [Tag])? {
        var cursor = LineCursor(bytes: bytes[...])
        guard let parsed = try? LineProtocol.parsePrefix(&cursor), cursor.atEnd, (try? validator.validate(tags: parsed.tags)) != nil else { return nil }
        return parsed
    }

    /// The sink's number for field `body[start..<end]` of `prefix`, asking the sink when new;
    /// `invalidName` when the series name is invalid, `refusedSeries` (with its error in
    /// `lineRefusals`) when the sink refuses it.
    @inline(__always)
    private mutating func seriesNumber<Sink: LineSink>(prefix: Int, _ body: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int,
                                                       validator: SampleValidator, sink: inout Sink) -> UInt32 {
        let count = end - start
        var field = prefixFirstField[prefix]
        while field >= 0 {
            let position = Int(field)
            if Int(fieldKeyCount[position]) == count,
               fieldBytes.withUnsafeBufferPointer({ ByteKeyTable.equal($0, Int(fieldKeyStart[position]), body, start, count) }) {
                return fieldSeries[position]
            }
            field = fieldNext[position]
        }
        return newSeries(prefix: prefix, UnsafeBufferPointer(rebasing: body[start..<end]), validator: validator, sink: &sink)
    }

    private mutating func newSeries<Sink: LineSink>(prefix: Int, _ key: UnsafeBufferPointer<UInt8>, validator: SampleValidator,
                                                    sink: inout Sink) -> UInt32 {
        var series = Self.invalidName
        if let (measurement, tags) = prefixNumbers.withKey(prefix, { Self.parsePrefix(Array($0), validator: validator) }),
           let field = String(validating: key, as: UTF8.self) {
            let name = field == "value" ? measurement : measurement + "." + field
            if (try? validator.validate(name: name)) != nil {
                do {
                    series = try sink.number(of: SeriesEntry(key: SeriesKey(name: name, tags: tags)))
                } catch {
                    lineRefusals.append(error)
                    return Self.refusedSeries
                }
            }
        }
        fieldNext.append(prefixFirstField[prefix])
        prefixFirstField[prefix] = Int32(fieldSeries.count)
        fieldKeyStart.append(Int32(fieldBytes.count))
        fieldKeyCount.append(Int32(key.count))
        fieldBytes.append(contentsOf: key)
        fieldSeries.append(series)
        return series
    }
}
