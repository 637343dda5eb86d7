import Foundation
import ManifoldCore
import ManifoldSchema
import TestSupport
import Testing

/// The codec against protoc: what we encode, protoc decodes to the same message as the
/// equivalent text format; what protoc encodes, we decode to the expected JSON.
@Suite struct CodecReferenceTests {
    static let schema: Schema = {
        do {
            return try Schema.load(protoRoots: [Protoc.root])
        } catch {
            fatalError("test protos must compile: \(error)")  // a broken fixture, not input
        }
    }()

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let type: String
        let json: String
        let text: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "every scalar type",
            type: "manifold.test.v1.EchoReply",
            json: #"""
            {"text":"héllo","peer":"ipv4:127.0.0.1:1","big":"-9007199254740993","ubig":"18446744073709551615",
             "payload":"AAH+/w==","flag":true,"ratio":0.5,"score":2.25,"f32":7,"f64":"8","sf32":-9,"s32":-10,"u32":11,
             "color":"COLOR_GREEN"}
            """#,
            text: #"""
            text: "h\303\251llo" peer: "ipv4:127.0.0.1:1" big: -9007199254740993 ubig: 18446744073709551615
            payload: "\000\001\376\377" flag: true ratio: 0.5 score: 2.25 f32: 7 f64: 8 sf32: -9 s32: -10 u32: 11
            color: COLOR_GREEN
            """#
        ),
        Case(
            name: "nested, repeated and map fields",
            type: "manifold.test.v1.EchoReply",
            json: #"""
            {"nested":{"label":"n","weight":"-5"},"items":[{"label":"a"},{"label":"b","weight":"7"}],
             "numbers":[1,-2,3],"counts":{"a":1,"b":2}}
            """#,
            text: #"""
            nested { label: "n" weight: -5 } items { label: "a" } items { label: "b" weight: 7 }
            numbers: [1, -2, 3] counts { key: "a" value: 1 } counts { key: "b" value: 2 }
            """#
        ),
        Case(
            name: "explicit presence and oneof",
            type: "manifold.test.v1.EchoReply",
            json: #"{"maybe":0,"choiceNumber":3}"#,
            text: "maybe: 0 choice_number: 3"
        ),
        Case(
            name: "extreme values",
            type: "manifold.test.v1.EchoReply",
            json: #"""
            {"big":"9223372036854775807","ratio":"-Infinity","score":"Infinity","sf32":2147483647,
             "s32":-2147483648,"u32":4294967295}
            """#,
            text: "big: 9223372036854775807 s32: -2147483648 u32: 4294967295 sf32: 2147483647 score: inf ratio: -inf"
        ),
        Case(name: "empty message", type: "manifold.test.v1.EchoReply", json: "{}", text: ""),
        Case(
            name: "every well-known type",
            type: "manifold.test.v1.WellKnown",
            json: #"""
            {"at":"1972-01-01T10:00:20.021Z","took":"1.500s","mask":"name,price.units",
             "attributes":{"a":1,"b":[true,null],"c":{"d":"x"}},"anything":null,"list":[1,"two"],"nothing":{},
             "payload":{"@type":"type.googleapis.com/manifold.test.v1.Tree","name":"root"},
             "d":1.5,"f":0.25,"i64":"-5","u64":"5","i32":-3,"u32":3,"b":false,"s":"","by":"AQI=",
             "history":["2024-02-29T23:59:59.999999999Z","0001-01-01T00:00:00Z"]}
            """#,
            text: #"""
            at { seconds: 63108020 nanos: 21000000 } took { seconds: 1 nanos: 500000000 }
            mask { paths: "name" paths: "price.units" }
            attributes {
              fields { key: "a" value { number_value: 1 } }
              fields { key: "b" value { list_value { values { bool_value: true } values { null_value: NULL_VALUE } } } }
              fields { key: "c" value { struct_value { fields { key: "d" value { string_value: "x" } } } } }
            }
            anything { null_value: NULL_VALUE } list { values { number_value: 1 } values { string_value: "two" } }
            nothing {} payload { [type.googleapis.com/manifold.test.v1.Tree] { name: "root" } }
            d { value: 1.5 } f { value: 0.25 } i64 { value: -5 } u64 { value: 5 } i32 { value: -3 } u32 { value: 3 }
            b {} s {} by { value: "\001\002" }
            history { seconds: 1709251199 nanos: 999999999 } history { seconds: -62135596800 }
            """#
        ),
        Case(
            name: "well-known types inside Any",
            type: "manifold.test.v1.WellKnown",
            json: #"{"payload":{"@type":"type.googleapis.com/google.protobuf.Duration","value":"-0.010s"}}"#,
            text: "payload { [type.googleapis.com/google.protobuf.Duration] { seconds: 0 nanos: -10000000 } }"
        ),
        Case(
            name: "maps with every key type",
            type: "manifold.test.v1.Maps",
            json: #"""
            {"byInt32":{"-1":"a"},"byInt64":{"9223372036854775807":"b"},"byUint32":{"4294967295":"c"},
             "byUint64":{"18446744073709551615":"d"},"bySint32":{"-5":"e"},"bySint64":{"-6":"f"},"byFixed32":{"7":"g"},
             "byFixed64":{"8":"h"},"bySfixed32":{"-9":"i"},"bySfixed64":{"-10":"j"},"byBool":{"true":"k","false":"l"},
             "byString":{"x":{"name":"leaf"}},"blobs":{"k":"/w=="}}
            """#,
            text: #"""
            by_int32 { key: -1 value: "a" } by_int64 { key: 9223372036854775807 value: "b" }
            by_uint32 { key: 4294967295 value: "c" } by_uint64 { key: 18446744073709551615 value: "d" }
            by_sint32 { key: -5 value: "e" } by_sint64 { key: -6 value: "f" } by_fixed32 { key: 7 value: "g" }
            by_fixed64 { key: 8 value: "h" } by_sfixed32 { key: -9 value: "i" } by_sfixed64 { key: -10 value: "j" }
            by_bool { key: true value: "k" } by_bool { key: false value: "l" }
            by_string { key: "x" value { name: "leaf" } } blobs { key: "k" value: "\377" }
            """#
        ),
        Case(
            name: "recursion",
            type: "manifold.test.v1.Tree",
            json: #"{"name":"root","children":[{"name":"a","children":[{"name":"b"}]}],"parent":{"name":"up","parent":{"name":"top"}}}"#,
            text: #"name: "root" children { name: "a" children { name: "b" } } parent { name: "up" parent { name: "top" } }"#
        ),
        Case(
            name: "lists of every kind, packed and not",
            type: "manifold.test.v1.Lists",
            json: #"""
            {"int64s":["1","-2"],"doubles":[1.5,-0.25,"Infinity"],"bools":[true,false],"strings":["a",""],
             "blobs":["AA==",""],"floats":[0.1],"sint32s":[-1,2],"fixed64s":["3"]}
            """#,
            text: #"""
            int64s: [1, -2] doubles: [1.5, -0.25, inf] bools: [true, false] strings: ["a", ""] blobs: ["\000", ""]
            floats: [0.1] sint32s: [-1, 2] fixed64s: [3]
            """#
        ),
        Case(
            name: "proto2 presence, defaults and required fields",
            type: "manifold.test.v1.Legacy",
            json: #"{"id":"x","count":0,"mood":"MOOD_ANGRY","values":[1,2],"packedValues":[3],"next":{"id":"y"}}"#,
            text: #"id: "x" count: 0 mood: MOOD_ANGRY values: 1 values: 2 packed_values: [3] next { id: "y" }"#
        ),
    ]

    @Test(arguments: cases)
    func encodesWhatProtocDecodes(_ c: Case) throws {
        let codec = ProtoJSONCodec(schema: Self.schema)
        let ours = try codec.encode(try JSONParser.parse(c.json), messageNamed: c.type)
        let reference = try Protoc.encode(c.text, type: c.type)
        #expect(try Protoc.decode(ours, type: c.type) == Protoc.decode(reference, type: c.type))
    }

    @Test(arguments: cases)
    func encodesTextAsTheTreeEncodesIt(_ c: Case) throws {
        let codec = ProtoJSONCodec(schema: Self.schema)
        let fromTree = try codec.encode(try JSONParser.parse(c.json), messageNamed: c.type)
        let fromText = try Array(c.json.utf8).withUnsafeBytes { try codec.encodeText($0, messageNamed: c.type) }
        #expect(fromText == fromTree)
    }

    @Test(arguments: cases)
    func roundTripsJSONText(_ c: Case) throws {
        let codec = ProtoJSONCodec(schema: Self.schema)
        let bytes = try Array(c.json.utf8).withUnsafeBytes { try codec.encodeText($0, messageNamed: c.type) }
        let back = try bytes.withUnsafeBytes { try codec.decodeText($0, messageNamed: c.type) }
        #expect(String(decoding: back, as: UTF8.self) == JSONWriter.string(try JSONParser.parse(c.json)))
    }

    @Test(arguments: cases)
    func decodesWhatProtocEncodes(_ c: Case) throws {
        let codec = ProtoJSONCodec(schema: Self.schema)
        let reference = try Protoc.encode(c.text, type: c.type)
        let decoded = try reference.withUnsafeBytes { try codec.decode($0, messageNamed: c.type) }
        // Compared as text: 64-bit integers must render as strings, fields in declaration order.
        #expect(JSONWriter.string(decoded) == JSONWriter.string(try JSONParser.parse(c.json)))
    }

    @Test(arguments: cases)
    func roundTripsJSON(_ c: Case) throws {
        let codec = ProtoJSONCodec(schema: Self.schema)
        let json = try JSONParser.parse(c.json)
        let bytes = try codec.encode(json, messageNamed: c.type)
        let back = try bytes.withUnsafeBytes { try codec.decode($0, messageNamed: c.type) }
        #expect(JSONWriter.string(back) == JSONWriter.string(json))
    }

    /// Straight to text, with no tree in between, renders exactly what the tree renders,
    /// with the default options and with every option turned the other way.
    @Test(arguments: cases, [JSONOptions.defaults, JSONOptions(fieldNames: .proto, emitDefaults: true, enumsAsNumbers: true)])
    func decodesToTextAsTheTreeRendersIt(_ c: Case, options: JSONOptions) throws {
        let codec = ProtoJSONCodec(schema: Self.schema, options: options)
        let reference = try Protoc.encode(c.text, type: c.type)
        let tree = try reference.withUnsafeBytes { try codec.decode($0, messageNamed: c.type) }
        let text = try reference.withUnsafeBytes { try codec.decodeText($0, messageNamed: c.type) }
        #expect(String(decoding: text, as: UTF8.self) == JSONWriter.string(tree))
    }

    @Test func acceptsProtoNamesAndNumericStrings() throws {
        let codec = ProtoJSONCodec(schema: Self.schema)
        let bytes = try codec.encode(try JSONParser.parse(#"{"choice_number":"42","f64":8}"#), messageNamed: "manifold.test.v1.EchoReply")
        #expect(try Protoc.decode(bytes, type: "manifold.test.v1.EchoReply") == "f64: 8\nchoice_number: 42\n")
    }

    @Test func rendersProtoNamesAndDefaultsWhenAsked() throws {
        let codec = ProtoJSONCodec(schema: Self.schema, options: JSONOptions(fieldNames: .proto, emitDefaults: true, enumsAsNumbers: true))
        let bytes = try Protoc.encode("choice_text: \"x\" color: COLOR_RED", type: "manifold.test.v1.EchoReply")
        let json = try bytes.withUnsafeBytes { try codec.decode($0, messageNamed: "manifold.test.v1.EchoReply") }
        #expect(json["choice_text"] == .string("x"))
        #expect(json["color"] == .int(1))
        #expect(json["rating_count"] == nil)
        #expect(json["text"] == .string(""))
        #expect(json["numbers"] == .array([]))
        #expect(json["counts"] == .object(JSONObject()))
        #expect(json["maybe"] == nil)  // explicit presence: absent stays absent
        #expect(json["nested"] == nil)
    }

    @Test func skipsUnknownFieldsFromANewerSchema() throws {
        // Field 99 is not in EchoRequest; a newer backend might send it.
        let bytes: [UInt8] = [0x0A, 0x02, 0x68, 0x69, 0x98, 0x06, 0x01]  // text: "hi", field 99 varint 1
        let json = try bytes.withUnsafeBytes { try ProtoJSONCodec(schema: Self.schema).decode($0, messageNamed: "manifold.test.v1.EchoRequest") }
        #expect(json == .object(JSONObject([("text", .string("hi"))])))
    }

    /// A map key repeated on the wire (two encodings concatenated, as protobuf merges them):
    /// the last entry wins, in both shapes, with string keys and with integer keys.
    @Test(arguments: [
        (#"{"byInt32":{"1":"a","2":"b"}}"#, #"{"byInt32":{"1":"c"}}"#, #"{"byInt32":{"2":"b","1":"c"}}"#),
        (#"{"byString":{"k":{"name":"a"}}}"#, #"{"byString":{"k":{"name":"b"},"j":{}}}"#, #"{"byString":{"k":{"name":"b"},"j":{}}}"#),
        // Past 16 entries repeats are found with a set.
        (Self.int32Map(0..<20) { _ in "a" }, Self.int32Map(5..<6) { _ in "b" }, Self.int32Map(0..<20) { $0 == 5 ? "b" : "a" }),
    ])
    func repeatedMapKeysFromTheWireKeepTheLast(first: String, second: String, expected: String) throws {
        let codec = ProtoJSONCodec(schema: Self.schema)
        let type = "manifold.test.v1.Maps"
        let bytes = try codec.encode(try JSONParser.parse(first), messageNamed: type) + codec.encode(try JSONParser.parse(second), messageNamed: type)
        let tree = try bytes.withUnsafeBytes { try codec.decode($0, messageNamed: type) }
        #expect(tree == (try JSONParser.parse(expected)))
        let text = try bytes.withUnsafeBytes { try codec.decodeText($0, messageNamed: type) }
        #expect(try JSONParser.parse(text) == (try JSONParser.parse(expected)))
    }

    /// `{"byInt32":{"0":"a","1":"a",...}}` for the keys in `range`.
    static func int32Map(_ range: Range<Int>, value: (Int) -> String) -> String {
        #"{"byInt32":{"# + range.map { #""\#($0)":"\#(value($0))""# }.joined(separator: ",") + "}}"
    }

    @Test func repairsInvalidUTF8FromABackend() throws {
        // protobuf-c does not check strings; the JSON out must still be valid UTF-8.
        let bytes: [UInt8] = [0x0A, 0x03, 0x61, 0xFF, 0x62]  // text: "a", 0xFF, "b"
        let codec = ProtoJSONCodec(schema: Self.schema)
        let text = try bytes.withUnsafeBytes { try codec.decodeText($0, messageNamed: "manifold.test.v1.EchoRequest") }
        #expect(String(decoding: text, as: UTF8.self) == "{\"text\":\"a\u{FFFD}b\"}")
        let tree = try bytes.withUnsafeBytes { try codec.decode($0, messageNamed: "manifold.test.v1.EchoRequest") }
        #expect(tree["text"] == .string("a\u{FFFD}b"))
    }

    @Test func rejectsGarbageBytes() {
        let bytes: [UInt8] = [0x0A, 0xFF]  // a length prefix running past the end
        let error = #expect(throws: SchemaError.self) {
            try bytes.withUnsafeBytes { try ProtoJSONCodec(schema: Self.schema).decode($0, messageNamed: "manifold.test.v1.EchoRequest") }
        }
        #expect(error?.code == .invalidMessage)
        let textError = #expect(throws: SchemaError.self) {
            try bytes.withUnsafeBytes { try ProtoJSONCodec(schema: Self.schema).decodeText($0, messageNamed: "manifold.test.v1.EchoRequest") }
        }
        #expect(textError == error)
    }
}
