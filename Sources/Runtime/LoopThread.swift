import Foundation
import ServiceLifecycle

/// A service that runs a blocking loop (a role's ZeroMQ event loop) on a thread of its own,
/// and asks it to stop on graceful shutdown (SIGTERM, SIGINT). `run()` returns when the loop
/// has finished its last work (flushing what is in flight).
public final class LoopThread: Service, Sendable {
    public let name: String
    public let stopFlag = StopFlag()
    private let body: @Sendable (StopFlag) -> Void
    /// Called from any thread to make the loop notice the stop promptly.
    private let onStop: @Sendable () -> Void

    public init(name: String, onStop: @escaping @Sendable () -> Void = {}, body: @escaping @Sendable (StopFlag) -> Void) {
        self.name = name
        self.body = body
        self.onStop = onStop
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let thread = Thread { [self] in
                    body(stopFlag)
                    continuation.resume()
                }
                thread.name = name
                thread.stackSize = 8 << 20
                thread.start()
            }
        } onGracefulShutdown: { [self] in
            stopFlag.stop()
            onStop()
        }
    }
}
