import Foundation
import ManifoldCore
import ManifoldSchema
import Testing

/// A message of 70 fields, past the 64 that the codec handles with a scan of its names and a
/// bit set: names are then found by dictionary and repeats tracked in an array. The proto is
/// written here and compiled by protoc like any other.
@Suite struct WideMessageTests {
    static let codec: ProtoJSONCodec = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("manifold-wide-\(UUID())")
        try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let fields = (1...70).map { "  int32 field_\($0) = \($0);" }.joined(separator: "\n")
        try! "syntax = \"proto3\";\npackage wide.v1;\nmessage Wide {\n\(fields)\n}\n"
            .write(to: folder.appendingPathComponent("wide.proto"), atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: folder) }
        return ProtoJSONCodec(schema: try! Schema.load(protoRoots: [folder.path]))
    }()

    private func encode(_ json: String) throws -> (text: [UInt8], tree: [UInt8]) {
        let text = try Array(json.utf8).withUnsafeBytes { try Self.codec.encodeText($0, messageNamed: "wide.v1.Wide") }
        let tree = try Self.codec.encode(try JSONParser.parse(json), messageNamed: "wide.v1.Wide")
        return (text, tree)
    }

    @Test func fieldsAreFoundByEitherName() throws {
        let (text, tree) = try encode(#"{"field70":70,"field_1":1,"field65":65,"field_66":66}"#)
        #expect(text == tree)
        let decoded = try text.withUnsafeBytes { try Self.codec.decodeText($0, messageNamed: "wide.v1.Wide") }
        #expect(String(decoding: decoded, as: UTF8.self) == #"{"field1":1,"field65":65,"field66":66,"field70":70}"#)
    }

    @Test func aFieldNamedTwiceAndAnUnknownFieldAreRefused() throws {
        let twice = #expect(throws: SchemaError.self) { try encode(#"{"field68":1,"field_68":2}"#) }
        #expect(twice?.path == "$.field_68")
        #expect(twice?.message == #"field "field68" given twice"#)
        let unknown = #expect(throws: SchemaError.self) { try encode(#"{"field71":1}"#) }
        #expect(unknown?.path == "$.field71")
    }
}
