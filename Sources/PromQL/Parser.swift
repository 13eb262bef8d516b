/// Why a PromQL text is not answered: Prometheus' `bad_data`, naming what is wrong or unsupported.
public struct PromQLError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Parses the PromQL subset (docs/prometheus.md): selectors with `=`, `!=`, `=~`, `!~`; the
/// `*_over_time` functions, `rate` and `increase` over range selectors; `sum`, `avg`, `min`,
/// `max`, `count` with `by`/`without`; number literals; arithmetic where one side is a scalar.
/// Anything else is refused with an error that names it.
public struct Parser {
    private let bytes: [UInt8]
    private var position = 0
    /// The longest range or step taken (10 years), so that nanosecond arithmetic never overflows.
    public static let durationMaxMilliseconds: Int64 = 315_360_000_000

    public static func parse(_ text: String) throws(PromQLError) -> Expression {
        var parser = Parser(bytes: Array(text.utf8))
        let expression = try parser.expression(precedence: 0)
        parser.skipSpace()
        guard parser.position == parser.bytes.count else { throw parser.unexpected("the end of the query") }
        try parser.check(expression)
        return expression
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Refuses what parses but is outside the subset: vector-vector arithmetic.
    private func check(_ expression: Expression) throws(PromQLError) {
        switch expression {
        case .binary(_, let left, let right):
            guard left.isScalar || right.isScalar else {
                throw PromQLError("arithmetic between two vectors is not supported; one side must be a number")
            }
            try check(left)
            try check(right)
        case .aggregate(_, _, let inner), .negate(let inner):
            try check(inner)
        default:
            break
        }
    }

    // MARK: Expressions

    private mutating func expression(precedence minimum: Int) throws(PromQLError) -> Expression {
        var left = try unary()
        while true {
            skipSpace()
            guard let op = try peekOperator(), op.precedence >= minimum else { return left }
            position += 1
            // `^` is right-associative; the others left-associative.
            let right = try expression(precedence: op == .power ? op.precedence : op.precedence + 1)
            left = .binary(op, left, right)
        }
    }

    private mutating func peekOperator() throws(PromQLError) -> BinaryOperator? {
        guard position < bytes.count else { return nil }
        let byte = bytes[position]
        if byte == UInt8(ascii: "=") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "<")
            || (byte == UInt8(ascii: "!") && position + 1 < bytes.count && bytes[position + 1] == UInt8(ascii: "=")) {
            throw PromQLError("comparison operators are not supported (at character \(position + 1))")
        }
        return BinaryOperator(rawValue: String(UnicodeScalar(byte)))
    }

    private mutating func unary() throws(PromQLError) -> Expression {
        skipSpace()
        if eat("-") {
            let inner = try unary()
            if case .number(let value) = inner { return .number(-value) }
            return .negate(inner)
        }
        if eat("+") { return try unary() }
        return try primary()
    }

