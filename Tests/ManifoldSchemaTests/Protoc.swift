import Foundation
import TestSupport

/// Runs the system protoc on the test protos, the reference encoder and decoder the codec
/// is held to.
enum Protoc {
    static let root = Repository.path("Tests/Protos")
    static let files = ["manifold/test/v1/echo.proto", "manifold/test/v1/types.proto", "manifold/test/v1/legacy.proto"]

    /// `protoc --encode=TYPE`: text format in, binary out.
    static func encode(_ text: String, type: String) throws -> [UInt8] {
        try run(["--encode=\(type)", "-I", root, "-I", "/usr/include"] + files, input: Array(text.utf8))
    }

    /// `protoc --decode=TYPE`: binary in, text format out.
    static func decode(_ bytes: [UInt8], type: String) throws -> String {
        String(decoding: try run(["--decode=\(type)", "-I", root, "-I", "/usr/include"] + files, input: bytes), as: UTF8.self)
    }

    private static func run(_ arguments: [String], input: [UInt8]) throws -> [UInt8] {
        let outcome = try ChildProcess.run(["protoc"] + arguments, input: input)
        guard outcome.status == 0 else {
            throw BackendProcessError(message: "protoc \(arguments.joined(separator: " ")): \(outcome.errors)")
        }
        return outcome.output
    }
}
