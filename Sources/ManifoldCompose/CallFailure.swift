public import ManifoldCore

/// Why one backend call of a plan failed, as a gRPC status.
public struct CallFailure: Error, Sendable, Equatable {
    public var code: GRPCStatusCode
    /// What the client is told.
    public var message: String
    /// What only the gateway's log is told: addresses and internals a client must not see
    /// (nil when `message` says it all).
    public var detail: String?

    public init(_ code: GRPCStatusCode, _ message: String, detail: String? = nil) {
        self.code = code
        self.message = message
        self.detail = detail
    }
}
