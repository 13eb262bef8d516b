import Hummingbird

/// Answers every error the router raises itself (an unknown path, a method a path does not
/// take) with the same JSON body as the handlers' errors, `{"error": "..."}`, and counts it.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: FrontMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPResponseError {
            let status = error.status
            let message: String
            switch status {
            case .notFound:
                metrics.unknownRoutes.increment()
                message = "no route \(request.method) \(request.uri.path): the routes are listed at /openapi.json"
            case .methodNotAllowed:
                metrics.unknownRoutes.increment()
                message = "\(request.uri.path) does not take \(request.method): the routes are listed at /openapi.json"
            default:
                message = (error as? HTTPError)?.body ?? "\(status.code) \(status.reasonPhrase)"
            }
            var response = FrontHandlers.error(status, message)
            for field in (error as? HTTPError)?.headers ?? [:] where field.name != .contentType && field.name != .contentLength {
                response.headers.append(field)
            }
            return response
        }
    }
}
