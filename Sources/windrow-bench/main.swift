// Benchmarks of the foundation, run in release builds by scripts/bench. Each prints its figure;
// none asserts a speed.
import Foundation

let options = CommandLine.arguments.dropFirst()
let quick = options.contains("--quick")
let scale = quick ? 10 : 1

print("windrow-bench (\(quick ? "quick" : "full") run; figures are per core unless stated)")
FoldBenchmark.run(samples: 20_000_000 / scale)
BatchBenchmark.run(samples: 4_000_000 / scale)
ShardBenchmark.run(rows: 400_000 / scale)
TransportBenchmark.run(batches: 2_000 / scale)
