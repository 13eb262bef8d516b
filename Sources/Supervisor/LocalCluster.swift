import Auth
import Foundation

/// The layout of a one-machine cluster: which child runs with which ports and directories.
public struct LocalCluster: Sendable {
    public var dataDirectory: String
    public var httpPort: Int
    public var ingestPort: Int
    /// UDP port of the front's statsd listener (0: none).
    public var statsdPort = 0
    /// Where the front finds the page's charting library (`nil`: the front's default).
    public var dygraphsDirectory: String?
    /// TCP port of the front's OTLP/HTTP server (0: none).
    public var otlpPort = 0
    /// Tokens file for the front and the mappers (empty: no authentication).
    public var tokensFile = ""
    /// The token the front presents to the mappers when `tokensFile` is set: random per run,
    /// given to both through the environment.
    public var internalToken = (0..<4).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16) }.joined()
    public var mappers: Int
    public var reducers: Int
    public var window: String
    public var allowedLatenessMs: Int
    public var sealIntervalMs: Int
    /// Passed to every reducer as `--retention` (empty: keep everything).
    public var retention = ""
    public var flushIntervalMs: Int
    public var logLevel: String

    public init(dataDirectory: String, httpPort: Int, ingestPort: Int, mappers: Int, reducers: Int, window: String = "1m",
                allowedLatenessMs: Int = 30_000, sealIntervalMs: Int = 5000, flushIntervalMs: Int = 250, logLevel: String = "info") {
        self.dataDirectory = dataDirectory
        self.httpPort = httpPort
        self.ingestPort = ingestPort
        self.mappers = mappers
        self.reducers = reducers
        self.window = window
        self.allowedLatenessMs = allowedLatenessMs
        self.sealIntervalMs = sealIntervalMs
        self.flushIntervalMs = flushIntervalMs
        self.logLevel = logLevel
    }

    /// Ingest endpoints of mapper `index`: PULL on `ingestPort + 2·index`, acknowledged ROUTER
    /// on the next port (free ports when `ingestPort` is 0).
    func mapperPorts(_ index: Int, _ ports: inout PortBook) -> (ingest: Int, acked: Int) {
        ingestPort == 0
            ? (ports.port(for: "mapper-\(index)-ingest"), ports.port(for: "mapper-\(index)-acked"))
            : (ingestPort + 2 * index, ingestPort + 2 * index + 1)
    }

    /// The children, in start order: coordinator, reducers, mappers, front. Internal ports are
    /// chosen free once and kept in the data directory, so that a restarted cluster keeps its
    /// addresses.
    public func children() throws -> (specs: [ChildSpec], coordinator: String, mapperIngest: [String], mapperAcked: [String]) {
        var ports = PortBook(path: dataDirectory + "/local-ports.json")
        defer { ports.save() }
        func free(_ name: String) -> String { String(ports.port(for: name)) }
        let coordinatorPort = ports.port(for: "coordinator")
        let coordinator = "tcp://127.0.0.1:\(coordinatorPort)"
        let secret = ["--cluster-secret-file", try clusterSecretFile()]
        let common = ["--coordinator", coordinator, "--host", "127.0.0.1", "--log-level", logLevel] + secret
        let authenticated = !tokensFile.isEmpty
        var specs = [ChildSpec(name: "coordinator", arguments: [
            "coordinator", "--listen", "tcp://127.0.0.1:\(coordinatorPort)", "--data-dir", dataDirectory + "/coordinator",
            "--reducers", String(reducers), "--window", window, "--http-port", free("coordinator-http"),
            "--log-level", logLevel,
        ] + secret)]
        for index in 0..<reducers { specs.append(reducerSpec(index, ports: &ports, common: common)) }
        var ingest = [String]()
        var acked = [String]()
        for index in 0..<mappers {
            let mapperPorts = mapperPorts(index, &ports)
            ingest.append("tcp://127.0.0.1:\(mapperPorts.ingest)")
            acked.append("tcp://127.0.0.1:\(mapperPorts.acked)")
            specs.append(ChildSpec(name: "mapper-\(index)", arguments: ["mapper", "--id", "mapper-\(index)",
                "--data-dir", dataDirectory + "/mapper-\(index)",
                "--ingest", "tcp://0.0.0.0:\(mapperPorts.ingest)", "--acked", "tcp://0.0.0.0:\(mapperPorts.acked)",
                "--http-port", free("mapper-\(index)-http"), "--flush-interval-ms", String(flushIntervalMs), "--tokens-file", tokensFile] + common,
                environment: authenticated ? ["WINDROW_TOKENS": "\(internalToken)=write"] : [:]))
        }
        specs.append(ChildSpec(name: "front", arguments: ["front", "--host", "127.0.0.1", "--http-port", String(httpPort), "--statsd-port", String(statsdPort), "--otlp-port", String(otlpPort), "--tokens-file", tokensFile,
                                                          "--coordinator", coordinator, "--log-level", logLevel] + secret
                                                          + (dygraphsDirectory.map { ["--dygraphs-dir", $0] } ?? []),
                               environment: authenticated ? ["WINDROW_MAPPER_TOKEN": internalToken] : [:]))
        return (specs, coordinator, ingest, acked)
    }

    /// The child of reducer `index` (started with the cluster, or later by a scale request).
    public func reducer(_ index: Int) throws -> ChildSpec {
        var ports = PortBook(path: dataDirectory + "/local-ports.json")
        defer { ports.save() }
        let coordinator = "tcp://127.0.0.1:\(ports.port(for: "coordinator"))"
        let common = ["--coordinator", coordinator, "--host", "127.0.0.1", "--log-level", logLevel, "--cluster-secret-file", try clusterSecretFile()]
        return reducerSpec(index, ports: &ports, common: common)
    }

    func reducerSpec(_ index: Int, ports: inout PortBook, common: [String]) -> ChildSpec {
        func free(_ name: String) -> String { String(ports.port(for: name)) }
        return ChildSpec(name: "reducer-\(index)", arguments: ["reducer", "--id", "reducer-\(index)", "--ordinal", String(index),
            "--data-dir", dataDirectory + "/reducer-\(index)",
            "--partials", "tcp://127.0.0.1:\(free("reducer-\(index)-partials"))", "--query", "tcp://127.0.0.1:\(free("reducer-\(index)-query"))",
            "--http-port", free("reducer-\(index)-http"), "--allowed-lateness-ms", String(allowedLatenessMs),
            "--seal-interval-ms", String(sealIntervalMs)] + (retention.isEmpty ? [] : ["--retention", retention]) + common)
    }

    /// What a one-machine cluster's supervisor does about its reducer processes, given the
    /// coordinator's view: start the map's reducers that do not run, and new ones (by the next
    /// free index) up to the count asked for; stop the ones that drained and left the map.
    public static func reconcile(running: Set<String>, mapReducers: [String], draining: Set<String>, givingAway: Set<String>,
                                 desired: Int?) -> (start: [Int], stop: [String]) {
        func index(_ id: String) -> Int? { id.hasPrefix("reducer-") ? Int(id.dropFirst("reducer-".count)) : nil }
        var start = mapReducers.filter { !running.contains($0) }.compactMap(index)
        let stop = running.filter { draining.contains($0) && !mapReducers.contains($0) && !givingAway.contains($0) }.sorted()
        let staying = running.union(mapReducers).subtracting(draining)
        if let desired, staying.count < desired {
            var next = (running.union(mapReducers).union(draining).compactMap(index).max() ?? -1) + 1
            for _ in staying.count..<desired {
                start.append(next)
                next += 1
            }
        }
        return (start.sorted(), stop)
    }

    /// `cluster-secret` in the data directory (only its owner may read it), made on first use
    /// and kept, so a restarted cluster keeps its secret.
    public func clusterSecretFile() throws -> String {
        let path = dataDirectory + "/cluster-secret"
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: path + ".tmp", contents: Data((ClusterSecret.generate() + "\n").utf8),
                                                 attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
            }
            try FileManager.default.moveItem(atPath: path + ".tmp", toPath: path)
        }
        return path
    }
}
