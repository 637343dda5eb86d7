import Foundation
import ManifoldCompose
import ManifoldCore
import Testing

/// The official JMESPath compliance suite, read in place from `../shared/conformance/jmespath/`
/// beside the repository (never copied into it).
enum JMESPathCompliance {
    /// One `result` or `error` case of the suite.
    struct Case: Sendable, CustomTestStringConvertible {
        enum Expected: Sendable {
            case result(JSONValue)
            case error(JMESPathError.Kind)
        }

        /// `file#suiteIndex#caseIndex: expression`, so a failure names itself.
        var name: String
        var expression: String
        var given: JSONValue
        var expected: Expected

        var testDescription: String { name }
    }

    /// One `bench` case: an expression to time, and what to time (`parse`, `interpret`, `full`).
    struct Benchmark: Sendable {
        var name: String
        var expression: String
        var given: JSONValue
        var kind: String
    }

    /// The suite's folder, found from this file: the repository root is three levels up.
    /// Symlinks are resolved first so that a package linking to this folder finds it too.
    static let directory: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()  // <root>/Tests/ManifoldComposeTests/
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/conformance/jmespath").standardized

    /// ``directory`` as a path, for messages.
    static var directoryPath: String { directory.path }

    /// Every `result` and `error` case, in file order; empty when the suite cannot be read,
    /// which `JMESPathComplianceTests.suiteIsPresent` reports.
    static let cases: [Case] = load().cases

    /// Every `bench` case.
    static let benchmarks: [Benchmark] = load().benchmarks

    private static func load() -> (cases: [Case], benchmarks: [Benchmark]) {
        var cases: [Case] = []
        var benchmarks: [Benchmark] = []
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for file in files.filter({ $0.hasSuffix(".json") }).sorted() {
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(file).path),
                case .array(let suites)? = try? JSONParser.parse([UInt8](data), maxDepth: 1024)
            else { continue }
            for (suiteIndex, suite) in suites.enumerated() {
                guard let given = suite["given"], case .array(let suiteCases)? = suite["cases"] else { continue }
                for (caseIndex, testCase) in suiteCases.enumerated() {
                    guard case .string(let expression)? = testCase["expression"] else { continue }
                    let name = "\(file)#\(suiteIndex)#\(caseIndex): \(expression)"
                    if let result = testCase["result"] {
                        cases.append(Case(name: name, expression: expression, given: given, expected: .result(result)))
                    } else if case .string(let error)? = testCase["error"] {
                        guard let kind = errorKinds.first(where: { $0.name == error }) else { continue }
                        cases.append(Case(name: name, expression: expression, given: given, expected: .error(kind)))
                    } else if case .string(let kind)? = testCase["bench"] {
                        benchmarks.append(Benchmark(name: name, expression: expression, given: given, kind: kind))
                    }
                }
            }
        }
        return (cases, benchmarks)
    }

    private static let errorKinds: [JMESPathError.Kind] = [
        .syntax, .invalidType, .invalidValue, .invalidArity, .unknownFunction,
    ]
}
