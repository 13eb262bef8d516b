import Model
import Wire
import ZeroMQ

/// Sample batches pushed over ZeroMQ on loopback and decoded on the other side.
enum TransportBenchmark {
    static func run(batches: Int) {
        let batchSize = 10_000
        var builder = SampleBatchBuilder(capacity: batchSize)
        let series = (0..<200).map { builder.intern(SeriesEntry(key: SeriesKey(name: "bench.metric", tags: [Tag("n", "\($0)")]))) }
        for index in 0..<batchSize {
            builder.append(seriesIndex: series[index % series.count], timestamp: 1_767_225_600_000_000_000 + Int64(index) * 1_000_000, value: Double(index % 1000))
        }
        let frame = builder.finish(id: 1).encode()
        let context = Context()
        let pull = try! Socket(context, .pull)
        try! pull.bind("tcp://127.0.0.1:*")
        let endpoint = try! pull.lastEndpoint
        let sender = Thread {
            let push = try! Socket(context, .push, lingerMs: -1)
            try! push.connect(endpoint)
            for _ in 0..<batches { try! push.send(frame) }
            push.close()
        }
        let start = ContinuousClock.now
        sender.start()
        var samples = 0
        for _ in 0..<batches {
            let bytes = try! pull.receiveFrame()!.bytes
            samples += try! SampleBatch.decode(bytes).count
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        pull.close()
        print("ZeroMQ PUSH/PULL over tcp loopback, receive + decode (2 threads): \(rate(Double(samples), per: seconds))samples/s, \(rate(Double(batches * frame.count), per: seconds))B/s on the wire (\(frame.count) B frames)")
    }
}

import Foundation
