import Foundation
import ManifoldCore

/// Runs a program to completion: feeds it `input`, collects what it prints, waits for it.
///
/// Its streams are files, and it is waited for with `waitpid` (`SpawnedProcess`), not
/// Foundation's `Process`, which on Linux can miss a child's exit and hang for ever.
public enum ChildProcess {
    public struct Outcome: Sendable {
        public var status: Int32
        public var output: [UInt8]
        public var errors: String

        public var text: String { String(decoding: output, as: UTF8.self) + errors }
    }

    /// Runs `arguments[0]`, found on `PATH`, with the rest as its arguments, blocking the
    /// calling thread until it exits.
    public static func run(_ arguments: [String], input: [UInt8] = []) throws -> Outcome {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("manifold-child-\(UUID().uuidString)").path
        let (inputPath, outputPath, errorsPath) = (base + ".in", base + ".out", base + ".err")
        defer { for path in [inputPath, outputPath, errorsPath] { try? FileManager.default.removeItem(atPath: path) } }
        guard FileManager.default.createFile(atPath: inputPath, contents: Data(input)) else {
            throw BackendProcessError(message: "cannot write \(inputPath)")
        }
        let child = try SpawnedProcess(arguments, stdin: .readFile(inputPath), stdout: .writeFile(outputPath), stderr: .writeFile(errorsPath))
        let status = child.wait()?.status ?? -1
        return Outcome(
            status: status,
            output: SpawnedProcess.contents(ofFile: outputPath),
            errors: String(decoding: SpawnedProcess.contents(ofFile: errorsPath), as: UTF8.self)
        )
    }

    /// The same, waiting without blocking: the child runs and is waited for on a thread of
    /// its own, never one of the cooperative pool's, which other tests' tasks need meanwhile.
    public static func run(_ arguments: [String], input: [UInt8] = []) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try run(arguments, input: input) }) }
        }
    }
}
