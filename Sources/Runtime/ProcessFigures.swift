#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The standard `process_*` figures every Prometheus client library exports, read from
/// `/proc/self` at each scrape: CPU seconds, resident and virtual memory, open and most
/// descriptors, start time.
public enum ProcessFigures {
    /// Seconds since the epoch at which the system booted (`btime` of `/proc/stat`).
    static let bootTime: Double = {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return 0
    }()

    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    static let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))

    /// The figures in the text exposition format (empty where `/proc` is not available).
    public static func exposition() -> String {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return "" }
        // Fields after the command name, from field 3 (state) on.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 22, let user = Double(fields[11]), let system = Double(fields[12]), let start = Double(fields[19]),
              let virtual = Double(fields[20]), let resident = Double(fields[21]) else { return "" }
        let openDescriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        var text = ""
        func figure(_ name: String, _ type: String, _ help: String, _ value: Double) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(value)\n"
        }
        figure("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", (user + system) / ticksPerSecond)
        figure("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", resident * pageSize)
        figure("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", virtual)
        figure("process_open_fds", "gauge", "Number of open file descriptors.", Double(max(0, openDescriptors - 1)))
        figure("process_max_fds", "gauge", "Maximum number of open file descriptors.", Double(limit.rlim_cur))
        figure("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", bootTime + start / ticksPerSecond)
        return text
    }
}
