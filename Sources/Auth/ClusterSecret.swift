import Foundation

/// The shared secret every internal socket requires (the coordinator, the reducers' partial
/// and query endpoints): the first line of a file, or `WINDROW_CLUSTER_SECRET`. `windrow local`
/// makes one per data directory; on Kubernetes it comes from a Secret.
public enum ClusterSecret {
    /// Shortest secret accepted, in bytes.
    public static let bytesMin = 16

    /// The secret from `file` (its first line) or else `environment`; `nil` when neither is set.
    public static func load(file: String, environment: String?) throws -> [UInt8]? {
        var text = environment ?? ""
        if !file.isEmpty {
            guard let contents = try? String(contentsOfFile: file, encoding: .utf8) else { throw TokensError("cannot read the cluster secret file \(file)") }
            text = String(contents.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
        }
        let secret = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        guard !secret.isEmpty else { return nil }
        guard secret.count >= bytesMin else {
            throw TokensError("the cluster secret is \(secret.count) bytes; at least \(bytesMin) are needed")
        }
        return secret
    }

    /// Whether `credential` is `secret`, in time that does not depend on where they differ.
    public static func matches(_ credential: [UInt8]?, _ secret: [UInt8]) -> Bool {
        guard let credential else { return false }
        return Tokens.constantTimeEqual(credential, secret)
    }

    /// A fresh random secret (64 hex digits), for `windrow local`.
    public static func generate() -> String {
        (0..<4).map { _ in
            let hex = String(UInt64.random(in: 0...UInt64.max), radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}
