import ClusterClient
import ClusterCore
import Foundation
import Model
import Transport
import Wire

/// A load generator and demo source: random-walk gauges over `names × hosts` series, sent as
/// binary batches over ZeroMQ, fire-and-forget (PUSH, round-robin over the mappers) or
/// acknowledged (a window of batches in flight, each answered by its mapper).
public final class Producer {
    let configuration: ProducerConfiguration
    let series: [SeriesEntry]
    var levels: [Double]
    var random = FastRandom(seed: UInt64.random(in: 1...UInt64.max))
    /// The run's figures so far, for a reader on another thread.
    public let progress = ProducerProgress()

    public init(configuration: ProducerConfiguration) {
        self.configuration = configuration
        var series = [SeriesEntry]()
        for name in 0..<configuration.names {
            for host in 0..<configuration.hostsPerName {
                series.append(SeriesEntry(key: SeriesKey(name: "\(configuration.prefix).metric.\(name)", tags: [Tag("host", "h\(host)")])))
            }
        }
        self.series = series
        levels = series.indices.map { Double($0 % 100) }
    }

    /// Builds the next batch of `count` samples stamped around `now`.
    func makeBatch(id: UInt64, count: Int, now: Timestamp) -> SampleBatch {
        var builder = SampleBatchBuilder(capacity: count)
        let indices = series.map { builder.intern($0) }
        let lateShare = configuration.outOfOrderShare
        for sample in 0..<count {
            let slot = (Int(id) &* 7919 &+ sample) % series.count
            levels[slot] += Double.random(in: -1...1, using: &random)
            var time = now.nanoseconds + Int64(sample) * 1000
            if lateShare > 0, Double.random(in: 0..<1, using: &random) < lateShare {
                time -= Int64.random(in: 0...Int64(configuration.outOfOrderMs), using: &random) * 1_000_000
            }
            builder.append(seriesIndex: indices[slot], timestamp: time, value: (levels[slot] * 100).rounded() / 100)
        }
        return builder.finish(id: id)
    }

    /// Sends until the duration is over; returns the figures.
    public func run(stop: @escaping @Sendable () -> Bool = { false }) throws -> ProducerReport {
        let context = TransportContext()
        let client = configuration.acknowledged ? RPCClient(context: context, name: "producer") : nil
        defer { client?.shutdown() }
        let endpoints = client.map { client in configuration.endpoints.map { Self.acknowledgedEndpoint(for: $0, client: client) } } ?? configuration.endpoints
        let start = ContinuousClock.now
        let end = start + .milliseconds(Int(configuration.durationSeconds * 1000))
        var report = ProducerReport()
        var id: UInt64 = 1
        if let client {
            let outcome = AcknowledgementTally(progress: progress)
            // Every batch is keyed (this run's producer id, the batch id as sequence), so a batch
            // that got no answer is sent again to the same mapper and counted once.
            let producer = "produce-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            while ContinuousClock.now < end && !stop() {
                while outcome.inFlight() >= configuration.inFlightMax { Thread.sleep(forTimeInterval: 0.0005) }
                var batch = makeBatch(id: id, count: configuration.batchSize, now: WallClock.now())
                batch.producerKey = ProducerKey(producer: producer, sequence: id)
                let endpoint = endpoints[Int(id) % endpoints.count]
                outcome.started()
                Self.send(batch.encode(), to: endpoint, client: client, token: configuration.token, attemptsLeft: Self.attemptsMax) { result in
                    outcome.finished(result)
                }
                report.samplesSent += batch.count
                report.batchesSent += 1
                progress.samplesSentCount.add(batch.count, ordering: .relaxed)
                id += 1
                pace(sent: report.samplesSent, start: start)
            }
            while outcome.inFlight() > 0 { Thread.sleep(forTimeInterval: 0.001) }
            (report.samplesAcknowledged, report.samplesRejected, report.batchesFailed, report.firstFailure) = outcome.totals()
        } else {
            let push = try PushSender(context: context, connect: endpoints, queuedMax: 100)
            sending: while ContinuousClock.now < end && !stop() {
                let batch = makeBatch(id: id, count: configuration.batchSize, now: WallClock.now())
                let parts = [batch.encode()] + (configuration.token.map { [$0] } ?? [])
                // No peer connected, or every queue full: wait (and say so) until one takes it.
                while try !push.trySend(parts) {
                    if progress.waitingSinceNanoseconds.load(ordering: .relaxed) == 0 {
                        progress.waitingSinceNanoseconds.store(SystemRoleClock().monotonicNanoseconds, ordering: .relaxed)
                    }
                    if ContinuousClock.now >= end || stop() { break sending }
                    Thread.sleep(forTimeInterval: 0.005)
                }
                progress.waitingSinceNanoseconds.store(0, ordering: .relaxed)
                progress.samplesSentCount.add(batch.count, ordering: .relaxed)
                report.samplesSent += batch.count
                report.batchesSent += 1
                id += 1
                pace(sent: report.samplesSent, start: start)
            }
            push.close()
        }
        let elapsed = ContinuousClock.now - start
        report.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return report
    }

    /// How often an acknowledged batch is sent before it counts as failed.
    static let attemptsMax = 12

    /// Sends `frame` and, while no answer comes (a timeout, a transport error), sends it again
    /// to the same mapper, which answers a keyed batch it has logged with its first answer.
    static func send(_ frame: [UInt8], to endpoint: String, client: RPCClient, token: [UInt8]?, attemptsLeft: Int,
                     completion: @escaping @Sendable (Result<[UInt8], RPCError>) -> Void) {
        client.send(to: endpoint, method: InternalMethod.samples.rawValue, body: frame, credential: token, timeout: .seconds(10)) { result in
            if case .failure(let error) = result, error.kind != .remote, attemptsLeft > 1 {
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(500)) {
                    send(frame, to: endpoint, client: client, token: token, attemptsLeft: attemptsLeft - 1, completion: completion)
                }
                return
            }
            completion(result)
        }
    }

    /// The acknowledged endpoint to use for `endpoint`: itself when a mapper's ROUTER answers
    /// there, else the next port (`windrow local` puts a mapper's acknowledged endpoint right
    /// after its push endpoint), so `--acked` works with either address.
    static func acknowledgedEndpoint(for endpoint: String, client: RPCClient) -> String {
        func answers(_ candidate: String) -> Bool {
            let answered = DispatchSemaphore(value: 0)
            // Any answer, even "unknown method", proves a ROUTER is there.
            client.send(to: candidate, method: "ping", body: [], timeout: .seconds(1)) { result in
                if case .failure(let error) = result, error.kind != .remote { return }
                answered.signal()
            }
            return answered.wait(timeout: .now() + 1.5) == .success
        }
        if answers(endpoint) { return endpoint }
        guard let colon = endpoint.lastIndex(of: ":"), let port = Int(endpoint[endpoint.index(after: colon)...]) else { return endpoint }
        let next = String(endpoint[...colon]) + String(port + 1)
        if answers(next) {
            FileHandle.standardError.write(Data("produce: \(endpoint) is not an acknowledged endpoint; using \(next)\n".utf8))
            return next
        }
        return endpoint
    }

    /// Sleeps as needed to hold the configured rate.
    func pace(sent: Int, start: ContinuousClock.Instant) {
        guard let rate = configuration.rate, rate > 0 else { return }
        let due = start + .milliseconds(Int(Double(sent) / Double(rate) * 1000))
        let wait = due - ContinuousClock.now
        if wait > .zero { Thread.sleep(forTimeInterval: Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18) }
    }
}
