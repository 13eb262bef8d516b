import Model

extension LineProtocol {
    /// The samples of one line and the string fields it skipped: the reference parser, which
    /// handles the whole grammar and names what is wrong. `LineReader` takes the common lines
    /// faster and hands it the rest.
    static func parseLine(_ line: ArraySlice<UInt8>, precision: Precision) throws(ValidationError) -> (samples: [Sample], stringsSkipped: Int) {
        var cursor = LineCursor(bytes: line)
        let (measurement, tags) = try parsePrefix(&cursor)
        guard cursor.peek == UInt8(ascii: " ") else { throw ValidationError(.malformed, "missing fields after '\(measurement)'") }
        cursor.skipSpaces()
        var fields = [(String, Double)]()
        var stringsSkipped = 0
        while true {
            let key = try cursor.token(until: [UInt8(ascii: "=")], what: "field key")
            guard !key.isEmpty, cursor.peek == UInt8(ascii: "=") else { throw ValidationError(.malformed, "field '\(key)' has no '='") }
            cursor.advance()
            if let value = try cursor.fieldValue(key: key) { fields.append((key, value)) } else { stringsSkipped += 1 }
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
        let samples = fields.map { key, value in
            Sample(name: key == "value" ? measurement : "\(measurement).\(key)", value: value, timestamp: timestamp, tags: tags)
        }
        return (samples, stringsSkipped)
    }

    /// The measurement and tags at the start of a line, up to the space before the fields.
    static func parsePrefix(_ cursor: inout LineCursor) throws(ValidationError) -> (measurement: String, tags: [Tag]) {
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
        return (measurement, tags)
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
        // ASCII (the common case) is valid UTF-8 as it stands; anything else is checked.
        if out.allSatisfy({ $0 < 0x80 }) { return String(decoding: out, as: UTF8.self) }
        guard let text = String(validating: out, as: UTF8.self) else { throw ValidationError(.malformed, "\(what) is not valid UTF-8") }
        return text
    }

    /// A field value: float, `42i`, `42u`, boolean (0/1); `nil` for a string field, which is
    /// read past (with its `\"` and `\\` escapes) and not stored.
    mutating func fieldValue(key: String) throws(ValidationError) -> Double? {
        guard let first = peek else { throw ValidationError(.malformed, "field '\(key)' has no value") }
        if first == UInt8(ascii: "\"") {
            advance()
            while let byte = peek, byte != UInt8(ascii: "\"") {
                advance()
                if byte == UInt8(ascii: "\\"), peek != nil { advance() }
            }
            guard peek != nil else { throw ValidationError(.malformed, "string field '\(key)' has no closing quote") }
            advance()
            return nil
        }
        let start = position
        while let byte = peek, byte != UInt8(ascii: ","), byte != UInt8(ascii: " ") { advance() }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if let boolean = FastNumber.boolean(text) { return boolean }
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
