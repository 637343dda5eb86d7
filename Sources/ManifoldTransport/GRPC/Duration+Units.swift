extension Duration {
    /// Whole nanoseconds, as NIO's `TimeAmount` and gRPC's `grpc-timeout` count them.
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }

    /// Seconds as a floating-point number, for backoff arithmetic.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
