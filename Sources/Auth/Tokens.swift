import Foundation

/// What a bearer token may do.
public enum Scope: String, Sendable, CaseIterable {
    /// Ingest: `POST /v1/metrics`, `/write`, `/api/v2/write`, and batches sent to mappers over ZeroMQ.
    case write
    /// Queries: `/v1/query`, `GET /v1/metrics`, `/v1/stream`, `/v1/cluster`, `/metrics`.
    case read
    /// Everything.
    case admin
}

/// The configured bearer tokens. Lines of a tokens file are `TOKEN SCOPE[,SCOPE]` (`#` starts a
/// comment); the `WINDROW_TOKENS` variable holds the same as `TOKEN=SCOPE[,SCOPE];...` (for a
/// Kubernetes Secret). Lookups compare every token in constant time.
public struct Tokens: Sendable {
    private let entries: [(token: [UInt8], scopes: Set<Scope>)]

    /// Whether any token is configured (no token: authentication is off).
    public var isEnabled: Bool { !entries.isEmpty }

    public init(entries: [(String, Set<Scope>)]) {
        self.entries = entries.map { (Array($0.0.utf8), $0.1) }
    }

    /// Reads `file` (when not empty) and `environment` (`TOKEN=SCOPE,SCOPE;...`).
    public static func load(file: String, environment: String?) throws -> Tokens {
        var entries = [(String, Set<Scope>)]()
        if !file.isEmpty {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw TokensError("cannot read tokens file \(file)") }
            for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0].trimmingCharacters(in: .whitespaces)
                guard !line.isEmpty else { continue }
                let parts = line.split(separator: " ", omittingEmptySubsequences: true)
                guard parts.count == 2 else { throw TokensError("\(file):\(number + 1): expected 'TOKEN SCOPE[,SCOPE]'") }
                entries.append((String(parts[0]), try scopes(parts[1], where: "\(file):\(number + 1)")))
            }
        }
        for pair in (environment ?? "").split(separator: ";") where !pair.isEmpty {
            guard let equals = pair.firstIndex(of: "=") else { throw TokensError("WINDROW_TOKENS: expected TOKEN=SCOPE[,SCOPE]") }
            entries.append((String(pair[..<equals]), try scopes(pair[pair.index(after: equals)...], where: "WINDROW_TOKENS")))
        }
        return Tokens(entries: entries)
    }

    static func scopes(_ text: Substring, where location: String) throws -> Set<Scope> {
        var result = Set<Scope>()
        for name in text.split(separator: ",") {
            guard let scope = Scope(rawValue: String(name)) else { throw TokensError("\(location): unknown scope '\(name)'; use write, read or admin") }
            result.insert(scope)
        }
        return result
    }

    /// The scopes of `token`, or `nil` when it is not configured.
    public func scopes(of token: String) -> Set<Scope>? {
        scopes(of: Array(token.utf8))
    }

    /// The scopes of the token given as bytes, or `nil` when it is not configured.
    public func scopes(of given: [UInt8]) -> Set<Scope>? {
        var found: Set<Scope>?
        for entry in entries where Self.constantTimeEqual(entry.token, given) {
            found = entry.scopes
        }
        return found
    }

    /// Whether `token` may do what `needed` allows: `.allowed` when authentication is off or
    /// the token has the scope (or `admin`), otherwise why not.
    public func check(_ token: [UInt8]?, needs needed: Scope) -> AuthDecision {
        guard isEnabled else { return .allowed }
        guard let token, let scopes = scopes(of: token) else { return .unauthorized }
        return scopes.contains(needed) || scopes.contains(.admin) ? .allowed : .forbidden
    }

    /// Compares without stopping at the first difference.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}

/// A tokens file or variable that cannot be used.
public struct TokensError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The outcome of checking a token against a needed scope.
public enum AuthDecision: String, Sendable {
    case allowed
    /// No token, or one that is not configured (HTTP `401`).
    case unauthorized
    /// A configured token without the needed scope (HTTP `403`).
    case forbidden
}
