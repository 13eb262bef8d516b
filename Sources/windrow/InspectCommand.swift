import ArgumentParser

struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Verify a shard file and print its header, series and rows.")
    @Argument(help: "The shard file.") var file: String
    func run() async throws {}
}
