import ManifoldCore
import ManifoldGateway
import ManifoldTransport
import NIOCore
import NIOPosix
import TestSupport
import Testing

/// The example shop through the whole gateway: HTTP on 127.0.0.1 in, gRPC to a grpcio
/// backend out, JSON back.
@Suite struct ShopEndToEndTests {
    static func startShop() async throws -> BackendProcess {
        try await BackendProcess.start(script: "examples/backends/shop_backend.py")
    }

    @Test func productRendersAsProto3JSON() async throws {
        let shop = try await Self.startShop()
        try await GatewayHarness.withGateway(config: GatewayHarness.shopConfig(backendPort: shop.port)) { port in
            let response = try await HTTPTestClient.request(port: port, path: "/products/42")
            #expect(response.status == 200)
            #expect(response.header("content-type") == "application/json")
            #expect(
                response.body
                    == #"{"id":"42","name":"Hitchhiker's Travel Towel","sku":"SKU-0042","price":{"currencyCode":"EUR","units":"19","nanos":950000000},"tags":["travel","bath","bestseller"],"ratingCount":4242,"rating":4.8}"#
            )
            let discontinued = try await HTTPTestClient.request(port: port, path: "/products/2")
            #expect(discontinued.body.contains(#""discontinued":true"#))
        }
    }

    @Test func backendNotFoundIs404() async throws {
        let shop = try await Self.startShop()
        try await GatewayHarness.withGateway(config: GatewayHarness.shopConfig(backendPort: shop.port)) { port in
            let response = try await HTTPTestClient.request(port: port, path: "/products/7")
            #expect(response.status == 404)
            #expect(response.body == #"{"error":{"code":404,"status":"NOT_FOUND","message":"product \"7\" not found"}}"#)
        }
    }

    @Test func backendDownIs503() async throws {
        let shop = try await Self.startShop()
        let port = shop.port
        await shop.stop()
        try await GatewayHarness.withGateway(config: GatewayHarness.shopConfig(backendPort: port)) { port in
            let response = try await HTTPTestClient.request(port: port, path: "/products/42")
            #expect(response.status == 503)
            // The client learns the backend is down, not where it lives (that goes to the log).
            #expect(response.body == #"{"error":{"code":503,"status":"UNAVAILABLE","message":"the backend is unavailable"}}"#)
        }
    }

    /// Each connection is served on its own event loop, and a request's calls ride that
    /// loop's HTTP/2 connection to the backend: at most one backend connection per loop,
    /// none opened from off the loops.
    @Test func hundredConcurrentRequestsRideOneHTTP2ConnectionPerEventLoop() async throws {
        let shop = try await Self.startShop()
        let opened = try await GatewayHarness.withGateway(config: GatewayHarness.shopConfig(backendPort: shop.port)) { port, gateway in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<100 {
                    let id = ["1", "2", "42"][i % 3]
                    group.addTask { try await HTTPTestClient.request(port: port, path: "/products/\(id)").status }
                }
                var all: [Int] = []
                for try await status in group { all.append(status) }
                return all
            }
            #expect(statuses == Array(repeating: 200, count: 100))
            let catalog = try #require(gateway.backends["catalog"])
            #expect(catalog.connectionsOpened(forCallsOn: nil) == 0, "a call was made from off the event loops")
            return catalog.connectionsOpened
        }
        #expect((1...System.coreCount).contains(opened))
        // The backend saw every call on those connections and no other.
        let stats = GRPCBackendClient(host: "127.0.0.1", port: shop.port)
        let peers = try await stats.unary(GRPCRequest(path: "/manifold.test.Stats/Peers", message: ByteBuffer()))
        #expect(String(buffer: peers.message) == "\(opened)")
        await stats.shutdown()
    }

    @Test func gatewayRefusalsUseTheErrorShape() async throws {
        let shop = try await Self.startShop()
        try await GatewayHarness.withGateway(config: GatewayHarness.shopConfig(backendPort: shop.port)) { port in
            let unknown = try await HTTPTestClient.request(port: port, path: "/nothing/here")
            #expect(unknown.status == 404)
            #expect(unknown.body == #"{"error":{"code":404,"status":"NOT_FOUND","message":"no route for /nothing/here"}}"#)

            let wrongMethod = try await HTTPTestClient.request("DELETE", port: port, path: "/products/42")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.header("allow") == "GET")
            #expect(wrongMethod.body.contains(#""status":"UNIMPLEMENTED""#))

            let badQuery = try await HTTPTestClient.request(port: port, path: "/products/42?colour=red")
            #expect(badQuery.status == 400)
            #expect(badQuery.body == #"{"error":{"code":400,"status":"INVALID_ARGUMENT","message":"unknown query parameter \"colour\""}}"#)

            let encoded = try await HTTPTestClient.request(port: port, path: "/products/4%32")
            #expect(encoded.status == 200)  // percent-decoded path parameter: "42"
        }
    }
}
