public import ManifoldCore

/// A compiled JMESPath expression; compile once (at config load), evaluate many times.
///
/// Implements the JMESPath specification (https://jmespath.org/specification.html) and passes
/// every `result` and `error` case of its compliance suite. Values are ``JSONValue``s; a
/// quoted ``JSONNumber`` (a proto3 int64 rendered as `"42"`) is a number here, in `type()`,
/// comparisons and arithmetic alike.
///
/// Compiling rejects syntax errors, unknown functions and wrong argument counts, each with its
/// position. Nesting is limited to 128 levels, both in the expression and in the values it
/// builds, so that no expression, however hostile, can exhaust the stack: evaluation needs
/// about 200 KiB of it at worst in a release build. A compiled expression is immutable and
/// can be searched from any number of threads at once.
public struct JMESPath: Sendable {
    /// The source text, as compiled.
    public let expression: String
    /// The syntax tree that `search` walks.
    let root: JMESPathNode

    /// Compiles `expression`.
    ///
    /// - Throws: ``JMESPathError`` of kind `syntax`, `unknownFunction`, `invalidArity` or
    ///   `invalidValue` (a slice step of 0), with ``JMESPathError/position`` set.
    public init(_ expression: String) throws(JMESPathError) {
        self.expression = expression
        self.root = try JMESPathParser.parse(expression)
    }

    /// Evaluates the expression against `value`.
    ///
    /// - Throws: ``JMESPathError`` of kind `invalidType` when a function gets an argument of
    ///   the wrong type (or an `&expression` appears outside a function's arguments).
    public func search(_ value: JSONValue) throws(JMESPathError) -> JSONValue {
        try JMESPathInterpreter.evaluate(root, value)
    }
}

extension JMESPath {
    /// The keys of a top-level multi-select hash (`{id: path.id, page_size: \`3\`}`), in
    /// order; nil for any other expression. Lets config load check a request template's
    /// fields against the request message.
    public var objectKeys: [String]? {
        guard case .multiSelectHash(let members) = root.kind else { return nil }
        return members.map(\.key)
    }
}
