public import ManifoldCore

/// What a plan produced: the response body for the client, and the optional calls that
/// failed (their places in the context hold null).
public struct ComposeOutcome: Sendable {
    public var body: JSONValue
    /// In the order they failed; a call skipped because it read a failed one is here too.
    public var failures: [(call: String, failure: CallFailure)]
}

/// A required call failed: the request fails with that call's status.
public struct RequiredCallFailure: Error, Sendable {
    public var call: String
    public var failure: CallFailure
}
