import Aggregation
import ClusterCore
import Model
import Storage

/// The sealed shard files of a reducer, by partition, opened once and read per query through a
/// bounded cache of decoded blocks (dashboards ask for the same recent ranges again and again).
struct ShardCatalog {
    private(set) var byPartition: [Int: [ShardReader]] = [:]
    private(set) var names: [String] = []
    private(set) var totalBytes = 0
    private var cache = BlockCache(rowsMax: 500_000)
    /// Rows of shard blocks that no state can have, left out of answers (found once per decoded
    /// block), as quarantine lines naming the file; the loop takes and reports them.
    private(set) var quarantined: [String] = []

    mutating func add(_ reader: ShardReader, name: String) {
        byPartition[Int(reader.metadata.partition), default: []].append(reader)
        names.append(name)
        totalBytes += reader.fileSize
    }

    /// Adds the rows of matching series in `[from, to)` from every file of `partition`.
    mutating func rows(partition: Int, spec: QuerySpec, into accumulator: inout BucketAccumulator) throws {
        let filter = spec.filter
        let sketches = spec.needsSketches
        for reader in byPartition[partition] ?? [] {
            guard reader.windowStartMax >= spec.from, reader.windowStartMin < spec.to else { continue }
            var found = [QuarantinedRow]()
            defer { quarantined += found.map { "shard \(reader.path): \($0)" } }
            var index = lowerBound(reader, name: spec.name)
            while index < reader.series.count, reader.series[index].key.name == spec.name {
                let key = reader.series[index].key
                let range = reader.ranges[index]
                if filter.matches(key), range.rowCount > 0, range.windowStartMax >= spec.from, range.windowStartMin < spec.to {
                    try accumulator.admit(key)
                    for number in Int(range.firstBlock)..<Int(range.firstBlock + range.blockCount) {
                        let block = reader.blocks[number]
                        guard block.windowStartMax >= spec.from, block.windowStartMin < spec.to else { continue }
                        for row in try cache.rows(reader, block: number, sketches: sketches, quarantine: &found)
                        where Int(row.seriesIndex) == index && row.windowStart >= spec.from && row.windowStart < spec.to {
                            accumulator.add(series: key, windowStart: row.windowStart, state: row.state)
                        }
                    }
                }
                index += 1
            }
        }
    }

    /// The quarantine lines found since the last call.
    mutating func takeQuarantined() -> [String] {
        defer { quarantined.removeAll() }
        return quarantined
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

/// Decoded shard blocks, oldest evicted first once more than `rowsMax` rows are held.
struct BlockCache {
    struct Key: Hashable {
        var path: String
        var block: Int
        var sketches: Bool
    }

    let rowsMax: Int
    private var entries: [Key: [WindowRow]] = [:]
    private var order: [Key] = []
    private var rowsHeld = 0

    init(rowsMax: Int) {
        self.rowsMax = rowsMax
    }

    mutating func rows(_ reader: ShardReader, block: Int, sketches: Bool, quarantine: inout [QuarantinedRow]) throws -> [WindowRow] {
        let key = Key(path: reader.path, block: block, sketches: sketches)
        if let rows = entries[key] { return rows }
        let rows = try reader.readBlock(block, sketches: sketches, quarantine: &quarantine)
        entries[key] = rows
        order.append(key)
        rowsHeld += rows.count
        while rowsHeld > rowsMax, !order.isEmpty {
            let evicted = order.removeFirst()
            rowsHeld -= entries.removeValue(forKey: evicted)?.count ?? 0
        }
        return rows
    }
}
