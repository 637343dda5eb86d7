import Foundation
import HTTPTypes
import Hummingbird
import Logging
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
            let (route, parameters) = try match(request)
            routeLabel = route.template.description
            let body = try await handle(request, route: route, parameters: parameters)
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

    private func match(_ request: Request) throws(GatewayError) -> (GatewaySnapshot.Route, [(String, String)]) {
        let segments = Array(request.uri.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst())
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

    private func handle(_ request: Request, route: GatewaySnapshot.Route, parameters: [(String, String)]) async throws -> JSONValue {
        let call = route.call
        var message = try await requestBody(request)
        try bindQuery(request, into: &message, method: call.method)
        for (name, value) in parameters { message[name] = .string(value) }

        let bytes: [UInt8]
        do {
            bytes = try snapshot.codec.encodeRequest(.object(message), for: call.method)
        } catch {
            throw GatewayError(.invalidArgument, "invalid request: \(error)")
        }
        let timeout = min(call.timeout, route.timeout)
        let response: GRPCUnaryResponse
        do {
            response = try await call.backend.unary(
                GRPCUnaryRequest(path: call.method.path, message: ByteBuffer(bytes: bytes), timeout: timeout)
            )
        } catch {
            logger.debug("backend call failed", metadata: ["backend": "\(call.backendName)", "rpc.method": "\(call.method.fullName)", "grpc.status_code": "\(error.code.name)"])
            throw GatewayError(error.code, error.message)
        }
        do {
            return try response.message.withUnsafeReadableBytes { bytes throws(SchemaError) in
                try snapshot.codec.decodeResponse(bytes, for: call.method)
            }
        } catch {
            throw GatewayError(.internalError, "backend \(call.backendName) sent a malformed \(call.method.fullName) response")
        }
    }

    /// The JSON object of the body for methods that carry one; an empty body is `{}`.
    private func requestBody(_ request: Request) async throws -> JSONObject {
        guard request.method != .get, request.method != .delete else { return JSONObject() }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: snapshot.maxBodySize)
        } catch {
            throw GatewayError(.resourceExhausted, "request body larger than \(snapshot.maxBodySize) bytes", httpStatus: 413)
        }
        guard buffer.readableBytes > 0 else { return JSONObject() }
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

    /// Query parameters fill request fields of the same name; a repeated parameter fills a
    /// repeated field. A parameter that names no field is an error, not silently dropped.
    private func bindQuery(_ request: Request, into message: inout JSONObject, method: MethodInfo) throws(GatewayError) {
        var values: [(String, [String])] = []
        for (key, value) in request.uri.queryParameters {
            let key = String(key)
            if let i = values.firstIndex(where: { $0.0 == key }) {
                values[i].1.append(String(value))
            } else {
                values.append((key, [String(value)]))
            }
        }
        for (key, list) in values {
            let field = snapshot.codec.schema.requestField(key, of: method)
            guard field.exists else { throw GatewayError(.invalidArgument, "unknown query parameter \"\(key)\"") }
            if field.isRepeated {
                message[key] = .array(list.map { .string($0) })
            } else if list.count == 1 {
                message[key] = .string(list[0])
            } else {
                throw GatewayError(.invalidArgument, "query parameter \"\(key)\" is given \(list.count) times but is not a list")
            }
        }
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
