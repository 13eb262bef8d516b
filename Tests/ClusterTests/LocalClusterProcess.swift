import Foundation
import TestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real `windrow local` process tree on loopback, for end-to-end tests.
final class LocalClusterProcess: @unchecked Sendable {
    static let binary: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/windrow").path
    }()

    let dataDirectory: String
    let httpPort: Int
    let arguments: [String]
    /// Added to the test's environment (children inherit it).
    let environment: [String: String]
    private(set) var process: Process?
    var base: String { "http://127.0.0.1:\(httpPort)" }

    init(dataDirectory: String, mappers: Int, reducers: Int, extra: [String] = [], environment: [String: String] = [:]) {
        self.dataDirectory = dataDirectory
        self.environment = environment
        httpPort = Self.freePort()
        arguments = ["local", "--data-dir", dataDirectory, "--http-port", String(httpPort), "--ingest-port", "0",
                     "--mappers", String(mappers), "--reducers", String(reducers), "--statsd-port", "0", "--log-level", "warning"] + extra
    }

    static func freePort() -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                _ = bind(descriptor, raw, length)
                _ = getsockname(descriptor, raw, &length)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Starts the cluster and waits until `/readyz` answers 200.
    func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline {
            if let (status, _) = try? await get("/readyz"), status == 200 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw ClusterTestError("cluster at \(base) did not become ready")
    }

    /// SIGTERM, then waits for every child to flush and exit.
    func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }

    func get(_ path: String) async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: base + path)!)
        request.timeoutInterval = 30
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, data)
    }

    func post(_ path: String, body: Data) async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = "POST"
        request.httpBody = body
        request.timeoutInterval = 60
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, data)
    }

    func json(_ path: String) async throws -> [String: Any] {
        let (status, data) = try await get(path)
        guard status == 200, let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ClusterTestError("GET \(path) answered \(status): \(String(decoding: data, as: UTF8.self))")
        }
        return object
    }

    /// A figure (a sample line's name and labels) summed over every reducer's `/metrics`, found
    /// by the ports `windrow local` recorded.
    func reducerFigure(_ sample: String) async throws -> Double {
        let ports = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dataDirectory + "/local-ports.json"))) as? [String: Int] ?? [:]
        var total = 0.0
        for (role, port) in ports where role.hasPrefix("reducer-") && role.hasSuffix("-http") {
            let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix(sample + " ") {
                total += Double(line.split(separator: " ").last ?? "") ?? 0
            }
        }
        return total
    }

    /// The mappers' acknowledged endpoints, from `/v1/cluster`.
    func ackedEndpoints() async throws -> [String] {
        let cluster = try await json("/v1/cluster")
        let nodes = cluster["nodes"] as? [[String: Any]] ?? []
        return nodes.filter { ($0["role"] as? String) == "mapper" }.compactMap { ($0["endpoints"] as? [String: String])?["acked"] }.sorted()
    }

    /// The watermark in epoch milliseconds, from `/v1/cluster`.
    func watermark() async throws -> Int64? {
        (try await json("/v1/cluster")["watermark"] as? NSNumber)?.int64Value
    }
}

struct ClusterTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
