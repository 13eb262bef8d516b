/// Exact fast paths for the numbers of line protocol, straight from the request bytes. Each
/// returns `nil` for anything outside its common form (then the reference parser decides), and
/// otherwise exactly what the reference parser returns.
enum FastNumber {
    /// Powers of ten that a `Double` holds exactly.
    static let exactPowersOfTen: [Double] = (0...22).map { power in (0..<power).reduce(1.0) { value, _ in value * 10 } }

    /// A finite decimal `-?digits[.digits][e[+-]digits]`, exactly as `Double(text)` reads it.
    /// With at most 19 significant digits (mantissa ≤ 2^53) and a scale of at most 10^±22 it is
    /// one correctly rounded operation on two exact doubles (Clinger's fast path); longer
    /// numbers (17-digit shortest representations, say) go through `Double(String)`.
    @inline(__always)
    static func decimal(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var index = start
        let negative = index < end && bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        var mantissa: UInt64 = 0
        var significant = 0
        var exponent = 0
        var sawDigit = false
        var inFraction = false
        while index < end {
            let byte = bytes[index]
            let digit = byte &- UInt8(ascii: "0")
            if digit < 10 {
                if mantissa != 0 || digit != 0 { significant += 1 }
                if significant <= 19 {
                    mantissa = mantissa &* 10 &+ UInt64(digit)
                    if inFraction { exponent -= 1 }
                }
                sawDigit = true
            } else if byte == UInt8(ascii: "."), !inFraction {
                inFraction = true
            } else {
                break
            }
            index += 1
        }
        guard sawDigit else { return nil }
        if index < end, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if index < end, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            var written = 0
            let digitsStart = index
            while index < end, bytes[index] &- UInt8(ascii: "0") < 10 {
                written = min(written * 10 + Int(bytes[index] &- UInt8(ascii: "0")), 100_000)
                index += 1
            }
            guard index > digitsStart else { return nil }
            exponent += exponentNegative ? -written : written
        }
        guard index == end else { return nil }
        if significant <= 19, mantissa <= 1 << 53, exponent >= -22, exponent <= 22 {
            var value = Double(mantissa)
            if exponent < 0 { value /= exactPowersOfTen[-exponent] } else if exponent > 0 { value *= exactPowersOfTen[exponent] }
            return negative ? -value : value
        }
        guard let value = Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)), value.isFinite else { return nil }
        return value
    }

    /// `-?digits` that fits an `Int64` (as `Int64(text)` reads it, without a `+`).
    @inline(__always)
    static func integer(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        var index = start
        let negative = index < end && bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard index < end, end - index <= 19 else { return nil }
        var magnitude: UInt64 = 0
        while index < end {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            magnitude = magnitude &* 10 &+ UInt64(digit)
            index += 1
        }
        // 19 digits cannot wrap a UInt64; the sign decides the range.
        if negative { return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// A field value in its common forms: a decimal, `42i`, `42u`, or a boolean (0/1).
    @inline(__always)
    static func fieldValue(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        guard end > start else { return nil }
        switch bytes[end - 1] {
        case UInt8(ascii: "i"):
            return integer(bytes, start, end - 1).map(Double.init)
        case UInt8(ascii: "u"):
            guard bytes[start] != UInt8(ascii: "-") else { return nil }
            return integer(bytes, start, end - 1).map(Double.init)
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."):
            return decimal(bytes, start, end)
        default:
            return boolean(bytes, start, end)
        }
    }

    /// `t`, `true`, `f`, `false` in the spellings line protocol allows (`T`, `True`, `TRUE`, ...)
    /// as 1 and 0; `nil` for anything else. The one definition both line parsers use.
    static func boolean(_ text: String) -> Double? {
        switch text {
        case "t", "T", "true", "True", "TRUE": 1
        case "f", "F", "false", "False", "FALSE": 0
        default: nil
        }
    }

    static func boolean(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        boolean(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
    }
}
