import Aggregation
import Model
import Wire

/// Encoding and decoding of sample batches and partial batches.
enum BatchBenchmark {
    static func run(samples: Int) {
        let batchSize = 10_000
        var random = FastRandom()
        var builder = SampleBatchBuilder(capacity: batchSize)
        let series = (0..<500).map { builder.intern(SeriesEntry(key: SeriesKey(name: "app.requests.latency", tags: [Tag("host", "h\($0)"), Tag("region", "eu")]))) }
        var time: Int64 = 1_767_225_600_000_000_000
        for _ in 0..<batchSize {
            time += Int64.random(in: 0...200_000, using: &random)
            builder.append(seriesIndex: series.randomElement(using: &random)!, timestamp: time, value: (Double.random(in: 0...1000, using: &random) * 100).rounded() / 100)
        }
        let batch = builder.finish(id: 1)
        let batches = samples / batchSize
        var frame = [UInt8]()
        let encodeSeconds = bestSeconds { for _ in 0..<batches { frame = batch.encode() } }
        let rawBytes = Double(batchSize * 20)
        let decodeSeconds = bestSeconds { for _ in 0..<batches { consume(try! SampleBatch.decode(frame)) } }
        let total = Double(batches * batchSize)
        print("sample batch (\(batchSize) samples, 500 series): \(frame.count) bytes on the wire, \(String(format: "%.1f", Double(frame.count) / Double(batchSize))) B/sample (\(String(format: "%.1f", rawBytes / Double(frame.count)))x vs 20 B raw)")
        print("  encode: \(rate(total, per: encodeSeconds))samples/s, \(rate(total * rawBytes / Double(batchSize), per: encodeSeconds))B/s of columns")
        print("  decode: \(rate(total, per: decodeSeconds))samples/s, \(rate(total * rawBytes / Double(batchSize), per: decodeSeconds))B/s of columns")

        for sketches in [false, true] {
            let mapping: SketchMapping? = sketches ? .standard : nil
            let rows = (0..<5_000).map { index in
                var state = WindowState(sketchMapping: mapping)
                for _ in 0..<50 { state.add(Double.random(in: 1...1000, using: &random), at: Int64(index) * 60_000_000_000 + Int64.random(in: 0..<60_000_000_000, using: &random)) }
                return WindowRow(seriesIndex: UInt32(index % 500), windowStart: Int64(index / 500) * 60_000_000_000, state: state)
            }
            let partial = PartialBatch(id: 1, origin: "mapper-0", sequenceStart: 0, sequenceEnd: 1, windowNanoseconds: 60_000_000_000,
                                       sketchMapping: mapping, series: batch.series, rows: rows)
            var encoded = [UInt8]()
            let encode = bestSeconds { for _ in 0..<20 { encoded = partial.encode() } }
            let decode = bestSeconds { for _ in 0..<20 { consume(try! PartialBatch.decode(encoded)) } }
            print("partial batch \(sketches ? "with sketches   " : "without sketches"): \(String(format: "%.1f", Double(encoded.count) / 5000)) B/row; encode \(rate(100_000, per: encode))rows/s, decode \(rate(100_000, per: decode))rows/s")
        }
    }
}

import Foundation
