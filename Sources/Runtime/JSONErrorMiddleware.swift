import Foundation
import Hummingbird

/// Answers every error the router raises itself (an unknown path, a method a path does not
/// take) with a JSON body, `{"error": "..."}`, like every other error of the HTTP API, and
/// counts the unknown routes. Every role's HTTP server has it.
public struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let unknownRoute: @Sendable () -> Void

    /// `unknownRoute` is called for each request whose path or method is not served.
    public init(unknownRoute: @escaping @Sendable () -> Void) {
        self.unknownRoute = unknownRoute
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPResponseError {
            let status = error.status
            let message: String
            switch status {
            case .notFound:
                unknownRoute()
                message = "no route \(request.method) \(request.uri.path): the routes are listed at /openapi.json on the front node"
            case .methodNotAllowed:
                unknownRoute()
                message = "\(request.uri.path) does not take \(request.method): the routes are listed at /openapi.json on the front node"
            default:
                message = (error as? HTTPError)?.body ?? "\(status.code) \(status.reasonPhrase)"
            }
            var headers: HTTPFields = [.contentType: "application/json"]
            for field in (error as? HTTPError)?.headers ?? [:] where field.name != .contentType && field.name != .contentLength {
                headers.append(field)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            let body = (try? encoder.encode(["error": message])) ?? Data("{}".utf8)
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
}
