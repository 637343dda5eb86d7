internal import ManifoldCore

/// Parses a JMESPath expression into a ``JMESPathNode`` tree by top-down operator precedence
/// (Pratt): each token has a "nud" meaning at the start of an expression and, if it binds to
/// its left (``JMESPathToken/bindingPower``), a "led" meaning after one.
///
/// The grammar follows the JMESPath specification, with the binding powers and the rules for
/// what may follow a projection taken from the reference implementation.
struct JMESPathParser {
    /// The deepest nesting accepted: how deeply the parser may recurse, how high a syntax
    /// tree may grow, and how many levels of nesting evaluation may add to a value
    /// (``JMESPathNode/growth``). The interpreter recurses once per level of the tree, and
    /// destroying or comparing a value recurses once per level of the value, so this bound is
    /// what keeps hostile expressions (`((((…`, `a[][][]…`, `@.[@].[@]…`) from exhausting the
    /// stack. It is the JSON parser's limit too, and ample for real templates: the deepest
    /// benchmark of the compliance suite nests 52 projections.
    ///
    /// At this depth a release build needs about 200 KiB of stack (measured on x86-64 Linux),
    /// comfortably inside the 512 KiB of a secondary thread on macOS.
    static let maxNesting = 128

    /// Projections stop at tokens binding more loosely than this (pipes, `||`, comparisons,
    /// `[]`), which then apply to the projection's result instead of each element.
    private static let projectionStop = 10

    private let tokens: [JMESPathToken]
    private var index = 0
    private var depth = 0

    private init(tokens: [JMESPathToken]) {
        self.tokens = tokens
    }

    /// The syntax tree of `expression`.
    static func parse(_ expression: String) throws(JMESPathError) -> JMESPathNode {
        var parser = JMESPathParser(tokens: try JMESPathLexer.tokenize(expression))
        let node = try parser.expression(0)
        guard parser.current.kind == .end else { throw unexpected(parser.current) }
        return node
    }

    // MARK: - Pratt loop

    private mutating func expression(_ rightBindingPower: Int) throws(JMESPathError) -> JMESPathNode {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxNesting else {
            throw .syntax("expression nested more than \(Self.maxNesting) levels deep", at: current.position)
        }
        let token = current
        advance()
        var left = try nud(token)
        // Steps of a chain (`a.b[0].c`) are gathered here rather than by rebuilding the chain
        // node once per step, which would make a long chain cost quadratic time.
        var chain: [JMESPathNode] = []
        while rightBindingPower < current.bindingPower {
            let token = current
            advance()
            if let step = try chainStep(after: token) {
                if chain.isEmpty { chain = Self.steps(of: left) }
                chain += Self.steps(of: step)
                continue
            }
            if !chain.isEmpty {
                left = try make(.subexpression(chain), at: token)
                chain = []
            }
            left = try led(token, left)
        }
        return chain.isEmpty ? left : try make(.subexpression(chain), at: token)
    }

    /// The next step of a chain when `token` starts one (`.name`, `.[…]`, `.{…}` or `[n]`), else
    /// nil with nothing consumed.
    private mutating func chainStep(after token: JMESPathToken) throws(JMESPathError) -> JMESPathNode? {
        switch token.kind {
        case .dot where current.kind != .star:
            return try dotRight(bindingPower: token.bindingPower)
        case .leftBracket where peek(1).kind != .colon:
            guard case .number(let index) = current.kind else { return nil }
            advance()
            try expect(.rightBracket)
            return JMESPathNode(.index(index))
        default:
            return nil
        }
    }

    private mutating func nud(_ token: JMESPathToken) throws(JMESPathError) -> JMESPathNode {
        switch token.kind {
        case .literal(let value):
            return try make(.literal(value), at: token)
        case .rawString(let string):
            return try make(.literal(.string(string)), at: token)
        case .identifier(let name):
            return try make(.field(name), at: token)
        case .quotedIdentifier(let name):
            guard current.kind != .leftParen else { throw .syntax("a function name cannot be quoted", at: token.position) }
            return try make(.field(name), at: token)
        case .current:
            return .current
        case .star:
            return try make(.valueProjection(.current, try projectionRight(bindingPower: token.bindingPower)), at: token)
        case .filter:
            return try filter(.current, at: token)
        case .flatten:
            return try flatten(.current, at: token)
        case .leftBrace:
            return try multiSelectHash(at: token)
        case .leftParen:
            let inner = try expression(0)
            try expect(.rightParen)
            return inner
        case .not:
            return try make(.not(try expression(token.bindingPower)), at: token)
        case .expressionReference:
            return try make(.expressionReference(try expression(0)), at: token)
        case .leftBracket:
            switch current.kind {
            case .number, .colon:
                return try indexOrSlice(of: .current, at: token)
            case .star where peek(1).kind == .rightBracket:
                advance()
                advance()
                return try make(.projection(.current, try projectionRight(bindingPower: 20)), at: token)
            default:
                return try multiSelectList(at: token)
            }
        default:
            throw Self.unexpected(token)
        }
    }

