internal import ManifoldCore

/// One token of a JMESPath expression, with the offset (in Unicode scalars) where it starts.
struct JMESPathToken: Sendable {
    enum Kind: Sendable, Equatable {
        case identifier(String)  // unquoted
        case quotedIdentifier(String)
        case rawString(String)  // 'text'
        case literal(JSONValue)  // `json`
        case number(Int)
        case dot, star, comma, colon, pipe
        case or, and, not
        case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual
        case flatten  // []
        case filter  // [?
        case leftBracket, rightBracket, leftBrace, rightBrace, leftParen, rightParen
        case current  // @
        case expressionReference  // &
        case end
    }

    var kind: Kind
    var position: Int

    /// How tightly the token binds to the expression on its left; tokens that cannot continue
    /// an expression bind with 0. The values are those of the reference implementation
    /// (jmespath.py), which the spec's grammar leaves implicit.
    var bindingPower: Int {
        switch kind {
        case .pipe: 1
        case .or: 2
        case .and: 3
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: 5
        case .flatten: 9
        case .star: 20
        case .filter: 21
        case .dot: 40
        case .not: 45
        case .leftBrace: 50
        case .leftBracket: 55
        case .leftParen: 60
        default: 0
        }
    }

    /// How the token reads in an error message.
    var spelling: String {
        switch kind {
        case .identifier(let name): "identifier '\(name)'"
        case .quotedIdentifier(let name): "quoted identifier \"\(name)\""
        case .rawString: "raw string"
        case .literal: "literal"
        case .number(let value): "number \(value)"
        case .dot: "'.'"
        case .star: "'*'"
        case .comma: "','"
        case .colon: "':'"
        case .pipe: "'|'"
        case .or: "'||'"
        case .and: "'&&'"
        case .not: "'!'"
        case .equal: "'=='"
        case .notEqual: "'!='"
        case .less: "'<'"
        case .lessOrEqual: "'<='"
        case .greater: "'>'"
        case .greaterOrEqual: "'>='"
        case .flatten: "'[]'"
        case .filter: "'[?'"
        case .leftBracket: "'['"
        case .rightBracket: "']'"
        case .leftBrace: "'{'"
        case .rightBrace: "'}'"
        case .leftParen: "'('"
        case .rightParen: "')'"
        case .current: "'@'"
        case .expressionReference: "'&'"
        case .end: "end of expression"
        }
    }
}
