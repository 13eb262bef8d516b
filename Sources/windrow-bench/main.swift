// Benchmarks of the foundation, run in release builds by scripts/bench. Each prints its figure;
// none asserts a speed. `windrow-bench [--quick] [fold|batch|ingest|shard|transport ...]`.
import Foundation

let options = CommandLine.arguments.dropFirst()
let quick = options.contains("--quick")
let scale = quick ? 10 : 1
let chosen = Set(options.filter { !$0.hasPrefix("--") })
func selected(_ name: String) -> Bool { chosen.isEmpty || chosen.contains(name) }

print("windrow-bench (\(quick ? "quick" : "full") run; figures are per core unless stated)")
if selected("fold") { FoldBenchmark.run(samples: 20_000_000 / scale) }
if selected("batch") { BatchBenchmark.run(samples: 4_000_000 / scale) }
if selected("ingest") { IngestBenchmark.run(bodies: 200 / scale) }
if selected("shard") { ShardBenchmark.run(rows: 400_000 / scale) }
if selected("transport") { TransportBenchmark.run(batches: 2_000 / scale) }
