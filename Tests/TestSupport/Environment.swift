#if canImport(Glibc)
import Glibc
#endif

/// Test budgets read from the environment (seeds, iterations), so CI can bound them and a
/// developer can raise them or replay one seed.
public enum Environment {
    /// The integer value of variable `name`, when set and valid.
    public static func integer(_ name: String) -> Int? {
        guard let raw = getenv(name) else { return nil }
        return Int(String(cString: raw))
    }
}
