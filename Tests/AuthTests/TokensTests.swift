import Auth
import Foundation
import Testing

@Suite struct TokensTests {
    func withFile(_ text: String, _ body: (String) throws -> Void) throws {
        let path = NSTemporaryDirectory() + "windrow-tokens-\(UInt64.random(in: 0...UInt64.max))"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try body(path)
    }

    @Test func fileAndEnvironmentTogether() throws {
        try withFile("# comment\n\nw-token write   # trailing comment\nr-token read\nboth read,write\n") { path in
            let tokens = try Tokens.load(file: path, environment: "env-admin=admin;env-w=write")
            #expect(tokens.isEnabled)
            #expect(tokens.scopes(of: "w-token") == [.write])
            #expect(tokens.scopes(of: "both") == [.read, .write])
            #expect(tokens.scopes(of: "env-admin") == [.admin])
            #expect(tokens.scopes(of: "w-toke") == nil)
            #expect(tokens.scopes(of: "w-tokenx") == nil)
            #expect(tokens.scopes(of: "") == nil)
        }
    }

    @Test func decisionsPerScope() {
        let tokens = Tokens(entries: [("w", [.write]), ("r", [.read]), ("a", [.admin])])
        for (token, scope, expected) in [
            ("w", Scope.write, AuthDecision.allowed), ("w", .read, .forbidden), ("r", .read, .allowed), ("r", .write, .forbidden),
            ("a", .write, .allowed), ("a", .read, .allowed), ("x", .write, .unauthorized),
        ] {
            #expect(tokens.check(Array(token.utf8), needs: scope) == expected, "\(token) needing \(scope)")
        }
        #expect(tokens.check(nil, needs: .read) == .unauthorized)
        #expect(Tokens(entries: []).check(nil, needs: .write) == .allowed)
    }

    @Test func badConfigurationNamesTheProblem() throws {
        try withFile("good write\nno-scope\n") { path in
            #expect { try Tokens.load(file: path, environment: nil) } throws: { "\($0)".contains(":2: expected 'TOKEN SCOPE[,SCOPE]'") }
        }
        try withFile("t delete\n") { path in
            #expect { try Tokens.load(file: path, environment: nil) } throws: { "\($0)".contains("unknown scope 'delete'") }
        }
        #expect { try Tokens.load(file: "", environment: "missing-equals") } throws: { "\($0)".contains("WINDROW_TOKENS") }
        #expect { try Tokens.load(file: "/nonexistent/tokens", environment: nil) } throws: { "\($0)".contains("cannot read tokens file") }
        #expect(try !Tokens.load(file: "", environment: nil).isEnabled)
    }
}
