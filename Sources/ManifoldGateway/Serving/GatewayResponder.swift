import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ManifoldCompose
import ManifoldCore
import ManifoldSchema
import ManifoldTransport
import NIOCore

/// Answers every HTTP request: matches a route, builds the request message, calls the
/// backend and renders the response; every failure becomes the one error body, here.
struct GatewayResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let snapshot: GatewaySnapshot
    let logger: Logger

    func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        var routeLabel = "unmatched"
        let response: Response
        do {
            var segments = Array(request.uri.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst())
            var prefixClient: String?
            if snapshot.clients.source == .pathPrefix, let first = segments.first, snapshot.clientNames.contains(String(first)) {
                prefixClient = String(first)
                segments.removeFirst()
            }
            let (route, parameters) = try match(request, segments: segments)
            routeLabel = route.template.description
            let body = try await handle(request, route: route, parameters: parameters, prefixClient: prefixClient)
            response = Self.json(status: 200, body)
        } catch let error as GatewayError {
            response = Self.error(error)
        } catch {
            response = Self.error(GatewayError(.internalError, "internal error"))
        }
        logger.info(
            "request",
            metadata: [
                "http.request.method": "\(request.method.rawValue)",
                "http.route": "\(routeLabel)",
                "http.response.status_code": "\(response.status.code)",
                "duration_ms": "\((ContinuousClock.now - started).milliseconds)",
            ]
        )
        return response
    }

    // MARK: - Steps

    private func match(_ request: Request, segments: [Substring]) throws(GatewayError) -> (GatewaySnapshot.Route, [(String, String)]) {
        var allowed: [String] = []
        for route in snapshot.routes {
            guard let parameters = route.template.match(segments) else { continue }
            if route.method == request.method.rawValue { return (route, parameters) }
            allowed.append(route.method)
        }
        guard allowed.isEmpty else {
            var error = GatewayError(.unimplemented, "\(request.method.rawValue) is not allowed on \(request.uri.path)", httpStatus: 405)
            error.headers = [("Allow", allowed.joined(separator: ", "))]
            throw error
        }
        throw GatewayError(.notFound, "no route for \(request.uri.path)")
    }

    private func handle(
        _ request: Request,
        route: GatewaySnapshot.Route,
        parameters: [(String, String)],
        prefixClient: String?
    ) async throws -> JSONValue {
        let deadline = ContinuousClock.now + route.timeout
        let body = try await requestBody(request)
        let query = queryParameters(request)
        if route.strictQuery {
            for (key, _) in query where key != snapshot.clientQueryParameter
                && !route.plan.calls.contains(where: { snapshot.codec.schema.requestField(key, of: $0.target.method).exists }) {
                throw GatewayError(.invalidArgument, "unknown query parameter \"\(key)\"")
            }
        }
        let client = self.client(of: request, query: query, plan: route.plan, prefix: prefixClient)
        var context = JSONObject()
        context.appendUnique("path", .object(JSONObject(parameters.map { ($0.0, JSONValue.string($0.1)) })))
        // Only what some template reads: headers and query objects cost allocations per request.
        let reads = route.plan.contextRootsRead
        if reads.contains("query") {
            context.appendUnique("query", .object(JSONObject(query.map { ($0.0, $0.1.count == 1 ? .string($0.1[0]) : .array($0.1.map { .string($0) })) })))
        }
        if reads.contains("headers") { context.appendUnique("headers", .object(headers(of: request))) }
        context.appendUnique("body", body.map { JSONValue.object($0) } ?? .null)
        context.appendUnique("client", .string(client))

        let executor = Executor(invoker: GatewayInvoker(codec: snapshot.codec))
        let result = await executor.run(route.plan, context: context, client: client, deadline: deadline) { index throws(CallFailure) in
            try defaultRequest(for: route.plan.calls[index].target.method, body: body, query: query, parameters: parameters)
        }
        switch result {
        case .success(let outcome):
            for entry in outcome.failures where entry.failure.detail != nil {
                logger.warning("optional call failed", metadata: ["call": "\(entry.call)", "detail": "\(entry.failure.detail!)"])
            }
            guard !outcome.failures.isEmpty, case .object(var object) = outcome.body else { return outcome.body }
            object["errors"] = .array(outcome.failures.map { entry in
                .object(JSONObject([
                    ("call", .string(entry.call)),
                    ("status", .string(entry.failure.code.name)),
                    ("code", .int(Int64(HTTPStatusMapping.httpStatus(for: entry.failure.code)))),
                    ("message", .string(entry.failure.message)),
                ]))
            })
            return .object(object)
        case .failure(let failure):
            // A backend's own status is ordinary traffic; a failure found here (no connection,
            // a broken stream) is worth a warning, with the details the client was not told.
            logger.log(
                level: failure.failure.detail == nil ? .debug : .warning,
                "required call failed",
                metadata: [
                    "call": "\(failure.call)", "grpc.status_code": "\(failure.failure.code.name)",
                    "detail": "\(failure.failure.detail ?? failure.failure.message)",
                ]
            )
            throw GatewayError(failure.failure.code, failure.failure.message)
        }
    }

    /// The client a request comes from: the configured header, query parameter or path
    /// prefix when it names a shape the route has, else the default client.
    private func client(of request: Request, query: [(String, [String])], plan: CallPlan<CallTarget>, prefix: String?) -> String {
        let named: String?
        switch snapshot.clients.source {
        case .header: named = snapshot.clientHeader.flatMap { request.headers[$0] }
        case .query(let name): named = query.first { $0.0 == name }?.1.first
        case .pathPrefix: named = prefix
        }
        if let named, plan.responses[named] != nil { return named }
        return snapshot.clients.defaultClient
    }

    private func headers(of request: Request) -> JSONObject {
        var object = JSONObject()
        for field in request.headers {
            let name = field.name.canonicalName.lowercased()
            if case .string(let existing)? = object[name] {
                object[name] = .string(existing + ", " + field.value)
            } else {
                object[name] = .string(field.value)
            }
        }
        return object
    }

    /// A call's request when it has no template: the body, then the query parameters its
    /// message has, then the path parameters, each by field name.
    private func defaultRequest(
        for method: MethodInfo,
        body: JSONObject?,
        query: [(String, [String])],
        parameters: [(String, String)]
    ) throws(CallFailure) -> JSONValue {
        var message = body ?? JSONObject()
        for (key, list) in query {
            let field = snapshot.codec.schema.requestField(key, of: method)
            guard field.exists else { continue }
            if field.isRepeated {
                message[key] = .array(list.map { .string($0) })
            } else if list.count == 1 {
                message[key] = .string(list[0])
            } else {
                throw CallFailure(.invalidArgument, "query parameter \"\(key)\" is given \(list.count) times but is not a list")
            }
        }
        for (name, value) in parameters { message[name] = .string(value) }
        return .object(message)
    }

    /// The JSON object of the body for methods that carry one; nil when there is none.
    private func requestBody(_ request: Request) async throws -> JSONObject? {
        guard request.method != .get, request.method != .delete else { return nil }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: snapshot.maxBodySize)
        } catch {
            throw GatewayError(.resourceExhausted, "request body larger than \(snapshot.maxBodySize) bytes", httpStatus: 413)
        }
        guard buffer.readableBytes > 0 else { return nil }
        let value: JSONValue
        do {
            value = try buffer.withUnsafeReadableBytes { bytes throws(JSONParseError) in try JSONParser.parse(bytes) }
        } catch {
            throw GatewayError(.invalidArgument, "request body is not valid JSON: \(error)")
        }
        guard case .object(let object) = value else {
            throw GatewayError(.invalidArgument, "request body must be a JSON object, got \(value.typeName)")
        }
        return object
    }

    /// Query parameters in order, a repeated one gathered into one entry.
    private func queryParameters(_ request: Request) -> [(String, [String])] {
        var values: [(String, [String])] = []
        for (key, value) in request.uri.queryParameters {
            let key = String(key)
            if let i = values.firstIndex(where: { $0.0 == key }) {
                values[i].1.append(String(value))
            } else {
                values.append((key, [String(value)]))
            }
        }
        return values
    }

    // MARK: - Responses

    static func json(status: Int, _ value: JSONValue) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(value)))
        )
    }

    static func error(_ error: GatewayError) -> Response {
        var response = json(status: error.httpStatus, error.body)
        for (name, value) in error.headers {
            if let field = HTTPField.Name(name) { response.headers[field] = value }
        }
        return response
    }
}

extension Duration {
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
