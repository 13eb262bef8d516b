import Aggregation
import Model
import Storage
import Wire

/// Shard write and read throughput, and bytes on disk per window row.
enum ShardBenchmark {
    static func run(rows rowCount: Int) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("windrow-bench-\(getpid())").path
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var random = FastRandom()
        let seriesCount = 1000
        let series = (0..<seriesCount).map { SeriesEntry(key: SeriesKey(name: "http.latency", tags: [Tag("host", "h\($0 % 100)"), Tag("path", "/p\($0 / 100)")]), type: .timer) }
        for sketches in [false, true] {
            let mapping: SketchMapping? = sketches ? .standard : nil
            let rows = (0..<rowCount).map { index in
                let start = Int64(index / seriesCount) * 60_000_000_000
                var state = WindowState(sketchMapping: mapping)
                for _ in 0..<30 { state.add((exp(Double.random(in: 0...5, using: &random)) * 100).rounded() / 100, at: start + Int64.random(in: 0..<60_000_000_000, using: &random)) }
                return WindowRow(seriesIndex: UInt32(index % seriesCount), windowStart: start, state: state)
            }
            let path = directory + "/bench-\(sketches).shard"
            let metadata = ShardMetadata(partition: 0, windowNanoseconds: 60_000_000_000, sketchMapping: mapping)
            var size = 0
            let write = bestSeconds { size = try! ShardWriter().write(metadata: metadata, series: series, rows: rows, to: path) }
            let reader = try! ShardReader(path: path)
            let read = bestSeconds { consume(try! reader.verify()) }
            let one = bestSeconds {
                for index in 0..<100 { consume(try! reader.rows(for: series[index * 7].key)) }
            }
            let label = sketches ? "with sketches   " : "without sketches"
            print("shard \(label): \(String(format: "%.1f", Double(size) / Double(rowCount))) B/row on disk; write \(rate(Double(size), per: write))B/s (\(rate(Double(rowCount), per: write))rows/s, fsync included); read+verify \(rate(Double(size), per: read))B/s (\(rate(Double(rowCount), per: read))rows/s); one-series lookup \(String(format: "%.0f", one / 100 * 1e6)) µs")
        }
    }
}

import Foundation
