import Aggregation

/// Samples folded into window states by one core, for pre-interned series (the mapper's inner loop).
enum FoldBenchmark {
    static func run(samples: Int) {
        for seriesCount in [1_000, 10_000, 100_000] {
            run(samples: samples, seriesCount: seriesCount)
        }
    }

    static func run(samples: Int, seriesCount: Int) {
        var random = FastRandom()
        let slots = (0..<samples).map { _ in Int32.random(in: 0..<Int32(seriesCount), using: &random) }
        let values = (0..<samples).map { _ in exp(Double.random(in: -3...3, using: &random)) * 100 }
        let times = (0..<samples).map { Int64($0) * 1_000 }
        for sketches in [false, true] {
            var states = [WindowState](repeating: WindowState(sketchMapping: sketches ? .standard : nil), count: seriesCount)
            let seconds = bestSeconds {
                states.withUnsafeMutableBufferPointer { states in
                    for index in 0..<samples {
                        states[Int(slots[index])].add(values[index], at: times[index])
                    }
                }
            }
            consume(states)
            print("fold \(sketches ? "with sketch   " : "without sketch"): \(rate(Double(samples), per: seconds))samples/s (\(seriesCount) series, one core)")
        }
        var left = WindowState()
        var right = WindowState()
        for index in 0..<1000 {
            left.add(values[index], at: times[index])
            right.add(values[index + 1000], at: times[index + 1000])
        }
        let merges = 200_000
        let seconds = bestSeconds {
            var total = WindowState()
            for index in 0..<merges { total.merge(index % 2 == 0 ? left : right) }
            consume(total)
        }
        print("merge of window states with sketches: \(rate(Double(merges), per: seconds))merges/s")
    }
}

import Foundation
