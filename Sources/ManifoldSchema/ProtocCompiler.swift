import Foundation
import ManifoldCore

/// Compiles `.proto` files into a FileDescriptorSet by running `protoc`.
///
/// protoc is the reference parser: running it, rather than parsing `.proto` text ourselves,
/// means a schema means exactly what it means to every other gRPC toolchain.
public struct ProtocCompiler: Sendable {
    /// The protoc executable; found on `PATH` when not absolute.
    public var executable: String
    /// Where the well-known types (`google/protobuf/*.proto`) live, added after the user's
    /// roots so users never name it.
    public var wellKnownTypesRoot: String?

    public init(executable: String = "protoc", wellKnownTypesRoot: String? = ProtocCompiler.defaultWellKnownTypesRoot()) {
        self.executable = executable
        self.wellKnownTypesRoot = wellKnownTypesRoot
    }

    /// The include folder of the system's protobuf installation, if it has one.
    public static func defaultWellKnownTypesRoot() -> String? {
        for candidate in ["/usr/include", "/usr/local/include"]
        where FileManager.default.fileExists(atPath: candidate + "/google/protobuf/descriptor.proto") {
            return candidate
        }
        return nil
    }

    /// Compiles every `.proto` file below each root (each root is also an include path).
    ///
    /// - Returns: the serialized FileDescriptorSet, imports included.
    /// - Throws: `SchemaError.Code.protocFailed` with protoc's own diagnostics
    ///   (`file.proto:LINE:COLUMN: message`).
    public func compile(roots: [String]) throws(SchemaError) -> [UInt8] {
        var files: [String] = []
        for root in roots {
            files += Self.protoFiles(under: root)
        }
        guard !files.isEmpty else {
            throw SchemaError(.protocFailed, "no .proto files found under \(roots.joined(separator: ", "))")
        }
        let output = FileManager.default.temporaryDirectory
            .appendingPathComponent("manifold-\(UUID().uuidString).pb")
        defer { try? FileManager.default.removeItem(at: output) }

        var arguments = ["--include_imports", "-o", output.path]
        arguments += roots.map { "-I\($0)" }
        if let wellKnownTypesRoot { arguments.append("-I\(wellKnownTypesRoot)") }
        arguments += files

        let (status, stderr) = try run(arguments)
        guard status == 0 else {
            let detail = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            throw SchemaError(.protocFailed, "protoc failed:\n\(detail)")
        }
        guard let data = FileManager.default.contents(atPath: output.path) else {
            throw SchemaError(.protocFailed, "protoc wrote no descriptor set")
        }
        return [UInt8](data)
    }

    /// Paths of the `.proto` files below `root`, relative to it, sorted for stable output.
    static func protoFiles(under root: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        var found: [String] = []
        while let path = enumerator.nextObject() as? String {
            if path.hasSuffix(".proto") { found.append(path) }
        }
        return found.sorted()
    }

    /// Runs protoc and returns its exit status and what it printed to standard error.
    private func run(_ arguments: [String]) throws(SchemaError) -> (Int32, String) {
        // Standard error goes to a file, not a pipe: see `SpawnedProcess`.
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("manifold-\(UUID().uuidString).err")
        defer { try? FileManager.default.removeItem(at: errors) }
        let protoc: SpawnedProcess
        do {
            protoc = try SpawnedProcess([executable] + arguments, stderr: .writeFile(errors.path))
        } catch {
            throw SchemaError(.protocFailed, "\(error)")
        }
        let status = protoc.wait()?.status ?? -1
        let text = String(decoding: SpawnedProcess.contents(ofFile: errors.path), as: UTF8.self)
        return (status, text)
    }
}
