import ManifoldGateway
import ManifoldTransport
import TestSupport
import Testing

/// Config problems are found at load, each with file, line and column.
@Suite struct ConfigValidationTests {
    @Test func shapeErrorsPointAtTheirLines() {
        let text = """
        server:
          listen: nowhere
          colour: blue
        schema:
          protos: [protos]
        backends:
          catalog:
            services: [shop.catalog.v1.CatalogService]
            targets: [127.0.0.1:50051]
            timeout: soon
        routes:
          - get: /products/{id}
            calls: {}
        """
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.parse(text, file: "shop.yaml", baseDirectory: Repository.root) }
        #expect(
            error?.diagnostics.map(\.description) == [
                "shop.yaml:2:11: error: server.listen: expected HOST:PORT, got \"nowhere\"",
                "shop.yaml:3:3: error: server.colour: unknown key; expected one of listen, max_body_size",
                "shop.yaml:10:14: error: backends.catalog.timeout: expected a duration such as 150ms, 2s or 1m",
                "shop.yaml:12:5: error: routes[0].calls: a route needs at least one call",
            ]
        )
    }

    @Test func backendConnectionSettingsAreChecked() {
        let text = """
        schema:
          protos: [protos]
        backends:
          catalog:
            services: [shop.catalog.v1.CatalogService]
            targets: [127.0.0.1:50051, "[::1]:50051", catalog.internal:7000, nope]
            connections_per_target: 0
            balancing: random
            compression: brotli
            health_check: {service: shop.catalog.v1.CatalogService, interval: often}
            keepalive: {timeout: 5s}
        routes:
          - get: /products/{id}
            calls:
              product:
                rpc: shop.catalog.v1.CatalogService/GetProduct
        """
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.parse(text, file: "shop.yaml", baseDirectory: Repository.root) }
        #expect(
            error?.diagnostics.map(\.description) == [
                "shop.yaml:6:70: error: backends.catalog.targets: expected HOST:PORT, got \"nope\"",
                "shop.yaml:7:29: error: backends.catalog.connections_per_target: expected a positive integer",
                "shop.yaml:8:16: error: backends.catalog.balancing: expected one of round_robin, power_of_two_choices",
                "shop.yaml:9:18: error: backends.catalog.compression: expected one of gzip, deflate",
                "shop.yaml:10:71: error: backends.catalog.health_check.interval: expected a duration such as 150ms, 2s or 1m",
                "shop.yaml:11:16: error: backends.catalog.keepalive: keepalive needs an interval",
            ]
        )
    }

    @Test func backendConnectionSettingsAreApplied() throws {
        let text = """
        schema:
          protos: [protos]
        backends:
          catalog:
            services: [shop.catalog.v1.CatalogService]
            targets: [127.0.0.1:50051, 127.0.0.1:50052]
            connections_per_target: 4
            balancing: power_of_two_choices
            compression: gzip
            health_check: {interval: 2s, timeout: 300ms}
            keepalive: {interval: 30s}
        routes:
          - get: /products/{id}
            calls:
              product:
                rpc: shop.catalog.v1.CatalogService/GetProduct
        """
        let config = try ConfigLoader.parse(text, file: "shop.yaml", baseDirectory: Repository.root)
        let client = try #require(config.backends.first?.client)
        #expect(client.connectionsPerTarget == 4)
        #expect(client.balancing == .powerOfTwoChoices)
        #expect(client.connection.compression == .gzip)
        #expect(client.healthCheck?.interval == .seconds(2))
        #expect(client.healthCheck?.timeout == .milliseconds(300))
        #expect(client.healthCheck?.service == "")
        #expect(client.connection.keepalive?.interval == .seconds(30))
        #expect(client.connection.keepalive?.timeout == .seconds(20))
        _ = try Gateway(config: config)  // two targets are fine
    }

    @Test func schemaErrorsPointAtTheirLines() throws {
        let text = """
        schema:
          protos: [protos]
        backends:
          catalog:
            services: [shop.catalog.v1.CatalogService, shop.Nope]
            targets: [127.0.0.1:50051]
        routes:
          - get: /products/{sku}
            calls:
              product:
                rpc: shop.catalog.v1.CatalogService/GetProduct
          - get: /things
            calls:
              thing:
                rpc: shop.catalog.v1.CatalogService/Missing
        """
        let config = try ConfigLoader.parse(text, file: "shop.yaml", baseDirectory: Repository.root)
        let error = #expect(throws: ConfigError.self) { try Gateway(config: config) }
        #expect(
            error?.diagnostics.map(\.description) == [
                "shop.yaml:5:48: error: backends.catalog.services: the schema has no service shop.Nope",
                "shop.yaml:8:10: error: routes[0].get: path parameter {sku} is not a field of shop.catalog.v1.GetProductRequest (call product)",
                "shop.yaml:15:14: error: routes[1].calls.thing.rpc: the schema has no method shop.catalog.v1.CatalogService/Missing (write package.Service/Method)",
            ]
        )
    }

    @Test func theExampleConfigLoads() throws {
        let config = try ConfigLoader.load(path: Repository.path("examples/shop.yaml"))
        let gateway = try Gateway(config: config)
        #expect(
            gateway.routeSummary == [
                "GET /products/{id}  (timeout 10.0 seconds)",
                "  level 0: product: shop.catalog.v1.CatalogService/GetProduct @catalog",
            ]
        )
        #expect(config.server.port == 8080)
    }
}
