import Foundation

/// A fresh directory under the system's temporary folder for one test; `remove()` deletes it.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init(_ prefix: String = "windrow-test") {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UInt64.random(in: 0...UInt64.max))")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    /// Deletes the directory and its contents.
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
