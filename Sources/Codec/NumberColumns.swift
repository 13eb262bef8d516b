/// Number columns encoded for what metrics usually hold (docs/protocol.md, "Number columns"):
/// doubles with few decimal digits as scaled integers, and nanosecond offsets that are whole
/// milliseconds or seconds in that unit. Both are lossless: a value that does not round-trip
/// exactly is written as its raw bits.
public enum NumberColumns {
    /// Most decimal digits tried after the point.
    static let decimalsMax = 9
    static let powersOfTen: [Double] = (0...decimalsMax).map { exponent in (0..<exponent).reduce(1.0) { value, _ in value * 10 } }
    /// Integers up to this magnitude are exact in a double.
    static let exactIntegerMax = Double(1 << 53)

    /// The fewest decimals `value` has (`nil`: none up to `decimalsMax`, or too large).
    @inline(__always)
    static func decimals(of value: Double) -> Int? {
        for exponent in 0...decimalsMax {
            let scaled = (value * powersOfTen[exponent]).rounded()
            guard Swift.abs(scaled) < exactIntegerMax else { return nil }
            if (Double(Int64(scaled)) / powersOfTen[exponent]).bitPattern == value.bitPattern { return exponent }
        }
        return nil
    }
}

extension ByteWriter {
    /// Writes doubles: a byte with the decimals `d` of the column, then per value a varint of
    /// `zigzag(value × 10^d) << 1` when that integer gives the value back exactly, or `1`
    /// followed by the raw 8 bytes when it does not.
    public mutating func appendDecimalColumn(_ values: [Double]) {
        var decimals = 0
        for value in values {
            if let own = NumberColumns.decimals(of: value), own > decimals { decimals = own }
        }
        bytes.append(UInt8(decimals))
        let scale = NumberColumns.powersOfTen[decimals]
        for value in values {
            let scaled = (value * scale).rounded()
            if Swift.abs(scaled) < NumberColumns.exactIntegerMax, (Double(Int64(scaled)) / scale).bitPattern == value.bitPattern {
                let integer = Int64(scaled)
                appendVarint(UInt64(bitPattern: (integer << 1) ^ (integer >> 63)) << 1)
            } else {
                bytes.append(1)
                append(value)
            }
        }
    }

    /// Writes signed integers as zigzag varints in the largest unit of 10^k (k ≤ 9) that
    /// divides them all, with `k` in a leading byte: millisecond times cost two or three bytes.
    public mutating func appendScaledColumn(_ values: [Int64]) {
        var exponent = 9
        var unit: Int64 = 1_000_000_000
        for value in values where value != 0 {
            while exponent > 0 && value % unit != 0 {
                exponent -= 1
                unit /= 10
            }
        }
        bytes.append(UInt8(exponent))
        for value in values { appendZigzag(value / unit) }
    }
}

extension ByteReader {
    /// Reads `count` doubles written by `appendDecimalColumn`.
    public mutating func readDecimalColumn(count: Int, _ field: StaticString) throws(DecodeError) -> [Double] {
        let decimals = Int(try read(UInt8.self, field))
        guard decimals <= NumberColumns.decimalsMax else {
            throw .invalid("\(field)", "\(decimals) decimals; at most \(NumberColumns.decimalsMax)", in: subject)
        }
        try require(count, for: field)
        let scale = NumberColumns.powersOfTen[decimals]
        var values = [Double]()
        values.reserveCapacity(count)
        for _ in 0..<count {
            let word = try readVarint(field)
            if word == 1 {
                values.append(try readDouble(field))
            } else {
                guard word & 1 == 0 else { throw .invalid("\(field)", "marker \(word) is neither a scaled value nor 1", in: subject) }
                let zigzag = word >> 1
                let integer = Int64(bitPattern: (zigzag >> 1) ^ (0 &- (zigzag & 1)))
                values.append(Double(integer) / scale)
            }
        }
        return values
    }

    /// Reads `count` integers written by `appendScaledColumn`.
    public mutating func readScaledColumn(count: Int, _ field: StaticString) throws(DecodeError) -> [Int64] {
        let exponent = Int(try read(UInt8.self, field))
        guard exponent <= 9 else { throw .invalid("\(field)", "unit 10^\(exponent); at most 10^9", in: subject) }
        try require(count, for: field)
        let unit = (0..<exponent).reduce(Int64(1)) { value, _ in value * 10 }
        var values = [Int64]()
        values.reserveCapacity(count)
        for _ in 0..<count {
            let (value, overflow) = try readZigzag(field).multipliedReportingOverflow(by: unit)
            guard !overflow else { throw .invalid("\(field)", "value overflows 64 bits", in: subject) }
            values.append(value)
        }
        return values
    }
}
