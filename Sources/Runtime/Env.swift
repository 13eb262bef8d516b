import Foundation

/// Defaults for command-line flags from `WINDROW_<FLAG>` environment variables (for
/// Kubernetes): a flag given on the command line wins over the variable, which wins over the
/// built-in default.
public enum Env {
    /// `WINDROW_<name>` (name in upper case with underscores), or `fallback`.
    public static func string(_ name: String, _ fallback: String) -> String {
        ProcessInfo.processInfo.environment["WINDROW_" + name] ?? fallback
    }

    public static func int(_ name: String, _ fallback: Int) -> Int {
        ProcessInfo.processInfo.environment["WINDROW_" + name].flatMap(Int.init) ?? fallback
    }

    public static func double(_ name: String, _ fallback: Double) -> Double {
        ProcessInfo.processInfo.environment["WINDROW_" + name].flatMap(Double.init) ?? fallback
    }
}