    private mutating func primary() throws(PromQLError) -> Expression {
        skipSpace()
        guard position < bytes.count else { throw unexpected("an expression") }
        let byte = bytes[position]
        if byte == UInt8(ascii: "(") {
            position += 1
            let inner = try expression(precedence: 0)
            try expect(")")
            return inner
        }
        if Self.isDigit(byte) || byte == UInt8(ascii: ".") { return .number(try number()) }
        if byte == UInt8(ascii: "{") { return try selectorTail(name: nil) }
        guard Self.isNameStart(byte) else { throw unexpected("an expression") }
        let word = identifier()
        let lower = word.lowercased()
        if lower == "inf" { return .number(.infinity) }
        if lower == "nan" { return .number(.nan) }
        if let aggregation = Aggregation(rawValue: word) { return try aggregate(aggregation) }
        if ["topk", "bottomk", "quantile", "stddev", "stdvar", "count_values", "group"].contains(word) {
            throw PromQLError("aggregation '\(word)' is not supported; Windrow answers " + Aggregation.allCases.map(\.rawValue).joined(separator: ", "))
        }
        skipSpace()
        if peek("(") {
            guard let function = RangeFunction(rawValue: word) else {
                throw PromQLError("function '\(word)' is not supported; Windrow answers "
                                  + RangeFunction.allCases.map(\.rawValue).joined(separator: ", ") + " and the aggregations "
                                  + Aggregation.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return try call(function)
        }
        if ["by", "without", "offset", "bool", "on", "ignoring", "group_left", "group_right", "and", "or", "unless"].contains(word) {
            throw PromQLError("'\(word)' is not supported here (at character \(position - word.utf8.count + 1))")
        }
        return try selectorTail(name: word)
    }

    private mutating func aggregate(_ aggregation: Aggregation) throws(PromQLError) -> Expression {
        var grouping = try groupingClause()
        try expect("(")
        let inner = try expression(precedence: 0)
        skipSpace()
        if eat(",") { throw PromQLError("aggregation '\(aggregation.rawValue)' takes one argument") }
        try expect(")")
        if let after = try groupingClause() {
            guard grouping == nil else { throw PromQLError("'\(aggregation.rawValue)' has two grouping clauses") }
            grouping = after
        }
        return .aggregate(aggregation, grouping: grouping ?? .by([]), inner)
    }

    private mutating func groupingClause() throws(PromQLError) -> Grouping? {
        skipSpace()
        let start = position
        guard position < bytes.count, Self.isNameStart(bytes[position]) else { return nil }
        let word = identifier()
        guard word == "by" || word == "without" else {
            position = start
            return nil
        }
        try expect("(")
        var labels = [String]()
        skipSpace()
        if !eat(")") {
            repeat {
                skipSpace()
                guard position < bytes.count, Self.isNameStart(bytes[position]) else { throw unexpected("a label name") }
                labels.append(identifier())
                skipSpace()
            } while eat(",")
            try expect(")")
        }
        return word == "by" ? .by(labels) : .without(labels)
    }

    private mutating func call(_ function: RangeFunction) throws(PromQLError) -> Expression {
        try expect("(")
        var parameter: Double?
        if function == .quantileOverTime {
            skipSpace()
            let quantile = try expression(precedence: 0)
            guard case .number(let value) = quantile else { throw PromQLError("quantile_over_time takes a number as its quantile") }
            guard (0...1).contains(value) else { throw PromQLError("quantile_over_time's quantile \(value) is outside 0 to 1") }
            parameter = value
            try expect(",")
        }
        skipSpace()
        let selector: Selector
        if peek("{") {
            guard case .selector(let found) = try selectorTail(name: nil, inRange: true) else { throw unexpected("a selector") }
            selector = found
        } else {
            guard position < bytes.count, Self.isNameStart(bytes[position]) else {
                throw PromQLError("\(function.rawValue) takes a range selector such as name[5m]; only selectors are supported inside it")
            }
            guard case .selector(let found) = try selectorTail(name: identifier(), inRange: true) else { throw unexpected("a selector") }
            selector = found
        }
        skipSpace()
        guard eat("[") else { throw PromQLError("\(function.rawValue) needs a range selector such as name[5m]") }
        skipSpace()
        let range = try duration()
        skipSpace()
        if eat(":") { throw PromQLError("subqueries are not supported") }
        try expect("]")
        skipSpace()
        if peekWord("offset") { throw PromQLError("'offset' is not supported") }
        if eat("@") { throw PromQLError("the '@' modifier is not supported") }
        try expect(")")
        return .range(function, selector, rangeMilliseconds: range, parameter: parameter)
    }

    /// A selector: its name (or none) then optional `{matchers}`.
    private mutating func selectorTail(name: String?, inRange: Bool = false) throws(PromQLError) -> Expression {
        var matchers = name.map { [Matcher("__name__", .equal, $0)] } ?? []
        skipSpace()
        if eat("{") {
            skipSpace()
            while !eat("}") {
                guard position < bytes.count, Self.isNameStart(bytes[position]) else { throw unexpected("a label name") }
                let label = identifier()
                skipSpace()
                let op: Matcher.Op
                if eat("=~") { op = .matches } else if eat("!~") { op = .notMatches } else if eat("!=") { op = .notEqual }
                else if eat("=") { op = .equal } else { throw unexpected("=, !=, =~ or !~") }
                skipSpace()
                matchers.append(Matcher(label, op, try string()))
                skipSpace()
                if !eat(",") {
                    try expect("}")
                    break
                }
                skipSpace()
            }
        }
        guard matchers.contains(where: { $0.label == "__name__" }) else {
            throw PromQLError("a selector needs a metric name (or a __name__ matcher)")
        }
        skipSpace()
        if inRange { return .selector(Selector(matchers: matchers)) }
        if peek("[") { throw PromQLError("a range selector is only supported inside a function such as rate(x[5m]) or avg_over_time(x[5m])") }
        if peekWord("offset") { throw PromQLError("'offset' is not supported") }
        if peek("@") { throw PromQLError("the '@' modifier is not supported") }
        return .selector(Selector(matchers: matchers))
    }

    // MARK: Tokens

    private mutating func identifier() -> String {
        let start = position
        // Windrow's names may hold dots (`demo.metric`), which are no PromQL operator.
        while position < bytes.count, Self.isNameStart(bytes[position]) || Self.isDigit(bytes[position]) || bytes[position] == UInt8(ascii: ".") {
            position += 1
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func number() throws(PromQLError) -> Double {
        let start = position
        while position < bytes.count, Self.isDigit(bytes[position]) || bytes[position] == UInt8(ascii: ".")
                || bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E")
                || ((bytes[position] == UInt8(ascii: "-") || bytes[position] == UInt8(ascii: "+"))
                    && (bytes[position - 1] == UInt8(ascii: "e") || bytes[position - 1] == UInt8(ascii: "E"))) {
            position += 1
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        guard let value = Double(text) else { throw PromQLError("'\(text)' is not a number") }
        return value
    }

    /// `"..."`, `'...'` (with backslash escapes) or a backquoted raw string.
    private mutating func string() throws(PromQLError) -> String {
        guard position < bytes.count, let quote = [UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "`")].first(where: { $0 == bytes[position] }) else {
            throw unexpected("a quoted string")
        }
        position += 1
        var out = [UInt8]()
        while position < bytes.count, bytes[position] != quote {
            var byte = bytes[position]
            if byte == UInt8(ascii: "\\"), quote != UInt8(ascii: "`"), position + 1 < bytes.count {
                position += 1
                byte = bytes[position]
                switch byte {
                case UInt8(ascii: "n"): byte = 0x0a
                case UInt8(ascii: "t"): byte = 0x09
                case UInt8(ascii: "r"): byte = 0x0d
                default: break
                }
            }
            out.append(byte)
            position += 1
        }
        guard position < bytes.count else { throw PromQLError("a string is not closed") }
        position += 1
        return String(decoding: out, as: UTF8.self)
    }

    /// A duration such as `5m`, `1h30m`, `90s`, `500ms`, `2d`, `1w`, `1y`: milliseconds.
    private mutating func duration() throws(PromQLError) -> Int64 {
        var total: Int64 = 0
        var any = false
        while position < bytes.count, Self.isDigit(bytes[position]) {
            let start = position
            while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
            guard let count = Int64(String(decoding: bytes[start..<position], as: UTF8.self)), count <= Self.durationMaxMilliseconds else {
                throw PromQLError("a duration longer than 10 years is not supported")
            }
            let unitStart = position
            while position < bytes.count, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[position]) { position += 1 }
            let unit = String(decoding: bytes[unitStart..<position], as: UTF8.self)
            let milliseconds: Int64
            switch unit {
            case "ms": milliseconds = 1
            case "s": milliseconds = 1000
            case "m": milliseconds = 60_000
            case "h": milliseconds = 3_600_000
            case "d": milliseconds = 86_400_000
            case "w": milliseconds = 604_800_000
            case "y": milliseconds = 31_536_000_000
            default: throw PromQLError("'\(unit)' is not a duration unit (ms, s, m, h, d, w, y)")
            }
            total += count * milliseconds
            any = true
        }
        guard any, total > 0 else { throw unexpected("a duration such as 5m") }
        guard total <= Self.durationMaxMilliseconds else { throw PromQLError("a duration longer than 10 years is not supported") }
        return total
    }

    private mutating func skipSpace() {
        while position < bytes.count, [0x20, 0x09, 0x0a, 0x0d].contains(bytes[position]) { position += 1 }
    }

    private func peek(_ text: String) -> Bool {
        let token = Array(text.utf8)
        return position + token.count <= bytes.count && Array(bytes[position..<position + token.count]) == token
    }

    private func peekWord(_ word: String) -> Bool {
        let token = Array(word.utf8)
        guard peek(word) else { return false }
        let after = position + token.count
        return after == bytes.count || !(Self.isNameStart(bytes[after]) || Self.isDigit(bytes[after]))
    }

    private mutating func eat(_ text: String) -> Bool {
        guard peek(text) else { return false }
        position += text.utf8.count
        return true
    }

    private mutating func expect(_ text: String) throws(PromQLError) {
        skipSpace()
        guard eat(text) else { throw unexpected("'\(text)'") }
    }

    private func unexpected(_ wanted: String) -> PromQLError {
        guard position < bytes.count else { return PromQLError("unexpected end of the query; want \(wanted)") }
        let found = String(decoding: bytes[position..<min(bytes.count, position + 12)], as: UTF8.self)
        return PromQLError("unexpected '\(found)' at character \(position + 1); want \(wanted)")
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private static func isNameStart(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
    }
}
