import ManifoldCompose
import ManifoldCore
import Testing

@Suite struct JMESPathComplianceTests {
    /// Guards against the parameterized test passing vacuously when the suite is missing.
    @Test func suiteIsPresent() {
        #expect(JMESPathCompliance.cases.count == 892, "expected 892 result and error cases in \(JMESPathCompliance.directoryPath)")
        #expect(JMESPathCompliance.benchmarks.count == 16)
    }

    /// Compiles, then searches; an expected error may come from either step, as the suite
    /// leaves open when arity, unknown-function and type errors are raised.
    @Test(arguments: JMESPathCompliance.cases)
    func compliance(_ c: JMESPathCompliance.Case) throws {
        switch c.expected {
        case .result(let want):
            let got = try JMESPath(c.expression).search(c.given)
            #expect(got == want, "got \(JSONWriter.string(got)), want \(JSONWriter.string(want))")
        case .error(let kind):
            let error = #expect(throws: JMESPathError.self) { try JMESPath(c.expression).search(c.given) }
            #expect(error?.kind == kind)
        }
    }

    /// The bench expressions must at least compile and run; their speed is measured elsewhere.
    @Test func benchmarksEvaluate() throws {
        for bench in JMESPathCompliance.benchmarks {
            let path = try JMESPath(bench.expression)
            if bench.kind != "parse" { _ = try path.search(bench.given) }
        }
    }
}
