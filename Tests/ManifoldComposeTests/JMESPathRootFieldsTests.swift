import ManifoldCompose
import Testing

@Suite struct JMESPathRootFieldsTests {
    @Test(arguments: [
        ("product.sku", ["product"]),
        ("{id: path.id, n: length(items)}", ["path", "items"]),
        ("a || b", ["a", "b"]),
        ("a && !b", ["a", "b"]),
        ("x == y", ["x", "y"]),
        ("foo[?bar == baz]", ["foo"]),
        ("foo[?bar == baz].qux", ["foo"]),
        ("@", ["*"]),
        ("*", ["*"]),
        ("*.name", ["*"]),
        ("[*].a", ["*"]),
        ("[0]", ["*"]),
        ("[]", ["*"]),
        ("[?a]", ["*"]),
        ("@.foo", ["foo"]),
        ("a.b | c", ["a"]),
        ("a[*].b.c", ["a"]),
        ("a.*.b", ["a"]),
        ("a[].b", ["a"]),
        ("a[0:2].b", ["a"]),
        ("a[0].b", ["a"]),
        ("sort_by(items, &price)[0].name", ["items"]),
        ("map(&x, list)", ["list"]),
        ("not_null(a, b.c, `1`)", ["a", "b"]),
        ("[a, b.c, `1`, 'd']", ["a", "b"]),
        ("(a || b).c", ["a", "b"]),
        (#""quoted key".x"#, ["quoted key"]),
        ("`{\"a\": 1}`.a", []),
        ("'literal'", []),
    ])
    func rootFields(expression: String, expected: [String]) throws {
        #expect(try JMESPath(expression).rootFields == Set(expected))
    }
}
