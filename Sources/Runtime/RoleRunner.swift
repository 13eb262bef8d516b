#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import ServiceLifecycle

/// Runs a role's services until SIGTERM or SIGINT, then shuts them down gracefully in reverse order.
public enum RoleRunner {
    public static func run(_ services: [any Service], logger: Logger) async throws {
        endWithSupervisor(logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }

    /// A child of `windrow local` (`WINDROW_SUPERVISOR_PID` set) stops gracefully (SIGTERM to
    /// itself) within half a second of its supervisor's death, however it died: a watchdog
    /// thread sees the parent change (`prctl` is variadic, so Swift cannot call it).
    static func endWithSupervisor(logger: Logger) {
        guard let raw = getenv("WINDROW_SUPERVISOR_PID"), let supervisor = Int32(String(cString: raw)) else { return }
        let watchdog = Thread {
            while getppid() == supervisor { usleep(200_000) }
            logger.error("the supervisor (pid \(supervisor)) is gone; stopping")
            kill(getpid(), SIGTERM)
        }
        watchdog.name = "supervisor-watchdog"
        watchdog.start()
    }
}
