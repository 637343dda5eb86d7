import Foundation
import ManifoldCore
import ManifoldTransport
import NIOCore
import TestSupport
import Testing

/// Several calls per route against a grpcio backend: concurrency, data dependencies, `each`
/// with a bound, cancellation of siblings, optional failures, and client-specific shapes.
/// Concurrency is observed at the backend (its peak of calls in flight), not by timing.
@Suite struct CompositionEndToEndTests {
    static let echo = "manifold.test.v1.EchoService/Echo"

    static func config(backendPort: Int) -> String {
        GatewayHarness.echoConfig(target: "127.0.0.1:\(backendPort)", """
        clients:
          header: X-Client
          default: web
        routes:
          - get: /fanout
            calls:
              a: {rpc: \(echo), request: "{text: 'a', delay_ms: `300`}"}
              b: {rpc: \(echo), request: "{text: 'b', delay_ms: `300`}"}
              c: {rpc: \(echo), request: "{text: 'c', delay_ms: `300`}"}
            respond: "[a.text, b.text, c.text]"
          - get: /chain/{word}
            calls:
              first: {rpc: \(echo), request: "{text: path.word}"}
              second: {rpc: \(echo), request: "{text: join('-', [first.text, 'again'])}"}
            respond: "{result: second.text}"
          - get: /each
            calls:
              fan:
                rpc: \(echo)
                each: "`[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19]`"
                concurrency: 5
                request: "{text: to_string(item), delay_ms: `50`}"
            respond: "fan[*].text"
          - get: /fail-fast
            calls:
              slow: {rpc: \(echo), request: "{text: 'slow', delay_ms: `5000`}"}
              bad: {rpc: \(echo), request: "{delay_ms: `100`, fail_code: `5`, fail_message: 'gone'}"}
          - get: /partial
            calls:
              main: {rpc: \(echo), request: "{text: 'main'}"}
              extra: {rpc: \(echo), optional: true, request: "{fail_code: `14`, fail_message: 'down'}"}
              after: {rpc: \(echo), optional: true, request: "{text: extra.text}"}
            respond: "{main: main.text, extra: extra, after: after}"
          - get: /maybe
            calls:
              always: {rpc: \(echo), request: "{text: 'always'}"}
              sometimes: {rpc: \(echo), when: "query.deep == 'yes'", request: "{text: 'deep'}"}
            respond: "{always: always.text, sometimes: sometimes.text}"
          - get: /slow
            calls:
              quick: {rpc: \(echo), request: "{text: 'quick'}"}
              late: {rpc: \(echo), optional: true, timeout: 100ms, request: "{delay_ms: `3000`}"}
            respond: "{quick: quick.text, late: late}"
          - get: /too-slow
            timeout: 150ms
            calls:
              late: {rpc: \(echo), request: "{delay_ms: `3000`}"}
          - get: /each-past-the-deadline
            timeout: 400ms
            calls:
              fan:
                rpc: \(echo)
                each: "`[0,1,2,3]`"
                concurrency: 1
                request: "{text: to_string(item), delay_ms: `250`}"
          - get: /shape/{word}
            calls:
              echo: {rpc: \(echo), request: "{text: path.word}"}
            respond:
              web: "{text: echo.text, big: echo.big, nested: echo.nested, items: echo.items[*].label}"
              mobile: "{t: echo.text, positive: echo.big > `0`}"
              partner: "echo.numbers"
        """)
    }

    static func withGateway(_ body: @Sendable (Int, GRPCBackendClient) async throws -> Void) async throws {
        let backend = try await BackendProcess.start(script: "Tests/Backends/echo_backend.py")
        let stats = GRPCBackendClient(host: "127.0.0.1", port: backend.port)
        try await GatewayHarness.withGateway(config: config(backendPort: backend.port)) { port in
            try await body(port, stats)
        }
        await stats.shutdown()
    }

