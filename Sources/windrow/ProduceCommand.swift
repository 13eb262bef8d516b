import ArgumentParser
import ClusterClient
import Foundation
import Producer
import Runtime

struct ProduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Generate load: send random-walk samples over ZeroMQ, with a rate line every second and the figures at the end.")

    @Option(help: "Mapper endpoint(s), comma-separated: PULL endpoints, or acknowledged ones with --acked.") var to = Env.string("TO", "tcp://127.0.0.1:5555")
    @Option(help: "Samples per second in total (at least 1; --max for as fast as possible).") var rate: Int?
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
    @Flag(help: "No rate line every second, only the figures at the end.") var quiet = false

    /// How long without a peer taking (or acknowledging) a batch before a warning.
    static let silenceWarningSeconds = 3.0

    func run() throws {
        if let rate, rate < 1 { throw CommandError("--rate must be at least 1 sample per second (got \(rate)); for as fast as possible, use --max") }
        if rate != nil && max { throw CommandError("--rate and --max contradict each other: give one") }
        guard duration > 0 else { throw CommandError("--duration must be more than 0 seconds (got \(duration))") }
        guard names >= 1, hosts >= 1, batchSize >= 1 else { throw CommandError("--names, --hosts and --batch-size must be at least 1") }
        guard (0...1).contains(outOfOrder) else { throw CommandError("--out-of-order is a share from 0 to 1 (got \(outOfOrder))") }
        let endpoints = to.split(separator: ",").map(String.init)
        guard !endpoints.isEmpty else { throw CommandError("--to names no endpoint") }
        var configuration = ProducerConfiguration(endpoints: endpoints, rate: max ? nil : (rate ?? 1000), durationSeconds: duration,
                                                  names: names, hostsPerName: hosts, batchSize: batchSize, acknowledged: acked,
                                                  outOfOrderShare: outOfOrder, outOfOrderMs: outOfOrderMs, prefix: prefix)
        configuration.token = token.isEmpty ? nil : Array(token.utf8)
        let producer = Producer(configuration: configuration)
        let done = StopFlag()
        let progress = producer.progress
        let reporter = Thread { [acked, quiet] in
            Self.report(progress, endpoints: endpoints, acknowledged: acked, quiet: quiet, done: done)
        }
        reporter.start()
        defer { done.stop() }
        let report = try producer.run()
        done.stop()
        print(report)
        if report.samplesSent == 0 {
            throw CommandError("nothing was sent in \(duration) s: no mapper took a batch at \(endpoints.joined(separator: ", "))")
        }
        if acked && report.samplesAcknowledged == 0 {
            throw CommandError("no batch was acknowledged: \(report.firstFailure ?? "no mapper answered at \(endpoints.joined(separator: ", "))")")
        }
    }

    /// Every second until `done`: a line with the samples sent so far and the rate of the last
    /// second (and those acknowledged); a warning on standard error when no peer has taken or
    /// acknowledged anything for a few seconds.
    static func report(_ progress: ProducerProgress, endpoints: [String], acknowledged: Bool, quiet: Bool, done: StopFlag) {
        let clock = SystemRoleClock()
        let start = clock.monotonicNanoseconds
        var lastSent = 0
        var lastWarning: Int64 = 0
        var tick: Int64 = 1
        while !done.isStopped {
            let due = start + tick * 1_000_000_000
            while clock.monotonicNanoseconds < due && !done.isStopped { Thread.sleep(forTimeInterval: 0.05) }
            if done.isStopped { return }
            let now = clock.monotonicNanoseconds
            let sent = progress.samplesSent
            if !quiet {
                var line = "produce: \(tick) s: sent \(sent) samples, \(sent - lastSent)/s"
                if acknowledged { line += ", acknowledged \(progress.samplesAcknowledged)" + (progress.batchesFailed > 0 ? ", batches failed \(progress.batchesFailed)" : "") }
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            }
            lastSent = sent
            let silent = acknowledged
                ? (sent > 0 && progress.samplesAcknowledged == 0 && Double(now - start) / 1e9 >= silenceWarningSeconds)
                : progress.waitingSeconds(nowNanoseconds: now) >= silenceWarningSeconds
            if silent && now - lastWarning >= 10_000_000_000 {
                lastWarning = now
                let what = acknowledged ? "acknowledged a batch" : "taken a batch"
                FileHandle.standardError.write(Data("produce: warning: no mapper has \(what) for \(Int(silenceWarningSeconds)) s or more at \(endpoints.joined(separator: ", ")); is one listening there\(acknowledged ? " (its acknowledged endpoint)" : "")?\n".utf8))
            }
            tick += 1
        }
    }
}
