import Auth
import Foundation
import Hummingbird

/// Bearer-token checks when tokens are configured: ingest needs `write`, queries need `read`,
/// draining and scaling reducers need `admin` (which may do everything); `/healthz`, `/readyz`, `/ping`, `/api/v2/ping`, `/health`, the page, its
/// charting library and the OpenAPI document stay open.
/// Accepted forms: `Authorization: Bearer T`, `Authorization: Token T` (InfluxDB 2 clients),
/// `Authorization: Basic base64(user:T)` and `?u=…&p=T` (InfluxDB 1 clients; the user name is
/// not checked) and `?access_token=T` (browsers' EventSource).
/// `401` without a valid token, `403` with one of the wrong scope.
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokens: Tokens
    /// Paths that need `write` on this server besides the front's ingest routes (the OTLP port's).
    var writePaths: Set<String> = []

    static func requiredScope(method: HTTPRequest.Method, path: String) -> Scope? {
        switch (method, path) {
        case (.post, "/v1/metrics"), (.post, "/write"), (.post, "/api/v2/write"), (.post, "/query"), (.post, "/api/v1/write"),
             (.post, "/opentelemetry/v1/metrics"): .write
        case (.post, "/v1/cluster/drain"), (.post, "/v1/cluster/reducers"): .admin
        case (_, "/healthz"), (_, "/readyz"), (_, "/ping"), (_, "/api/v2/ping"), (_, "/health"), (_, "/"), (_, "/openapi.json"),
             (_, "/assets/dygraph.min.js"), (_, "/assets/dygraph.min.css"): nil
        default: .read
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let needed = writePaths.contains(request.uri.path) ? .write : Self.requiredScope(method: request.method, path: request.uri.path)
        guard tokens.isEnabled, let needed else {
            return try await next(request, context)
        }
        switch tokens.check(Self.token(of: request).map { Array($0.utf8) }, needs: needed) {
        case .allowed:
            return try await next(request, context)
        case .unauthorized:
            var response = FrontHandlers.error(.unauthorized, "a valid bearer token is required (Authorization: Bearer TOKEN)")
            response.headers[.wwwAuthenticate] = "Bearer realm=\"windrow\""
            return response
        case .forbidden:
            return FrontHandlers.error(.forbidden, "this token lacks the '\(needed.rawValue)' scope")
        }
    }

    static func token(of request: Request) -> String? {
        if let header = request.headers[.authorization] {
            for prefix in ["Bearer ", "Token ", "bearer ", "token "] where header.hasPrefix(prefix) {
                return String(header.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
            }
            for prefix in ["Basic ", "basic "] where header.hasPrefix(prefix) {
                guard let decoded = Data(base64Encoded: String(header.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)),
                      let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":") else { return nil }
                return String(text[text.index(after: colon)...])
            }
        }
        let query = request.uri.queryParameters
        return query.get("p") ?? query.get("access_token")
    }
}
