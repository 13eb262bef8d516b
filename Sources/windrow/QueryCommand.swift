import ArgumentParser
import Foundation
import Runtime
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "query", abstract: "Query a metric through the front node's HTTP API and print a table.")

    @Option(help: "Front node URL.") var url = Env.string("URL", "http://127.0.0.1:8080")
    @Argument(help: "Metric name.") var name: String
    @Option(help: "Start (RFC 3339 or epoch ms); default one hour ago.") var from: String?
    @Option(help: "End (RFC 3339 or epoch ms); default now.") var to: String?
    @Option(help: "Bucket length (1m, 15m, 1h, 1d).") var step = "1m"
    @Option(help: "Stats, comma-separated.") var stats = "avg,min,max,count"
    @Option(help: "Tag filter key:value,...") var tags: String?
    @Option(help: "Group by these tag keys.") var groupBy: String?
    @Option(help: "none, null or zero.") var fill = "none"

    func run() async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var components = URLComponents(string: url + "/v1/query")!
        components.queryItems = [
            URLQueryItem(name: "name", value: name), URLQueryItem(name: "from", value: from ?? String(now - 3_600_000)),
            URLQueryItem(name: "to", value: to ?? String(now)), URLQueryItem(name: "step", value: step),
            URLQueryItem(name: "stats", value: stats), URLQueryItem(name: "fill", value: fill),
        ] + (tags.map { [URLQueryItem(name: "tags", value: $0)] } ?? []) + (groupBy.map { [URLQueryItem(name: "group_by", value: $0)] } ?? [])
        let (data, response) = try await URLSession.shared.data(from: components.url!)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            throw ValidationError("query failed: \(String(decoding: data, as: UTF8.self))")
        }
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any], let series = root["series"] as? [[String: Any]] else {
            throw ValidationError("unexpected answer: \(String(decoding: data, as: UTF8.self))")
        }
        let columns = stats.split(separator: ",").map(String.init)
        for entry in series {
            let tagText = (entry["tags"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            print("\(name){\(tagText)}")
            print(([("time", 24)] + columns.map { ($0, 14) }).map { $0.0.padding(toLength: $0.1, withPad: " ", startingAt: 0) }.joined(separator: " "))
            let times = entry["timestamps"] as? [Int64] ?? (entry["timestamps"] as? [Int])?.map(Int64.init) ?? []
            for (row, time) in times.enumerated() {
                let date = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(time) / 1000))
                let cells = columns.map { column -> String in
                    let values = entry[column] as? [Any] ?? []
                    let cell = row < values.count ? "\(values[row])" : ""
                    return (cell == "<null>" ? "-" : cell).padding(toLength: 14, withPad: " ", startingAt: 0)
                }
                print(date.padding(toLength: 24, withPad: " ", startingAt: 0) + " " + cells.joined(separator: " "))
            }
        }
    }
}
