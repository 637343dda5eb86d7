public import ManifoldCore

/// Why one backend call of a plan failed, as a gRPC status.
public struct CallFailure: Error, Sendable, Equatable {
    public var code: GRPCStatusCode
    public var message: String

    public init(_ code: GRPCStatusCode, _ message: String) {
        self.code = code
        self.message = message
    }
}
