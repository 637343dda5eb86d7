import ManifoldCore

/// Every error a client sees, in one shape after google.rpc.Status:
/// `{"error": {"code": 404, "status": "NOT_FOUND", "message": "..."}}`.
struct GatewayError: Error, Sendable {
    var status: GRPCStatusCode
    var message: String
    /// Overrides the HTTP status the table gives (405 and 413 have no gRPC code of their own).
    var httpStatusOverride: Int?
    /// Extra response headers, such as `Allow` on a 405.
    var headers: [(String, String)] = []

    init(_ status: GRPCStatusCode, _ message: String, httpStatus: Int? = nil) {
        self.status = status
        self.message = message
        self.httpStatusOverride = httpStatus
    }

    var httpStatus: Int { httpStatusOverride ?? HTTPStatusMapping.httpStatus(for: status) }

    var body: JSONValue {
        .object(JSONObject([
            ("error", .object(JSONObject([
                ("code", .int(Int64(httpStatus))),
                ("status", .string(status.name)),
                ("message", .string(message)),
            ])))
        ]))
    }
}
