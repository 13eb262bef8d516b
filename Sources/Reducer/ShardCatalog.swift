import ClusterCore
import Model
import Storage

/// The sealed shard files of a reducer, by partition, opened once and read per query.
struct ShardCatalog {
    private(set) var byPartition: [Int: [ShardReader]] = [:]
    private(set) var names: [String] = []
    private(set) var totalBytes = 0

    mutating func add(_ reader: ShardReader, name: String) {
        byPartition[Int(reader.metadata.partition), default: []].append(reader)
        names.append(name)
        totalBytes += reader.fileSize
    }

    /// Adds the rows of matching series in `[from, to)` from every file of `partition`.
    func rows(partition: Int, spec: QuerySpec, into accumulator: inout BucketAccumulator) throws {
        let filter = spec.filter
        for reader in byPartition[partition] ?? [] {
            guard reader.windowStartMax >= spec.from, reader.windowStartMin < spec.to else { continue }
            var index = lowerBound(reader, name: spec.name)
            while index < reader.series.count, reader.series[index].key.name == spec.name {
                let key = reader.series[index].key
                if filter.matches(key) {
                    for row in try reader.rows(seriesIndex: index, from: spec.from, to: spec.to) {
                        accumulator.add(series: key, windowStart: row.windowStart, state: row.state)
                    }
                }
                index += 1
            }
        }
    }

    /// Names of series in the files that start with `prefix`.
    func names(prefix: String) -> Set<String> {
        var result = Set<String>()
        for readers in byPartition.values {
            for reader in readers {
                for entry in reader.series where entry.key.name.hasPrefix(prefix) { result.insert(entry.key.name) }
            }
        }
        return result
    }

    /// The first series position whose name is not less than `name`.
    private func lowerBound(_ reader: ShardReader, name: String) -> Int {
        var low = 0
        var high = reader.series.count
        while low < high {
            let middle = (low + high) / 2
            if reader.series[middle].key.name < name { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
