/// What this build is, for `--version`, `windrow_build_info` and `/api/v1/status/buildinfo`.
public enum BuildInfo {
    /// The release version.
    public static let version = "0.3.0"
    /// The compiler it was built with.
    public static let swiftVersion: String = {
        #if compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #else
        "6"
        #endif
    }()
}
