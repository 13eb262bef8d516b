/// ZeroMQ endpoint helpers.
public enum Endpoint {
    /// The address others should use for a bound endpoint: `tcp://0.0.0.0:5555` bound and host
    /// `10.0.0.7` give `tcp://10.0.0.7:5555`.
    public static func advertised(_ bound: String, host: String) -> String {
        guard let colon = bound.lastIndex(of: ":") else { return bound }
        return "tcp://\(host)\(bound[colon...])"
    }
}
