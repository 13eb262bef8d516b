import Foundation

/// JSON bodies of control calls (heartbeats, acknowledgements): small and rare, so readable
/// beats compact here. Data (samples, partials, query rows) always travels in binary frames.
public enum JSONWire {
    public static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}
