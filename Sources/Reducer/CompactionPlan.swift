import Model
import Storage

/// How a reducer's shard files are grouped: by partition and UTC day, then by the group that
/// wrote them (a seal, or a compaction writing one file per resolution of the same data).
enum ShardGroups {
    static let dayNanoseconds: Int64 = 86_400_000_000_000
    static let hourNanoseconds: Int64 = 3_600_000_000_000

    /// The resolutions rows are kept at: the base window, and an hour and a day where the
    /// window tiles them.
    static func resolutions(window: Int64) -> [Int64] {
        [window] + [hourNanoseconds, dayNanoseconds].filter { $0 > window && $0 % window == 0 }
    }

    /// The UTC day of a window start.
    static func day(of windowStart: Int64) -> Int64 { windowStart.floorDivided(by: dayNanoseconds) }
}

/// One compaction: groups of one partition and day merged into one group of `level`, with one
/// output file per resolution, each merged from one input file per group.
struct CompactionUnit: Equatable, Sendable {
    struct Output: Equatable, Sendable {
        var resolution: Int64
        var inputs: [ManifestFile]
    }

    var partition: UInt32
    var day: Int64
    var groups: [String]
    var level: UInt8
    var outputs: [Output]
    /// Every file of the merged groups (all are removed when the unit commits).
    var removed: [String]
}

/// Decides what to compact and what retention drops, from the manifest's files alone (no I/O).
///
/// A day that is still open (the watermark has not passed its end plus the allowed lateness)
/// is compacted size-tiered: once `fanIn` groups share a level, they become one group a level
/// up, so a day of seals leaves at most `fanIn - 1` groups per level (a handful of levels).
/// A closed day is merged into one group, with its hour and day rollups; a correction (late
/// samples sealed after that) makes a second group, merged into the first again.
struct CompactionPlanner {
    var fanIn = 4
    /// Ascending: the base window first.
    var resolutions: [Int64]
    var retention = Retention.forever

    /// Every compaction due, closed days (oldest first) before open ones.
    func units(_ files: some Sequence<ManifestFile>, closedBefore: Int64, now: Int64) -> [CompactionUnit] {
        var units = [CompactionUnit]()
        for (key, groups) in Self.byDay(files).sorted(by: { ($0.key.day, $0.key.partition) < ($1.key.day, $1.key.partition) }) {
            let (partition, day) = (key.partition, key.day)
            let ordered = groups.sorted { $0.key < $1.key }
            if day < closedBefore {
                let lacksRollups = ordered.count == 1 && ordered[0].value.map(\.resolution).min() == resolutions[0]
                    && Set(ordered[0].value.map(\.resolution)) != Set(resolutions)
                guard ordered.count > 1 || lacksRollups else { continue }
                if let unit = unit(partition, day, ordered, now: now) { units.append(unit) }
            } else {
                for level in Set(ordered.map { $0.value[0].level }).sorted() {
                    let same = ordered.filter { $0.value[0].level == level }
                    if same.count >= fanIn, let unit = unit(partition, day, Array(same.prefix(fanIn)), now: now) {
                        units.append(unit)
                        break
                    }
                }
            }
        }
        return units.sorted { ($0.day < closedBefore ? 0 : 1, $0.day) < ($1.day < closedBefore ? 0 : 1, $1.day) }
    }

    /// The unit merging `groups`: every resolution each group holds or can be rolled up to,
    /// but none retention would drop at once.
    func unit(_ partition: UInt32, _ day: Int64, _ groups: [(key: String, value: [ManifestFile])], now: Int64) -> CompactionUnit? {
        var outputs = [CompactionUnit.Output]()
        for resolution in resolutions where !retention.expired(day: day, resolution: resolution, now: now) {
            let inputs = groups.compactMap { group in
                group.value.filter { resolution % $0.resolution == 0 }.max { $0.resolution < $1.resolution }
            }
            if inputs.count == groups.count { outputs.append(.init(resolution: resolution, inputs: inputs)) }
        }
        guard !outputs.isEmpty else { return nil }
        let level = groups.flatMap(\.value).map(\.level).max() ?? 0
        return CompactionUnit(partition: partition, day: day, groups: groups.map(\.key), level: level == .max ? level : level + 1,
                              outputs: outputs, removed: groups.flatMap(\.value).map(\.name).sorted())
    }

    /// The files retention drops at wall time `now`: every file of a group whose files have all
    /// aged out (unless it awaits rollups that would be kept), and aged-out files of a group that keeps their data at a coarser resolution
    /// (a day's minutes go once its hours hold them).
    func expired(_ files: some Sequence<ManifestFile>, now: Int64) -> [ManifestFile] {
        var dropped = [ManifestFile]()
        for groups in Self.byDay(files).values {
            for group in groups.values {
                let old = group.filter { retention.expired(day: $0.day, resolution: $0.resolution, now: now) }
                if old.count == group.count {
                    // Unless a rollup not written yet (a seal's lone minutes) would still be kept.
                    let coarsest = group.map(\.resolution).max() ?? 0
                    let day = group[0].day
                    if resolutions.filter({ $0 > coarsest }).allSatisfy({ retention.expired(day: day, resolution: $0, now: now) }) { dropped += group }
                } else if let coarsest = group.map(\.resolution).max() {
                    dropped += old.filter { $0.resolution < coarsest }
                }
            }
        }
        return dropped.sorted { $0.name < $1.name }
    }

    struct DayKey: Hashable {
        var partition: UInt32
        var day: Int64
    }

    /// Files by partition and day, then by group (each group's files by ascending resolution).
    static func byDay(_ files: some Sequence<ManifestFile>) -> [DayKey: [String: [ManifestFile]]] {
        var result = [DayKey: [String: [ManifestFile]]]()
        for file in files { result[DayKey(partition: file.partition, day: file.day), default: [:]][file.group, default: []].append(file) }
        for key in result.keys {
            for group in result[key]!.keys { result[key]![group]!.sort { $0.resolution < $1.resolution } }
        }
        return result
    }
}
