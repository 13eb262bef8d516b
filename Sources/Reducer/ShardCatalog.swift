import Aggregation
import ClusterCore
import Model
import Storage
import Wire

/// The sealed shard files of a reducer, by partition and group (a group's files hold the same
/// data at several resolutions), opened once and read per query through a bounded cache of
/// decoded blocks (dashboards ask for the same recent ranges again and again).
struct ShardCatalog {
    /// One group's files, by ascending resolution.
    struct Group {
        var day: Int64
        var files: [(file: ManifestFile, reader: ShardReader)] = []
    }

    /// The base window, ns.
    let window: Int64
    private(set) var byPartition: [Int: [String: Group]] = [:]
    /// The files in use, by name, and their readers.
    private(set) var files: [String: ManifestFile] = [:]
    private(set) var readers: [String: ShardReader] = [:]
    /// Counts every change of the files in use.
    private(set) var version = 0
    private(set) var totalBytes = 0
    private var cache = BlockCache(rowsMax: 500_000)
    private var results = ResultCache(statesMax: 100_000)
    /// Files answered from cached buckets, and files whose buckets were computed (then cached).
    var resultHits: Int { results.hits }
    var resultMisses: Int { results.misses }
    /// Rows of shard blocks that no state can have, left out of answers (found once per decoded
    /// block), as quarantine lines naming the file; the loop takes and reports them.
    private(set) var quarantined: [String] = []
    /// The retention in force, named in the error of a query it cannot answer.
    var retention = Retention.forever

    init(window: Int64) {
        self.window = window
    }

    mutating func add(_ reader: ShardReader, file: ManifestFile) {
        var group = byPartition[Int(file.partition), default: [:]][file.group, default: Group(day: file.day)]
        group.files.append((file, reader))
        group.files.sort { $0.file.resolution < $1.file.resolution }
        byPartition[Int(file.partition), default: [:]][file.group] = group
        files[file.name] = file
        readers[file.name] = reader
        totalBytes += reader.fileSize
        version += 1
    }

    /// Takes files out of use (a compaction replaced them, or retention dropped them) and
    /// forgets what was cached of them; returns their readers.
    @discardableResult
    mutating func remove(_ names: [String]) -> [ShardReader] {
        var removed = [ShardReader]()
        for name in names {
            guard let file = files.removeValue(forKey: name) else { continue }
            readers.removeValue(forKey: name)
            version += 1
            let partition = Int(file.partition)
            guard var group = byPartition[partition]?[file.group], let position = group.files.firstIndex(where: { $0.file.name == name }) else { continue }
            let reader = group.files.remove(at: position).reader
            byPartition[partition]![file.group] = group.files.isEmpty ? nil : group
            totalBytes -= reader.fileSize
            removed.append(reader)
        }
        let paths = Set(removed.map(\.path))
        cache.forget(paths)
        results.forget(paths)
        return removed
    }

    /// Adds the rows of matching series in `[from, to)` from every group of `partition`, each
    /// read at the coarsest resolution that answers the query exactly: one that divides the
    /// step, with a range aligned to it or covering the file whole. A file the range covers
    /// whole answers from its cached buckets for the query's shape (files never change, and
    /// buckets are aligned to the epoch, so they serve any range that covers it).
    /// Groups whose names start with `hiding` are left out.
    mutating func rows(partition: Int, spec: QuerySpec, hiding: String? = nil, into accumulator: inout BucketAccumulator) throws {
        for (name, group) in byPartition[partition] ?? [:] {
            if let hiding, name.hasPrefix(hiding) { continue }
            guard let reader = try pick(group, spec) else { continue }
            guard spec.from <= reader.windowStartMin, spec.to > reader.windowStartMax else {
                try rows(reader, spec: spec, into: &accumulator)
                continue
            }
            let key = ResultCache.Key(path: reader.path, name: spec.name, tags: spec.tags, groupBy: spec.groupBy, step: spec.step,
                                      perSeries: spec.perSeries ?? false, offset: spec.offset ?? 0, sketches: spec.needsSketches)
            let result: ResultCache.Result
            if let cached = results.result(key) {
                result = cached
            } else {
                var whole = spec
                whole.from = .min
                whole.to = .max
                whole.seriesMax = nil
                var own = BucketAccumulator(spec: whole)
                let series = try rows(reader, spec: whole, into: &own)
                result = ResultCache.Result(series: series, groups: own.groups.map { ($0.key, $0.value) })
                results.store(result, key)
            }
            try accumulator.admit(all: result.series)
            for (groupKey, buckets) in result.groups {
                let group = accumulator.groupNumber(ofGroup: groupKey)
                for (start, state) in buckets { accumulator.add(group: group, windowStart: start, state: state) }
            }
        }
    }

