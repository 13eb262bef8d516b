import Model
import Storage
import Testing
@testable import Reducer

@Suite struct CompactionPlanTests {
    static let minute: Int64 = 60_000_000_000
    static let hour: Int64 = 3_600_000_000_000
    static let day: Int64 = 86_400_000_000_000
    static let planner = CompactionPlanner(fanIn: 4, resolutions: [minute, hour, day])

    static func seal(_ sequence: Int, partition: UInt32 = 1, day: Int64 = 100) -> ManifestFile {
        ManifestFile(name: "p\(partition)-d\(day)-\(sequence).shard", partition: partition, day: day, group: "p\(partition)-d\(day)-\(sequence)",
                     level: 0, resolution: minute, bytes: 10, rows: 1)
    }

    static func compacted(_ number: Int, level: UInt8, day: Int64 = 100, resolutions: [Int64] = [minute, hour, day]) -> [ManifestFile] {
        resolutions.map { resolution in
            ManifestFile(name: "p1-d\(day)-c\(number)-\(Step(nanoseconds: resolution)!).shard", partition: 1, day: day, group: "p1-d\(day)-c\(number)",
                         level: level, resolution: resolution, bytes: 10, rows: 1)
        }
    }

    @Test func anOpenDayMergesFourGroupsOfALevelIntoOneAboveAndNoFewer() {
        let three = (1...3).map { Self.seal($0) }
        #expect(Self.planner.units(three, closedBefore: 100, now: 0).isEmpty)
        let units = Self.planner.units(three + [Self.seal(4), Self.seal(5)], closedBefore: 100, now: 0)
        #expect(units.count == 1)
        let unit = units[0]
        #expect(unit.level == 1 && unit.partition == 1 && unit.day == 100)
        #expect(unit.groups == ["p1-d100-1", "p1-d100-2", "p1-d100-3", "p1-d100-4"])
        #expect(unit.outputs.map(\.resolution) == [Self.minute, Self.hour, Self.day])
        #expect(unit.outputs.allSatisfy { $0.inputs.map(\.name) == unit.removed })
    }

    @Test func aClosedDayBecomesOneGroupWithRollupsReadFromTheCoarsestInputs() {
        let files = Self.compacted(7, level: 2) + [Self.seal(30)]
        let unit = try! #require(Self.planner.units(files, closedBefore: 101, now: 0).first)
        #expect(unit.level == 3 && unit.removed.count == 4)
        let hourInputs = unit.outputs.first { $0.resolution == Self.hour }!.inputs.map(\.name).sorted()
        #expect(hourInputs == ["p1-d100-30.shard", "p1-d100-c7-1h.shard"])
        // One group with every resolution is done; a lone seal's file still needs its rollups.
        #expect(Self.planner.units(Self.compacted(8, level: 3), closedBefore: 101, now: 0).isEmpty)
        #expect(Self.planner.units([Self.seal(31)], closedBefore: 101, now: 0).count == 1)
    }

    @Test func closedDaysComeFirstOldestFirst() {
        let open = (1...4).map { Self.seal($0, day: 105) }
        let closed = [Self.seal(9, day: 101), Self.seal(10, day: 101), Self.seal(11, day: 99)]
        #expect(Self.planner.units(open + closed, closedBefore: 102, now: 0).map(\.day) == [99, 101, 105])
    }

    @Test func retentionDropsAgedFilesOnlyWhereCoarserRowsKeepTheirData() throws {
        let retention = try Retention(parsing: "1m=30d,1h=400d", resolutions: [.minute, Step(parsing: "1h"), Step(parsing: "1d")])
        var planner = Self.planner
        planner.retention = retention
        let now = 200 * Self.day
        // Day 100 ended 99 days ago: minutes have aged out, hours and days not.
        let dropped = planner.expired(Self.compacted(1, level: 3) + [Self.seal(5)], now: now)
        #expect(dropped.map(\.name) == ["p1-d100-c1-1m.shard"])
        // A lone seal's minutes wait for their rollups; the compaction then skips the minutes.
        let unit = try #require(planner.units([Self.seal(5)], closedBefore: 150, now: now).first)
        #expect(unit.outputs.map(\.resolution) == [Self.hour, Self.day])
        // Past every limit but forever's, only the day rows stay; with all limits passed, all go.
        #expect(planner.expired(Self.compacted(2, level: 3, day: 10), now: now + 400 * Self.day).map(\.resolution).sorted() == [Self.minute, Self.hour])
        planner.retention = try Retention(parsing: "1m=1d,1h=2d,1d=3d", resolutions: [.minute, Step(parsing: "1h"), Step(parsing: "1d")])
        #expect(planner.expired(Self.compacted(3, level: 3), now: now).count == 3)
    }

    @Test func retentionRefusesWhatItCannotMean() {
        let resolutions = [Step.minute, try! Step(parsing: "1h"), try! Step(parsing: "1d")]
        for (text, problem) in [("1m", "not resolution=age"), ("5m=3d", "no rows are stored at 5m"), ("1m=3d,1m=4d", "named twice"),
                                ("1h=3d,1m=30d", "would outlive"), ("1m=soon", "'soon'")] {
            let error = #expect(throws: RetentionError.self) { try Retention(parsing: text, resolutions: resolutions) }
            #expect(error?.description.contains(problem) == true, "\(text): \(error?.description ?? "")")
        }
        #expect(try! Retention(parsing: "1m=30d,1h=400d,1d=forever", resolutions: resolutions).description == "1m=30d,1h=400d")
    }
}