    private mutating func led(_ token: JMESPathToken, _ left: JMESPathNode) throws(JMESPathError) -> JMESPathNode {
        switch token.kind {
        case .dot:
            // `.name` and the like are chain steps (see `chainStep`); only `.*` reaches here.
            try expect(.star)
            return try make(.valueProjection(left, try projectionRight(bindingPower: token.bindingPower)), at: token)
        case .pipe:
            return try make(.pipe(left, try expression(token.bindingPower)), at: token)
        case .or:
            return try make(.or(left, try expression(token.bindingPower)), at: token)
        case .and:
            return try make(.and(left, try expression(token.bindingPower)), at: token)
        case .equal: return try comparison(.equal, left, token)
        case .notEqual: return try comparison(.notEqual, left, token)
        case .less: return try comparison(.less, left, token)
        case .lessOrEqual: return try comparison(.lessOrEqual, left, token)
        case .greater: return try comparison(.greater, left, token)
        case .greaterOrEqual: return try comparison(.greaterOrEqual, left, token)
        case .leftParen:
            return try functionCall(callee: left, at: token)
        case .filter:
            return try filter(left, at: token)
        case .flatten:
            return try flatten(left, at: token)
        case .leftBracket:
            switch current.kind {
            case .number, .colon:
                return try indexOrSlice(of: left, at: token)
            default:
                try expect(.star)
                try expect(.rightBracket)
                return try make(.projection(left, try projectionRight(bindingPower: 20)), at: token)
            }
        default:
            throw Self.unexpected(token)
        }
    }

    // MARK: - Constructs

    private mutating func comparison(
        _ comparator: JMESPathNode.Comparator,
        _ left: JMESPathNode,
        _ token: JMESPathToken
    ) throws(JMESPathError) -> JMESPathNode {
        try make(.comparison(comparator, left, try expression(token.bindingPower)), at: token)
    }

    /// What follows a projection: `.rhs`, `[…]` or `[?…]`, or nothing when the next token
    /// binds too loosely to belong to each element.
    private mutating func projectionRight(bindingPower: Int) throws(JMESPathError) -> JMESPathNode {
        if current.bindingPower < Self.projectionStop { return .current }
        switch current.kind {
        case .leftBracket, .filter:
            return try expression(bindingPower)
        case .dot:
            advance()
            return try dotRight(bindingPower: bindingPower)
        default:
            throw Self.unexpected(current)
        }
    }

    /// What may follow a dot: an identifier, `*`, a multi-select list or a multi-select hash.
    private mutating func dotRight(bindingPower: Int) throws(JMESPathError) -> JMESPathNode {
        let token = current
        switch token.kind {
        case .identifier, .quotedIdentifier, .star:
            return try expression(bindingPower)
        case .leftBracket:
            advance()
            return try multiSelectList(at: token)
        case .leftBrace:
            advance()
            return try multiSelectHash(at: token)
        default:
            throw Self.unexpected(token)
        }
    }

    private mutating func filter(_ left: JMESPathNode, at token: JMESPathToken) throws(JMESPathError) -> JMESPathNode {
        let condition = try expression(0)
        try expect(.rightBracket)
        let right = current.kind == .flatten ? JMESPathNode.current : try projectionRight(bindingPower: token.bindingPower)
        return try make(.filterProjection(left, condition: condition, right), at: token)
    }

    private mutating func flatten(_ left: JMESPathNode, at token: JMESPathToken) throws(JMESPathError) -> JMESPathNode {
        let flattened = try make(.flatten(left), at: token)
        return try make(.projection(flattened, try projectionRight(bindingPower: token.bindingPower)), at: token)
    }

