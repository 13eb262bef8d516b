import Foundation
import Hummingbird
import Logging
import NIOCore

/// What the browser loads: the page and the OpenAPI document, resource files of this module
/// embedded at build time (`Resources/`), and the charting library, Debian's libjs-dygraphs,
/// served from where the package puts it (`--dygraphs-dir`), never copied into the project.
final class WebAssets: Sendable {
    /// The library's files the page loads, by the name it asks for.
    static let libraryFiles = ["dygraph.min.js": "text/javascript; charset=utf-8", "dygraph.min.css": "text/css; charset=utf-8"]

    let page = ByteBuffer(bytes: PackageResources.index_html)
    let openAPI = ByteBuffer(bytes: PackageResources.openapi_json)
    let directory: String
    /// The library's files as read at start, or why they could not be read.
    let library: [String: Result<ByteBuffer, LibraryMissing>]

    /// The library is not where `--dygraphs-dir` points.
    struct LibraryMissing: Error {
        let message: String
    }

    /// Reads the library's files once; a missing one is logged with what to do about it.
    init(dygraphsDirectory directory: String, logger: Logger) {
        self.directory = directory
        var library = [String: Result<ByteBuffer, LibraryMissing>]()
        for name in Self.libraryFiles.keys {
            let path = directory + "/" + name
            if let data = FileManager.default.contents(atPath: path) {
                library[name] = .success(ByteBuffer(bytes: data))
            } else {
                let message = "the charting library is missing: \(path) cannot be read; install Debian's libjs-dygraphs "
                    + "(apt-get install libjs-dygraphs) or point --dygraphs-dir at a directory holding dygraph.min.js and dygraph.min.css"
                library[name] = .failure(LibraryMissing(message: message))
                logger.warning("\(message)")
            }
        }
        self.library = library
    }

    /// Adds `GET /`, `GET /openapi.json` and `GET /assets/<library file>`.
    func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"], body: .init(byteBuffer: self.page))
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: self.openAPI))
        }
        for (name, type) in Self.libraryFiles {
            router.get("/assets/\(name)") { _, _ in
                switch self.library[name]! {
                case .success(let bytes):
                    return Response(status: .ok, headers: [.contentType: type, .cacheControl: "max-age=3600"], body: .init(byteBuffer: bytes))
                case .failure(let missing):
                    return FrontHandlers.error(.notFound, missing.message)
                }
            }
        }
    }
}
