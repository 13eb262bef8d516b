/// One child process of `windrow local`: a name, the arguments of the `windrow` subcommand and
/// environment variables added to the supervisor's own (for secrets, which `ps` would show as
/// arguments).
public struct ChildSpec: Sendable {
    public var name: String
    public var arguments: [String]
    public var environment: [String: String]

    public init(name: String, arguments: [String], environment: [String: String] = [:]) {
        self.name = name
        self.arguments = arguments
        self.environment = environment
    }
}
