import ManifoldGateway
import TestSupport
import Testing

/// Plan problems are config errors at load, each at the line and column that caused it.
@Suite struct PlanValidationTests {
    static func diagnostics(_ routes: String) throws -> [String] {
        let text = """
        schema:
          protos: [Tests/Protos]
        backends:
          echo:
            services: [manifold.test.v1.EchoService]
            targets: [127.0.0.1:1]
        routes:
        \(routes)
        """
        let config = try ConfigLoader.parse(text, file: "plan.yaml", baseDirectory: Repository.root)
        do {
            _ = try Gateway(config: config)
            return []
        } catch let error as ConfigError {
            return error.diagnostics.map(\.description)
        }
    }

    @Test func cyclesAreRejected() throws {
        #expect(
            try Self.diagnostics("""
              - get: /loop
                calls:
                  a: {rpc: manifold.test.v1.EchoService/Echo, request: "{text: b.text}"}
                  b: {rpc: manifold.test.v1.EchoService/Echo, request: "{text: a.text}"}
            """) == ["plan.yaml:10:7: error: routes[0].calls.a: calls form a cycle: a -> b -> a"]
        )
    }

    @Test func unknownNamesAreRejected() throws {
        #expect(
            try Self.diagnostics("""
              - get: /typo
                calls:
                  product: {rpc: manifold.test.v1.EchoService/Echo, request: "{text: produtc.text}"}
            """) == [
                "plan.yaml:10:67: error: routes[0].calls.product.request: reads \"produtc\", which is not one of product, body, client, headers, path, query"
            ]
        )
    }

    @Test func requiredCallsMayNotReadOptionalOnes() throws {
        #expect(
            try Self.diagnostics("""
              - get: /mixed
                calls:
                  stock: {rpc: manifold.test.v1.EchoService/Echo, optional: true}
                  price: {rpc: manifold.test.v1.EchoService/Echo, request: "{text: stock.text}"}
            """) == [
                "plan.yaml:11:7: error: routes[0].calls.price: a required call may not read the optional call \"stock\"; make \"price\" optional too"
            ]
        )
    }

    @Test func syntaxErrorsPointAtTheCharacter() throws {
        let found = try Self.diagnostics("""
          - get: /bad
            calls:
              x: {rpc: manifold.test.v1.EchoService/Echo, request: "{text: path.}"}
        """)
        // Column 73 is the '}' inside "{text: path.}".
        #expect(found == [#"plan.yaml:10:73: error: routes[0].calls.x.request: unexpected '}' in "{text: path.}""#])
    }

    @Test func requestFieldsMustExist() throws {
        #expect(
            try Self.diagnostics("""
              - get: /field
                calls:
                  x: {rpc: manifold.test.v1.EchoService/Echo, request: "{txt: path.id}"}
            """) == ["plan.yaml:10:61: error: routes[0].calls.x.request: manifold.test.v1.EchoRequest has no field \"txt\""]
        )
    }
}
