import ArgumentParser
import Foundation
import Runtime
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

struct ScaleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Grow or shrink a running cluster's reducers by live handover, and wait until it is done.")

    @Option(help: "Front node URL.") var url = Env.string("URL", "http://127.0.0.1:8080")
    @Option(help: "Reducers wanted.") var reducers: Int
    @Option(help: "Admin token (WINDROW_TOKEN), when the front requires tokens.") var token = Env.string("TOKEN", "")
    @Option(help: "Give up waiting after this many seconds (0: do not wait).") var waitSeconds = 300

    func run() async throws {
        guard reducers >= 1 else { throw CommandError("--reducers must be at least 1") }
        guard let endpoint = URL(string: url + "/v1/cluster/reducers") else { throw CommandError("--url '\(url)' is not a URL") }
        var request = URLRequest(url: endpoint)
        request.httpMethod = "POST"
        request.httpBody = Data("{\"count\":\(reducers)}".utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let (data, status) = try await FrontRequest.send(request, token: token)
        guard status == 202 else { throw CommandError("scale refused (\(status)): \(FrontRequest.errorMessage(data))") }
        print("asked for \(reducers) reducers")
        guard waitSeconds > 0 else { return }
        let deadline = Date().addingTimeInterval(Double(waitSeconds))
        var said = ""
        while Date() < deadline {
            try await Task.sleep(for: .milliseconds(500))
            var poll = URLRequest(url: URL(string: url + "/v1/cluster")!)
            if !token.isEmpty { poll.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
            guard let (body, _) = try? await URLSession.shared.data(for: poll),
                  let root = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { continue }
            let inMap = (root["reducers"] as? [Any])?.compactMap { $0 as? String } ?? []
            let draining = root["draining"] as? [String] ?? []
            let handover = root["handover"] as? [String: Any]
            let line = handover.map { "handover \($0["id"] ?? "?") \($0["phase"] ?? "?"): \($0["reason"] ?? ""); waits for \(($0["waitsFor"] as? [String] ?? []).joined(separator: ", "))" }
                ?? "reducers: \(inMap.joined(separator: ", "))"
            if line != said {
                print(line)
                said = line
            }
            if handover == nil && inMap.count == reducers && draining.allSatisfy({ !inMap.contains($0) }) {
                print("done: \(inMap.count) reducers own the partitions")
                return
            }
        }
        throw CommandError("not done after \(waitSeconds) s; GET \(url)/v1/cluster shows what the handover waits for")
    }
}
