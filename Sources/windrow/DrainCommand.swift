import ArgumentParser
import ClusterClient
import ClusterCore
import Foundation
import Logging
import Runtime
import Transport

struct DrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drain",
        abstract: "Drain a reducer through the coordinator (its partitions move away by live handover) and wait until it has left the map: a Kubernetes preStop hook.")

    @Option(help: "The reducer's id (WINDROW_ID, as a reducer pod has it).") var node = Env.string("ID", "")
    @Option(help: "The coordinator's endpoint.") var coordinator = Env.string("COORDINATOR", "tcp://127.0.0.1:5550")
    @OptionGroup var secret: SecretOptions
    @Option(help: "Give up waiting after this many seconds.") var waitSeconds = 600

    func run() async throws {
        guard !node.isEmpty else { throw CommandError("name the reducer: --node ID (or WINDROW_ID)") }
        var logger = Logger(label: "windrow.drain")
        logger.logLevel = .warning
        let client = RPCClient(context: TransportContext(), name: "drain", secret: try secret.load(logger))
        defer { client.shutdown() }
        do {
            let reply = try await client.call(DrainRequest(node: node), at: coordinator, timeout: .seconds(5))
            print(reply.message)
        } catch {
            throw CommandError("drain refused: \(error)")
        }
        let deadline = Date().addingTimeInterval(Double(waitSeconds))
        while Date() < deadline {
            try await Task.sleep(for: .milliseconds(500))
            guard let view = try? await client.call(ClusterRequest(), at: coordinator, timeout: .seconds(2)) else { continue }
            let giving = view.map.handover?.moves.contains { $0.from == node } ?? false
            if view.map.ordinal(of: node) == nil && !giving {
                print("\(node) drained: it owns no partition")
                return
            }
        }
        throw CommandError("\(node) not drained after \(waitSeconds) s; GET /v1/cluster shows what the handover waits for")
    }
}
