internal import ManifoldCore

/// Splits a JMESPath expression into tokens.
///
/// Works on Unicode scalars so that token positions are scalar offsets, the unit
/// ``JMESPathError/position`` promises.
struct JMESPathLexer {
    private let scalars: [Unicode.Scalar]
    private var index = 0

    private init(_ expression: String) {
        self.scalars = Array(expression.unicodeScalars)
    }

    /// The tokens of `expression`, always ending with an `.end` token positioned at its length.
    static func tokenize(_ expression: String) throws(JMESPathError) -> [JMESPathToken] {
        var lexer = JMESPathLexer(expression)
        var tokens: [JMESPathToken] = []
        while let token = try lexer.next() { tokens.append(token) }
        tokens.append(JMESPathToken(kind: .end, position: lexer.scalars.count))
        return tokens
    }

    private mutating func next() throws(JMESPathError) -> JMESPathToken? {
        while index < scalars.count, Self.isWhitespace(scalars[index]) { index += 1 }
        guard index < scalars.count else { return nil }
        let start = index
        let kind: JMESPathToken.Kind
        switch scalars[index] {
        case "a"..."z", "A"..."Z", "_":
            kind = .identifier(identifier())
        case "0"..."9", "-":
            kind = .number(try number())
        case "\"":
            kind = .quotedIdentifier(try quotedIdentifier())
        case "'":
            kind = .rawString(try delimited(by: "'", unescapingDelimiter: true, what: "raw string"))
        case "`":
            kind = .literal(try literal())
        case "[":
            switch peek(1) {
            case "]": kind = advance(.flatten, by: 2)
            case "?": kind = advance(.filter, by: 2)
            default: kind = advance(.leftBracket)
            }
        case "|": kind = pair("|", .or, else: .pipe)
        case "&": kind = pair("&", .and, else: .expressionReference)
        case "!": kind = pair("=", .notEqual, else: .not)
        case "<": kind = pair("=", .lessOrEqual, else: .less)
        case ">": kind = pair("=", .greaterOrEqual, else: .greater)
        case "=":
            guard peek(1) == "=" else { throw .syntax("'=' is not an operator; did you mean '=='?", at: start) }
            kind = advance(.equal, by: 2)
        case ".": kind = advance(.dot)
        case "*": kind = advance(.star)
        case ",": kind = advance(.comma)
        case ":": kind = advance(.colon)
        case "@": kind = advance(.current)
        case "]": kind = advance(.rightBracket)
        case "{": kind = advance(.leftBrace)
        case "}": kind = advance(.rightBrace)
        case "(": kind = advance(.leftParen)
        case ")": kind = advance(.rightParen)
        case let other:
            throw .syntax("unexpected character '\(other.escaped(asASCII: false))'", at: start)
        }
        return JMESPathToken(kind: kind, position: start)
    }

    // MARK: - Token bodies

    private mutating func identifier() -> String {
        var name = String.UnicodeScalarView()
        while index < scalars.count {
            switch scalars[index] {
            case "a"..."z", "A"..."Z", "0"..."9", "_": name.append(scalars[index])
            default: return String(name)
            }
            index += 1
        }
        return String(name)
    }

    private mutating func number() throws(JMESPathError) -> Int {
        let start = index
        let negative = scalars[index] == "-"
        if negative { index += 1 }
        var digits = ""
        while index < scalars.count, ("0"..."9").contains(scalars[index]) {
            digits.unicodeScalars.append(scalars[index])
            index += 1
        }
        guard !digits.isEmpty else { throw .syntax("'-' must be followed by digits", at: start) }
        // An index or slice bound beyond Int's range selects nothing either way, so saturate
        // rather than reject.
        return Int(negative ? "-" + digits : digits) ?? (negative ? Int.min : Int.max)
    }

    private mutating func quotedIdentifier() throws(JMESPathError) -> String {
        let start = index
        // The body is a JSON string, escapes and all, so let the JSON parser decode it.
        let body = try delimited(by: "\"", unescapingDelimiter: false, what: "quoted identifier")
        guard case .string(let name)? = try? JSONParser.parse("\"" + body + "\"") else {
            throw .syntax("invalid quoted identifier; its body must be a JSON string", at: start)
        }
        return name
    }

    private mutating func literal() throws(JMESPathError) -> JSONValue {
        let start = index
        let body = try delimited(by: "`", unescapingDelimiter: true, what: "literal")
        do throws(JSONParseError) {
            return try JSONParser.parse(body)
        } catch {
            throw .syntax("invalid JSON in literal: \(error.message)", at: start)
        }
    }

    /// The text up to the closing `delimiter`, past which the lexer moves.
    ///
    /// A backslash always pairs with the scalar after it, so `\<delimiter>` never closes the
    /// text. With `unescapingDelimiter` that pair becomes the bare delimiter and every other
    /// pair is kept as written (raw strings and literals); without it every pair is kept, for
    /// a JSON parser to decode (quoted identifiers).
    private mutating func delimited(
        by delimiter: Unicode.Scalar,
        unescapingDelimiter: Bool,
        what: String
    ) throws(JMESPathError) -> String {
        let start = index
        index += 1  // the opening delimiter
        var body = String.UnicodeScalarView()
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == delimiter {
                index += 1
                return String(body)
            }
            if scalar == "\\", index + 1 < scalars.count {
                let escaped = scalars[index + 1]
                if !(unescapingDelimiter && escaped == delimiter) { body.append(scalar) }
                body.append(escaped)
                index += 2
            } else {
                body.append(scalar)
                index += 1
            }
        }
        throw .syntax("unterminated \(what)", at: start)
    }

    // MARK: - Helpers

    private func peek(_ offset: Int) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    /// Moves past a token of `width` scalars and returns its kind.
    private mutating func advance(_ kind: JMESPathToken.Kind, by width: Int = 1) -> JMESPathToken.Kind {
        index += width
        return kind
    }

    /// A two-scalar token when `second` follows, else the one-scalar token.
    private mutating func pair(
        _ second: Unicode.Scalar,
        _ double: JMESPathToken.Kind,
        else single: JMESPathToken.Kind
    ) -> JMESPathToken.Kind {
        peek(1) == second ? advance(double, by: 2) : advance(single)
    }

    private static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r"
    }
}
