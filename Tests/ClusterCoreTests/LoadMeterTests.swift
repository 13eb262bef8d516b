import ClusterCore
import Testing

@Suite struct LoadMeterTests {
    @Test func ratesFollowTheCountsWithTheirHalfLife() {
        var meter = LoadMeter(partitionCount: 8, halfLifeSeconds: 10)
        // A steady 300 samples (in 100 rows) per second on partition 3, 10 per second on partition 5.
        for _ in 0..<200 {
            for _ in 0..<100 { meter.add(partition: 3, sampleCount: 3) }
            for _ in 0..<10 { meter.add(partition: 5, sampleCount: 1) }
            _ = meter.report(elapsedSeconds: 1)
        }
        let steady = meter.loads
        #expect(steady.map(\.partition) == [3, 5])
        #expect(abs(steady[0].samplesPerSecond - 300) < 1e-3 && abs(steady[0].rowsPerSecond - 100) < 1e-3)
        #expect(abs(steady[1].samplesPerSecond - 10) < 1e-3)
        // Idle for one half-life: half of each rate is left; after long enough, nothing.
        let halved = meter.report(elapsedSeconds: 10)
        #expect(abs(halved[0].samplesPerSecond - 150) < 1e-3 && abs(halved[1].rowsPerSecond - 5) < 1e-3)
        _ = meter.report(elapsedSeconds: 1000)
        #expect(meter.loads.isEmpty)
    }

    @Test func countsLandInTheirPartitionsRates() {
        // Rows counted under the partition the map gives their name.
        let count = 16
        var meter = LoadMeter(partitionCount: count, halfLifeSeconds: 1)
        let names = ["cpu", "mem", "disk"]
        for (index, name) in names.enumerated() {
            for _ in 0...index { meter.add(partition: PartitionMap.partition(of: name, count: count), sampleCount: 2) }
        }
        // One report of one second with a weight of one half: rates are half the counts.
        let loads = Dictionary(uniqueKeysWithValues: meter.report(elapsedSeconds: 1).map { ($0.partition, $0) })
        for (index, name) in names.enumerated() {
            let partition = PartitionMap.partition(of: name, count: count)
            let rows = names.enumerated().filter { PartitionMap.partition(of: $0.element, count: count) == partition }.reduce(0) { $0 + $1.offset + 1 }
            #expect(abs(loads[partition]!.rowsPerSecond - Double(rows) / 2) < 1e-9, "\(name), row \(index)")
            #expect(abs(loads[partition]!.samplesPerSecond - Double(rows)) < 1e-9)
        }
    }
}
