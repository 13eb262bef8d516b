import Foundation

/// The part of InfluxDB 1.x's `/query` that clients and agents run before writing:
/// `CREATE DATABASE …` (and `CREATE RETENTION POLICY …`), which Windrow takes as no-ops since it
/// ignores databases, and `SHOW DATABASES`, which lists none. Any other statement is refused,
/// naming `GET /v1/query` instead. Answers are InfluxDB's JSON shapes.
enum InfluxQuery {
    /// The status and JSON body answering `text` (statements separated by `;`; a `+` left from
    /// form encoding counts as a space).
    static func answer(_ text: String) -> (status: Int, json: String) {
        let statements = text.split(separator: ";").map { $0.trimmingCharacters(in: CharacterSet.whitespacesAndNewlines.union(["+"])) }
            .filter { !$0.isEmpty }
        guard !statements.isEmpty else { return (400, #"{"error":"missing required parameter \"q\""}"#) }
        var results = [String]()
        for (index, statement) in statements.enumerated() {
            let words = statement.split { $0.isWhitespace || $0 == "+" }.prefix(2).map { $0.uppercased() }
            switch (words.first, words.dropFirst().first) {
            case ("CREATE", "DATABASE"), ("CREATE", "RETENTION"):
                results.append(#"{"statement_id":\#(index)}"#)
            case ("SHOW", "DATABASES"):
                results.append(#"{"statement_id":\#(index),"series":[{"name":"databases","columns":["name"],"values":[]}]}"#)
            default:
                var message = JSONText()
                message.string("'\(statement.prefix(80).replacingOccurrences(of: "+", with: " "))' is not supported: Windrow takes CREATE DATABASE and SHOW DATABASES here; query with GET /v1/query")
                return (400, #"{"error":\#(message.text)}"#)
            }
        }
        return (200, #"{"results":[\#(results.joined(separator: ","))]}"#)
    }
}
