import Foundation

/// Ports chosen for a local cluster's internal endpoints, remembered in a file of the data
/// directory so that every restart uses the same ones.
struct PortBook {
    let path: String
    private var ports: [String: Int]

    init(path: String) {
        self.path = path
        ports = FileManager.default.contents(atPath: path).flatMap { try? JSONDecoder().decode([String: Int].self, from: $0) } ?? [:]
    }

    /// The port remembered for `name`, or a free one (remembered from now on).
    mutating func port(for name: String) -> Int {
        if let known = ports[name] { return known }
        var port = FreePort.next()
        while ports.values.contains(port) { port = FreePort.next() }
        ports[name] = port
        return port
    }

    func save() {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try? encoder.encode(ports).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
