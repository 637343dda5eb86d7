import Foundation
import NIOConcurrencyHelpers

/// Runs a program to completion: feeds it `input`, collects what it prints, waits for it.
///
/// It waits through `terminationHandler`, not `waitUntilExit()`: on Linux the latter spins
/// the calling thread's run loop and, with many children started at once from many
/// threads, can miss an exit and hang for ever.
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }  // before run(): a quick exit is not missed
        try process.run()
        // stderr drains on a thread of its own, so a child filling either pipe never blocks.
        let errors = NIOLockedValueBox(Data())
        let errorsRead = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let data = stderr.fileHandleForReading.readDataToEndOfFile()
            errors.withLockedValue { $0 = data }
            errorsRead.signal()
        }
        try stdin.fileHandleForWriting.write(contentsOf: Data(input))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        errorsRead.wait()
        exited.wait()
        return Outcome(
            status: process.terminationStatus,
            output: [UInt8](output),
            errors: String(decoding: errors.withLockedValue { $0 }, as: UTF8.self)
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
