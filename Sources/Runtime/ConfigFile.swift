import Foundation

/// `--config FILE`: lines of `flag = value` (`flush-interval-ms = 250`, `#` starts a comment)
/// that act as `WINDROW_<FLAG>` environment variables. Precedence: command-line flag, then
/// environment variable, then config file, then built-in default.
public enum ConfigFile {
    /// Removes `--config FILE` from `arguments` and exports the file's settings.
    public static func applying(to arguments: [String]) throws -> [String] {
        guard let position = arguments.firstIndex(of: "--config") else { return arguments }
        guard position + 1 < arguments.count else { throw ConfigFileError("--config needs a file") }
        let path = arguments[position + 1]
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigFileError("cannot read config file \(path)")
        }
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first?.trimmingCharacters(in: .whitespaces) ?? ""
            guard !line.isEmpty else { continue }
            guard let equals = line.firstIndex(of: "=") else { throw ConfigFileError("\(path):\(number + 1): expected 'flag = value'") }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
                throw ConfigFileError("\(path):\(number + 1): '\(key)' is not a flag name")
            }
            setenv("WINDROW_" + key.uppercased().replacingOccurrences(of: "-", with: "_"), value, 0)
        }
        var remaining = arguments
        remaining.removeSubrange(position...(position + 1))
        return remaining
    }
}

/// A config file that cannot be used, with the reason.
public struct ConfigFileError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
