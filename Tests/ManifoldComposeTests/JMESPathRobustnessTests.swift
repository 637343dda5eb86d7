import Foundation
import ManifoldCompose
import ManifoldCore
import TestSupport
import Testing

/// No input may crash the engine: errors are fine, traps and stack overflows are not.
@Suite struct JMESPathRobustnessTests {
    private static let document: JSONValue = {
        let text =
            #"{"a": {"b": [1, 2.5, "x", null, true, {"c": [[1], [2, 3]]}]}, "foo": [{"bar": 1}, {"bar": "2"}], "s": "héllo", "n": -7}"#
        return (try? JSONParser.parse(text)) ?? .null
    }()

    private static let fragments = [
        "a", "b", "foo", "bar", "c", "s", "n", ".", "*", "[", "]", "[]", "[?", "?", "(", ")", "{", "}", ":", ",", "|", "||",
        "&&", "&", "!", "==", "!=", "<", "<=", ">", ">=", "=", "@", "`1`", "`[1, \"2\"]`", "`{\"a\": null}`", "`", "'x'", "'",
        "\"q\"", "\"", "\\", "0", "-1", "2", "99999999999999999999", "-", "length", "sort_by", "abs", "join", "map",
        "max_by", "merge", "not_null", "to_string", "reverse", "contains", " ", "é", "😀",
    ]

    /// A few hundred random short strings from JMESPath's tokens, compiled and evaluated.
    @Test func randomTokenSoupNeverCrashes() {
        var random = SplitMix64(seed: 0x4A4D_4553_5041_5448)
        var compiled = 0
        for _ in 0..<600 {
            var expression = ""
            for _ in 0..<(1 + Int(random.next() % 12)) {
                expression += Self.fragments[Int(random.next() % UInt64(Self.fragments.count))]
            }
            guard let path = try? JMESPath(expression) else { continue }
            compiled += 1
            _ = try? path.search(Self.document)
            _ = path.rootFields
        }
        #expect(compiled > 0)
    }

    /// An expression made of `prefix`, `unit` `count` times, `middle`, then `closing` `count`
    /// times; the test log names it by that recipe rather than printing all of it.
    struct Repeated: CustomTestStringConvertible, Sendable {
        let prefix: String, unit: String, middle: String, closing: String, count: Int

        init(_ unit: String, after prefix: String = "", then middle: String = "", closing: String = "", count: Int = 100_000) {
            (self.prefix, self.unit, self.middle, self.closing, self.count) = (prefix, unit, middle, closing, count)
        }

        var expression: String {
            prefix + String(repeating: unit, count: count) + middle + String(repeating: closing, count: count)
        }

        var testDescription: String {
            "\(prefix)(\(unit))×\(count)\(middle)" + (closing.isEmpty ? "" : "(\(closing))×\(count)")
        }
    }

    /// Deep nesting is refused at compile time rather than overflowing the stack, whether it
    /// nests by recursion (`((…`) or by left-leaning chains (`a[][]…`, `a|a|…`).
    @Test(arguments: [
        Repeated("(", then: "a", closing: ")"),
        Repeated("!", then: "a"),
        Repeated("&", then: "a"),
        Repeated("["),
        Repeated("{a:", then: "b", closing: "}"),
        Repeated("abs(", then: "a", closing: ")"),
        Repeated("[]", after: "a"),
        Repeated("[*]", after: "a"),
        Repeated(".*", after: "a"),
        Repeated("|a", after: "a"),
        Repeated("||a", after: "a"),
        Repeated("==a", after: "a"),
        Repeated("[?a]", after: "a"),
        // Flat chains whose every step wraps the last result: the value, not the tree, nests.
        Repeated(".[@]", after: "@"),
        Repeated(".{a: @}", after: "@"),
        Repeated(".to_array(@)", after: "@"),
    ])
    func deepNestingIsASyntaxError(_ recipe: Repeated) {
        let error = #expect(throws: JMESPathError.self) { try JMESPath(recipe.expression) }
        #expect(error?.kind == .syntax)
    }

    /// Long flat chains are not nesting: they compile and run.
    @Test func longChainsEvaluate() throws {
        let fields = try JMESPath("a" + String(repeating: ".a", count: 100_000))
        #expect(try fields.search(Self.document) == .null)
        let indexes = try JMESPath("a.b" + String(repeating: "[0]", count: 100_000))
        #expect(try indexes.search(Self.document) == .null)
    }

    /// The deepest expressions the parser accepts compile and evaluate on a small thread stack:
    /// 256 KiB in release builds, 2 MiB in debug builds, whose frames are several times larger.
    @Test func deepestAcceptedExpressionsFitASmallStack() async {
        let depth = 126  // a little under the limit of 128, leaving room for the wrapping
        let expressions = [
            String(repeating: "(", count: depth) + "a" + String(repeating: ")", count: depth),
            String(repeating: "!", count: depth) + "a",
            String(repeating: "[", count: depth) + "@" + String(repeating: "]", count: depth),
            String(repeating: "{a: ", count: depth) + "@" + String(repeating: "}", count: depth),
            "a.b" + String(repeating: "[]", count: depth / 2),
            String(repeating: "not_null(", count: depth) + "a" + String(repeating: ")", count: depth),
            String(repeating: "map(&", count: depth / 2) + "@" + String(repeating: ", to_array(@))", count: depth / 2),
            "a" + String(repeating: "[*].a", count: depth),
            "a" + String(repeating: " || a", count: depth),
            "a" + String(repeating: " | b", count: depth),
            "@" + String(repeating: ".[@]", count: depth),
        ]
        #if DEBUG
            let stackSize = 2 << 20
        #else
            let stackSize = 256 << 10
        #endif
        let outcomes = await Self.onThread(stackSize: stackSize) {
            expressions.map { expression -> String in
                do throws(JMESPathError) {
                    let path = try JMESPath(expression)
                    _ = try path.search(Self.document)
                    _ = path.rootFields
                    return "ok"
                } catch {
                    return error.description
                }
            }
        }
        #expect(outcomes == Array(repeating: "ok", count: expressions.count))
    }

    private static func onThread<T: Sendable>(stackSize: Int, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.stackSize = stackSize
            thread.start()
        }
    }

    @Test(arguments: [
        ("a.b[-9223372036854775808:9223372036854775807:9223372036854775807]", "[1]"),
        ("a.b[9223372036854775807:-9223372036854775808:-9223372036854775808]", "[{\"c\":[[1],[2,3]]}]"),
        ("a.b[::-9223372036854775808]", "[{\"c\":[[1],[2,3]]}]"),
        ("a.b[99999999999999999999999:]", "[]"),
        ("a.b[:-99999999999999999999999]", "[]"),
        ("a.b[-99999999999999999999999]", "null"),
        ("a.b[-9223372036854775808]", "null"),
        ("a.b[9223372036854775807]", "null"),
        ("a.b[-6]", "1"),
    ])
    func extremeIndexesAndSlices(expression: String, rendered: String) throws {
        #expect(JSONWriter.string(try JMESPath(expression).search(Self.document)) == rendered)
    }
}
