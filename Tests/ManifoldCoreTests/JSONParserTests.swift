import ManifoldCore
import Testing

@Suite struct JSONParserTests {
    @Test(arguments: [
        ("null", "null"),
        ("true", "true"),
        (" [1, 2 ,3] ", "[1,2,3]"),
        (#"{"a":{"b":[]},"c":"d"}"#, #"{"a":{"b":[]},"c":"d"}"#),
        (#""\u00e9\ud83d\ude00\n\"""#, "\"é😀\\n\\\"\""),
        ("-0", "0"),
        ("1.5e3", "1500"),
        ("0.1", "0.1"),
        ("9223372036854775807", "9223372036854775807"),
        ("18446744073709551615", "18446744073709551615"),
        ("-9223372036854775808", "-9223372036854775808"),
        (#""\u0001""#, #""\u0001""#),
    ])
    func roundTrips(input: String, rendered: String) throws {
        #expect(JSONWriter.string(try JSONParser.parse(input)) == rendered)
    }

    @Test(arguments: [
        ("", "unexpected end of input"),
        ("{", "expected a string key"),
        ("[1,]", "unexpected character ']'"),
        (#"{"a":1,}"#, "expected a string key"),
        ("01", "leading zeros are not allowed"),
        ("1.", "expected a digit after '.'"),
        ("nul", "unexpected end of input"),
        ("truth", "invalid literal; expected true"),
        (#""abc"#, "unterminated string"),
        ("\"a\u{01}\"", "control character in a string; escape it"),
        (#""\x""#, "invalid escape character 'x'"),
        (#""\ud800""#, "unpaired surrogate in \\u escape"),
        (#"{"a":1,"a":2}"#, "duplicate key \"a\""),
        ("1 2", "unexpected data after the value"),
        ("1e999", "number 1e999 is out of range"),
        ("// comment", "unexpected character '/'"),
    ])
    func rejects(input: String, message: String) {
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(input) }
        #expect(error?.message == message)
    }

    @Test func rejectsInvalidUTF8() {
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(error?.message == "string is not valid UTF-8")
    }

    @Test func readsAnObjectWithManyKeysInLinearTime() throws {
        // A client can send 100,000 keys in a 1.5 MB body; comparing each against all the
        // ones before would take 5 * 10^9 string comparisons.
        let count = 100_000
        var text = "{"
        for i in 0..<count { text += (i == 0 ? "" : ",") + "\"k\(i)\":\(i)" }
        text += ",\"k7\":0}"
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
        #expect(error?.message == "duplicate key \"k7\"")
        let valid = try JSONParser.parse(String(text.dropLast(8)) + "}")
        guard case .object(let object) = valid else { Issue.record("expected an object"); return }
        #expect(object.count == count)
    }

    @Test func limitsNesting() {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        #expect(error?.message == "nesting deeper than 128 levels")
        #expect(throws: Never.self) { try JSONParser.parse(deep, maxDepth: 256) }
    }

    @Test func keepsIntegersExact() throws {
        let value = try JSONParser.parse("[9007199254740993, 1.0, 2.5]")
        guard case .array(let items) = value, case .number(let big) = items[0], case .number(let one) = items[1] else {
            Issue.record("not an array of numbers")
            return
        }
        #expect(big.int64Value == 9_007_199_254_740_993)
        #expect(one == JSONNumber(Int64(1)))  // 1.0 == 1, as JMESPath compares
    }

    @Test func objectsCompareWithoutOrder() throws {
        #expect(try JSONParser.parse(#"{"a":1,"b":2}"#) == JSONParser.parse(#"{"b":2,"a":1}"#))
    }

    @Test func quotedNumbersRenderAsStrings() {
        #expect(JSONWriter.string(.number(JSONNumber(Int64(42), quoted: true))) == #""42""#)
        #expect(JSONWriter.string(.number(JSONNumber(Double.nan))) == #""NaN""#)
        #expect(JSONWriter.string(.number(JSONNumber(-Double.infinity))) == #""-Infinity""#)
        #expect(JSONWriter.string(.number(JSONNumber(Float(0.1)))) == "0.1")
    }
}

@Suite struct Base64Tests {
    @Test func encodesWithPadding() {
        #expect(Base64.encode([UInt8]()) == "")
        #expect(Base64.encode(Array("f".utf8)) == "Zg==")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
        #expect(Base64.encode(Array("foo".utf8)) == "Zm9v")
        #expect(Base64.encode([0xFB, 0xFF]) == "+/8=")
    }

    @Test func decodesStandardAndURLSafePaddedOrNot() {
        #expect(Base64.decode("+/8=") == [0xFB, 0xFF])
        #expect(Base64.decode("-_8") == [0xFB, 0xFF])
        #expect(Base64.decode("Zm9v") == Array("foo".utf8))
        #expect(Base64.decode("Zg") == Array("f".utf8))
        #expect(Base64.decode("Z") == nil)
        #expect(Base64.decode("Zm9v!") == nil)
    }
}

@Suite struct PercentDecodingTests {
    @Test func decodesEscapes() {
        #expect(PercentDecoding.decode("a%20b%E2%9C%93", strict: true) == Array("a b✓".utf8))
        #expect(PercentDecoding.decode("100%", strict: true) == nil)
        #expect(PercentDecoding.decode("100%", strict: false) == Array("100%".utf8))
        #expect(PercentDecoding.decode("%zz%4", strict: false) == Array("%zz%4".utf8))
    }
}
