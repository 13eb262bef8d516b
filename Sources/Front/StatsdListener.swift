import ClusterClient
import ClusterCore
import Ingest
import Logging
import Model
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import Wire

/// statsd over UDP: parses packets (see `Statsd`), resolves gauge deltas against the last
/// value this node saw, stamps samples with their arrival time here, and forwards them to a
/// mapper in batches, every 100 ms or every `batchSamplesMax` samples. Up to
/// `sendsInFlightMax` batches are sent while reading goes on, so that a mapper's acknowledgement
/// (an fsync away) does not stop the socket from being read.
public final class StatsdListener: Service, Sendable {
    let service: FrontService
    let host: String
    let port: Int
    var validator: SampleValidator { SampleValidator(limits: service.configuration.validation) }
    /// Largest batch forwarded at once.
    static let batchSamplesMax = 5000
    /// Batches being sent at once before reading waits for one of them.
    static let sendsInFlightMax = 4
    private let sendsInFlight = Atomic<Int>(0)
    private let pending = Mutex<[Sample]>([])
    private let gauges = Mutex<[SeriesKey: Double]>([:])

    public init(service: FrontService, host: String, port: Int) {
        self.service = service
        self.host = host
        self.port = port
    }

    public func run() async throws {
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .channelOption(ChannelOptions.socketOption(.so_rcvbuf), value: 8 << 20)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(wrappingChannelSynchronously: channel)
                }
            }
        service.logger.info("statsd listens on udp://\(host):\(port)")
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { [self] in
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(100))
                        await flush()
                    }
                }
                try await channel.executeThenClose { inbound, _ in
                    for try await envelope in inbound {
                        guard receive(Array(envelope.data.readableBytesView)) >= Self.batchSamplesMax else { continue }
                        if sendsInFlight.load(ordering: .relaxed) < Self.sendsInFlightMax {
                            sendsInFlight.add(1, ordering: .relaxed)
                            group.addTask { [self] in
                                await flush()
                                sendsInFlight.subtract(1, ordering: .relaxed)
                            }
                        } else {
                            await flush()
                        }
                    }
                }
                group.cancelAll()
            }
            await flush()
        } onGracefulShutdown: {
            channel.channel.close(promise: nil)
        }
    }

    /// Parses one packet into the pending batch; returns how many samples are pending.
    func receive(_ packet: [UInt8]) -> Int {
        let (metrics, errors) = Statsd.parse(packet, validator: validator)
        for error in errors { service.metrics.rejected(error.reason.rawValue) }
        let arrival = WallClock.now()
        var samples = [Sample]()
        samples.reserveCapacity(metrics.count)
        for metric in metrics {
            var sample = metric.sample
            sample.timestamp = arrival
            if sample.type == .gauge {
                let key = sample.series
                sample.value = gauges.withLock { last in
                    let value = metric.isGaugeDelta ? (last[key] ?? 0) + sample.value : sample.value
                    last[key] = value
                    return value
                }
            }
            samples.append(sample)
        }
        return pending.withLock { list in
            list.append(contentsOf: samples)
            return list.count
        }
    }

    /// Sends what is pending to a mapper.
    func flush() async {
        let samples = pending.withLock { list in
            defer { list.removeAll(keepingCapacity: true) }
            return list
        }
        guard !samples.isEmpty else { return }
        var builder = SampleBatchBuilder(capacity: samples.count)
        for sample in samples { builder.append(sample) }
        do {
            let reply = try await service.ingest(builder.finish(id: UInt64.random(in: 1...UInt64.max)), idempotencyKey: nil)
            service.metrics.samplesAccepted.increment(by: Int64(reply.accepted))
        } catch {
            service.metrics.rejected("unavailable", count: samples.count)
            service.logger.warning("dropped \(samples.count) statsd samples: \(error)")
        }
    }
}
