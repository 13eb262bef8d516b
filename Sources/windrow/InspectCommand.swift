import Aggregation
import ArgumentParser
import Model
import Storage

/// `windrow inspect FILE|DIR`: verifies every checksum of a shard file and prints its contents,
/// or prints a reducer data directory's manifest: its files by partition, day, level and
/// resolution.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Verify a shard file's checksums and print its header, series and rows; or list a reducer data directory's manifest.")

    @Argument(help: "A shard file, or a reducer's data directory (the one holding CURRENT and MANIFEST-n).")
    var file: String

    @Flag(help: "Print only the header and the series, not every row (for a directory: only the totals).")
    var summary = false

    func run() throws {
        do {
            if let state = try Manifest.peek(directory: file) {
                try printManifest(state)
                return
            }
        } catch {
            throw CommandError("\(error)")
        }
        let reader: ShardReader
        let rows: [WindowRow]
        do {
            reader = try ShardReader(path: file)
            rows = try reader.verify()
        } catch {
            throw CommandError("\(error)")
        }
        let window = Step(nanoseconds: reader.metadata.windowNanoseconds)!
        let accuracy = reader.metadata.sketchMapping.map { "\($0.relativeAccuracy * 100)%" } ?? "none"
        print("file: \(file)")
        print("status: ok (header, footer, index and \(reader.blocks.count) blocks verified)")
        print("partition: \(reader.metadata.partition)  resolution: \(window)  sketch accuracy: \(accuracy)")
        let directory = file.split(separator: "/", omittingEmptySubsequences: false).dropLast(2).joined(separator: "/")
        if let state = try? Manifest.peek(directory: directory.isEmpty ? "." : directory),
           let entry = state.files[String(file.split(separator: "/").last ?? "")] {
            print("manifest: level \(entry.level)  group \(entry.group)  day \(RFC3339.format(Timestamp(nanoseconds: entry.day * 86_400_000_000_000)))")
        }
        print("size: \(reader.fileSize) bytes  series: \(reader.series.count)  rows: \(reader.rowCount)  blocks: \(reader.blocks.count)")
        for (index, entry) in reader.series.enumerated() {
            let range = reader.ranges[index]
            print("series \(entry.key) (\(entry.type)): \(range.rowCount) rows, windows \(Timestamp(nanoseconds: range.windowStartMin)) .. \(Timestamp(nanoseconds: range.windowStartMax))")
            guard !summary else { continue }
            for row in rows where Int(row.seriesIndex) == index {
                print("  " + describe(row, window: window))
            }
        }
    }

    /// The manifest's version, totals by level and resolution, and (unless `--summary`) every
    /// file by partition and day.
    func printManifest(_ state: ManifestState) throws {
        let files = state.files.values.sorted { ($0.partition, $0.day, $0.group, $0.resolution) < ($1.partition, $1.day, $1.group, $1.resolution) }
        print("manifest: \(file)  version \(state.version)  files \(files.count)  bytes \(files.reduce(0) { $0 + $1.bytes })")
        for (level, group) in Dictionary(grouping: files, by: \.level).sorted(by: { $0.key < $1.key }) {
            print("level \(level)\(level == 0 ? " (as sealed)" : ""): \(group.count) files, \(group.reduce(0) { $0 + $1.bytes }) bytes, \(group.reduce(0) { $0 + $1.rows }) rows")
        }
        for (resolution, group) in Dictionary(grouping: files, by: \.resolution).sorted(by: { $0.key < $1.key }) {
            print("resolution \(Step(nanoseconds: resolution)!): \(group.count) files, \(group.reduce(0) { $0 + $1.bytes }) bytes, \(group.reduce(0) { $0 + $1.rows }) rows")
        }
        guard !summary else { return }
        for entry in files {
            let day = String(RFC3339.format(Timestamp(nanoseconds: entry.day * 86_400_000_000_000)).prefix(10))
            print("p\(entry.partition) \(day) level \(entry.level) \(Step(nanoseconds: entry.resolution)!): \(entry.name)  \(entry.rows) rows  \(entry.bytes) bytes")
        }
    }

    func describe(_ row: WindowRow, window: Step) -> String {
        let state = row.state
        let stats: [Stat] = [.count, .sum, .avg, .min, .max, .stddev, .first, .last, .quantile(0.5), .quantile(0.99)]
        let values = stats.map { stat in
            "\(stat)=" + (state.value(of: stat, windowLength: window).map { "\($0)" } ?? "-")
        }
        return "\(Timestamp(nanoseconds: row.windowStart)) " + values.joined(separator: " ")
    }
}
