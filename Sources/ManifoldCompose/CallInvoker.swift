public import ManifoldCore

/// How the executor reaches backends: one call, JSON in and JSON out.
///
/// Compose owns this protocol and knows nothing of protobuf or HTTP/2; the gateway implements
/// it with the codec and the transport, the fixtures with in-process backends.
public protocol CallInvoker<Target>: Sendable {
    /// What the invoker needs to make one call (a method and its backend), chosen at load.
    associatedtype Target: Sendable

    /// Makes one call. Cancelling the calling task must cancel the call (and reset its
    /// stream), and `timeout` bounds it.
    func invoke(_ target: Target, request: JSONValue, timeout: Duration) async -> Result<JSONValue, CallFailure>
}
