public import ManifoldCore

/// Why a backend call failed, as a gRPC status.
///
/// Failures the backend reported (`grpc-status` in its trailers) and failures found here
/// (a refused connection, an expired deadline, a malformed frame) share this shape, so every
/// caller maps one thing to an HTTP error. `fromServer` tells them apart for logs and metrics.
public struct TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: GRPCStatusCode
    public var message: String
    /// Whether the backend sent this status, rather than Manifold concluding it.
    public var fromServer: Bool
    /// Trailing metadata the backend sent with the status, if any.
    public var trailers: [HeaderField]

    public init(_ code: GRPCStatusCode, _ message: String, fromServer: Bool = false, trailers: [HeaderField] = []) {
        self.code = code
        self.message = message
        self.fromServer = fromServer
        self.trailers = trailers
    }

    public var description: String { "\(code.name): \(message)" }
}
