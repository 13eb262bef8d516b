import ArgumentParser
import Foundation
import Producer
import Runtime

struct ProduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "produce", abstract: "Generate load: send random-walk samples over ZeroMQ and print the figures.")

    @Option(help: "Mapper endpoint(s), comma-separated: PULL endpoints, or acknowledged ones with --acked.") var to = Env.string("TO", "tcp://127.0.0.1:5555")
    @Option(help: "Samples per second in total.") var rate: Int?
    @Flag(help: "Send as fast as possible.") var max = false
    @Option(help: "Seconds to run.") var duration: Double = 10
    @Option(help: "Distinct metric names.") var names = 10
    @Option(help: "Series (hosts) per name.") var hosts = 4
    @Option(help: "Samples per batch.") var batchSize = 5000
    @Flag(help: "Wait for each batch's acknowledgement (endpoints must be the mappers' acknowledged ones).") var acked = false
    @Option(help: "Share (0...1) of samples sent out of order, up to --out-of-order-ms late.") var outOfOrder: Double = 0
    @Option(help: "Largest lateness of out-of-order samples (ms).") var outOfOrderMs = 10_000
    @Option(help: "Metric name prefix.") var prefix = "demo"
    @Option(help: "Token to send with every batch, for mappers that require one (write scope).") var token = Env.string("TOKEN", "")

    func run() throws {
        let endpoints = to.split(separator: ",").map(String.init)
        var configuration = ProducerConfiguration(endpoints: endpoints, rate: max ? nil : (rate ?? 1000), durationSeconds: duration,
                                                  names: names, hostsPerName: hosts, batchSize: batchSize, acknowledged: acked,
                                                  outOfOrderShare: outOfOrder, outOfOrderMs: outOfOrderMs, prefix: prefix)
        configuration.token = token.isEmpty ? nil : Array(token.utf8)
        let report = try Producer(configuration: configuration).run()
        print(report)
    }
}
