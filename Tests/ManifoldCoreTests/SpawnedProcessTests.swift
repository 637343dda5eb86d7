import Foundation
import ManifoldCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Children started and reaped by pid: exit codes and signals arrive, a timed wait gives
/// up, nothing of the parent's leaks into a child, and many at once are all reaped.
@Suite struct SpawnedProcessTests {
    private func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("manifold-spawn-\(UUID().uuidString)").path
    }

    @Test func exitCodesAndSignalsArrive() throws {
        #expect(try SpawnedProcess(["sh", "-c", "exit 7"]).wait() == .exited(7))
        #expect(try SpawnedProcess(["sh", "-c", "kill -TERM $$"]).wait() == .signalled(SIGTERM))
        #expect(try SpawnedProcess(["true"]).wait()?.status == 0)
    }

    @Test func aTimedWaitGivesUpAndASignalEndsTheChild() throws {
        let sleeper = try SpawnedProcess(["sleep", "30"])
        #expect(sleeper.wait(timeout: .milliseconds(50)) == nil)
        #expect(!sleeper.hasExited)
        sleeper.signal(SIGKILL)
        #expect(sleeper.wait() == .signalled(SIGKILL))
        sleeper.signal(SIGKILL)  // reaped: its pid is no longer ours to signal
        #expect(sleeper.wait() == .signalled(SIGKILL))
    }

    @Test func streamsGoToFilesAndNothingElseIsInherited() throws {
        var descriptors: [Int32] = [0, 0]
        #expect(pipe(&descriptors) == 0)  // open in the parent, not close-on-exec
        defer { for descriptor in descriptors { close(descriptor) } }
        let (input, output) = (temporaryPath(), temporaryPath())
        defer { for path in [input, output] { try? FileManager.default.removeItem(atPath: path) } }
        #expect(FileManager.default.createFile(atPath: input, contents: Data("hello\n".utf8)))
        let child = try SpawnedProcess(["sh", "-c", "cat; ls /proc/$$/fd"], stdin: .readFile(input), stdout: .writeFile(output))
        #expect(child.wait() == .exited(0))
        let lines = String(decoding: SpawnedProcess.contents(ofFile: output), as: UTF8.self).split(separator: "\n")
        #expect(lines.first == "hello")
        let open = Set(lines.dropFirst())
        #expect(open.isSuperset(of: ["0", "1", "2"]))
        for descriptor in descriptors { #expect(!open.contains("\(descriptor)"), "fd \(descriptor) leaked into the child") }
    }

    @Test func aMissingProgramIsAnError() {
        #expect(throws: SpawnedProcess.SpawnError.self) { try SpawnedProcess(["/nonexistent/program"]) }
    }

    /// Foundation's `Process` missed an exit about once in ten test runs with this many
    /// children at once; each child here must be reaped with its own code.
    @Test func manyChildrenAtOnceAreAllReaped() async throws {
        let codes = try await withThrowingTaskGroup(of: (Int32, Int32).self) { group in
            for code in Int32(0)..<48 {
                group.addTask {
                    try await withCheckedThrowingContinuation { continuation in
                        Thread.detachNewThread {
                            continuation.resume(with: Result {
                                (code, try SpawnedProcess(["sh", "-c", "exit \(code)"]).wait()?.status ?? -2)
                            })
                        }
                    }
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(codes == Dictionary(uniqueKeysWithValues: (Int32(0)..<48).map { ($0, $0) }))
    }
}
