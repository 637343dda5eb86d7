/// A plan that cannot run, found at config load: which call (or response) and why.
public struct ComposeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where: a call's name and the option (`stock.request`), or `respond.web`.
    public var location: String
    public var message: String
    /// Character offset into the expression, for syntax errors.
    public var position: Int?

    public init(location: String, message: String, position: Int? = nil) {
        self.location = location
        self.message = message
        self.position = position
    }

    public var description: String { "\(location): \(message)" }
}