    static func stat(_ name: String, _ client: GRPCBackendClient) async throws -> Int {
        let response = try await client.unary(GRPCRequest(path: "/manifold.test.Stats/\(name)", message: ByteBuffer()))
        return Int(String(buffer: response.message)) ?? -1
    }

    @Test func independentCallsRunConcurrently() async throws {
        try await Self.withGateway { port, stats in
            let response = try await HTTPTestClient.request(port: port, path: "/fanout")
            #expect(response.status == 200)
            #expect(response.body == #"["a","b","c"]"#)
            #expect(try await Self.stat("MaxInFlight", stats) == 3)  // all three were at the backend at once
        }
    }

    @Test func aDependentCallReadsItsInput() async throws {
        try await Self.withGateway { port, stats in
            let response = try await HTTPTestClient.request(port: port, path: "/chain/hello")
            #expect(response.body == #"{"result":"hello-again"}"#)
            #expect(try await Self.stat("MaxInFlight", stats) == 1)  // second waited for first
        }
    }

    @Test func eachRunsInOrderWithinItsBound() async throws {
        try await Self.withGateway { port, stats in
            let response = try await HTTPTestClient.request(port: port, path: "/each")
            #expect(response.status == 200)
            #expect(response.body == "[" + (0..<20).map { "\"\($0)\"" }.joined(separator: ",") + "]")
            #expect(try await Self.stat("MaxInFlight", stats) == 5)
        }
    }

