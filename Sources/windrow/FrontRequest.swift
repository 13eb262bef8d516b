import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A command's HTTP call to a front node, with failures in words: a refused connection says
/// so and names the address, instead of a raw `NSURLErrorDomain` dump.
enum FrontRequest {
    /// Sends `request` (with `token` as a bearer token when given) and returns the body and status.
    static func send(_ request: URLRequest, token: String = "", timeoutSeconds: Double = 30) async throws(CommandError) -> (body: Data, status: Int) {
        var request = request
        request.timeoutInterval = timeoutSeconds
        if !token.isEmpty { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let address = request.url.map { "\($0.scheme ?? "http")://\($0.host ?? "?")\($0.port.map { ":\($0)" } ?? "")" } ?? "the front node"
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            return (data, (response as? HTTPURLResponse)?.statusCode ?? 0)
        } catch let error as URLError {
            switch error.code {
            case .cannotConnectToHost, .networkConnectionLost, .notConnectedToInternet:
                throw CommandError("cannot connect to \(address): connection refused; is the front node running there? (--url or WINDROW_URL)")
            case .cannotFindHost, .dnsLookupFailed:
                throw CommandError("cannot find the host of \(address); check --url")
            case .timedOut:
                throw CommandError("\(address) did not answer within \(Int(timeoutSeconds)) s")
            case .badURL, .unsupportedURL:
                throw CommandError("'\(request.url?.absoluteString ?? "")' is not a usable URL; --url takes http://HOST:PORT")
            default:
                throw CommandError("the request to \(address) failed: \(error.localizedDescription)")
            }
        } catch {
            throw CommandError("the request to \(address) failed: \(error.localizedDescription)")
        }
    }

    /// The `error` field of a JSON error body, or the body itself, for messages.
    static func errorMessage(_ body: Data) -> String {
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any], let message = object["error"] as? String { return message }
        let text = String(decoding: body.prefix(300), as: UTF8.self)
        return text.isEmpty ? "(no body)" : text
    }
}

/// A command that failed while it ran: one line on standard error, exit status 1.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
