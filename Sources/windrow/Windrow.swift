import ArgumentParser
import Foundation
import Runtime

/// The `windrow` executable: one subcommand per role or tool, each a thin layer over library code.
@main
struct Windrow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "windrow",
        abstract: "A distributed map-reduce stream aggregation cluster for metrics.",
        discussion: """
            Every flag can also come from an environment variable WINDROW_<FLAG> (--http-port: WINDROW_HTTP_PORT) or from \
            a config file, --config FILE, given before or after the subcommand: lines of 'flag = value' (http-port = 8080; \
            '#' starts a comment). A flag on the command line wins over the variable, which wins over the file, which wins \
            over the built-in default.

            Times (--from, --to) take RFC 3339, a date (2026-01-01), epoch milliseconds, now, now-1h or -1h.

            Exit status: 0 on success, 1 when the command fails (one line on standard error says why), 64 for a wrong flag \
            (with the usage).
            """,
        version: BuildInfo.version,
        subcommands: [LocalCommand.self, CoordinatorCommand.self, MapperCommand.self, ReducerCommand.self, FrontCommand.self,
                      ProduceCommand.self, QueryCommand.self, InspectCommand.self, ScaleCommand.self, DrainCommand.self]
    )

    /// Applies `--config FILE` (as environment defaults), parses, and runs. A flag that cannot be
    /// parsed gets the usage and exit status 64; a command that fails while it runs gets one
    /// line on standard error and exit status 1.
    static func main() async {
        ProcessMemory.limitAllocatorArenas()
        let arguments: [String]
        do {
            arguments = try ConfigFile.applying(to: Array(CommandLine.arguments.dropFirst()))
        } catch {
            fail("windrow", error)
        }
        let command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            exit(withError: error)
        }
        do {
            if var asynchronous = command as? AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                var synchronous = command
                try synchronous.run()
            }
        } catch let error where String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") {
            // Help, version, exit codes: ArgumentParser's own answers.
            exit(withError: error)
        } catch {
            let name = type(of: command).configuration.commandName ?? ""
            fail(name == "windrow" ? name : "windrow " + name, error)
        }
    }

    /// Prints `what: error` as one line on standard error and exits with status 1.
    static func fail(_ what: String, _ error: any Error) -> Never {
        let message = "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
        FileHandle.standardError.write(Data("\(what): \(message)\n".utf8))
        Foundation.exit(1)
    }
}
