import Aggregation
import ArgumentParser
import Model
import Storage

/// `windrow inspect FILE`: verifies every checksum of a shard file and prints its contents.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Verify a shard file's checksums and print its header, series and rows.")

    @Argument(help: "The shard file to check.")
    var file: String

    @Flag(help: "Print only the header and the series, not every row.")
    var summary = false

    func run() throws {
        let reader: ShardReader
        let rows: [WindowRow]
        do {
            reader = try ShardReader(path: file)
            rows = try reader.verify()
        } catch {
            throw ValidationError("\(error)")
        }
        let window = Step(nanoseconds: reader.metadata.windowNanoseconds)!
        let accuracy = reader.metadata.sketchMapping.map { "\($0.relativeAccuracy * 100)%" } ?? "none"
        print("file: \(file)")
        print("status: ok (header, footer, index and \(reader.blocks.count) blocks verified)")
        print("partition: \(reader.metadata.partition)  window: \(window)  sketch accuracy: \(accuracy)")
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

    func describe(_ row: WindowRow, window: Step) -> String {
        let state = row.state
        let stats: [Stat] = [.count, .sum, .avg, .min, .max, .stddev, .first, .last, .quantile(0.5), .quantile(0.99)]
        let values = stats.map { stat in
            "\(stat)=" + (state.value(of: stat, windowLength: window).map { "\($0)" } ?? "-")
        }
        return "\(Timestamp(nanoseconds: row.windowStart)) " + values.joined(separator: " ")
    }
}
