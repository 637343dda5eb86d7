import ManifoldCompose
import ManifoldCore
import Testing

@Suite struct JMESPathErrorTests {
    @Test(arguments: [
        ("foo.", JMESPathError.Kind.syntax, 4, "unexpected end of expression"),
        ("foo[?bar==]", .syntax, 10, "unexpected ']'"),
        ("foo = bar", .syntax, 4, "'=' is not an operator; did you mean '=='?"),
        ("a.b.1", .syntax, 4, "unexpected number 1"),
        // Positions count Unicode scalars: the emoji is one scalar (and four UTF-8 bytes).
        ("'😀' ^ a", .syntax, 4, "unexpected character '^'"),
        (#""é✓" ! x"#, .syntax, 5, "unexpected '!'"),
        ("`{\"a\": }`", .syntax, 0, "invalid JSON in literal: unexpected character '}'"),
        ("'unterminated", .syntax, 0, "unterminated raw string"),
        (#""to_string"(@)"#, .syntax, 0, "a function name cannot be quoted"),
        ("a | unknown(@)", .unknownFunction, 4, "unknown function unknown()"),
        ("a | abs(@, @)", .invalidArity, 4, "abs() takes 1 argument, got 2"),
        ("not_null()", .invalidArity, 0, "not_null() takes at least 1 argument, got 0"),
        ("foo[1:2:0]", .invalidValue, 8, "slice step cannot be 0"),
    ])
    func compileErrors(expression: String, kind: JMESPathError.Kind, position: Int, message: String) {
        let error = #expect(throws: JMESPathError.self) { try JMESPath(expression) }
        #expect(error?.kind == kind)
        #expect(error?.position == position)
        #expect(error?.message == message)
    }

    @Test func typeErrorsHaveNoPosition() throws {
        let path = try JMESPath("abs(name)")
        let error = #expect(throws: JMESPathError.self) { try path.search(.object(JSONObject([("name", .string("x"))]))) }
        #expect(error?.kind == .invalidType)
        #expect(error?.position == nil)
        #expect(error?.message == "abs() argument 1 must be a number, got string")
    }

    @Test func describesItself() {
        let error = #expect(throws: JMESPathError.self) { try JMESPath("a[") }
        #expect(error?.description == "syntax error at character 2: unexpected end of expression")
        #expect(JMESPathError.Kind.invalidType.name == "invalid-type")
    }
}
