import Model

/// InfluxDB line protocol (1.x and 2.x writes):
/// `measurement[,tag=value...] field=value[,field=value...] [timestamp]`.
///
/// Field `value` becomes the metric `measurement`; any other numeric field `f` becomes
/// `measurement.f`. Floats, integers (`42i`), unsigned integers (`42u`) and booleans (as 0/1)
/// are numbers; a string field rejects its line. Backslash escapes commas, spaces and equals
/// signs in measurements, tag keys, tag values and field keys. Lines starting with `#` and
/// empty lines are skipped. A line without a timestamp gets the arrival time.
public enum LineProtocol {
    /// Timestamp units of the `precision` parameter.
    public enum Precision: Sendable {
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

    /// Samples of the good lines, and the bad lines with their reasons.
    public struct Parsed: Sendable {
        public var samples: [Sample] = []
        public var errors: [LineError] = []
        /// Lines that held data (not blank, not comments).
        public var lines = 0
    }

    /// Parses a whole body; every sample is validated against `validator` at `now`.
    public static func parse(_ body: [UInt8], precision: Precision, validator: SampleValidator, now: Timestamp) -> Parsed {
        var parsed = Parsed()
        var lineNumber = 0
        var start = 0
        while start <= body.count {
            var end = start
            while end < body.count && body[end] != UInt8(ascii: "\n") { end += 1 }
            lineNumber += 1
            var line = body[start..<end]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            while let first = line.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { line = line.dropFirst() }
            if !line.isEmpty && line.first != UInt8(ascii: "#") {
                parsed.lines += 1
                do {
                    let samples = try parseLine(line, precision: precision)
                    for sample in samples { try validator.validate(sample, now: now) }
                    parsed.samples.append(contentsOf: samples)
                } catch {
                    parsed.errors.append(LineError(line: lineNumber, error: error))
                }
            }
            start = end + 1
        }
        return parsed
    }

    /// The samples of one line.
    static func parseLine(_ line: ArraySlice<UInt8>, precision: Precision) throws(ValidationError) -> [Sample] {
        var cursor = LineCursor(bytes: line)
        let measurement = try cursor.token(until: [UInt8(ascii: ","), UInt8(ascii: " ")], what: "measurement")
        guard !measurement.isEmpty else { throw ValidationError(.malformed, "missing measurement") }
        var tags = [Tag]()
        while cursor.peek == UInt8(ascii: ",") {
            cursor.advance()
            let key = try cursor.token(until: [UInt8(ascii: "=")], what: "tag key")
            guard cursor.peek == UInt8(ascii: "=") else { throw ValidationError(.invalidTag, "tag '\(key)' has no '='") }
            cursor.advance()
            let value = try cursor.token(until: [UInt8(ascii: ","), UInt8(ascii: " ")], what: "tag value")
            tags.append(Tag(key, value))
        }
        guard cursor.peek == UInt8(ascii: " ") else { throw ValidationError(.malformed, "missing fields after '\(measurement)'") }
        cursor.skipSpaces()
        var fields = [(String, Double)]()
        while true {
            let key = try cursor.token(until: [UInt8(ascii: "=")], what: "field key")
            guard !key.isEmpty, cursor.peek == UInt8(ascii: "=") else { throw ValidationError(.malformed, "field '\(key)' has no '='") }
            cursor.advance()
            fields.append((key, try cursor.fieldValue(key: key)))
            if cursor.peek == UInt8(ascii: ",") { cursor.advance(); continue }
            break
        }
        var timestamp: Timestamp?
        if cursor.peek == UInt8(ascii: " ") {
            cursor.skipSpaces()
            if !cursor.atEnd {
                let text = try cursor.token(until: [UInt8(ascii: " ")], what: "timestamp")
                guard let value = Int64(text) else { throw ValidationError(.malformed, "timestamp '\(text)' is not an integer") }
                let (nanoseconds, overflow) = value.multipliedReportingOverflow(by: precision.nanoseconds)
                guard !overflow else { throw ValidationError(.timestampInFuture, "timestamp \(text) is outside the supported range") }
                timestamp = Timestamp(nanoseconds: nanoseconds)
                cursor.skipSpaces()
            }
        }
        guard cursor.atEnd else { throw ValidationError(.malformed, "unexpected text after the timestamp") }
        return fields.map { key, value in
            Sample(name: key == "value" ? measurement : "\(measurement).\(key)", value: value, timestamp: timestamp, tags: tags)
        }
    }
}

/// Reads one line protocol line, honouring backslash escapes.
struct LineCursor {
    let bytes: ArraySlice<UInt8>
    var position: Int

    init(bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        position = bytes.startIndex
    }

    var atEnd: Bool { position >= bytes.endIndex }
    var peek: UInt8? { atEnd ? nil : bytes[position] }
    mutating func advance() { position += 1 }
    mutating func skipSpaces() { while peek == UInt8(ascii: " ") { advance() } }

    /// Text up to an unescaped byte of `stops` (or the end), with escapes removed.
    mutating func token(until stops: [UInt8], what: String) throws(ValidationError) -> String {
        var out = [UInt8]()
        while let byte = peek, !stops.contains(byte) {
            if byte == UInt8(ascii: "\\"), position + 1 < bytes.endIndex {
                let next = bytes[position + 1]
                if next == UInt8(ascii: ",") || next == UInt8(ascii: " ") || next == UInt8(ascii: "=") || next == UInt8(ascii: "\\") || next == UInt8(ascii: "\"") {
                    out.append(next)
                    position += 2
                    continue
                }
            }
            out.append(byte)
            advance()
        }
        guard let text = String(validating: out, as: UTF8.self) else { throw ValidationError(.malformed, "\(what) is not valid UTF-8") }
        return text
    }

    /// A field value: float, `42i`, `42u`, boolean (0/1); a string field is an error.
    mutating func fieldValue(key: String) throws(ValidationError) -> Double {
        guard let first = peek else { throw ValidationError(.malformed, "field '\(key)' has no value") }
        if first == UInt8(ascii: "\"") {
            throw ValidationError(.malformed, "field '\(key)' is a string; only numeric and boolean fields are stored")
        }
        let start = position
        while let byte = peek, byte != UInt8(ascii: ","), byte != UInt8(ascii: " ") { advance() }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        switch text {
        case "t", "T", "true", "True", "TRUE": return 1
        case "f", "F", "false", "False", "FALSE": return 0
        default: break
        }
        if let last = text.last, last == "i" || last == "u" {
            guard let integer = Int64(text.dropLast()), last == "i" || integer >= 0 else {
                throw ValidationError(.malformed, "field '\(key)' = '\(text)' is not a valid integer")
            }
            return Double(integer)
        }
        guard let value = Double(text), !text.contains(where: { $0.isLetter && $0 != "e" && $0 != "E" }) else {
            throw ValidationError(.malformed, "field '\(key)' = '\(text)' is not a number")
        }
        guard value.isFinite else { throw ValidationError(.nonFiniteValue, "field '\(key)' = '\(text)' is not finite") }
        return value
    }
}
