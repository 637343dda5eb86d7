/// Why a JMESPath expression could not be compiled or evaluated.
///
/// Compiling reports what the expression alone shows: `syntax`, `unknownFunction`,
/// `invalidArity`, and `invalidValue` for a slice step of 0, each with the position of the
/// offending token. Evaluating reports what depends on the data: `invalidType`.
public struct JMESPathError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of error, spelled as the JMESPath compliance suite spells it.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        /// The suite's spelling, e.g. `"invalid-type"`.
        public let name: String

        private init(_ name: String) { self.name = name }

        /// The expression is not valid JMESPath.
        public static let syntax = Kind("syntax")
        /// A function was given an argument of the wrong type.
        public static let invalidType = Kind("invalid-type")
        /// A value is out of its allowed range (a slice step of 0).
        public static let invalidValue = Kind("invalid-value")
        /// A function was given too few or too many arguments.
        public static let invalidArity = Kind("invalid-arity")
        /// The expression calls a function JMESPath does not define.
        public static let unknownFunction = Kind("unknown-function")

        /// The suite's spelling, as ``name``.
        public var description: String { name }
    }

    /// What went wrong, in the compliance suite's terms.
    public var kind: Kind
    /// A human-readable explanation, e.g. `unexpected ']'` or
    /// `abs() argument 1 must be a number, got string`.
    public var message: String
    /// Character offset (0-based, in Unicode scalars) into the expression for syntax errors.
    ///
    /// Also set for the other errors found while compiling (an unknown function, a wrong
    /// number of arguments, a slice step of 0); `nil` for errors raised by evaluation.
    public var position: Int?

    /// Creates an error; `position` is a Unicode scalar offset into the expression.
    public init(kind: Kind, message: String, position: Int? = nil) {
        self.kind = kind
        self.message = message
        self.position = position
    }

    /// `syntax error at character 4: unexpected end of expression`.
    public var description: String {
        guard let position else { return "\(kind.name) error: \(message)" }
        return "\(kind.name) error at character \(position): \(message)"
    }
}

extension JMESPathError {
    static func syntax(_ message: String, at position: Int) -> JMESPathError {
        JMESPathError(kind: .syntax, message: message, position: position)
    }

    static func invalidType(_ message: String) -> JMESPathError {
        JMESPathError(kind: .invalidType, message: message)
    }
}