    /// `[n]` or `[start:stop:step]` after `[`, applied to `left`; a slice projects. (After an
    /// expression, `[n]` is a chain step and only slices reach here.)
    private mutating func indexOrSlice(of left: JMESPathNode, at token: JMESPathToken) throws(JMESPathError) -> JMESPathNode {
        if let index = try chainStep(after: token) {
            return try subexpression(left, index, at: token)
        }
        var parts: [Int?] = [nil, nil, nil]
        var part = 0
        var stepPosition = current.position
        while current.kind != .rightBracket {
            switch current.kind {
            case .colon where part < 2:
                part += 1
            case .number(let value) where parts[part] == nil:
                parts[part] = value
                stepPosition = current.position
            default:
                throw Self.unexpected(current)
            }
            advance()
        }
        advance()  // ]
        let step = parts[2] ?? 1
        guard step != 0 else {
            throw JMESPathError(kind: .invalidValue, message: "slice step cannot be 0", position: stepPosition)
        }
        let sliced = try subexpression(left, JMESPathNode(.slice(start: parts[0], stop: parts[1], step: step)), at: token)
        return try make(.projection(sliced, try projectionRight(bindingPower: 20)), at: token)
    }

    private mutating func multiSelectList(at token: JMESPathToken) throws(JMESPathError) -> JMESPathNode {
        var elements: [JMESPathNode] = []
        repeat {
            elements.append(try expression(0))
        } while try separator(closing: .rightBracket)
        return try make(.multiSelectList(elements), at: token)
    }

    private mutating func multiSelectHash(at token: JMESPathToken) throws(JMESPathError) -> JMESPathNode {
        var members: [(key: String, value: JMESPathNode)] = []
        repeat {
            let key: String
            switch current.kind {
            case .identifier(let name), .quotedIdentifier(let name): key = name
            default: throw Self.unexpected(current)
            }
            advance()
            try expect(.colon)
            members.append((key, try expression(0)))
        } while try separator(closing: .rightBrace)
        return try make(.multiSelectHash(members), at: token)
    }

    private mutating func functionCall(callee: JMESPathNode, at token: JMESPathToken) throws(JMESPathError) -> JMESPathNode {
        // Only a bare name directly before `(` calls: not `"name"(…)`, `(name)(…)` or `a.b(…)`.
        let nameToken = tokens[max(index - 2, 0)]
        guard case .field(let name) = callee.kind, case .identifier = nameToken.kind else {
            throw Self.unexpected(token)
        }
        guard let function = JMESPathFunction(rawValue: name) else {
            throw JMESPathError(kind: .unknownFunction, message: "unknown function \(name)()", position: nameToken.position)
        }
        var arguments: [JMESPathNode] = []
        if current.kind == .rightParen {
            advance()
        } else {
            repeat {
                arguments.append(try expression(0))
            } while try separator(closing: .rightParen)
        }
        try function.checkArity(arguments.count, at: nameToken.position)
        return try make(.function(function, arguments), at: nameToken)
    }

    /// Joins two steps into one flat chain.
    private func subexpression(_ left: JMESPathNode, _ right: JMESPathNode, at token: JMESPathToken) throws(JMESPathError) -> JMESPathNode {
        try make(.subexpression(Self.steps(of: left) + Self.steps(of: right)), at: token)
    }

    /// A chain's steps, or the node alone.
    private static func steps(of node: JMESPathNode) -> [JMESPathNode] {
        if case .subexpression(let steps) = node.kind { steps } else { [node] }
    }

    // MARK: - Tokens

    private var current: JMESPathToken { tokens[index] }

    private func peek(_ offset: Int) -> JMESPathToken {
        tokens[min(index + offset, tokens.count - 1)]
    }

    /// Moves to the next token; never past the final `.end`, so `current` is always valid.
    private mutating func advance() {
        if index < tokens.count - 1 { index += 1 }
    }

    private mutating func expect(_ kind: JMESPathToken.Kind) throws(JMESPathError) {
        guard current.kind == kind else { throw Self.unexpected(current) }
        advance()
    }

    /// After a list element: true past a comma (another element follows), false past the
    /// closing token.
    private mutating func separator(closing: JMESPathToken.Kind) throws(JMESPathError) -> Bool {
        if current.kind == .comma {
            advance()
            return true
        }
        try expect(closing)
        return false
    }

    private func make(_ kind: JMESPathNode.Kind, at token: JMESPathToken) throws(JMESPathError) -> JMESPathNode {
        let node = JMESPathNode(kind)
        guard node.height <= Self.maxNesting else {
            throw .syntax("expression nested more than \(Self.maxNesting) levels deep", at: token.position)
        }
        guard node.growth <= Self.maxNesting else {
            throw .syntax("expression builds values nested more than \(Self.maxNesting) levels deep", at: token.position)
        }
        return node
    }

    private static func unexpected(_ token: JMESPathToken) -> JMESPathError {
        .syntax("unexpected \(token.spelling)", at: token.position)
    }
}
