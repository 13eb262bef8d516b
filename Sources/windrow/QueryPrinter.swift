import Foundation
import Model

/// A `GET /v1/query` answer as read back by `windrow query`.
struct QueryAnswerText {
    struct Series {
        var name: String
        var tags: [(key: String, value: String)]
        var timestamps: [Int64]
        /// Values by stat; `nil` for a bucket without samples.
        var columns: [String: [Double?]]
    }

    var from: Int64
    var to: Int64
    var openFrom: Int64?
    var quantileRelativeError: Double?
    var series: [Series]

    var isEmpty: Bool { series.allSatisfy { $0.timestamps.isEmpty } }

    /// Reads the answer with `JSONDecoder`, whose numbers read back exactly (Foundation's
    /// `JSONSerialization` rounds some of them on Linux).
    init(json: Data) throws {
        let wire = try JSONDecoder().decode(Wire.self, from: json)
        from = wire.from
        to = wire.to
        openFrom = wire.open_from
        quantileRelativeError = wire.quantile_relative_error
        series = wire.series.map { entry in
            Series(name: entry.name ?? wire.name, tags: entry.tags.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) },
                   timestamps: entry.timestamps, columns: entry.columns)
        }
    }

    /// The answer's JSON shape.
    private struct Wire: Decodable {
        var name: String
        var from: Int64
        var to: Int64
        var open_from: Int64?
        var quantile_relative_error: Double?
        var series: [SeriesWire]
    }

    /// One series: `name`, `tags`, `timestamps`, and a column per stat.
    private struct SeriesWire: Decodable {
        var name: String?
        var tags: [String: String] = [:]
        var timestamps: [Int64] = []
        var columns: [String: [Double?]] = [:]

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            for key in container.allKeys {
                switch key.stringValue {
                case "name": name = try container.decode(String.self, forKey: key)
                case "tags": tags = try container.decode([String: String].self, forKey: key)
                case "timestamps": timestamps = try container.decode([Int64].self, forKey: key)
                default: columns[key.stringValue] = try container.decode([Double?].self, forKey: key)
                }
            }
        }
    }
}

/// Prints an answer as an aligned table or as CSV. Numbers are never cut: each is printed in
/// the shortest form that reads back as the same Double, or rounded to `precision` significant
/// digits when asked.
struct QueryPrinter {
    let answer: QueryAnswerText
    let stats: [String]
    let precision: Int?

    /// One number as printed.
    func number(_ value: Double?) -> String {
        guard let value else { return "-" }
        if let precision { return String(format: "%.\(precision)g", value) }
        if value == value.rounded(), abs(value) < 1e16 { return String(Int64(value)) }
        return "\(value)"
    }

    /// Epoch milliseconds as RFC 3339 in UTC.
    func time(_ milliseconds: Int64) -> String {
        RFC3339.format(Timestamp(nanoseconds: milliseconds &* 1_000_000))
    }

    func isOpen(_ timestamp: Int64) -> Bool { answer.openFrom.map { timestamp >= $0 } ?? false }

    /// One block per series: its name and tags, then a row per bucket under aligned columns
    /// (numbers right-aligned); a closing note says what `*` and the quantiles' bound mean.
    func table() -> String {
        var text = ""
        var anyOpen = false
        for series in answer.series where !series.timestamps.isEmpty {
            let tags = series.tags.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            text += series.name + (tags.isEmpty ? "" : "{\(tags)}") + "\n"
            var rows = [["time"] + stats]
            for (index, timestamp) in series.timestamps.enumerated() {
                let open = isOpen(timestamp)
                anyOpen = anyOpen || open
                rows.append([time(timestamp) + (open ? " *" : "")] + stats.map { stat in
                    let values = series.columns[stat] ?? []
                    return number(index < values.count ? values[index] : nil)
                })
            }
            let widths = stats.indices.map { column in rows.map { $0[column + 1].count }.max() ?? 0 }
            let timeWidth = rows.map { $0[0].count }.max() ?? 0
            for row in rows {
                var line = row[0].padding(toLength: timeWidth, withPad: " ", startingAt: 0)
                for (column, cell) in row.dropFirst().enumerated() {
                    line += "  " + String(repeating: " ", count: widths[column] - cell.count) + cell
                }
                text += line + "\n"
            }
            text += "\n"
        }
        if anyOpen { text += "* open: the bucket may still grow as samples arrive\n" }
        if let bound = answer.quantileRelativeError, stats.contains(where: { $0.hasPrefix("p") }), !answer.isEmpty {
            text += "quantiles are within \(number(bound * 100)) % of the exact value\n"
        }
        return text
    }

    /// `name,tags,time,<stats>...,open`, one line per bucket; tags as `k=v;k=v`.
    func csv() -> String {
        var text = (["name", "tags", "time"] + stats + ["open"]).joined(separator: ",") + "\n"
        for series in answer.series {
            let tags = series.tags.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
            for (index, timestamp) in series.timestamps.enumerated() {
                let cells = [Self.quoted(series.name), Self.quoted(tags), time(timestamp)] + stats.map { stat in
                    let values = series.columns[stat] ?? []
                    return index < values.count ? values[index].map { number($0) } ?? "" : ""
                } + [isOpen(timestamp) ? "true" : "false"]
                text += cells.joined(separator: ",") + "\n"
            }
        }
        return text
    }

    /// A CSV field, quoted when it holds a comma, a quote or a line break.
    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
