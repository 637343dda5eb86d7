import Benchmark
import Foundation
import ManifoldCompose
import ManifoldCore

/// JMESPath on the compliance suite's `bench` cases (read from ../shared/conformance, never
/// copied): `parse` cases measure compiling, `interpret` and `full` cases searching (`full`
/// compiles too, as the suite defines it).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        maxDuration: .seconds(2),
        maxIterations: 1_000_000
    )
    for bench in BenchCases.load() {
        Benchmark("JMESPath \(bench.kind) \(bench.name)", configuration: .init(scalingFactor: .kilo)) { benchmark in
            switch bench.kind {
            case "parse":
                for _ in benchmark.scaledIterations { blackHole(try JMESPath(bench.expression)) }
            case "interpret":
                let compiled = try JMESPath(bench.expression)
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations { blackHole(try compiled.search(bench.given)) }
            default:
                for _ in benchmark.scaledIterations { blackHole(try JMESPath(bench.expression).search(bench.given)) }
            }
        }
    }
}

/// The `bench` cases of benchmarks.json.
enum BenchCases {
    struct Case {
        let kind: String
        let name: String
        let expression: String
        let given: JSONValue
    }

    static func load() -> [Case] {
        let file = URL(fileURLWithPath: #filePath)  // Benchmarks/Benchmarks/ComposeBenchmarks/…
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared/conformance/jmespath/benchmarks.json")
        guard let data = FileManager.default.contents(atPath: file.path),
            case .array(let suites) = try? JSONParser.parse([UInt8](data))
        else { fatalError("cannot read \(file.path)") }
        var cases: [Case] = []
        for suite in suites {
            guard case .array(let list)? = suite["cases"] else { continue }
            let given = suite["given"] ?? .null
            for item in list {
                guard case .string(let kind)? = item["bench"], case .string(let expression)? = item["expression"] else { continue }
                let label = expression.count > 40 ? String(expression.prefix(37)) + "..." : expression
                cases.append(Case(kind: kind, name: "#\(cases.count) \(label)", expression: expression, given: given))
            }
        }
        return cases
    }
}
