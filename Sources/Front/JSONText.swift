/// Builds JSON text directly (the query answer is the front's hottest output).
struct JSONText {
    private(set) var text = ""

    init(capacity: Int = 1024) {
        text.reserveCapacity(capacity)
    }

    mutating func raw(_ fragment: String) { text += fragment }

    mutating func string(_ value: String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }

    /// A number; `±infinity` (a sum or variance that overflowed) as `1e999`/`-1e999`, which
    /// JSON parsers (JavaScript's, Python's) read back as infinity; NaN and `nil` as `null`.
    mutating func number(_ value: Double?) {
        guard let value, !value.isNaN else { text += "null"; return }
        guard value.isFinite else { text += value > 0 ? "1e999" : "-1e999"; return }
        if value == value.rounded(), abs(value) < 1e15 {
            text += String(Int64(value))
        } else {
            text += "\(value)"
        }
    }

    mutating func integer(_ value: Int64) { text += String(value) }
}
