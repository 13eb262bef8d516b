import Model
import Wire

/// Parses a line protocol body straight into the columns of a sample batch. The common line —
/// a prefix (measurement and tags) seen before, plain field keys, numeric values, an integer
/// timestamp — costs a scan and a few table lookups: each distinct prefix is parsed and
/// validated once, and each (prefix, field key) is interned as a series once. Any other line
/// (escaped field keys, strings, unusual numbers, anything invalid) goes to the reference
/// parser, which takes it or names what is wrong; a line is taken whole or not at all.
struct LineBatchParser {
    let precision: LineProtocol.Precision
    let validator: SampleValidator
    let now: Timestamp
    var builder: SampleBatchBuilder
    var errors: [LineProtocol.LineError] = []
    var lines = 0

    /// A distinct line prefix: its measurement and tags, or `nil` when the reference parser
    /// must look at its lines; and the series of the field keys seen with it.
    struct Prefix {
        var parsed: (measurement: String, tags: [Tag])?
        var fields: [(key: [UInt8], series: UInt32?)] = []
    }

    var prefixNumbers = ByteKeyTable()
    var prefixes: [Prefix] = []
    /// Per prefix number: whether its lines can take the common path.
    var prefixUsable: [Bool] = []
    /// The current line's samples, appended to the batch once the whole line is known good.
    var lineSeries: [UInt32] = []
    var lineValues: [Double] = []
    /// Prefixes parsed by earlier requests, and those this one parsed (when it `learns`).
    var known: [[UInt8]: LinePrefixCache.Prefix] = [:]
    var learns = false
    var learned: [([UInt8], LinePrefixCache.Prefix)] = []

    init(precision: LineProtocol.Precision, validator: SampleValidator, now: Timestamp, capacity: Int) {
        self.precision = precision
        self.validator = validator
        self.now = now
        builder = SampleBatchBuilder(capacity: capacity)
    }

    mutating func parse(_ body: UnsafeBufferPointer<UInt8>) {
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
                lines += 1
                if !takeCommonLine(body, first, last) { takeAnyLine(body, first, last, number: lineNumber) }
            }
            start = end + 1
        }
    }

    /// Takes a line in the common form and returns true, or returns false having taken nothing.
    @inline(__always)
    mutating func takeCommonLine(_ body: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var index = start
        while index < end && body[index] != UInt8(ascii: " ") {
            index += body[index] == UInt8(ascii: "\\") ? 2 : 1
        }
        guard index < end, let prefix = prefixNumber(body, start, index) else { return false }
        while index < end && body[index] == UInt8(ascii: " ") { index += 1 }
        lineSeries.removeAll(keepingCapacity: true)
        lineValues.removeAll(keepingCapacity: true)
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
            guard let value = FastNumber.fieldValue(body, valueStart, index),
                  let series = seriesNumber(prefix: prefix, body, keyStart, keyEnd) else { return false }
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
        for position in lineSeries.indices {
            builder.append(seriesIndex: lineSeries[position], timestamp: timestamp, value: lineValues[position])
        }
        return true
    }

    /// Hands a line to the reference parser: its samples are taken, or its error recorded.
    mutating func takeAnyLine(_ body: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, number: Int) {
        do {
            let samples = try LineProtocol.parseLine(Array(UnsafeBufferPointer(rebasing: body[start..<end]))[...], precision: precision)
            for sample in samples { try validator.validate(sample, now: now) }
            for sample in samples { builder.append(sample) }
        } catch {
            errors.append(LineProtocol.LineError(line: number, error: error))
        }
    }

    /// The number of the prefix `body[start..<end]`, parsing and validating it when new; `nil`
    /// when its lines need the reference parser.
    @inline(__always)
    mutating func prefixNumber(_ body: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        let (number, isNew) = prefixNumbers.number(of: body, start, end)
        if isNew {
            let bytes = Array(UnsafeBufferPointer(rebasing: body[start..<end]))
            var prefix = Prefix()
            if let cached = known[bytes] {
                prefix.parsed = (cached.measurement, cached.tags)
            } else {
                var cursor = LineCursor(bytes: bytes[...])
                if let parsed = try? LineProtocol.parsePrefix(&cursor), cursor.atEnd, (try? validator.validate(tags: parsed.tags)) != nil {
                    prefix.parsed = parsed
                    if learns { learned.append((bytes, LinePrefixCache.Prefix(measurement: parsed.measurement, tags: parsed.tags))) }
                }
            }
            prefixes.append(prefix)
            prefixUsable.append(prefix.parsed != nil)
        }
        return prefixUsable[number] ? number : nil
    }

    /// The batch's series number for field `body[start..<end]` of `prefix`, interning it when
    /// new; `nil` when its name is invalid.
    @inline(__always)
    mutating func seriesNumber(prefix: Int, _ body: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt32? {
        let count = end - start
        for position in prefixes[prefix].fields.indices {
            let found = prefixes[prefix].fields[position].key.withUnsafeBufferPointer { stored in
                stored.count == count && ByteKeyTable.equal(stored, 0, body, start, count)
            }
            if found { return prefixes[prefix].fields[position].series }
        }
        let key = UnsafeBufferPointer(rebasing: body[start..<end])
        var series: UInt32?
        if let (measurement, tags) = prefixes[prefix].parsed, let field = String(validating: key, as: UTF8.self) {
            let name = field == "value" ? measurement : measurement + "." + field
            if (try? validator.validate(name: name)) != nil {
                series = builder.intern(SeriesEntry(key: SeriesKey(name: name, tags: tags)))
            }
        }
        prefixes[prefix].fields.append((Array(key), series))
        return series
    }
}
