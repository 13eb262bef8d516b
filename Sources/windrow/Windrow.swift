import ArgumentParser
import Foundation
import Runtime

/// The `windrow` executable: one subcommand per role or tool, each a thin layer over library code.
@main
struct Windrow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "windrow",
        abstract: "A distributed map-reduce stream aggregation cluster for metrics.",
        version: BuildInfo.version,
        subcommands: [LocalCommand.self, CoordinatorCommand.self, MapperCommand.self, ReducerCommand.self, FrontCommand.self,
                      ProduceCommand.self, QueryCommand.self, InspectCommand.self, ScaleCommand.self, DrainCommand.self]
    )

    /// Applies `--config FILE` (as environment defaults) before parsing.
    static func main() async {
        ProcessMemory.limitAllocatorArenas()
        do {
            await main(try ConfigFile.applying(to: Array(CommandLine.arguments.dropFirst())))
        } catch {
            FileHandle.standardError.write(Data("windrow: \(error)\n".utf8))
            Foundation.exit(64)
        }
    }
}