    /// The file of `group` a query reads, or `nil` when the range misses the group.
    func pick(_ group: Group, _ spec: QuerySpec) throws(QueryRetentionError) -> ShardReader? {
        guard let coarsest = group.files.last else { return nil }
        let resolution = coarsest.file.resolution
        guard coarsest.reader.windowStartMax + resolution > spec.from, coarsest.reader.windowStartMin < spec.to else { return nil }
        for (file, reader) in group.files.reversed() where spec.step % file.resolution == 0 && (spec.offset ?? 0) % file.resolution == 0 {
            let aligned = spec.from % file.resolution == 0 && spec.to % file.resolution == 0
            let covered = spec.from <= reader.windowStartMin && spec.to >= reader.windowStartMax + file.resolution
            if file.resolution == window || aligned || covered {
                guard reader.windowStartMax >= spec.from, reader.windowStartMin < spec.to else { return nil }
                return reader
            }
        }
        throw QueryRetentionError(day: RFC3339.format(Timestamp(nanoseconds: group.day * ShardGroups.dayNanoseconds)),
                                  asked: Step(nanoseconds: spec.step)!.description,
                                  kept: Step(nanoseconds: group.files[0].file.resolution)!.description, retention: retention.description)
    }

    /// Adds the rows of one file's matching series in `[spec.from, spec.to)`; returns the series.
    @discardableResult
    private mutating func rows(_ reader: ShardReader, spec: QuerySpec, into accumulator: inout BucketAccumulator) throws -> [SeriesKey] {
        var found = [QuarantinedRow]()
        defer { quarantined += found.map { "shard \(reader.path): \($0)" } }
        var matched = [SeriesKey]()
        var index = lowerBound(reader, name: spec.name)
        while index < reader.series.count, reader.series[index].key.name == spec.name {
            let key = reader.series[index].key
            let range = reader.ranges[index]
            if spec.filter.matches(key), range.rowCount > 0, range.windowStartMax >= spec.from, range.windowStartMin < spec.to {
                try accumulator.admit(key)
                matched.append(key)
                let group = accumulator.groupNumber(of: key)
                for number in Int(range.firstBlock)..<Int(range.firstBlock + range.blockCount) {
                    let block = reader.blocks[number]
                    guard block.windowStartMax >= spec.from, block.windowStartMin < spec.to else { continue }
                    let rows = try cache.rows(reader, block: number, sketches: spec.needsSketches, quarantine: &found)
                    // By position: no row is copied out of the cached block.
                    for position in rows.indices
                    where Int(rows[position].seriesIndex) == index && rows[position].windowStart >= spec.from && rows[position].windowStart < spec.to {
                        accumulator.add(group: group, windowStart: rows[position].windowStart, state: rows[position].state)
                    }
                }
            }
            index += 1
        }
        return matched
    }

    /// The quarantine lines found since the last call.
    mutating func takeQuarantined() -> [String] {
        defer { quarantined.removeAll() }
        return quarantined
    }

    /// Names of series in the files that start with `prefix`.
    func names(prefix: String) -> Set<String> {
        var result = Set<String>()
        for groups in byPartition.values {
            for group in groups.values {
                guard let reader = group.files.last?.reader else { continue }
                for entry in reader.series where entry.key.name.hasPrefix(prefix) { result.insert(entry.key.name) }
            }
        }
        return result
    }

    /// The series of `name` in the files of `partition`.
    func series(named name: String, partition: Int) -> Set<SeriesEntry> {
        var result = Set<SeriesEntry>()
        for group in (byPartition[partition] ?? [:]).values {
            for (_, reader) in group.files {
                var position = lowerBound(reader, name: name)
                while position < reader.series.count, reader.series[position].key.name == name {
                    result.insert(reader.series[position])
                    position += 1
                }
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

    /// Drops the blocks of files no longer in use.
    mutating func forget(_ paths: Set<String>) {
        guard !paths.isEmpty else { return }
        for key in entries.keys where paths.contains(key.path) { rowsHeld -= entries.removeValue(forKey: key)?.count ?? 0 }
        order.removeAll { paths.contains($0.path) }
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

/// Per file and query shape (name, tag filter, group-by, step, whether sketches are read): the
/// file's merged buckets and the series they came from. Oldest evicted first once more than
/// `statesMax` bucket states are held.
struct ResultCache {
    struct Key: Hashable {
        var path: String
        var name: String
        var tags: [Tag]
        var groupBy: [String]
        var step: Int64
        var perSeries: Bool
        var offset: Int64
        var sketches: Bool
    }

    struct Result {
        var series: [SeriesKey]
        var groups: [(SeriesKey, [Int64: WindowState])]
        var stateCount: Int { groups.reduce(0) { $0 + $1.1.count } }
    }

    let statesMax: Int
    private var entries: [Key: Result] = [:]
    private var order: [Key] = []
    private var statesHeld = 0
    private(set) var hits = 0
    private(set) var misses = 0

    init(statesMax: Int) {
        self.statesMax = statesMax
    }

    mutating func result(_ key: Key) -> Result? {
        guard let found = entries[key] else {
            misses += 1
            return nil
        }
        hits += 1
        return found
    }

    /// Drops the results of files no longer in use.
    mutating func forget(_ paths: Set<String>) {
        guard !paths.isEmpty else { return }
        for key in entries.keys where paths.contains(key.path) { statesHeld -= entries.removeValue(forKey: key)?.stateCount ?? 0 }
        order.removeAll { paths.contains($0.path) }
    }

    mutating func store(_ result: Result, _ key: Key) {
        let states = result.stateCount
        guard states <= statesMax else { return }
        entries[key] = result
        order.append(key)
        statesHeld += states
        while statesHeld > statesMax, !order.isEmpty {
            let evicted = order.removeFirst()
            statesHeld -= entries.removeValue(forKey: evicted)?.stateCount ?? 0
        }
    }
}
