/// One child process of `windrow local`: a name and the arguments of the `windrow` subcommand.
public struct ChildSpec: Sendable {
    public var name: String
    public var arguments: [String]

    public init(name: String, arguments: [String]) {
        self.name = name
        self.arguments = arguments
    }
}
