import Foundation

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

    private func run(_ arguments: [String]) throws(SchemaError) -> (Int32, String) {
        let process = Process()
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        let stderrPipe = Pipe()
        process.standardError = stderrPipe
        process.standardOutput = FileHandle.nullDevice
        // Not `waitUntilExit()`: on Linux it spins the calling thread's run loop and can miss
        // the exit of a child when many run at once, hanging for ever. The handler is set
        // before `run()` so even a child that exits at once is seen.
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do {
            try process.run()
        } catch {
            throw SchemaError(.protocFailed, "cannot run \(executable): \(error)")
        }
        // Read before waiting so a chatty protoc cannot fill the pipe and block.
        let errorData = stderrPipe.fileHandleForReading.readDataToEndOfFile()
        exited.wait()
        return (process.terminationStatus, String(decoding: errorData, as: UTF8.self))
    }
}
