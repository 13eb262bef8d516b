import ArgumentParser
import Auth
import Foundation
import Logging
import Runtime

/// Flags every role shares. Each reads its default from `WINDROW_<FLAG>`.
struct CommonOptions: ParsableArguments {
    @Option(help: "Host name or address other nodes use to reach this one.")
    var host = Env.string("HOST", "127.0.0.1")

    @Option(help: "Port of the HTTP status server (/healthz, /readyz, /metrics); 0 picks a free one.")
    var httpPort = Env.int("HTTP_PORT", 9100)

    @Option(help: "Coordinator endpoint.")
    var coordinator = Env.string("COORDINATOR", "tcp://127.0.0.1:5550")

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = Env.string("LOG_LEVEL", "info")

    /// The status server's URL as other nodes reach it (`nil` when its port is picked at start).
    var statusURL: String? { httpPort > 0 ? "http://\(host):\(httpPort)" : nil }

    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        return logger
    }
}

/// The trailing number of an id (`reducer-1`, `windrow-reducer-1` → 1), for StatefulSet pods.
func ordinal(of id: String) -> Int? {
    let digits = id.reversed().prefix { $0.isNumber }
    return digits.isEmpty ? nil : Int(String(digits.reversed()))
}

/// The cluster secret of the internal sockets, for the roles that use them.
struct SecretOptions: ParsableArguments {
    @Option(help: "File whose first line is the cluster secret (at least 16 bytes) every internal socket requires; WINDROW_CLUSTER_SECRET may hold the secret itself. None: internal sockets are open (tests only).")
    var clusterSecretFile = Env.string("CLUSTER_SECRET_FILE", "")

    /// The secret, or `nil` (with a warning) when none is configured.
    func load(_ logger: Logger) throws -> [UInt8]? {
        let secret = try ClusterSecret.load(file: clusterSecretFile, environment: ProcessInfo.processInfo.environment["WINDROW_CLUSTER_SECRET"])
        if secret == nil { logger.warning("no cluster secret (--cluster-secret-file or WINDROW_CLUSTER_SECRET): internal sockets take calls from anyone") }
        return secret
    }
}
