import Foundation
import ManifoldCore
import ManifoldSchema
import Testing

/// Bad JSON input: each case must fail with a client error naming the field's JSON path.
@Suite struct CodecErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let json: String
        let path: String
        let message: String
        var testDescription: String { json }
    }

    static let cases: [Case] = [
        Case(json: #"{"nope":1}"#, path: "$.nope", message: "unknown field \"nope\" in manifold.test.v1.EchoReply"),
        Case(json: #"{"text":1}"#, path: "$.text", message: "expected a string, got number"),
        Case(json: #"{"flag":"true"}"#, path: "$.flag", message: "expected a boolean, got string"),
        Case(json: #"{"s32":2147483648}"#, path: "$.s32", message: "2147483648 is out of range [-2147483648, 2147483647]"),
        Case(json: #"{"s32":-2147483649}"#, path: "$.s32", message: "-2147483649 is out of range [-2147483648, 2147483647]"),
        Case(json: #"{"u32":-1}"#, path: "$.u32", message: "-1 is out of range [0, 4294967295]"),
        Case(json: #"{"u32":4294967296}"#, path: "$.u32", message: "4294967296 is out of range [0, 4294967295]"),
        Case(json: #"{"big":"9223372036854775808"}"#, path: "$.big", message: "9223372036854775808 is out of range [-9223372036854775808, 9223372036854775807]"),
        Case(json: #"{"ubig":"-1"}"#, path: "$.ubig", message: "-1 is out of range [0, 18446744073709551615]"),
        Case(json: #"{"s32":1.5}"#, path: "$.s32", message: "1.5 is not an integer"),
        Case(json: #"{"big":"12abc"}"#, path: "$.big", message: "\"12abc\" is not an integer"),
        Case(json: #"{"big":" 12"}"#, path: "$.big", message: "\" 12\" is not an integer"),
        Case(json: #"{"s32":true}"#, path: "$.s32", message: "expected an integer, got boolean"),
        Case(json: #"{"score":"fast"}"#, path: "$.score", message: "\"fast\" is not a number"),
        Case(json: #"{"score":[]}"#, path: "$.score", message: "expected a number, got array"),
        Case(json: #"{"ratio":1e39}"#, path: "$.ratio", message: "1e+39 is out of range for float"),
        Case(json: #"{"payload":"not base64!"}"#, path: "$.payload", message: "invalid base64"),
        Case(json: #"{"payload":7}"#, path: "$.payload", message: "expected a base64 string, got number"),
        Case(json: #"{"color":"PURPLE"}"#, path: "$.color", message: "\"PURPLE\" is not a value of enum manifold.test.v1.Color"),
        Case(json: #"{"color":1.5}"#, path: "$.color", message: "1.5 is not a valid enum number"),
        Case(json: #"{"color":true}"#, path: "$.color", message: "expected an enum name or number, got boolean"),
        Case(json: #"{"nested":"x"}"#, path: "$.nested", message: "expected an object, got string"),
        Case(json: #"{"nested":{"weight":"x"}}"#, path: "$.nested.weight", message: "\"x\" is not an integer"),
        Case(json: #"{"nested":{"oops":1}}"#, path: "$.nested.oops", message: "unknown field \"oops\" in manifold.test.v1.Nested"),
        Case(json: #"{"items":{}}"#, path: "$.items", message: "expected an array, got object"),
        Case(json: #"{"items":[{},{"label":2}]}"#, path: "$.items[1].label", message: "expected a string, got number"),
        Case(json: #"{"items":[null]}"#, path: "$.items[0]", message: "null is not allowed in a list"),
        Case(json: #"{"numbers":[1,"x"]}"#, path: "$.numbers[1]", message: "\"x\" is not an integer"),
        Case(json: #"{"counts":[]}"#, path: "$.counts", message: "expected an object (a map), got array"),
        Case(json: #"{"counts":{"a":"b"}}"#, path: "$.counts[\"a\"]", message: "\"b\" is not an integer"),
        Case(json: #"{"counts":{"a":null}}"#, path: "$.counts[\"a\"]", message: "null is not allowed as a map value"),
        Case(json: #"{"choiceText":"a","choiceNumber":1}"#, path: "$.choiceNumber", message: "oneof choice already set by \"choiceText\""),
        Case(json: #"{"text":"a\u0000b"}"#, path: "$.text", message: "strings containing U+0000 are not supported"),
        Case(json: "[]", path: "$", message: "expected an object, got array"),
    ]

    @Test(arguments: cases)
    func rejects(_ c: Case) throws {
        let codec = ProtoJSONCodec(schema: CodecReferenceTests.schema)
        let json = try JSONParser.parse(c.json)
        let error = #expect(throws: SchemaError.self) { try codec.encode(json, messageNamed: "manifold.test.v1.EchoReply") }
        #expect(error?.code == .invalidJSON)
        #expect(error?.path == c.path)
        #expect(error?.message == c.message)
    }

    @Test func ignoresUnknownFieldsOnlyWhenAsked() throws {
        let codec = ProtoJSONCodec(schema: CodecReferenceTests.schema, options: JSONOptions(ignoreUnknownFields: true))
        let bytes = try codec.encode(try JSONParser.parse(#"{"nope":1,"text":"a"}"#), messageNamed: "manifold.test.v1.EchoReply")
        #expect(bytes == [0x0A, 0x01, 0x61])
    }
}

@Suite struct SchemaLoadingTests {
    @Test func reportsProtocDiagnosticsWithFileAndLine() throws {
        let dir = FileManagerHelper.temporaryDirectory()
        try "syntax = \"proto3\";\nmessage Broken {\n  strin name = 1;\n}\n".write(toFile: dir + "/broken.proto", atomically: true, encoding: .utf8)
        let error = #expect(throws: SchemaError.self) { try Schema.load(protoRoots: [dir]) }
        #expect(error?.code == .protocFailed)
        #expect(error?.message.contains("broken.proto:3:3") == true)
    }

    @Test func resolvesWellKnownTypesWithoutConfiguration() throws {
        let dir = FileManagerHelper.temporaryDirectory()
        try """
        syntax = "proto3";
        import "google/protobuf/timestamp.proto";
        package t;
        message Event { google.protobuf.Timestamp at = 1; }
        service Events { rpc Get(Event) returns (Event); }
        """.write(toFile: dir + "/event.proto", atomically: true, encoding: .utf8)
        let schema = try Schema.load(protoRoots: [dir])
        #expect(schema.method(named: "t.Events/Get")?.path == "/t.Events/Get")
    }
}
