import Foundation
import Logging
import Synchronization

/// Starts child processes, restarts any that exits unexpectedly (after a short back-off), and
/// stops them all with SIGTERM (SIGKILL after a grace period) when asked.
public final class Supervisor: Sendable {
    struct Child {
        var spec: ChildSpec
        var process: Process?
        /// Restarts since the child last ran for `stableSeconds`: the back-off grows with it.
        var restarts = 0
        var startedAt = Date()
        /// Stopped for good (a reducer that drained): never restarted.
        var retired = false
    }

    /// A child that ran this long before it exited is restarted at once, as if for the first time.
    static let stableSeconds: TimeInterval = 30

    let executable: String
    let logger: Logger
    private let children: Mutex<[Child]>
    private let stopping = Atomic<Bool>(false)

    public init(executable: String, children specs: [ChildSpec], logger: Logger) {
        self.executable = executable
        self.logger = logger
        children = Mutex(specs.map { Child(spec: $0) })
    }

    /// Starts every child, in order.
    public func start() throws {
        let count = children.withLock { $0.count }
        for index in 0..<count { try launch(index) }
    }

    private func launch(_ index: Int) throws {
        let spec = children.withLock { $0[index].spec }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = spec.arguments
        // Children end with the supervisor, even when it is killed with SIGKILL (RoleRunner
        // asks the kernel for a SIGTERM when this process dies).
        let environment = spec.environment.merging(["WINDROW_SUPERVISOR_PID": String(getpid())]) { _, added in added }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        process.terminationHandler = { [self] finished in
            guard !stopping.load(ordering: .acquiring), !children.withLock({ $0[index].retired }) else { return }
            let restarts = children.withLock { state -> Int in
                if Date().timeIntervalSince(state[index].startedAt) >= Self.stableSeconds { state[index].restarts = 0 }
                state[index].restarts += 1
                return state[index].restarts
            }
            logger.warning("\(spec.name) exited with status \(finished.terminationStatus); restarting (restart \(restarts))")
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(min(5000, 200 * (restarts - 1)))) { [self] in
                guard !stopping.load(ordering: .acquiring), !children.withLock({ $0[index].retired }) else { return }
                do { try launch(index) } catch { logger.error("cannot restart \(spec.name): \(error)") }
            }
        }
        try process.run()
        children.withLock {
            $0[index].process = process
            $0[index].startedAt = Date()
        }
        logger.debug("started \(spec.name) (pid \(process.processIdentifier)): windrow \(spec.arguments.joined(separator: " "))")
    }

    /// Starts one more child (a reducer a scale request asked for); one of the same name that
    /// was retired is started again.
    public func add(_ spec: ChildSpec) throws {
        let index = children.withLock { state -> Int in
            if let known = state.firstIndex(where: { $0.spec.name == spec.name }) {
                state[known] = Child(spec: spec)
                return known
            }
            state.append(Child(spec: spec))
            return state.count - 1
        }
        try launch(index)
    }

    /// Stops a child for good (SIGTERM, SIGKILL after `graceSeconds`), off the caller's thread.
    public func retire(_ name: String, graceSeconds: Double = 15) {
        let process = children.withLock { state -> Process? in
            guard let index = state.firstIndex(where: { $0.spec.name == name }) else { return nil }
            state[index].retired = true
            return state[index].process
        }
        guard let process, process.isRunning else { return }
        logger.info("stopping \(name): it drained and left the map")
        kill(process.processIdentifier, SIGTERM)
        DispatchQueue.global().asyncAfter(deadline: .now() + graceSeconds) {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }

    /// The names of the children that run (not retired).
    public var running: Set<String> {
        children.withLock { Set($0.filter { !$0.retired }.map(\.spec.name)) }
    }

    /// The process id of a running child, by name (for tests and operators).
    public func pid(of name: String) -> Int32? {
        children.withLock { state in state.first { $0.spec.name == name }?.process?.processIdentifier }
    }

    /// Stops every child in reverse start order (front and mappers before reducers, the
    /// coordinator last), each given up to `graceSeconds` to flush before it is killed.
    public func stop(graceSeconds: Double = 15) {
        stopping.store(true, ordering: .releasing)
        let processes = children.withLock { $0.compactMap(\.process) }
        for process in processes.reversed() where process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(graceSeconds)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            if process.isRunning {
                logger.warning("pid \(process.processIdentifier) did not stop in time; killing it")
                kill(process.processIdentifier, SIGKILL)
            }
        }
    }
}