    @Test func aRequiredFailureCancelsItsSiblingsAtTheBackend() async throws {
        try await Self.withGateway { port, stats in
            let response = try await HTTPTestClient.request(port: port, path: "/fail-fast")
            #expect(response.status == 404)
            #expect(response.body == #"{"error":{"code":404,"status":"NOT_FOUND","message":"gone"}}"#)
            // The slow call's stream was reset; the backend notices within its 5 ms poll.
            var cancelled = 0
            for _ in 0..<100 where cancelled == 0 {
                cancelled = try await Self.stat("Cancelled", stats)
                if cancelled == 0 { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(cancelled == 1)
        }
    }

    @Test func optionalFailuresBecomeNullAndErrors() async throws {
        try await Self.withGateway { port, _ in
            let response = try await HTTPTestClient.request(port: port, path: "/partial")
            #expect(response.status == 200)
            #expect(
                response.body
                    == #"{"main":"main","extra":null,"after":null,"errors":[{"call":"extra","status":"UNAVAILABLE","code":503,"message":"down"},{"call":"after","status":"UNAVAILABLE","code":503,"message":"skipped: it reads \"extra\", which failed"}]}"#
            )
        }
    }

    @Test func timeoutsBoundCallsAndTheRequest() async throws {
        try await Self.withGateway { port, _ in
            let slow = try await HTTPTestClient.request(port: port, path: "/slow")
            #expect(slow.status == 200)
            // Either side's deadline may fire first: ours ("no response within…", connecting
            // or not) or the backend's, from the grpc-timeout we sent ("Deadline Exceeded").
            // Both are right.
            let body = try JSONParser.parse(slow.body)
            #expect(body["quick"] == .string("quick"))
            #expect(body["late"] == .null)
            guard case .array(let errors)? = body["errors"], errors.count == 1 else {
                Issue.record("expected one errors entry in \(slow.body)")
                return
            }
            #expect(errors[0]["call"] == .string("late"))
            #expect(errors[0]["status"] == .string("DEADLINE_EXCEEDED"))
            #expect(errors[0]["code"] == .int(504))
            #expect([.string("no response within 100 ms"), .string("Deadline Exceeded")].contains(errors[0]["message"]))
            let tooSlow = try await HTTPTestClient.request(port: port, path: "/too-slow")
            #expect(tooSlow.status == 504)
            #expect(tooSlow.body.contains(#""status":"DEADLINE_EXCEEDED""#))
        }
    }

    @Test func fanOutItemsWaitingForASlotStillHonourTheRequestDeadline() async throws {
        // Four items one at a time, 250 ms each, in a 400 ms request: the third must not
        // start with a fresh timeout of its own.
        try await Self.withGateway { port, _ in
            let response = try await HTTPTestClient.request(port: port, path: "/each-past-the-deadline")
            #expect(response.status == 504, "\(response.body)")
            #expect(response.body.contains(#""status":"DEADLINE_EXCEEDED""#))
        }
    }

    @Test func aClientNamedByQueryIsNotARequestField() async throws {
        // Without a request template, query parameters bind to request fields and unknown
        // ones are refused; the parameter naming the client is the gateway's own.
        let backend = try await BackendProcess.start(script: "Tests/Backends/echo_backend.py")
        let config = GatewayHarness.echoConfig(target: "127.0.0.1:\(backend.port)", """
            clients:
              query: client
              default: web
            routes:
              - get: /echo
                calls:
                  echo: {rpc: \(Self.echo)}
                respond:
                  web: "{web: echo.text}"
                  mobile: "{mobile: echo.text}"
            """)
        try await GatewayHarness.withGateway(config: config) { port in
            let mobile = try await HTTPTestClient.request(port: port, path: "/echo?text=hi&client=mobile")
            #expect(mobile.status == 200, "\(mobile.body)")
            #expect(try JSONParser.parse(mobile.body) == .object(JSONObject([("mobile", .string("hi"))])))
            let unknown = try await HTTPTestClient.request(port: port, path: "/echo?text=hi&nope=1")
            #expect(unknown.status == 400)
        }
    }

    @Test func whenSkipsACall() async throws {
        try await Self.withGateway { port, _ in
            let skipped = try await HTTPTestClient.request(port: port, path: "/maybe")
            #expect(skipped.body == #"{"always":"always","sometimes":null}"#)
            let run = try await HTTPTestClient.request(port: port, path: "/maybe?deep=yes")
            #expect(run.body == #"{"always":"always","sometimes":"deep"}"#)
        }
    }

    @Test func theClientCanBeAPathPrefix() async throws {
        let backend = try await BackendProcess.start(script: "Tests/Backends/echo_backend.py")
        let config = Self.config(backendPort: backend.port)
            .replacingOccurrences(of: "  header: X-Client\n", with: "  path_prefix: true\n")
        try await GatewayHarness.withGateway(config: config) { port in
            let mobile = try await HTTPTestClient.request(port: port, path: "/mobile/shape/hi")
            #expect(mobile.body == #"{"t":"hi","positive":false}"#)
            let partner = try await HTTPTestClient.request(port: port, path: "/partner/shape/hi")
            #expect(partner.body == "[1,-2,3]")
            let plain = try await HTTPTestClient.request(port: port, path: "/shape/hi")
            #expect(plain.body.hasPrefix(#"{"text":"hi""#))  // the default client, web
            let unknown = try await HTTPTestClient.request(port: port, path: "/tv/shape/hi")
            #expect(unknown.status == 404)  // not a client, so part of the path
        }
    }

    @Test func eachClientGetsItsOwnShape() async throws {
        try await Self.withGateway { port, _ in
            let web = try await HTTPTestClient.request(port: port, path: "/shape/hi", headers: [("X-Client", "web")])
            #expect(web.body == #"{"text":"hi","big":"-9007199254740993","nested":{"label":"n","weight":"-5"},"items":["a","b"]}"#)
            let mobile = try await HTTPTestClient.request(port: port, path: "/shape/hi", headers: [("X-Client", "mobile")])
            #expect(mobile.body == #"{"t":"hi","positive":false}"#)  // an int64 compares as a number
            let partner = try await HTTPTestClient.request(port: port, path: "/shape/hi", headers: [("X-Client", "partner")])
            #expect(partner.body == "[1,-2,3]")
            let unknown = try await HTTPTestClient.request(port: port, path: "/shape/hi", headers: [("X-Client", "tv")])
            #expect(unknown.body == web.body)
            let none = try await HTTPTestClient.request(port: port, path: "/shape/hi")
            #expect(none.body == web.body)
        }
    }
}
