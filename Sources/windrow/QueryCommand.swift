import ArgumentParser
import Foundation
import Model
import Runtime
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `windrow query`: one query through the front node's HTTP API, printed as a table, CSV or JSON.
struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Query a metric (or a glob of metrics) through the front node's HTTP API.",
        discussion: """
            Numbers are printed in their shortest form that reads back exactly, never cut; --precision rounds them \
            to that many significant digits instead. In a table, a '*' marks buckets that are still open (they may \
            grow as samples arrive).
            """)

    /// How the answer is printed.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json, csv
    }

    @Option(help: "Front node URL (WINDROW_URL).") var url = Env.string("URL", "http://127.0.0.1:8080")
    @Argument(help: "Metric name, or a glob over names with * and ? (demo.metric.*).") var name: String
    // `.unconditional`: `--from -1h` is a value, not a flag.
    @Option(parsing: .unconditional, help: "Start: RFC 3339, a date (2026-01-01), epoch milliseconds, now, now-1h or -1h.") var from = "now-1h"
    @Option(parsing: .unconditional, help: "End (exclusive), in the same forms.") var to = "now"
    @Option(help: "Bucket length, a multiple of the base window (1m, 15m, 1h, 1d).") var step = "1m"
    @Option(help: "Stats, comma-separated: avg,min,max,sum,count,stddev,first,last,p50,p90,p95,p99,rate.") var stats = "avg,min,max,count"
    @Option(help: "Tag filter key:value,...") var tags: String?
    @Option(help: "Group by these tag keys (comma-separated).") var groupBy: String?
    @Option(help: "none (only buckets with samples), null or zero (every bucket).") var fill = "none"
    @Option(help: "Output: table, json or csv.") var format = Format.table
    @Option(help: "Round numbers to this many significant digits (default: shortest exact form).") var precision: Int?
    @Option(help: "Read-scope token (WINDROW_TOKEN), when the front requires tokens.") var token = Env.string("TOKEN", "")
    @Option(help: "Seconds to wait for the answer.") var timeoutSeconds: Double = 30

    func run() async throws {
        if let precision, !(1...17).contains(precision) { throw CommandError("--precision must be 1 to 17 significant digits, not \(precision)") }
        guard var components = URLComponents(string: url + "/v1/query"), components.host != nil else {
            throw CommandError("--url '\(url)' is not a URL like http://127.0.0.1:8080")
        }
        components.queryItems = [
            URLQueryItem(name: "name", value: name), URLQueryItem(name: "from", value: from), URLQueryItem(name: "to", value: to),
            URLQueryItem(name: "step", value: step), URLQueryItem(name: "stats", value: stats), URLQueryItem(name: "fill", value: fill),
        ] + (tags.map { [URLQueryItem(name: "tags", value: $0)] } ?? []) + (groupBy.map { [URLQueryItem(name: "group_by", value: $0)] } ?? [])
        // `+` means a space in a query string: `now+1h` must reach the server as it was typed.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        let (body, status) = try await FrontRequest.send(URLRequest(url: components.url!), token: token, timeoutSeconds: timeoutSeconds)
        guard status == 200 else { throw CommandError("the front node answered \(status): \(FrontRequest.errorMessage(body))") }
        let answer: QueryAnswerText
        do {
            answer = try QueryAnswerText(json: body)
        } catch {
            throw CommandError("the front node's answer is not a query answer: \(error)")
        }
        let printer = QueryPrinter(answer: answer, stats: stats.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }, precision: precision)
        switch format {
        case .json:
            print(String(decoding: body, as: UTF8.self))
        case .csv:
            print(printer.csv(), terminator: "")
        case .table:
            print(printer.table(), terminator: "")
        }
        if answer.isEmpty {
            let line = "no data: \(name) has no samples from \(printer.time(answer.from)) to \(printer.time(answer.to))\(tags.map { " with tags \($0)" } ?? "")"
            if format == .table { print(line) } else { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
    }
}
