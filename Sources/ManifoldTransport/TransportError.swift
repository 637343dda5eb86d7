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
    /// Whether the request certainly never reached the backend's application (a refused
    /// stream, no connection), so sending it again elsewhere cannot run it twice.
    public var isRetrySafe: Bool

    public init(_ code: GRPCStatusCode, _ message: String, fromServer: Bool = false, trailers: [HeaderField] = [], isRetrySafe: Bool = false) {
        self.code = code
        self.message = message
        self.fromServer = fromServer
        self.trailers = trailers
        self.isRetrySafe = isRetrySafe
    }

    /// This error, marked safe to retry.
    func retrySafe() -> TransportError {
        var copy = self
        copy.isRetrySafe = true
        return copy
    }

    public var description: String { "\(code.name): \(message)" }
}
